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
- ``get_case``, ``case_events`` (the timeline), ``list_cases(session, principal, filters,
  page, page_size) -> (cases, total)``, ``allowed_for(principal, case)``.
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
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from sqlalchemy import Select, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from urbangrid.auth.principal import Principal
from urbangrid.cases import search
from urbangrid.cases import workflow as wf
from urbangrid.cases.models import Attachment, Case, CaseCounter, CaseEvent, RoutingRule
from urbangrid.cases.numbering import DEFAULT_PATTERN, check_pattern, format_case_number
from urbangrid.cases.photos.validation import check_photo
from urbangrid.cases.routing import AreaLevel, CaseSite, RouteRule, best_rule
from urbangrid.cases.search import case_text_matches
from urbangrid.cases.worktime import WorkClock
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.timelimits import TimeLimit, parse_unit
from urbangrid.geo.locator import locate_point
from urbangrid.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Department, Grid, Jurisdiction
from urbangrid.org.roles import Role
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
    unknown = sorted(set(changes) - {"workflow", "worktime", "case_number_pattern"})
    if unknown:
        raise InvalidInput(f"unknown setting(s): {', '.join(unknown)}", field=unknown[0])
    if "workflow" in changes:
        try:
            wf.WorkflowConfig.from_dict(changes["workflow"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"workflow: {exc}", field="workflow") from None
    if "worktime" in changes:
        spec = changes["worktime"] or {}
        extra = sorted(set(spec) - {"office_hours", "calendar_overrides"})
        if extra:
            raise InvalidInput(f"worktime: unknown key(s) {extra}", field="worktime")
        try:
            WorkClock.from_config(
                office_hours=spec.get("office_hours"),
                overrides=spec.get("calendar_overrides") or None,
                tz=jurisdiction.timezone or "Asia/Shanghai",
            )
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"worktime: {exc}", field="worktime") from None
    if changes.get("case_number_pattern") is not None:
        try:
            check_pattern(changes["case_number_pattern"])
        except ValueError as exc:
            raise InvalidInput(str(exc), field="case_number_pattern") from None
    merged = dict(jurisdiction.settings or {})
    merged.update(changes)
    jurisdiction.settings = merged  # a new dict, so the JSON column is seen as changed
    session.flush()
    return case_settings(jurisdiction)


def context_for(jurisdiction: Jurisdiction) -> wf.Context:
    return wf.Context(workflow_config(jurisdiction), work_clock(jurisdiction))


def actor_for(principal: Principal) -> wf.Actor:
    return wf.Actor(
        principal.user_id, frozenset(str(r) for r in principal.roles), principal.department_id
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


def _raise_refused(refused: wf.ActionRefused) -> None:
    extra = {"action": refused.action, "allowed_actions": refused.allowed}
    if refused.kind == "role":
        raise Forbidden(refused.reason, **extra) from None
    if refused.kind == "state":
        raise Conflict(refused.reason, **extra) from None
    raise InvalidInput(refused.reason, **extra) from None


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
            f"the point ({lon}, {lat}) is outside {jurisdiction.name}", field="lon/lat"
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
    external_id: str | None = None
    component_id: int | None = None
    self_handled: bool = False
    attachments: Sequence[int] = ()
    jurisdiction_id: int | None = None
    comment: str = ""


def _jurisdiction_for(
    session: Session, principal: Principal | None, wanted: int | None
) -> Jurisdiction:
    own = principal.jurisdiction_id if principal is not None else None
    jid = wanted if wanted is not None else own
    if jid is None:
        raise InvalidInput("name the jurisdiction_id of the case", field="jurisdiction_id")
    if own is not None and jid != own:
        raise Forbidden("you work in another jurisdiction")
    jurisdiction = session.get(Jurisdiction, jid)
    if jurisdiction is None:
        raise InvalidInput(f"unknown jurisdiction {jid}", field="jurisdiction_id")
    return jurisdiction


def _classification(
    session: Session, category_id: int | None, filing_condition_id: int | None
) -> tuple[Category | None, FilingCondition | None]:
    category = None
    condition = None
    if filing_condition_id is not None:
        condition = session.get(FilingCondition, filing_condition_id)
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
        category = session.get(Category, category_id)
        if category is None:
            raise InvalidInput(f"unknown category {category_id}", field="category_id")
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
    session: Session, ids: Sequence[int], jurisdiction_id: int, case_id: int | None
) -> list[Attachment]:
    rows = []
    for aid in dict.fromkeys(ids):
        row = session.get(Attachment, aid)
        if row is None or (row.jurisdiction_id not in (None, jurisdiction_id)):
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
    category, condition = _classification(session, new.category_id, new.filing_condition_id)
    place = locate(session, jurisdiction, new.lon, new.lat)
    photos = _check_attachments(session, new.attachments, jurisdiction.id, None)
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
        address=new.address,
        description=new.description,
        reporter_id=actor.user_id,
        reporter_name=new.reporter_name,
        reporter_phone=new.reporter_phone,
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


# ---------------------------------------------------------------- actions


def department_scope(principal: Principal | None) -> int | None:
    """The department a caller is confined to: a user whose only role is department handler
    sees the cases of their own department and no others (scope of 专业部门)."""
    if principal is None or principal.department_id is None:
        return None
    if principal.roles and principal.roles <= {Role.DEPARTMENT_HANDLER}:
        return principal.department_id
    return None


def get_case(session: Session, principal: Principal | None, case_id: int) -> Case:
    case = session.get(Case, case_id)
    scope = department_scope(principal)
    if (
        case is None
        or (
            principal is not None
            and principal.jurisdiction_id is not None
            and case.jurisdiction_id != principal.jurisdiction_id
        )
        or (scope is not None and case.department_id != scope)
    ):
        raise NotFound(f"no case {case_id}")
    return case


def case_events(session: Session, case_id: int) -> list[CaseEvent]:
    return list(
        session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)
        )
    )


def allowed_for(session: Session, principal: Principal, case: Case) -> list[str]:
    jurisdiction = session.get(Jurisdiction, case.jurisdiction_id)
    assert jurisdiction is not None
    actions = wf.allowed_actions(
        state_of(case), actor_for(principal), workflow_config(jurisdiction)
    )
    return [a.value for a in actions]


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
    case = get_case(session, principal, case_id)
    if case.version != version:
        raise Conflict(
            f"case {case.number} changed since you loaded it (your version {version}, "
            f"now {case.version}); reload and try again",
            current_version=case.version,
        )
    jurisdiction = session.get(Jurisdiction, case.jurisdiction_id)
    assert jurisdiction is not None
    if actor is None:
        assert principal is not None
        actor = actor_for(principal)
    payload = dict(data or {})
    ctx = context_for(jurisdiction)
    state = state_of(case)
    photos = _check_attachments(session, attachments, jurisdiction.id, case.id)
    if action is wf.Action.RECLASSIFY:
        _, condition = _classification(
            session, payload.get("category_id"), payload.get("filing_condition_id")
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
    command = wf.Command(action, comment, payload, tuple(p.id for p in photos))
    try:
        event = wf.decide(state, command, actor, now, ctx)
    except wf.ActionRefused as refused:
        _raise_refused(refused)
        raise
    new_state = wf.evolve(state, event)
    apply_state(case, new_state)
    if action is wf.Action.RECLASSIFY:
        case.category_id = new_state.category_id
        case.filing_condition_id = new_state.filing_condition_id
    case.version = new_state.version
    case.updated_at = now
    for photo in photos:
        photo.case_id = case.id
    session.add(_event_row(case, event, new_state.version))
    try:
        session.flush()
    except (StaleDataError, IntegrityError):
        # Another transaction acted on the case between our read and our write; the
        # caller's transaction is rolled back by whoever opened it.
        raise Conflict(
            "the case was changed by someone else at the same time; reload and try again"
        ) from None
    return case


def _dispatch_target(session: Session, case: Case, jurisdiction: Jurisdiction, wanted: Any) -> int:
    if wanted is None:
        suggestion = suggest_department(session, case)
        if suggestion is None:
            raise InvalidInput(
                "no routing rule or default department for this case: name department_id",
                field="department_id",
            )
        return suggestion.department_id
    try:
        department_id = int(wanted)
    except (TypeError, ValueError):
        raise InvalidInput("department_id must be an id", field="department_id") from None
    department = session.get(Department, department_id)
    if department is None or department.jurisdiction_id != jurisdiction.id:
        raise InvalidInput(f"unknown department {department_id}", field="department_id")
    if not department.is_active:
        raise InvalidInput(f"department {department.name} is inactive", field="department_id")
    return department_id


# ---------------------------------------------------------------- routing


@dataclass(frozen=True)
class Suggestion:
    department_id: int
    department_name: str
    reason: str  # "rule <id>" or "category default" / "filing condition default"
    rule_id: int | None = None


def suggest_department(session: Session, case: Case) -> Suggestion | None:
    """派遣建议: the most specific routing rule, else the default department of the filing
    condition or of the category (by department code within the jurisdiction)."""
    category = session.get(Category, case.category_id) if case.category_id else None
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
                RoutingRule.jurisdiction_id == case.jurisdiction_id, RoutingRule.is_active
            )
        )
    ]
    site = CaseSite(
        category_id=case.category_id,
        kind=category.kind if category else None,
        big_code=category.big_code if category else None,
        street_id=case.street_id,
        community_id=case.community_id,
        grid_id=case.grid_id,
    )
    rule = best_rule(rules, site)
    if rule is not None:
        dep = session.get(Department, rule.department_id)
        if dep is not None and dep.is_active:
            return Suggestion(dep.id, dep.name, f"routing rule {rule.id}", rule.id)
    codes: list[tuple[str, str]] = []
    if case.filing_condition_id:
        condition = session.get(FilingCondition, case.filing_condition_id)
        if condition is not None and condition.default_department_code:
            codes.append((condition.default_department_code, "filing condition default"))
    if category is not None and category.default_department_code:
        codes.append((category.default_department_code, "category default"))
    for code, why in codes:
        dep = session.scalar(
            select(Department).where(
                Department.jurisdiction_id == case.jurisdiction_id,
                Department.code == code,
                Department.is_active,
            )
        )
        if dep is not None:
            return Suggestion(dep.id, dep.name, why)
    return None


# ---------------------------------------------------------------- listing


@dataclass
class CaseFilters:
    status: Sequence[str] = ()
    department_id: int | None = None
    grid_code: str | None = None
    street_id: int | None = None
    community_id: int | None = None
    category_id: int | None = None
    source: str | None = None
    warning_level: str | None = None
    reported_from: date | datetime | None = None
    reported_to: date | datetime | None = None
    text: str | None = None
    open_only: bool = False
    supervised: bool | None = None
    jurisdiction_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _filtered(
    principal: Principal | None, filters: CaseFilters, *, text_index: bool = True
) -> Select[tuple[Case]]:
    q = select(Case)
    jid = filters.jurisdiction_id
    if principal is not None and principal.jurisdiction_id is not None:
        jid = principal.jurisdiction_id
    if jid is not None:
        q = q.where(Case.jurisdiction_id == jid)
    scope = department_scope(principal)
    if scope is not None:
        q = q.where(Case.department_id == scope)
    if filters.status:
        q = q.where(Case.status.in_(list(filters.status)))
    if filters.open_only:
        q = q.where(Case.status.not_in([s.value for s in wf.TERMINAL]))
    if filters.department_id is not None:
        q = q.where(Case.department_id == filters.department_id)
    if filters.grid_code:
        q = q.where(Case.grid_code == filters.grid_code)
    if filters.street_id is not None:
        q = q.where(Case.street_id == filters.street_id)
    if filters.community_id is not None:
        q = q.where(Case.community_id == filters.community_id)
    if filters.category_id is not None:
        q = q.where(Case.category_id == filters.category_id)
    if filters.source:
        q = q.where(Case.source == filters.source)
    if filters.warning_level:
        q = q.where(Case.warning_level == filters.warning_level)
    if filters.supervised is not None:
        q = q.where(Case.supervised == filters.supervised)
    if filters.reported_from is not None:
        q = q.where(Case.reported_at >= _as_instant(filters.reported_from))
    if filters.reported_to is not None:
        q = q.where(Case.reported_at < _as_instant(filters.reported_to, end=True))
    if filters.text and filters.text.strip():
        q = q.where(case_text_matches(filters.text, use_index=text_index))
    return q


def _as_instant(value: date | datetime, *, end: bool = False) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput("give times with a zone (e.g. ...Z)", field="reported_from/to")
        return value
    tz = ZoneInfo(get_settings().timezone)
    day = value.toordinal() + (1 if end else 0)
    return datetime.combine(date.fromordinal(day), datetime.min.time(), tz)


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
    q = _filtered(principal, filters)
    total = search.capped_count(session, q)
    if filters.text and filters.text.strip() and total > search.COMMON_TEXT_MATCHES:
        q = _filtered(principal, filters, text_index=False)
    rows = session.scalars(
        q.order_by(Case.reported_at.desc(), Case.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return list(rows), total


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
    """Validate (413 / 415 by size and magic bytes) and store a photo, content-addressed
    under ``settings.upload_dir``; the row is added to the caller's transaction."""
    settings = get_settings()
    image = check_photo(content, settings.max_upload_bytes)
    if kind not in ("before", "after", "other"):
        raise InvalidInput("kind is before, after or other", field="kind")
    jid = jurisdiction_id if jurisdiction_id is not None else principal.jurisdiction_id
    if case_id is not None:
        case = get_case(session, principal, case_id)
        jid = case.jurisdiction_id
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
    Returns how many cases changed. The caller commits."""
    now = now or utcnow()
    due = session.scalars(
        select(Case)
        .where(
            Case.status.not_in([s.value for s in wf.TERMINAL] + [wf.Status.SUSPENDED.value]),
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
