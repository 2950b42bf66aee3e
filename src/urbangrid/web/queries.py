"""Read-only queries behind the web screens: work lists, the command map's points and grid
counts, the dashboard's numbers and the live feed of case changes. Nothing here writes;
every change goes through :mod:`urbangrid.cases.service`."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases import search
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.search import case_text_matches
from urbangrid.cases.workflow import TERMINAL, Status
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.kit.errors import Forbidden, InvalidInput, NotFound
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Community, Department, Grid, Street, User
from urbangrid.settings import get_settings
from urbangrid.web.worklists import QUEUES, Scope, light_at, may_use

# "Open" as an IN list, not NOT IN: the (jurisdiction, status) index then finds the few open
# cases among a million closed ones instead of scanning them all.
_OPEN = [s.value for s in Status if s not in TERMINAL]
_TERMINAL_VALUES = frozenset(s.value for s in TERMINAL)
# States without a running clock (the light is "none").
_NO_CLOCK = [*(s.value for s in TERMINAL), Status.SUSPENDED.value]
# 2026-000123 (and the load generator's 2026-L0000123).
CASE_NUMBER = re.compile(r"\d{4}-[A-Za-z]?\d{3,}|\d{10,20}")
# Map and dashboard lists are capped so one request cannot pull a whole archive.
MAP_POINT_LIMIT = 200_000


@dataclass
class ListFilters:
    """Filters shared by the work lists and the command map."""

    statuses: list[str] = field(default_factory=list)
    category_id: int | None = None
    # 大类 as ``kind:code`` (e.g. ``component:01``): big codes repeat across the two kinds.
    big_class: str | None = None
    department_id: int | None = None
    street_id: int | None = None
    grid_code: str | None = None
    source: str | None = None
    warning_level: str | None = None
    reported_from: date | None = None
    reported_to: date | None = None
    text: str | None = None
    open_only: bool = False


def _tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), _tz()).astimezone(UTC)


def _jurisdiction_scope(q: Select[Any], principal: Principal) -> Select[Any]:
    if principal.jurisdiction_id is not None:
        q = q.where(Case.jurisdiction_id == principal.jurisdiction_id)
    return q


def _check_statuses(statuses: list[str]) -> None:
    valid = {s.value for s in Status}
    bad = [s for s in statuses if s not in valid]
    if bad:
        raise InvalidInput(f"unknown status {bad[0]!r}", field="status")


def apply_filters(q: Select[Any], f: ListFilters, *, text_index: bool = True) -> Select[Any]:
    _check_statuses(f.statuses)
    if f.statuses:
        q = q.where(Case.status.in_(f.statuses))
    if f.open_only:
        q = q.where(Case.status.in_(_OPEN))
    if f.category_id is not None:
        q = q.where(Case.category_id == f.category_id)
    if f.big_class:
        kind, _, big = f.big_class.partition(":")
        q = q.where(
            Case.category_id.in_(
                select(Category.id).where(Category.kind == kind, Category.big_code == big)
            )
        )
    if f.department_id is not None:
        q = q.where(Case.department_id == f.department_id)
    if f.street_id is not None:
        q = q.where(Case.street_id == f.street_id)
    if f.grid_code:
        q = q.where(Case.grid_code == f.grid_code)
    if f.source:
        q = q.where(Case.source == f.source)
    if f.warning_level:
        if f.warning_level not in ("green", "yellow", "red"):
            raise InvalidInput("warning_level is green, yellow or red", field="warning_level")
        q = q.where(Case.warning_level == f.warning_level)
    if f.reported_from is not None:
        q = q.where(Case.reported_at >= _local_midnight(f.reported_from))
    if f.reported_to is not None:
        q = q.where(Case.reported_at < _local_midnight(f.reported_to + timedelta(days=1)))
    text = (f.text or "").strip()
    if CASE_NUMBER.fullmatch(text):
        # A whole case number: the unique index answers at once, whatever the table size.
        q = q.where(Case.number == text.upper())
    elif text:
        q = q.where(case_text_matches(text, use_index=text_index))
    return q


# ---------------------------------------------------------------- work lists


def worklist(
    session: Session,
    principal: Principal,
    queue_name: str,
    filters: ListFilters,
    *,
    page: int = 1,
    page_size: int = 50,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One page of a queue, most urgent first (earliest deadline), with display names."""
    queue = QUEUES.get(queue_name)
    if queue is None:
        raise NotFound(f"no work list {queue_name!r}", queues=sorted(QUEUES))
    if not may_use(queue, principal.roles):
        raise Forbidden(f"the {queue_name} list is not for your role")
    now = now or utcnow()
    _check_statuses(filters.statuses)
    q = _jurisdiction_scope(select(Case), principal)
    wanted = [s.value for s in queue.statuses]
    if filters.statuses:
        wanted = [s for s in filters.statuses if s in wanted]
    q = q.where(Case.status.in_(wanted or ["-"]))
    is_admin = "admin" in principal.roles
    if queue.scope is Scope.DEPARTMENT and not is_admin:
        if principal.department_id is None:
            raise Forbidden("your account has no department")
        q = q.where(Case.department_id == principal.department_id)
    elif queue.scope is Scope.GRIDS and principal.grid_ids and not is_admin:
        q = q.where(Case.grid_id.in_(sorted(principal.grid_ids)))
    list_filters = ListFilters(**{**filters.__dict__, "statuses": []})
    # The text index pays off only against the whole history: a list of open cases (every
    # queue) is a small, recent set that its status index finds faster than the matches of
    # a common word among a million closed cases (bench_worklists, 1 M cases: 306 → 112 ms).
    with_history = any(s in _TERMINAL_VALUES for s in wanted)
    unfiltered, q = q, apply_filters(q, list_filters, text_index=with_history)
    total = search.capped_count(session, q)
    if filters.text and with_history and total > search.COMMON_TEXT_MATCHES:
        q = apply_filters(unfiltered, list_filters, text_index=False)
    if queue_name in ("all", "open"):
        order = [Case.reported_at.desc(), Case.id.desc()]
    else:
        # Earliest deadline first; cases without one (rare) last, oldest first.
        order = [Case.due_at.asc().nulls_last(), Case.id]
    cases = list(
        session.scalars(q.order_by(*order).offset((page - 1) * page_size).limit(page_size))
    )
    names = _names_for(session, cases)
    items = [_row(c, names, now) for c in cases]
    return {
        "queue": queue_name,
        "items": items,
        "total": min(total, search.COUNT_CAP),
        "total_capped": total > search.COUNT_CAP,
        "page": page,
        "page_size": page_size,
        "now": now.isoformat(),
    }


@dataclass
class _Names:
    categories: dict[int, tuple[str, str]] = field(default_factory=dict)
    departments: dict[int, str] = field(default_factory=dict)
    streets: dict[int, str] = field(default_factory=dict)


def _names_for(session: Session, cases: list[Case]) -> _Names:
    names = _Names()
    cat_ids = {c.category_id for c in cases if c.category_id}
    dep_ids = {c.department_id for c in cases if c.department_id}
    street_ids = {c.street_id for c in cases if c.street_id}
    if cat_ids:
        for cid, code, name, local in session.execute(
            select(Category.id, Category.code, Category.name, Category.local_name).where(
                Category.id.in_(cat_ids)
            )
        ):
            names.categories[cid] = (code, local or name)
    if dep_ids:
        names.departments = dict(
            session.execute(
                select(Department.id, Department.name).where(Department.id.in_(dep_ids))
            ).all()
        )
    if street_ids:
        names.streets = dict(
            session.execute(select(Street.id, Street.name).where(Street.id.in_(street_ids))).all()
        )
    return names


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _row(case: Case, names: _Names, now: datetime) -> dict[str, Any]:
    cat = names.categories.get(case.category_id or -1)
    return {
        "id": case.id,
        "number": case.number,
        "status": case.status,
        "source": case.source,
        "category_code": cat[0] if cat else None,
        "category_name": cat[1] if cat else None,
        "filing_condition_id": case.filing_condition_id,
        "department_id": case.department_id,
        "department_name": names.departments.get(case.department_id or -1),
        "street_name": names.streets.get(case.street_id or -1),
        "grid_code": case.grid_code,
        "address": case.address,
        "description": case.description[:200],
        "urgency": case.urgency,
        "supervised": case.supervised,
        "version": case.version,
        "reported_at": _iso(case.reported_at),
        "due_at": _iso(case.due_at),
        "warn_at": _iso(case.warn_at),
        "warning_level": case.warning_level,
        "light": light_at(now, case.due_at, case.warn_at, case.warning_level, case.status).value,
        "lon": case.lon,
        "lat": case.lat,
    }


def queue_counts(session: Session, principal: Principal) -> dict[str, int]:
    """How many cases wait in each queue the user may open (for the navigation badges)."""
    out: dict[str, int] = {}
    for name, queue in QUEUES.items():
        if name in ("all", "open") or not may_use(queue, principal.roles):
            continue
        q = _jurisdiction_scope(select(func.count(Case.id)), principal).where(
            Case.status.in_([s.value for s in queue.statuses])
        )
        if queue.scope is Scope.DEPARTMENT and "admin" not in principal.roles:
            q = q.where(Case.department_id == (principal.department_id or -1))
        elif queue.scope is Scope.GRIDS and principal.grid_ids and "admin" not in principal.roles:
            q = q.where(Case.grid_id.in_(sorted(principal.grid_ids)))
        out[name] = int(session.scalar(q) or 0)
    return out


# ---------------------------------------------------------------- case page context


def case_context(session: Session, principal: Principal, case_id: int) -> dict[str, Any]:
    """Names the case page shows beside the case API's ids: category, filing and closing
    conditions, department, area, and the people in the timeline."""
    case = session.get(Case, case_id)
    if case is None or (
        principal.jurisdiction_id is not None and case.jurisdiction_id != principal.jurisdiction_id
    ):
        raise NotFound(f"no case {case_id}")
    out: dict[str, Any] = {"category": None, "condition": None, "department": None}
    if case.category_id:
        cat = session.get(Category, case.category_id)
        if cat is not None:
            out["category"] = {
                "id": cat.id,
                "kind": cat.kind,
                "code": cat.code,
                "name": cat.local_name or cat.name,
                "big_name": cat.big_name,
            }
    if case.filing_condition_id:
        cond = session.get(FilingCondition, case.filing_condition_id)
        if cond is not None:
            out["condition"] = {
                "id": cond.id,
                "description": cond.description,
                "time_limit_value": str(cond.time_limit_value),
                "time_limit_unit": cond.time_limit_unit,
                "time_limit_raw": cond.time_limit_raw,
                "closing_condition": cond.closing_condition,
            }
    if case.department_id:
        dep = session.get(Department, case.department_id)
        if dep is not None:
            out["department"] = {"id": dep.id, "name": dep.name, "phone": dep.phone}
    out["street"] = session.scalar(select(Street.name).where(Street.id == case.street_id))
    out["community"] = session.scalar(
        select(Community.name).where(Community.id == case.community_id)
    )
    grid = session.get(Grid, case.grid_id) if case.grid_id else None
    out["grid"] = (
        {"id": grid.id, "code": grid.code, "geometry": grid.geometry} if grid is not None else None
    )
    actor_ids = set(
        session.scalars(
            select(CaseEvent.actor_id).where(
                CaseEvent.case_id == case.id, CaseEvent.actor_id.is_not(None)
            )
        )
    )
    if case.reporter_id:
        actor_ids.add(case.reporter_id)
    out["people"] = {
        str(uid): name
        for uid, name in session.execute(
            select(User.id, User.display_name).where(User.id.in_(actor_ids or {-1}))
        )
    }
    dep_ids = {int(d) for d in (case.departments or [])}
    out["departments"] = {
        str(did): name
        for did, name in session.execute(
            select(Department.id, Department.name).where(Department.id.in_(dep_ids or {-1}))
        )
    }
    now = utcnow()
    out["light"] = light_at(now, case.due_at, case.warn_at, case.warning_level, case.status).value
    out["now"] = now.isoformat()
    return out


# ---------------------------------------------------------------- command map

# Compact codes so 50,000 points stay a small download.
STATUS_CODES = {s.value: i for i, s in enumerate(Status)}
LIGHT_CODES = {"none": 0, "green": 1, "yellow": 2, "red": 3}


def light_code_sql(now: datetime) -> Any:
    """:func:`urbangrid.web.worklists.light_at` as a SQL expression giving LIGHT_CODES, so
    tens of thousands of map points need no per-row datetime work in Python."""
    stored = sql_case(
        (Case.warning_level == "red", 3),
        (Case.warning_level == "yellow", 2),
        (Case.warning_level == "green", 1),
        else_=0,
    )
    return sql_case(
        (Case.status.in_(_NO_CLOCK), 0),
        (Case.due_at.is_(None), stored),
        (Case.due_at <= now, 3),
        (Case.warning_level == "red", 3),
        (and_(Case.warn_at.is_not(None), Case.warn_at <= now), 2),
        (Case.warning_level == "yellow", 2),
        else_=1,
    )


def map_points(
    session: Session, principal: Principal, filters: ListFilters, *, now: datetime | None = None
) -> dict[str, Any]:
    """Case points for the map as columns: ``[id, lon, lat, status, light, category_id]``."""
    now = now or utcnow()
    q = _jurisdiction_scope(
        select(Case.id, Case.lon, Case.lat, Case.status, light_code_sql(now), Case.category_id),
        principal,
    )
    q = apply_filters(q, filters).order_by(Case.id).limit(MAP_POINT_LIMIT + 1)
    rows = session.execute(q).all()
    truncated = len(rows) > MAP_POINT_LIMIT
    codes = STATUS_CODES
    points = [
        [i, round(x, 6), round(y, 6), codes.get(st, 0), light, cat]
        for i, x, y, st, light, cat in rows[:MAP_POINT_LIMIT]
    ]
    return {
        "fields": ["id", "lon", "lat", "status", "light", "category_id"],
        "statuses": list(STATUS_CODES),
        "lights": list(LIGHT_CODES),
        "points": points,
        "truncated": truncated,
        "now": now.isoformat(),
    }


def grid_counts(
    session: Session, principal: Principal, filters: ListFilters, *, now: datetime | None = None
) -> dict[str, Any]:
    """Open and overdue cases per grid code (the map colours grids by these)."""
    now = now or utcnow()
    f = ListFilters(**{**filters.__dict__, "open_only": True})
    # Overdue: past the deadline now, or flagged red by the SLA watcher.
    overdue = func.sum(sql_case((or_(Case.due_at <= now, Case.warning_level == "red"), 1), else_=0))
    q = _jurisdiction_scope(
        # count(*) and included columns only: an index-only scan on PostgreSQL (0006_web).
        select(Case.grid_code, func.count(), overdue).where(Case.grid_code.is_not(None)),
        principal,
    )
    q = apply_filters(q, f).group_by(Case.grid_code)
    grids = {code: [int(n), int(o or 0)] for code, n, o in session.execute(q)}
    return {"fields": ["open", "overdue"], "grids": grids, "now": now.isoformat()}


# ---------------------------------------------------------------- dashboard


def dashboard(
    session: Session, principal: Principal, *, now: datetime | None = None
) -> dict[str, Any]:
    """Today's and this month's numbers, a 30-day trend, and this month's breakdowns."""
    now = now or utcnow()
    tz = _tz()
    today = now.astimezone(tz).date()
    month_start = today.replace(day=1)
    t_today = _local_midnight(today)
    t_month = _local_midnight(month_start)
    trend_start = today - timedelta(days=29)
    t_trend = _local_midnight(trend_start)

    def count(*conds: Any) -> int:
        q = _jurisdiction_scope(select(func.count(Case.id)), principal).where(*conds)
        return int(session.scalar(q) or 0)

    open_cond = Case.status.in_(_OPEN)
    numbers = {
        "today": {
            "reported": count(Case.reported_at >= t_today),
            "filed": count(Case.filed_at >= t_today),
            "closed": count(Case.closed_at >= t_today, Case.status == "closed"),
        },
        "month": {
            "reported": count(Case.reported_at >= t_month),
            "filed": count(Case.filed_at >= t_month),
            "closed": count(Case.closed_at >= t_month, Case.status == "closed"),
            "closed_on_time": count(
                Case.closed_at >= t_month, Case.status == "closed", Case.handled_overdue.is_(False)
            ),
        },
        "open": count(open_cond),
        "overdue": count(open_cond, or_(Case.due_at <= now, Case.warning_level == "red")),
        "yellow": count(open_cond, Case.warning_level == "yellow"),
        "supervised": count(open_cond, Case.supervised.is_(True)),
    }

    # Days are local days: bucket timestamps in Python, correct for any time zone.
    reported = Counter(
        r.astimezone(tz).date()
        for r in session.scalars(
            _jurisdiction_scope(select(Case.reported_at), principal).where(
                Case.reported_at >= t_trend
            )
        )
    )
    closed = Counter(
        r.astimezone(tz).date()
        for r in session.scalars(
            _jurisdiction_scope(select(Case.closed_at), principal).where(
                Case.closed_at >= t_trend, Case.status == "closed"
            )
        )
    )
    days = [trend_start + timedelta(days=i) for i in range(30)]
    trend = {
        "days": [d.isoformat() for d in days],
        "reported": [reported.get(d, 0) for d in days],
        "closed": [closed.get(d, 0) for d in days],
    }

    month_cond = Case.reported_at >= t_month

    def breakdown(key: Any, label: Any, *joins: Any) -> list[dict[str, Any]]:
        q = _jurisdiction_scope(select(label, func.count(Case.id)), principal)
        for target, on in joins:
            q = q.join(target, on, isouter=True)
        q = q.where(month_cond).group_by(key, label).order_by(func.count(Case.id).desc())
        return [{"name": n or "—", "count": int(c)} for n, c in session.execute(q.limit(15))]

    by = {
        "category": breakdown(
            Category.big_code, Category.big_name, (Category, Category.id == Case.category_id)
        ),
        "street": breakdown(Street.id, Street.name, (Street, Street.id == Case.street_id)),
        "department": breakdown(
            Department.id, Department.name, (Department, Department.id == Case.department_id)
        ),
        "source": [
            {"name": s, "count": int(c)}
            for s, c in session.execute(
                _jurisdiction_scope(select(Case.source, func.count(Case.id)), principal)
                .where(month_cond)
                .group_by(Case.source)
                .order_by(func.count(Case.id).desc())
            )
        ],
    }
    return {
        "now": now.isoformat(),
        "today": today.isoformat(),
        "month": month_start.isoformat(),
        "numbers": numbers,
        "trend": trend,
        "by": by,
    }


# ---------------------------------------------------------------- live feed


def last_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(CaseEvent.id))) or 0)


def changes_since(
    session: Session, principal: Principal, after: int, *, limit: int = 500
) -> tuple[int, list[dict[str, Any]]]:
    """Cases touched by events with id > ``after``: (new cursor, compact case rows).

    Polling the event table by id works across processes (API workers, the SLA worker)."""
    q = select(CaseEvent.id, CaseEvent.case_id, CaseEvent.action).where(CaseEvent.id > after)
    if principal.jurisdiction_id is not None:
        q = q.where(CaseEvent.jurisdiction_id == principal.jurisdiction_id)
    events = session.execute(q.order_by(CaseEvent.id).limit(limit)).all()
    if not events:
        return after, []
    cursor = int(events[-1].id)
    last_action = {e.case_id: e.action for e in events}
    now = utcnow()
    rows = []
    for case in session.scalars(select(Case).where(Case.id.in_(list(last_action)))):
        rows.append(
            {
                "id": case.id,
                "number": case.number,
                "lon": case.lon,
                "lat": case.lat,
                "status": case.status,
                "status_code": STATUS_CODES.get(case.status, 0),
                "light": light_at(
                    now, case.due_at, case.warn_at, case.warning_level, case.status
                ).value,
                "category_id": case.category_id,
                "grid_code": case.grid_code,
                "action": last_action[case.id],
            }
        )
    return cursor, rows
