"""答复 / 回访: the centre answers a case's caller and calls them back, on the case page.

Who: the roles that may call back (``cases.queries.CALLBACK_ROLES``: 受理员, 值班长), the
only ones who read the caller's name, phone and wish to be called back. A case the caller
does not read is 404 (the one visibility policy, ``cases.queries``); one of another
platform (a city reading its district's case) is 403.

What follows each record, in :func:`record_reply` / :func:`record_callback`: one row of
``intake_caller_contacts`` and one outbox message (``caller.reply`` / ``caller.callback``,
no personal data: which case, who, when, reached and satisfaction). The case's workflow is
not touched: a 回访 may be made at any time, usually after 结案.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from urbangrid.auth.principal import Principal
from urbangrid.cases import workflow as wf
from urbangrid.cases.models import Attachment, Case
from urbangrid.cases.queries import case_scope, check_may_act, get_visible_case, reads_caller
from urbangrid.intake import outbox
from urbangrid.intake.hotline_rates import CALLBACK_RESULTS
from urbangrid.intake.models import CallerContact, Report
from urbangrid.kit.errors import Conflict, Forbidden, InvalidInput
from urbangrid.kit.types import utcnow
from urbangrid.org.models import User

REPLY = "reply"
CALLBACK = "callback"


@dataclass(frozen=True)
class CallerFile:
    """What the centre knows of a case's caller(s) and what it told them."""

    case: Case
    reports: int  # calls and reports on this case: the first, plus those attached later
    contacts: list[CallerContact]
    names: dict[int, str]  # display names of the users who recorded the contacts
    calls: list[Report]  # calls attached to the case after the first (with their callers)


def _check_role(principal: Principal) -> None:
    if not reads_caller(principal):
        raise Forbidden(
            "only the 受理员 and the 值班长 answer and call back a case's caller",
            code="callback_role",
        )


# ``intake_reports.channel`` of a call the centre attached to an open case (登记 → 疑似重复).
ATTACHED = "register"


def _attached_calls(case_id: int) -> ColumnElement[bool]:
    """Reports on the case besides its first: merged duplicates' and attached calls."""
    return and_(
        Report.case_id == case_id,
        or_(Report.original_case_id != case_id, Report.channel == ATTACHED),
    )


def report_count(session: Session, case_id: int) -> int:
    """The case's own report plus every report attached to it later (merged duplicates,
    calls attached from the 登记 form)."""
    extra = session.scalar(select(func.count(Report.id)).where(_attached_calls(case_id)))
    return 1 + int(extra or 0)


def caller_file(session: Session, principal: Principal, case_id: int) -> CallerFile:
    _check_role(principal)
    case = get_visible_case(session, principal, case_id)
    rows = session.scalars(
        select(CallerContact)
        .where(CallerContact.case_id == case.id)
        .order_by(CallerContact.at, CallerContact.id)
    ).all()
    ids = {r.user_id for r in rows if r.user_id is not None}
    found = session.execute(select(User.id, User.display_name).where(User.id.in_(ids or {-1})))
    names = {int(uid): str(name) for uid, name in found}
    calls = list(
        session.scalars(
            select(Report)
            .where(_attached_calls(case.id), Report.channel == ATTACHED)
            .order_by(Report.received_at, Report.id)
        )
    )
    return CallerFile(case, report_count(session, case.id), list(rows), names, calls)


def _case_to_record_on(session: Session, principal: Principal, case_id: int, kind: str) -> Case:
    _check_role(principal)
    case = get_visible_case(session, principal, case_id)
    check_may_act(case_scope(session, principal), case, kind)
    return case


def _publish(session: Session, case: Case, row: CallerContact) -> None:
    outbox.publish(
        session,
        f"caller.{row.kind}",
        {
            "case_number": case.number,
            "user_id": row.user_id,
            "at": row.at.isoformat(),
            "reached": row.reached,
            "satisfaction": row.satisfaction,
        },
        jurisdiction_id=case.jurisdiction_id,
        case_id=case.id,
    )


def record_reply(
    session: Session,
    principal: Principal,
    case_id: int,
    content: str,
    *,
    now: datetime | None = None,
) -> CallerContact:
    """答复: what the caller was told, by whom and when."""
    case = _case_to_record_on(session, principal, case_id, REPLY)
    text = content.strip()
    if not text:
        raise InvalidInput(
            "say what the caller was told",
            code="reply_empty",
            field="content",
        )
    row = CallerContact(
        case_id=case.id,
        jurisdiction_id=case.jurisdiction_id,
        kind=REPLY,
        user_id=principal.user_id,
        at=now or utcnow(),
        content=text,
    )
    session.add(row)
    session.flush()
    _publish(session, case, row)
    return row


def check_callback(reached: bool, satisfaction: str | None) -> str | None:
    """The satisfaction a 回访 records: one of ``CALLBACK_RESULTS`` when the caller was
    reached, none when not. Pure."""
    value = (satisfaction or "").strip() or None
    if not reached:
        if value is not None:
            raise InvalidInput(
                "a caller not reached gives no satisfaction",
                code="satisfaction_unreached",
                field="satisfaction",
            )
        return None
    if value not in CALLBACK_RESULTS:
        raise InvalidInput(
            f"satisfaction is one of {', '.join(CALLBACK_RESULTS)}",
            code="bad_satisfaction",
            params={"allowed": "/".join(CALLBACK_RESULTS)},
            field="satisfaction",
        )
    return value


def record_callback(
    session: Session,
    principal: Principal,
    case_id: int,
    *,
    reached: bool,
    satisfaction: str | None,
    note: str = "",
    now: datetime | None = None,
) -> CallerContact:
    """回访: whether the caller was reached and, if so, how satisfied they are."""
    value = check_callback(reached, satisfaction)
    case = _case_to_record_on(session, principal, case_id, CALLBACK)
    row = CallerContact(
        case_id=case.id,
        jurisdiction_id=case.jurisdiction_id,
        kind=CALLBACK,
        user_id=principal.user_id,
        at=now or utcnow(),
        content=note.strip(),
        reached=reached,
        satisfaction=value,
    )
    session.add(row)
    session.flush()
    _publish(session, case, row)
    return row


# The 登记 form's channels (frontend Register.tsx CHANNELS).
CALL_CHANNELS = ("hotline", "walk_in", "leader", "media", "other")


@dataclass(frozen=True)
class NewCall:
    """A call the 登记 form attaches to an open case instead of making a new one."""

    channel: str  # the form's channel: hotline | walk_in | leader | media | other
    description: str
    channel_note: str = ""  # which channel, for other (市长信箱 ...)
    reporter_name: str | None = None
    reporter_phone: str | None = None
    callback_wanted: bool = False
    address: str = ""
    attachments: tuple[int, ...] = ()  # the caller's own uploads (or photos of this case)


def attach_call(
    session: Session,
    principal: Principal,
    case_id: int,
    call: NewCall,
    *,
    key: str | None = None,
    now: datetime | None = None,
) -> tuple[Case, Report, bool]:
    """疑似重复 → 并入: record the call on the open case ``case_id`` as one more report (no
    new case); the caller is then given that case's number. 409 ``case_closed_meanwhile``
    when the case ended since the hint was shown. With ``key`` (the form's
    Idempotency-Key) a resend answers the call recorded the first time (third value True).

    What follows: one ``intake_reports`` row (channel ``register``; the caller's details in
    it, read only by the callback roles), the photos join the case, and the reporter
    hears of the case's next steps like every reporter (``duplicates._tell_reporters``)."""
    case = _case_to_record_on(session, principal, case_id, "attach_call")
    external_id = f"{principal.user_id}:{key}"[:64] if key else None
    if external_id is not None:
        known = session.scalar(
            select(Report).where(Report.channel == ATTACHED, Report.external_id == external_id)
        )
        if known is not None:
            if known.case_id != case.id:
                raise Conflict(
                    "this form was already attached to another case",
                    code="concurrent_change",
                )
            return case, known, True
    if case.status in wf.TERMINAL_VALUES:
        raise Conflict(
            f"case {case.number} is {case.status} now: register the call as a new case",
            code="case_closed_meanwhile",
            params={"number": case.number},
        )
    if call.channel not in CALL_CHANNELS:
        raise InvalidInput(f"channel is one of {', '.join(CALL_CHANNELS)}", field="channel")
    text = call.description.strip()
    if not text:
        raise InvalidInput(
            "say what the caller reports", code="call_text_empty", field="description"
        )
    photos: list[Attachment] = []
    for aid in dict.fromkeys(call.attachments):
        photo = session.get(Attachment, aid) if 0 < aid < 2**63 else None
        if photo is None:
            raise InvalidInput(f"unknown attachment {aid}", field="attachments")
        mine = photo.case_id is None and photo.uploaded_by == principal.user_id
        if not (mine or photo.case_id == case.id):
            raise InvalidInput(f"unknown attachment {aid}", field="attachments")
        photos.append(photo)
    for photo in photos:  # the caller's photos join the case's 上报照片
        photo.case_id = case.id
        photo.jurisdiction_id = case.jurisdiction_id
    report = Report(
        jurisdiction_id=case.jurisdiction_id,
        channel=ATTACHED,
        external_id=external_id,
        case_id=case.id,
        original_case_id=case.id,
        first_name=(call.reporter_name or "").strip()[:100] or None,
        phone=(call.reporter_phone or "").strip()[:40] or None,
        address_string=call.address.strip() or None,
        attributes={
            "channel": call.channel,
            "channel_note": call.channel_note.strip(),
            "description": text,
            "callback_wanted": call.callback_wanted,
            "attachments": [p.id for p in photos],
            "by": principal.user_id,
        },
        received_at=now or utcnow(),
    )
    session.add(report)
    session.flush()
    return case, report, False
