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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases.models import Case
from urbangrid.cases.queries import case_scope, check_may_act, get_visible_case, reads_caller
from urbangrid.intake import outbox
from urbangrid.intake.hotline_rates import CALLBACK_RESULTS
from urbangrid.intake.models import CallerContact, Report
from urbangrid.kit.errors import Forbidden, InvalidInput
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


def _check_role(principal: Principal) -> None:
    if not reads_caller(principal):
        raise Forbidden(
            "only the 受理员 and the 值班长 answer and call back a case's caller",
            code="callback_role",
        )


def report_count(session: Session, case_id: int) -> int:
    """The case's own report plus every report attached to it later (merged calls)."""
    extra = session.scalar(
        select(func.count(Report.id)).where(
            Report.case_id == case_id, Report.original_case_id != case_id
        )
    )
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
    return CallerFile(case, report_count(session, case.id), list(rows), names)


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
