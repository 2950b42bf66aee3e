"""Case service: the one way cases are created and changed. Wraps the pure workflow
(:mod:`urbangrid.cases.workflow`) with the database, the working-time clock and routing.

Public API (every function takes an open ``Session`` and never commits; the caller — an API
request, a CLI command, the demo — commits, so one action is one transaction):

- ``create_case(session, principal, new: NewCase, *, now=None) -> Case`` — 上报 / 登记.
  Validates category / filing condition (422 ``category_id`` / ``filing_condition_id``),
  locates the point (422 ``lon``/``lat`` when outside the jurisdiction), numbers the case
  (``2026-000123`` per jurisdiction and year) and records the first event.
- ``perform_action(session, principal, case_id, action, *, version, comment="", data=None,
  attachments=(), now=None) -> Case`` — any workflow action. ``version`` is the case version
  the caller saw: a stale one raises ``Conflict`` (409) and nothing changes. Refusals raise
  ``Forbidden`` (403: role / department) or ``Conflict`` (409: state) or ``InvalidInput``
  (422), each with ``allowed_actions``. ``dispatch`` without ``department_id`` uses the
  routing suggestion; a dispatch to another department than the last is a 错误派遣.
- ``case_events`` (the timeline), ``list_cases(session, principal, filters, page,
  page_size) -> (cases, total)``, ``allowed_for(principal, case)``. Which cases a caller reads
  and acts on is :mod:`urbangrid.cases.queries` (``get_visible_case``), the one policy.
- ``report_once(session, principal, new, key) -> Reported`` — ``create_case`` keyed by the
  client's report key (``Idempotency-Key``): a resend returns the first case, never a second.
- ``transfer_to_district`` — 派遣到区: a city platform sends a case down to its district.
- ``suggest_department(session, case) -> Suggestion | None`` — 派遣建议.
- ``state_of(case) -> CaseState`` (snapshot) and ``rebuild_case_state(session, case_id)``
  (from the events; equal to the snapshot — the audit guarantee).
- ``store_photo(session, principal, content, filename, *, case_id=None, kind="before")``.
- ``workflow_config(jurisdiction)``, ``work_clock(jurisdiction)`` — per-jurisdiction
  settings from ``jurisdictions.settings["workflow"]`` / ``["worktime"]``.

Jurisdiction settings (JSON, all optional)::

    {"workflow": {... WorkflowConfig.from_dict ...},
     "worktime": {"office_hours": "08:30-12:00,13:30-17:30",
                  "calendar_overrides": {"2027-02-06": "work", "2027-02-10": "off"}},
     "case_number_pattern": "{year}-{seq:06d}"}
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from urbangrid.auth.principal import Principal
from urbangrid.cases import search, tasks
from urbangrid.cases import workflow as wf
from urbangrid.cases.models import (
    Attachment,
    Case,
    CaseCounter,
    CaseEvent,
    CaseReportKey,
    RoutingRule,
)
from urbangrid.cases.numbering import DEFAULT_PATTERN, format_case_number
from urbangrid.cases.photos.validation import clean_photo
from urbangrid.cases.queries import (
    CaseFilters,
    CaseScope,
    allowed_in_scope,
    apply_filters,
    case_scope,
    check_filters_in_scope,
    check_may_act,
    get_visible_case,
    open_condition,
    visible_cases,
)
from urbangrid.cases.routing import AreaLevel, CaseSite, RouteRule, best_rule
from urbangrid.cases.settings_check import setting_errors
from urbangrid.cases.worktime import WorkClock
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.service import check_category_for
from urbangrid.catalog.timelimits import TimeLimit, parse_unit
from urbangrid.geo.locator import locate_point
from urbangrid.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from urbangrid.kit.types import utcnow
from urbangrid.notify import service as notify
from urbangrid.org import service as org
from urbangrid.org.models import Department, Grid, Jurisdiction, User, UserGrid
from urbangrid.registers import service as registers
from urbangrid.settings import get_settings

# ---------------------------------------------------------------- configuration


def workflow_config(jurisdiction: Jurisdiction) -> wf.WorkflowConfig:
    raw = (jurisdiction.settings or {}).get("workflow")
    return _workflow_config(json.dumps(raw, sort_keys=True, default=str))


@lru_cache(maxsize=64)
def _workflow_config(raw: str) -> wf.WorkflowConfig:
    try:
        return wf.WorkflowConfig.from_dict(json.loads(raw))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"jurisdiction workflow settings: {exc}", field="settings") from None


def work_clock(jurisdiction: Jurisdiction) -> WorkClock:
    raw = (jurisdiction.settings or {}).get("worktime") or {}
    return _work_clock(json.dumps(raw, sort_keys=True, default=str), jurisdiction.timezone)


@lru_cache(maxsize=64)
def _work_clock(raw: str, tz: str) -> WorkClock:
    spec = json.loads(raw)
    return WorkClock.from_config(
        office_hours=spec.get("office_hours"),
        overrides=spec.get("calendar_overrides") or None,
        tz=tz or "Asia/Shanghai",
    )


def case_settings(jurisdiction: Jurisdiction) -> dict[str, Any]:
    """The case settings of a jurisdiction with every default filled in."""
    raw = jurisdiction.settings or {}
    worktime = dict(raw.get("worktime") or {})
    worktime.setdefault("office_hours", str(work_clock(jurisdiction).office_hours))
    worktime.setdefault("calendar_overrides", {})
    return {
        "workflow": workflow_config(jurisdiction).to_dict(),
        "worktime": worktime,
        "case_number_pattern": raw.get("case_number_pattern") or DEFAULT_PATTERN,
    }


def update_case_settings(
    session: Session, jurisdiction: Jurisdiction, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Replace the ``workflow`` / ``worktime`` / ``case_number_pattern`` settings given in
    ``changes`` after checking them all; nothing is stored if one is bad (422)."""
    errors = setting_errors(changes, jurisdiction.timezone or "Asia/Shanghai")
    if errors:
        first = errors[0].field.split(".")[0]
        raise InvalidInput(
            f"{len(errors)} bad setting(s): " + "; ".join(e.message for e in errors),
            code="settings_invalid",
            params={"count": len(errors)},
            field=first,
            errors=[e.to_dict() for e in errors],
        )
    merged = dict(jurisdiction.settings or {})
    merged.update(changes)
    jurisdiction.settings = merged  # a new dict, so the JSON column is seen as changed
    session.flush()
    return case_settings(jurisdiction)


def context_for(jurisdiction: Jurisdiction) -> wf.Context:
    return wf.Context(workflow_config(jurisdiction), work_clock(jurisdiction))


def actor_for(principal: Principal, scope: CaseScope | None = None) -> wf.Actor:
    """The workflow's actor; with ``scope``, a handler also acts for its sub-units."""
    return wf.Actor(
        principal.user_id,
        frozenset(str(r) for r in principal.roles),
        principal.department_id,
        scope.department_ids if scope is not None else frozenset(),
    )


# ---------------------------------------------------------------- snapshot <-> columns

_DIRECT = [
    f.name
    for f in dataclasses.fields(wf.CaseState)
    if f.name
    not in {
        "status",
        "source",
        "limit",
        "pauses",
        "departments",
        "warning_level",
        "closing_type",
        "reporter_id",
    }
]


def state_of(case: Case) -> wf.CaseState:
    """The workflow state held in the case's columns."""
    kwargs: dict[str, Any] = {name: getattr(case, name) for name in _DIRECT}
    kwargs["extension_total"] = Decimal(case.extension_total or 0)
    if case.requested_extension is not None:
        kwargs["requested_extension"] = Decimal(case.requested_extension)
    limit = None
    if case.limit_value is not None and case.limit_unit is not None:
        limit = TimeLimit(Decimal(case.limit_value), parse_unit(case.limit_unit))
    return wf.CaseState(
        status=wf.Status(case.status),
        source=wf.Source(case.source),
        reporter_id=case.reporter_id,
        limit=limit,
        pauses=tuple(
            (wf.parse_iso(a), wf.parse_iso(b))  # type: ignore[misc]
            for a, b in (case.pauses or [])
        ),
        departments=tuple(int(d) for d in (case.departments or [])),
        warning_level=wf.WarningLevel(case.warning_level),
        closing_type=wf.ClosingType(case.closing_type) if case.closing_type else None,
        **kwargs,
    )


def apply_state(case: Case, state: wf.CaseState) -> None:
    """Copy a workflow state onto the case row (the row is the state's snapshot); also used
    by the historical importer, which builds states from events it replays itself."""
    for name in _DIRECT:
        value = getattr(state, name)
        if getattr(case, name) != value:
            setattr(case, name, value)
    case.status = state.status.value
    case.limit_value = state.limit.value if state.limit else None
    case.limit_unit = state.limit.unit.value if state.limit else None
    case.pauses = [[wf.iso(a), wf.iso(b)] for a, b in state.pauses]
    case.departments = list(state.departments)
    case.warning_level = state.warning_level.value
    case.closing_type = state.closing_type.value if state.closing_type else None


def event_of(row: CaseEvent) -> wf.Event:
    return wf.Event(
        action=wf.Action(row.action),
        at=row.at,
        actor_id=row.actor_id,
        actor_role=row.actor_role,
        from_state=wf.Status(row.from_state) if row.from_state else None,
        to_state=wf.Status(row.to_state),
        comment=row.comment,
        data=row.data or {},
        attachments=tuple(row.attachments or ()),
    )


def _event_row(case: Case, event: wf.Event, seq: int) -> CaseEvent:
    return CaseEvent(
        case_id=case.id,
        jurisdiction_id=case.jurisdiction_id,
        seq=seq,
        action=event.action.value,
        actor_id=event.actor_id,
        actor_role=event.actor_role,
        at=event.at,
        from_state=event.from_state.value if event.from_state else None,
        to_state=event.to_state.value,
        comment=event.comment,
        data=dict(event.data),
        attachments=list(event.attachments),
    )


def rebuild_case_state(session: Session, case_id: int) -> wf.CaseState:
    """The case's state folded from its stored events (the audit trail)."""
    rows = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
    ).all()
    if not rows:
        raise NotFound(f"case {case_id} has no events")
    return wf.rebuild(event_of(r) for r in rows)


# ---------------------------------------------------------------- refusals


def _raise_refused(refused: wf.ActionRefused, allowed: list[str] | None = None) -> None:
    """The workflow's refusal as a domain error; ``allowed``: the caller's actions as
    ``allowed_for`` lists them (the workflow's narrowed by scope), when known."""
    extra: dict[str, Any] = {
        "action": refused.action,
        "allowed_actions": refused.allowed if allowed is None else allowed,
    }
    coded: dict[str, Any] = {"params": {"action": refused.action, **refused.params}}
    if refused.code is not None:
        coded["code"] = refused.code
    if refused.kind == "role":
        raise Forbidden(refused.reason, **coded, **extra) from None
    if refused.kind == "state":
        raise Conflict(refused.reason, **coded, **extra) from None
    raise InvalidInput(refused.reason, **coded, **extra) from None


# ---------------------------------------------------------------- location


@dataclass(frozen=True)
class Place:
    grid_id: int | None
    grid_code: str | None
    community_id: int | None
    street_id: int | None


def locate(session: Session, jurisdiction: Jurisdiction, lon: float, lat: float) -> Place:
    """The grid (and its community and street) of a WGS-84 point, by the geo package's
    cached locator; 422 naming ``lon/lat`` when the point lies outside the jurisdiction's
    grids. A jurisdiction without grids yet takes any point inside its boundary."""
    has_grids = session.scalar(
        select(Grid.id).where(Grid.jurisdiction_id == jurisdiction.id).limit(1)
    )
    if has_grids is not None:
        found = locate_point(session, jurisdiction.id, lon, lat)
        return Place(found.grid_id, found.grid_code, found.community_id, found.street_id)
    if jurisdiction.geometry and not shapely.geometry.shape(jurisdiction.geometry).covers(
        shapely.Point(lon, lat)
    ):
        raise InvalidInput(
            f"the point ({lon}, {lat}) is outside {jurisdiction.name}",
            code="point_outside",
            params={"jurisdiction": jurisdiction.name},
            field="lon/lat",
        )
    return Place(None, None, None, None)


# ---------------------------------------------------------------- numbering


def next_case_number(
    session: Session, jurisdiction: Jurisdiction, when: datetime
) -> tuple[int, str]:
    """Allocate the next number of the jurisdiction's local year (row-locked counter)."""
    year = when.astimezone(ZoneInfo(jurisdiction.timezone or "Asia/Shanghai")).year
    bump = (
        update(CaseCounter)
        .where(CaseCounter.jurisdiction_id == jurisdiction.id, CaseCounter.year == year)
        .values(last=CaseCounter.last + 1)
        .returning(CaseCounter.last)
    )
    seq = session.execute(bump).scalar_one_or_none()
    if seq is None:
        try:
            with session.begin_nested():
                session.execute(
                    insert(CaseCounter).values(jurisdiction_id=jurisdiction.id, year=year, last=1)
                )
            seq = 1
        except IntegrityError:  # another transaction created the row first
            seq = session.execute(bump).scalar_one()
    pattern = (jurisdiction.settings or {}).get("case_number_pattern") or DEFAULT_PATTERN
    try:
        number = format_case_number(year, seq, district_code=jurisdiction.code, pattern=pattern)
    except (ValueError, KeyError, IndexError) as exc:
        raise InvalidInput(str(exc), field="case_number_pattern") from None
    return year, number


# ---------------------------------------------------------------- create


@dataclass
class NewCase:
    source: str
    lon: float
    lat: float
    description: str = ""
    address: str = ""
    category_id: int | None = None
    filing_condition_id: int | None = None
    urgency: str = "normal"
    reporter_name: str | None = None
    reporter_phone: str | None = None
    callback_wanted: bool = False
    external_id: str | None = None
    component_id: int | None = None
    subject_record_id: int | None = None  # a register record (台账) the case is about
    self_handled: bool = False
    attachments: Sequence[int] = ()
    jurisdiction_id: int | None = None
    comment: str = ""


def _jurisdiction_for(
    session: Session, principal: Principal | None, wanted: int | None
) -> Jurisdiction:
    """Where a new case is registered: the caller's own platform. A jurisdiction outside the
    caller's subtree is 404 like any unknown one; one below it (a city user naming a
    district) is 403: the city registers on its own platform and sends the case down
    (派遣到区)."""
    if principal is None:
        if wanted is None:
            raise InvalidInput("name the jurisdiction_id of the case", field="jurisdiction_id")
        jurisdiction = session.get(Jurisdiction, wanted)
        if jurisdiction is None:
            raise InvalidInput(f"unknown jurisdiction {wanted}", field="jurisdiction_id")
        return jurisdiction
    jurisdiction = org.resolve_jurisdiction(session, principal, wanted, field="jurisdiction_id")
    if principal.jurisdiction_id is not None and jurisdiction.id != principal.jurisdiction_id:
        raise Forbidden(
            "register the case on your own platform; a city sends cases down with 派遣到区",
            field="jurisdiction_id",
        )
    return jurisdiction


def _classification(
    session: Session,
    category_id: int | None,
    filing_condition_id: int | None,
    jurisdiction: Jurisdiction,
) -> tuple[Category | None, FilingCondition | None]:
    """The category and 立案条件 a case names, which must be of the catalogue its platform
    uses (``catalog.service.categories_in``); 422 naming the field otherwise."""
    category = None
    condition = None
    if filing_condition_id is not None:
        condition = (
            session.get(FilingCondition, filing_condition_id)
            if 0 < filing_condition_id < 2**63
            else None
        )
        if condition is None:
            raise InvalidInput(
                f"unknown filing condition {filing_condition_id}", field="filing_condition_id"
            )
        if category_id is not None and condition.category_id != category_id:
            raise InvalidInput(
                f"filing condition {filing_condition_id} is not one of category {category_id}",
                field="filing_condition_id",
            )
        category_id = condition.category_id
    if category_id is not None:
        category = session.get(Category, category_id) if 0 < category_id < 2**63 else None
        if category is None:
            raise InvalidInput(
                f"unknown category {category_id}",
                code="unknown_category",
                params={"category_id": category_id},
                field="category_id",
            )
        try:
            check_category_for(session, category, jurisdiction.id)
        except InvalidInput as exc:
            if condition is None or exc.code == "category_disabled":
                raise
            raise InvalidInput(
                f"unknown filing condition {filing_condition_id}", field="filing_condition_id"
            ) from None
        if condition is None:
            active = [c for c in category.conditions if c.is_active]
            if len(active) == 1:  # the only 立案条件 of the category: no choice to make
                condition = active[0]
    return category, condition


def _limit_json(condition: FilingCondition | None) -> dict[str, str] | None:
    if condition is None:
        return None
    unit = parse_unit(condition.time_limit_unit)
    return {"value": str(Decimal(condition.time_limit_value)), "unit": unit.value}


def _check_attachments(
    session: Session,
    ids: Sequence[int],
    jurisdiction_id: int,
    case_id: int | None,
    uploader_id: int | None,
) -> list[Attachment]:
    """The photos an action cites: the caller's own uploads not yet on a case, or photos
    already on this case. Anything else is "unknown" (another user's upload, another
    case's photo), without saying which."""
    rows = []
    for aid in dict.fromkeys(ids):
        row = session.get(Attachment, aid) if 0 < aid < 2**63 else None
        if row is None or row.jurisdiction_id not in (None, jurisdiction_id):
            raise InvalidInput(f"unknown attachment {aid}", field="attachments")
        if row.case_id is None and uploader_id is not None and row.uploaded_by != uploader_id:
            raise InvalidInput(f"unknown attachment {aid}", field="attachments")
        if row.case_id is not None and row.case_id != case_id:
            raise InvalidInput(f"attachment {aid} belongs to another case", field="attachments")
        rows.append(row)
    return rows


def create_case(
    session: Session,
    principal: Principal | None,
    new: NewCase,
    *,
    now: datetime | None = None,
    actor: wf.Actor | None = None,
) -> Case:
    """上报 / 登记. ``principal`` None with ``actor=wf.Actor.system()`` is for machine
    channels without a user account (Open311 gateway, video or sensor alarms): give
    ``new.jurisdiction_id``; the channel must be one the centre registers (not inspector)."""
    now = now or utcnow()
    if actor is None:
        if principal is None:
            raise Forbidden("a case is reported by a user or by the system actor")
        actor = actor_for(principal)
    jurisdiction = _jurisdiction_for(session, principal, new.jurisdiction_id)
    if not (-180 <= new.lon <= 180 and -90 <= new.lat <= 90):
        raise InvalidInput("lon/lat are not WGS-84 degrees", field="lon/lat")
    if new.urgency not in ("normal", "urgent"):
        raise InvalidInput("urgency is normal or urgent", field="urgency")
    category, condition = _classification(
        session, new.category_id, new.filing_condition_id, jurisdiction
    )
    place = locate(session, jurisdiction, new.lon, new.lat)
    if new.subject_record_id is not None:
        registers.check_subject(session, jurisdiction.id, new.subject_record_id)
    photos = _check_attachments(
        session, new.attachments, jurisdiction.id, None, principal.user_id if principal else None
    )
    ctx = context_for(jurisdiction)
    command = wf.Command(
        wf.Action.REPORT,
        new.comment,
        {
            "source": new.source,
            "self_handled": new.self_handled,
            "category_id": category.id if category else None,
            "filing_condition_id": condition.id if condition else None,
            "limit": _limit_json(condition),
        },
        tuple(p.id for p in photos),
    )
    try:
        event = wf.start_case(command, actor, now, ctx)
    except wf.ActionRefused as refused:
        _raise_refused(refused)
        raise  # unreachable
    state = wf.evolve(None, event)
    year, number = next_case_number(session, jurisdiction, now)
    case = Case(
        jurisdiction_id=jurisdiction.id,
        number=number,
        year=year,
        source=state.source.value,
        external_id=new.external_id,
        category_id=state.category_id,
        filing_condition_id=state.filing_condition_id,
        lon=new.lon,
        lat=new.lat,
        grid_id=place.grid_id,
        grid_code=place.grid_code,
        street_id=place.street_id,
        community_id=place.community_id,
        component_id=new.component_id,
        subject_record_id=new.subject_record_id,
        address=new.address,
        description=new.description,
        reporter_id=actor.user_id,
        reporter_name=new.reporter_name,
        reporter_phone=new.reporter_phone,
        reporter_callback=new.callback_wanted,
        urgency=new.urgency,
        created_at=now,
        updated_at=now,
    )
    apply_state(case, state)
    case.version = state.version
    session.add(case)
    session.flush()
    for photo in photos:
        photo.case_id = case.id
        photo.jurisdiction_id = jurisdiction.id
    session.add(_event_row(case, event, state.version))
    session.flush()
    return case


# ---------------------------------------------------------------- reports sent again

REPORT_KEY_MAX = 64


def check_report_key(key: str) -> str:
    """A report's client key (``Idempotency-Key``): 1 to 64 visible ASCII characters (a
    UUID is 36); 422 naming ``Idempotency-Key`` otherwise."""
    if not key:
        raise InvalidInput("the Idempotency-Key is empty", field="Idempotency-Key")
    if len(key) > REPORT_KEY_MAX:
        raise InvalidInput(
            f"the Idempotency-Key is longer than {REPORT_KEY_MAX} characters",
            field="Idempotency-Key",
        )
    if not all("!" <= ch <= "~" for ch in key):
        raise InvalidInput(
            "the Idempotency-Key may hold only visible ASCII characters (a UUID, say)",
            field="Idempotency-Key",
        )
    return key


def report_fingerprint(session: Session, principal: Principal, new: NewCase) -> str:
    """SHA-256 of what a report says. A photo counts by its content (the caller's own
    upload: its SHA-256), so a client that uploaded the same photo again for a resend
    sends the same report."""
    photos: list[str] = []
    for aid in new.attachments:
        row = session.get(Attachment, aid) if 0 < aid < 2**63 else None
        mine = row is not None and row.uploaded_by == principal.user_id
        photos.append(f"sha256:{row.sha256}" if mine and row is not None else f"id:{aid}")
    content = dataclasses.asdict(new)
    content["attachments"] = sorted(photos)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Reported:
    case: Case
    replayed: bool  # True: the key was known, ``case`` is the one made the first time


def _insert_ignoring_conflict(session: Session, values: dict[str, Any]) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING into case_report_keys; the new id, or None when the
    key is taken. A concurrent claim of the same key waits for the other transaction: on
    PostgreSQL for its commit or rollback (unique index), on SQLite for the write lock."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = (
        dialect_insert(CaseReportKey)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["reporter_id", "key"])
        .returning(CaseReportKey.id)
    )
    return session.execute(stmt).scalar_one_or_none()


def _replay(session: Session, row: CaseReportKey, fingerprint: str) -> Reported:
    if row.fingerprint != fingerprint:
        case = session.get(Case, row.case_id) if row.case_id is not None else None
        raise Conflict(
            f"the Idempotency-Key {row.key} was used for another report"
            + (f" (case {case.number})" if case else "")
            + "; make a new key for a new report",
            field="Idempotency-Key",
        )
    if row.case_id is None:  # defensive: a claim is committed with its case
        raise Conflict("the report with this Idempotency-Key is still being saved; send it again")
    case = session.get(Case, row.case_id)
    assert case is not None
    return Reported(case, True)


def report_once(
    session: Session,
    principal: Principal,
    new: NewCase,
    key: str,
    *,
    now: datetime | None = None,
) -> Reported:
    """``create_case`` keyed by the client's report key, unique per reporting user: the first
    report with a key makes the case; the same report again (a resend from an outbox, two
    at once) returns that case (``replayed``) and makes none; another report with a used key
    is 409. A bad key is 422 and nothing is stored."""
    key = check_report_key(key)
    if principal.user_id is None:
        raise InvalidInput("only a user's report carries an Idempotency-Key",
                           field="Idempotency-Key")  # fmt: skip
    fingerprint = report_fingerprint(session, principal, new)
    mine = select(CaseReportKey).where(
        CaseReportKey.reporter_id == principal.user_id, CaseReportKey.key == key
    )
    known = session.scalar(mine)
    if known is not None:
        return _replay(session, known, fingerprint)
    # Claim the key first (the transaction's first write), then make the case.
    now = now or utcnow()
    claimed = _insert_ignoring_conflict(
        session,
        {"reporter_id": principal.user_id, "key": key, "fingerprint": fingerprint,
         "created_at": now},
    )  # fmt: skip
    if claimed is None:  # another request with this key got there first and committed
        known = session.scalar(mine.execution_options(populate_existing=True))
        assert known is not None
        return _replay(session, known, fingerprint)
    case = create_case(session, principal, new, now=now)
    session.execute(
        update(CaseReportKey).where(CaseReportKey.id == claimed).values(case_id=case.id)
    )
    return Reported(case, False)


# ---------------------------------------------------------------- actions


def case_events(session: Session, case_id: int) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    )


def allowed_for(session: Session, principal: Principal, case: Case) -> list[str]:
    """The actions the caller may take on the case now: the workflow's (role, state) within
    the visibility policy's (platform, department, grids)."""
    jurisdiction = session.get(Jurisdiction, case.jurisdiction_id)
    assert jurisdiction is not None
    scope = case_scope(session, principal)
    actions = wf.allowed_actions(
        state_of(case), actor_for(principal, scope), workflow_config(jurisdiction)
    )
    allowed = allowed_in_scope(scope, case, [a.value for a in actions])
    if wf.Action.TRANSFER.value in allowed and not _has_districts(session, jurisdiction):
        allowed.remove(wf.Action.TRANSFER.value)
    return allowed


def _has_districts(session: Session, jurisdiction: Jurisdiction) -> bool:
    """派遣到区 exists only on a platform with platforms below it (a city)."""
    below = session.scalar(
        select(Jurisdiction.id).where(Jurisdiction.parent_id == jurisdiction.id).limit(1)
    )
    return below is not None


def perform_action(
    session: Session,
    principal: Principal | None,
    case_id: int,
    action: str | wf.Action,
    *,
    version: int,
    comment: str = "",
    data: Mapping[str, Any] | None = None,
    attachments: Sequence[int] = (),
    now: datetime | None = None,
    actor: wf.Actor | None = None,
) -> Case:
    """Check and apply one workflow action in the caller's transaction (see module doc).

    ``principal`` None with ``actor`` given is for the system (the SLA watcher)."""
    now = now or utcnow()
    try:
        action = wf.Action(action)
    except ValueError:
        raise InvalidInput(f"unknown action {action!r}", field="action") from None
    if action is wf.Action.REPORT:
        raise InvalidInput("create a case with create_case", field="action")
    if action is wf.Action.TRANSFER:
        return transfer_to_district(
            session, principal, case_id, version=version, comment=comment, data=data, now=now
        )
    case, scope = _case_to_act_on(session, principal, case_id, action.value, version)
    jurisdiction = session.get(Jurisdiction, case.jurisdiction_id)
    assert jurisdiction is not None
    if actor is None:
        assert principal is not None
        actor = actor_for(principal, scope)
    payload = dict(data or {})
    ctx = context_for(jurisdiction)
    state = state_of(case)
    photos = _check_attachments(
        session, attachments, jurisdiction.id, case.id, principal.user_id if principal else None
    )
    if action is wf.Action.RECLASSIFY:
        _, condition = _classification(
            session, payload.get("category_id"), payload.get("filing_condition_id"), jurisdiction
        )
        if condition is None:
            raise InvalidInput("reclassify needs a filing condition", field="filing_condition_id")
        payload = {
            "category_id": condition.category_id,
            "filing_condition_id": condition.id,
            "limit": _limit_json(condition),
        }
    elif action is wf.Action.DISPATCH:
        payload["department_id"] = _dispatch_target(
            session, case, jurisdiction, payload.get("department_id")
        )
    elif action is wf.Action.FORWARD and payload.get("department_id") is not None:
        # The workflow checks it is one of the actor's units; here: it exists and works.
        payload["department_id"] = _dispatch_target(
            session, case, jurisdiction, payload["department_id"]
        )
    elif action is wf.Action.ASSIGN_INSPECTOR and payload.get("inspector_id") is not None:
        payload["inspector_id"] = _task_inspector(
            session, jurisdiction, payload["inspector_id"], case.task_inspector_id
        )
    command = wf.Command(action, comment, payload, tuple(p.id for p in photos))
    try:
        event = wf.decide(state, command, actor, now, ctx)
    except wf.ActionRefused as refused:
        _raise_refused(refused, allowed_for(session, principal, case) if principal else None)
        raise
    new_state = wf.evolve(state, event)
    apply_state(case, new_state)
    if action is wf.Action.RECLASSIFY:
        case.category_id = new_state.category_id
        case.filing_condition_id = new_state.filing_condition_id
    for photo in photos:
        photo.case_id = case.id
    row = _record(session, case, event, new_state.version, now)
    # What follows, in this transaction: the outbox message (the hook on the event row,
    # intake.models) and the notifications the event makes (a turn to yellow: 预警 to the
    # stage's responsible users; 督办: to the responsible department's users).
    notify.after_event(session, case, row)
    return case


def _case_to_act_on(
    session: Session, principal: Principal | None, case_id: int, action: str, version: int
) -> tuple[Case, CaseScope]:
    """The case the caller may take ``action`` on (404 outside their reading scope, 403
    outside their acting scope), at the ``version`` they saw (409 when it moved on)."""
    case = get_visible_case(session, principal, case_id)
    scope = case_scope(session, principal)
    check_may_act(scope, case, action)
    if case.version != version:
        raise Conflict(
            f"case {case.number} changed since you loaded it (your version {version}, "
            f"now {case.version}); reload and try again",
            code="version_conflict",
            params={"number": case.number},
            current_version=case.version,
        )
    return case, scope


def _record(
    session: Session, case: Case, event: wf.Event, version: int, now: datetime
) -> CaseEvent:
    """Writes the case's new version with its event; a concurrent writer makes it a 409."""
    case.version = version
    case.updated_at = now
    row = _event_row(case, event, version)
    session.add(row)
    try:
        session.flush()
    except (StaleDataError, IntegrityError):
        # Another transaction acted on the case between our read and our write; the
        # caller's transaction is rolled back by whoever opened it.
        raise Conflict(
            "the case was changed by someone else at the same time; reload and try again",
            code="concurrent_change",
        ) from None
    return row


def district_of_point(session: Session, city: Jurisdiction, lon: float, lat: float) -> Jurisdiction:
    """The platform below ``city`` whose unit grids hold the point (派遣到区 suggests it);
    422 when none does."""
    below = org.jurisdiction_subtree(session, city.id) - {city.id}
    for district in session.scalars(
        select(Jurisdiction).where(Jurisdiction.id.in_(sorted(below))).order_by(Jurisdiction.id)
    ):
        if session.scalar(select(Grid.id).where(Grid.jurisdiction_id == district.id).limit(1)):
            try:
                locate_point(session, district.id, lon, lat)
            except InvalidInput:
                continue
            return district
    raise InvalidInput(
        f"the point ({lon}, {lat}) lies in none of the districts of {city.name}: name one",
        code="point_in_no_district",
        params={"jurisdiction": city.name},
        field="jurisdiction_id",
    )


def transfer_to_district(
    session: Session,
    principal: Principal | None,
    case_id: int,
    *,
    version: int,
    comment: str = "",
    data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Case:
    """派遣到区: the city platform sends one of its own cases down to a district platform
    below it (``data["jurisdiction_id"]``, default: the district whose grids hold the
    point). The case is placed in the district's grids, takes the district's next number
    (the event keeps the city's) and waits for the district's 受理 on the district's clock;
    from then on the district handles it as its own and the city reads it (and may 督办)."""
    now = now or utcnow()
    case, scope = _case_to_act_on(session, principal, case_id, wf.Action.TRANSFER.value, version)
    city = session.get(Jurisdiction, case.jurisdiction_id)
    assert city is not None
    wanted = (data or {}).get("jurisdiction_id")
    if wanted is None:
        district = district_of_point(session, city, case.lon, case.lat)
    else:
        try:
            district_id = int(wanted)
        except (TypeError, ValueError, OverflowError):
            raise InvalidInput("jurisdiction_id must be an id", field="jurisdiction_id") from None
        below = org.jurisdiction_subtree(session, city.id) - {city.id}
        found = session.get(Jurisdiction, district_id) if district_id in below else None
        if found is None:
            raise InvalidInput(
                f"{district_id} is not a district platform of {city.name}", field="jurisdiction_id"
            )
        district = found
    place = locate(session, district, case.lon, case.lat)
    actor = actor_for(principal, scope) if principal is not None else wf.Actor.system()
    year, number = next_case_number(session, district, now)
    command = wf.Command(
        wf.Action.TRANSFER,
        comment,
        {
            "jurisdiction_id": district.id,
            "from_jurisdiction_id": city.id,
            "from_number": case.number,
            "number": number,
        },
    )
    try:
        # The district's clock and stage limits: the case starts at its 受理.
        event = wf.decide(state_of(case), command, actor, now, context_for(district))
    except wf.ActionRefused as refused:
        _raise_refused(refused, allowed_for(session, principal, case) if principal else None)
        raise
    new_state = wf.evolve(state_of(case), event)
    apply_state(case, new_state)
    case.jurisdiction_id = district.id
    case.number, case.year = number, year
    case.grid_id, case.grid_code = place.grid_id, place.grid_code
    case.street_id, case.community_id = place.street_id, place.community_id
    for photo in session.scalars(select(Attachment).where(Attachment.case_id == case.id)):
        photo.jurisdiction_id = district.id
    _record(session, case, event, new_state.version, now)
    return case


def _inspector_of(user: User | None) -> tasks.Inspector | None:
    if user is None:
        return None
    return tasks.Inspector(
        user.id,
        user.jurisdiction_id,
        frozenset(user.role_names),
        is_active=user.is_active,
        on_leave=user.on_leave,
    )


def _task_inspector(
    session: Session, jurisdiction: Jurisdiction, wanted: Any, current: int | None
) -> int:
    """派发: the inspector must be a present inspector of the case's own platform, and not
    the one the task is already with (``cases.tasks.assignment_problem``)."""
    try:
        user_id = int(wanted)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("inspector_id must be a user id", field="inspector_id") from None
    user = session.get(User, user_id) if 0 < user_id < 2**63 else None
    problem = tasks.assignment_problem(
        _inspector_of(user), jurisdiction.id, user_id=user_id, current=current
    )
    if problem is not None or user is None:
        raise InvalidInput(problem or f"no user {user_id}", field="inspector_id")
    return user.id


def task_holder_of(session: Session, case: Case) -> tasks.TaskHolder | None:
    """Who holds the case's 核实 / 核查 task now (None: the case is no task)."""
    if case.status not in tasks.TASK_STATE_VALUES:
        return None
    sent_user = session.get(User, case.task_inspector_id) if case.task_inspector_id else None
    sent = _inspector_of(sent_user)
    grid: list[tasks.Inspector] = []
    if case.grid_id is not None and sent is None:
        users = session.scalars(
            select(User)
            .join(UserGrid, UserGrid.user_id == User.id)
            .where(UserGrid.grid_id == case.grid_id)
        )
        grid = [i for i in map(_inspector_of, users) if i is not None]
    if case.task_inspector_id is not None and sent is None:
        return tasks.POOL  # sent to a user since deleted
    return tasks.task_holder(case.status, sent, grid)


def _dispatch_target(session: Session, case: Case, jurisdiction: Jurisdiction, wanted: Any) -> int:
    if wanted is None:
        suggestion = suggest_department(session, case)
        if suggestion is None:
            raise InvalidInput(
                "no routing rule or default department for this case: name department_id",
                code="department_required",
                field="department_id",
            )
        return suggestion.department_id
    try:
        department_id = int(wanted)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("department_id must be an id", field="department_id") from None
    department = session.get(Department, department_id) if 0 < department_id < 2**63 else None
    if department is None or department.jurisdiction_id != jurisdiction.id:
        raise InvalidInput(f"unknown department {department_id}", field="department_id")
    if not department.is_active:
        raise InvalidInput(
            f"department {department.name} is inactive",
            code="department_inactive",
            params={"department": department.name},
            field="department_id",
        )
    return department_id


# ---------------------------------------------------------------- routing


@dataclass(frozen=True)
class Suggestion:
    department_id: int
    department_name: str
    reason: str  # "rule <id>" or "category default" / "filing condition default"
    rule_id: int | None = None


def suggest_department(session: Session, case: Case) -> Suggestion | None:
    """派遣建议: the responsible unit of the register record the case is about, else the most
    specific routing rule, else the default department of the filing condition or of the
    category (by department code within the jurisdiction)."""
    if case.subject_record_id is not None:
        code = registers.responsible_department_code(session, case.subject_record_id)
        dep = _active_department(session, case.jurisdiction_id, code) if code else None
        if dep is not None:
            return Suggestion(dep.id, dep.name, "register record's responsible unit")
    category = session.get(Category, case.category_id) if case.category_id else None
    site = CaseSite(
        category_id=case.category_id,
        kind=category.kind if category else None,
        big_code=category.big_code if category else None,
        street_id=case.street_id,
        community_id=case.community_id,
        grid_id=case.grid_id,
    )
    return route_site(session, case.jurisdiction_id, site, category, case.filing_condition_id)


def route_site(
    session: Session,
    jurisdiction_id: int,
    site: CaseSite,
    category: Category | None,
    filing_condition_id: int | None = None,
) -> Suggestion | None:
    """The department the platform's active rules (else the defaults) give ``site``: what a
    case there would be suggested, and what the rules screen's tester shows."""
    rules = [
        RouteRule(
            id=r.id,
            department_id=r.department_id,
            category_id=r.category_id,
            kind=r.kind,
            big_code=r.big_code,
            area_level=AreaLevel(r.area_level),
            area_id=r.area_id,
            priority=r.priority,
        )
        for r in session.scalars(
            select(RoutingRule).where(
                RoutingRule.jurisdiction_id == jurisdiction_id, RoutingRule.is_active
            )
        )
    ]
    rule = best_rule(rules, site)
    if rule is not None:
        dep = session.get(Department, rule.department_id)
        if dep is not None and dep.is_active:
            return Suggestion(dep.id, dep.name, f"routing rule {rule.id}", rule.id)
    codes: list[tuple[str, str]] = []
    if filing_condition_id:
        condition = session.get(FilingCondition, filing_condition_id)
        if condition is not None and condition.default_department_code:
            codes.append((condition.default_department_code, "filing condition default"))
    if category is not None and category.default_department_code:
        codes.append((category.default_department_code, "category default"))
    for code, why in codes:
        dep = _active_department(session, jurisdiction_id, code)
        if dep is not None:
            return Suggestion(dep.id, dep.name, why)
    return None


def _active_department(session: Session, jurisdiction_id: int, code: str) -> Department | None:
    return session.scalar(
        select(Department).where(
            Department.jurisdiction_id == jurisdiction_id,
            Department.code == code,
            Department.is_active,
        )
    )


# ---------------------------------------------------------------- listing


def list_cases(
    session: Session,
    principal: Principal | None,
    filters: CaseFilters,
    *,
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[Case], int]:
    """A page of cases, newest first, and their number counted up to ``COUNT_CAP + 1``
    (``search.capped_count``: a total above ``COUNT_CAP`` means "more than that")."""
    check_filters_in_scope(session, case_scope(session, principal), filters)
    visible = visible_cases(session, principal)
    return search.page_of_cases(
        session,
        lambda use_index: apply_filters(visible, filters, text_index=use_index),
        search.NEWEST_FIRST,
        text=filters.has_text(),
        page=page,
        page_size=page_size,
    )


# ---------------------------------------------------------------- photos


def store_photo(
    session: Session,
    principal: Principal,
    content: bytes,
    filename: str,
    *,
    case_id: int | None = None,
    kind: str = "before",
    jurisdiction_id: int | None = None,
) -> Attachment:
    """Decode, clean and store a photo (``photos.validation.clean_photo``: 413 / 415, no
    metadata kept), content-addressed under ``settings.upload_dir``; the row is added to the
    caller's transaction. A photo for a case needs a case the caller may act on."""
    settings = get_settings()
    if kind not in ("before", "after", "other"):
        raise InvalidInput("kind is before, after or other", field="kind")
    jid = jurisdiction_id if jurisdiction_id is not None else principal.jurisdiction_id
    if case_id is not None:
        case = get_visible_case(session, principal, case_id)
        if not case_scope(session, principal).acts_on(case):
            raise Forbidden(
                f"case {case.number} is not yours to add photos to",
                code="case_out_of_scope",
                params={"number": case.number},
            )
        jid = case.jurisdiction_id
    photo = clean_photo(content, settings.max_upload_bytes)
    image, content = photo.kind, photo.content
    digest = hashlib.sha256(content).hexdigest()
    relative = Path(digest[:2]) / f"{digest}.{image.extension}"
    target = settings.upload_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so a crash never leaves half a photo.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    row = Attachment(
        jurisdiction_id=jid,
        case_id=case_id,
        kind=kind,
        filename=Path(filename or "photo").name[:255],
        content_type=image.content_type,
        size=len(content),
        sha256=digest,
        path=str(relative),
        uploaded_by=principal.user_id,
    )
    session.add(row)
    session.flush()
    return row


def attachment_path(row: Attachment) -> Path:
    return get_settings().upload_dir / row.path


def case_attachments(session: Session, case_id: int) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)
        )
    )


# ---------------------------------------------------------------- SLA watcher


def sla_scan(session: Session, *, now: datetime | None = None, limit: int = 5000) -> int:
    """Move open cases to yellow / red as their time runs out, one ``warn`` event each.
    Returns how many cases changed. The caller commits. Imported history (a first event
    with ``imported_from``, see ``urbangrid.intake.importer``) is left as imported: no
    warnings dated today for cases due years ago."""
    now = now or utcnow()
    imported = (
        select(CaseEvent.id)
        .where(
            CaseEvent.case_id == Case.id,
            CaseEvent.seq == 1,
            CaseEvent.data["imported_from"].as_string().is_not(None),
        )
        .exists()
    )
    due = session.scalars(
        select(Case)
        .where(
            open_condition(),
            Case.status != wf.Status.SUSPENDED.value,
            ~imported,
            or_(
                and_(Case.warning_level == "green", Case.warn_at <= now),
                and_(Case.warning_level != "red", Case.due_at <= now),
            ),
        )
        .order_by(Case.due_at)
        .limit(limit)
    ).all()
    changed = 0
    system = wf.Actor.system()
    for case in due:
        level = wf.level_at(now, case.warn_at, case.due_at)
        if level.value == case.warning_level:
            continue
        try:
            with session.begin_nested():
                perform_action(
                    session,
                    None,
                    case.id,
                    wf.Action.WARN,
                    version=case.version,
                    data={"level": level.value},
                    now=now,
                    actor=system,
                )
            changed += 1
        except (Conflict, InvalidInput):
            continue  # someone acted on the case meanwhile; the next scan sees it
    return changed
