"""Read-only queries behind the web screens: work lists, the command map's points and grid
counts, the dashboard's numbers and the live feed of case changes. Nothing here writes;
every change goes through :mod:`urbangrid.cases.service`. Every query starts from the
visibility policy (:mod:`urbangrid.cases.queries`): a screen shows what its user reads, and
a work list what its user may act on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases import search
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.overdue import Overdue, overdue_condition, overdue_kind
from urbangrid.cases.queries import (
    CaseFilters,
    apply_filters,
    case_scope,
    check_filters_in_scope,
    get_visible_case,
    open_condition,
)
from urbangrid.cases.service import task_holder_of
from urbangrid.cases.workflow import TERMINAL_VALUES, Status
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.kit.errors import InvalidInput
from urbangrid.kit.types import utcnow
from urbangrid.org import service as org
from urbangrid.org.models import Community, Department, Grid, Street, User
from urbangrid.web.queue_query import arrived_since, check_queue
from urbangrid.web.queue_query import queue_base as _queue_base
from urbangrid.web.worklists import QUEUES, Scope, light_at, may_use

# States without a running clock (the light is "none").
_NO_CLOCK = [*TERMINAL_VALUES, Status.SUSPENDED.value]
# The mark of a list the user never opened: every arrival counts.
NEVER_SEEN = datetime(1970, 1, 1, tzinfo=UTC)
# Map and dashboard lists are capped so one request cannot pull a whole archive.
MAP_POINT_LIMIT = 200_000


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tz).astimezone(UTC)


# ---------------------------------------------------------------- work lists

# The columns a case list sorts by (``sort=due_at``, ``sort=-reported_at`` descending).
SORT_COLUMNS: dict[str, Any] = {
    "number": Case.number,
    "status": Case.status,
    "reported_at": Case.reported_at,
    "due_at": Case.due_at,
    "closed_at": Case.closed_at,
}


def sort_order(sort: str | None, queue_name: str) -> tuple[search.SortKey, ...]:
    """The list's order: the one asked for (then newest first), or the list's own (search
    newest first; a work list earliest deadline first, none last)."""
    if not sort:
        return search.NEWEST_FIRST if queue_name in ("all", "open") else search.DEADLINE_FIRST
    name = sort.removeprefix("-")
    column = SORT_COLUMNS.get(name)
    if column is None:
        raise InvalidInput(
            f"cannot sort by {sort!r}",
            code="unknown_sort",
            field="sort",
            params={"sort": sort, "allowed": ", ".join(SORT_COLUMNS)},
        )
    key = search.SortKey(column, sort.startswith("-"), nulls_last=name != "number")
    return (key, search.SortKey(Case.id, key.descending))


def list_query(
    session: Session, principal: Principal, queue_name: str, filters: CaseFilters
) -> tuple[Any, CaseFilters, bool]:
    """A list's statement before its filters (the queue's states and scope), the filters
    to apply to it, and whether it reaches into the closed history (the text index)."""
    queue = check_queue(principal, queue_name)
    filters.check()
    check_filters_in_scope(session, case_scope(session, principal), filters)
    wanted = [s.value for s in queue.statuses]
    if filters.statuses:
        wanted = [s for s in filters.statuses if s in wanted]
    q = _queue_base(session, principal, queue_name).where(Case.status.in_(wanted or ["-"]))
    rest = CaseFilters(**{**filters.__dict__, "statuses": []})
    return q, rest, any(s in TERMINAL_VALUES for s in wanted)


def worklist(
    session: Session,
    principal: Principal,
    queue_name: str,
    filters: CaseFilters,
    *,
    page: int = 1,
    page_size: int = 50,
    now: datetime | None = None,
    sort: str | None = None,
) -> dict[str, Any]:
    """One page of a queue, most urgent first (earliest deadline) unless ``sort`` names
    another order, with display names."""
    now = now or filters.now or utcnow()
    order = sort_order(sort, queue_name)
    q, list_filters, with_history = list_query(session, principal, queue_name, filters)
    list_filters.now = now
    # The text index pays off only against the whole history: a list of open cases (every
    # queue) is a small, recent set that its status index finds faster than the matches of
    # a common word among a million closed cases (bench_worklists, 1 M cases: 306 → 112 ms).
    cases, total = search.page_of_cases(
        session,
        lambda use_index: apply_filters(q, list_filters, text_index=use_index),
        order,
        text=list_filters.has_text(),
        text_index=with_history,
        page=page,
        page_size=page_size,
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
        "sort": sort or "",
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
        "jurisdiction_id": case.jurisdiction_id,
        "task_inspector_id": case.task_inspector_id,
        "version": case.version,
        "reported_at": _iso(case.reported_at),
        "due_at": _iso(case.due_at),
        "warn_at": _iso(case.warn_at),
        "warning_level": case.warning_level,
        "light": light_at(now, case.due_at, case.warn_at, case.warning_level, case.status).value,
        # 超时未结 / 超时结案 / 即将超时 (cases.overdue), 回退 and 返工 counts (flagged).
        "overdue": _overdue_of(case, now),
        "returns": case.returns,
        "reworks": case.reworks,
        "closed_at": _iso(case.closed_at),
        # What a 延期 approval from the list needs (the amount asked, in the limit's unit).
        "requested_extension": (
            str(case.requested_extension) if case.requested_extension is not None else None
        ),
        "limit_unit": case.limit_unit,
        "lon": case.lon,
        "lat": case.lat,
    }


def _overdue_of(case: Case, now: datetime) -> str | None:
    kind = overdue_kind(
        case.status, case.due_at, case.warn_at, case.warning_level, case.handled_overdue, now
    )
    return kind.value if kind is not None else None


def queue_counts(
    session: Session, principal: Principal, *, seen: Mapping[str, datetime] | None = None
) -> dict[str, int]:
    """How many cases wait in each queue the user may open (for the navigation badges).
    With ``seen`` (the user's marks, queue → when it last opened it: ``notify``), only those
    that arrived since by someone else's step (a list never opened: every such arrival)."""
    out: dict[str, int] = {}
    for name, queue in QUEUES.items():
        if queue.scope is Scope.READ or not may_use(queue, principal.roles):
            continue
        no_department = principal.department_id is None and "admin" not in principal.roles
        if queue.scope is Scope.DEPARTMENT and no_department:
            out[name] = 0
            continue
        base = _queue_base(session, principal, name).where(
            Case.status.in_([s.value for s in queue.statuses])
        )
        if seen is not None:
            since = seen.get(name, NEVER_SEEN)
            base = base.where(arrived_since(queue, principal.user_id, since))
        out[name] = int(session.scalar(base.with_only_columns(func.count(Case.id))) or 0)
    return out


# ---------------------------------------------------------------- case page context


def case_context(session: Session, principal: Principal, case_id: int) -> dict[str, Any]:
    """Names the case page shows beside the case API's ids: category, filing and closing
    conditions, department, area, and the people in the timeline."""
    case = get_visible_case(session, principal, case_id)
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
    # The 核实 / 核查 task: who holds it now (cases.tasks), and whom it was sent to (派发).
    holder = task_holder_of(session, case)
    out["task"] = (
        None
        if holder is None
        else {
            "inspector_ids": list(holder.inspector_ids),
            "pooled": holder.pooled,
            "sent": holder.sent,
        }
    )
    if holder is not None:
        actor_ids.update(holder.inspector_ids)
    for data in session.scalars(
        select(CaseEvent.data).where(
            CaseEvent.case_id == case.id, CaseEvent.action == "assign_inspector"
        )
    ):
        if isinstance(data, dict) and isinstance(data.get("inspector_id"), int):
            actor_ids.add(data["inspector_id"])
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
    session: Session, principal: Principal, filters: CaseFilters, *, now: datetime | None = None
) -> dict[str, Any]:
    """Case points for the map as columns: ``[id, lon, lat, status, light, category_id]``."""
    now = now or utcnow()
    scope = case_scope(session, principal)
    check_filters_in_scope(session, scope, filters)
    q = select(
        Case.id, Case.lon, Case.lat, Case.status, light_code_sql(now), Case.category_id
    ).where(scope.condition())
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
    session: Session, principal: Principal, filters: CaseFilters, *, now: datetime | None = None
) -> dict[str, Any]:
    """Open and overdue cases per grid code (the map colours grids by these)."""
    now = now or utcnow()
    scope = case_scope(session, principal)
    check_filters_in_scope(session, scope, filters)
    f = CaseFilters(**{**filters.__dict__, "open_only": True, "now": now})
    # Overdue: the one definition of 超时未结 (cases.overdue), as the dashboard and the list.
    overdue = func.sum(sql_case((overdue_condition(Overdue.OPEN, now), 1), else_=0))
    # count(*) and included columns only: an index-only scan on PostgreSQL (0006_web).
    q = select(Case.grid_code, func.count(), overdue).where(
        Case.grid_code.is_not(None), scope.condition()
    )
    q = apply_filters(q, f).group_by(Case.grid_code)
    grids = {code: [int(n), int(o or 0)] for code, n, o in session.execute(q)}
    return {"fields": ["open", "overdue"], "grids": grids, "now": now.isoformat()}


# ---------------------------------------------------------------- dashboard


# The dashboard's periods (统计周期); "custom" takes start and end (local days).
PERIODS = ("today", "week", "month", "custom")
MAX_PERIOD_DAYS = 366
TREND_DAYS = 30


def period_days(
    period: str, today: date, start: date | None = None, end: date | None = None
) -> tuple[date, date]:
    """The first and last local day (inclusive) of a dashboard period. Pure."""
    if period == "today":
        return today, today
    if period == "week":  # this week, Monday to today
        return today - timedelta(days=today.weekday()), today
    if period == "month":
        return today.replace(day=1), today
    if period != "custom":
        raise InvalidInput(
            f"period is one of {', '.join(PERIODS)}", code="bad_period", field="period"
        )
    if start is None or end is None:
        raise InvalidInput("a custom period needs start and end", code="bad_period", field="start")
    if start > end or (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(
            f"start must not be after end, and a period is at most {MAX_PERIOD_DAYS} days",
            code="bad_period",
            field="end",
        )
    return start, end


def dashboard(
    session: Session,
    principal: Principal,
    *,
    now: datetime | None = None,
    period: str = "today",
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """The period's numbers (today, this week, this month or any days), the cases open now
    (超时未结 and 即将超时 by the one definition of ``cases.overdue``), a daily trend ending
    with the period (the current day marked partial) and the period's breakdowns. Every
    number is the total of the case list the dashboard links it to."""
    now = now or utcnow()
    tz = ZoneInfo(org.jurisdiction_timezone(session, principal))
    visible = case_scope(session, principal).condition()
    today = now.astimezone(tz).date()
    first, last = period_days(period, today, start, end)
    t_first = _local_midnight(first, tz)
    t_after = _local_midnight(last + timedelta(days=1), tz)
    month_start = today.replace(day=1)
    t_today = _local_midnight(today, tz)
    t_month = _local_midnight(month_start, tz)

    def count(*conds: Any) -> int:
        return int(session.scalar(select(func.count(Case.id)).where(visible, *conds)) or 0)

    def in_period(column: Any, lo: datetime, hi: datetime | None = None) -> Any:
        return and_(column >= lo, column < hi) if hi is not None else column >= lo

    closed = Case.status == Status.CLOSED.value

    def figures(lo: datetime, hi: datetime | None) -> dict[str, int]:
        return {
            "reported": count(in_period(Case.reported_at, lo, hi)),
            "filed": count(in_period(Case.filed_at, lo, hi)),
            "closed": count(in_period(Case.closed_at, lo, hi), closed),
            "closed_on_time": count(
                in_period(Case.closed_at, lo, hi), closed, Case.handled_overdue.is_(False)
            ),
            "closed_late": count(
                in_period(Case.closed_at, lo, hi), overdue_condition(Overdue.CLOSED_LATE, now)
            ),
        }

    open_cond = open_condition()
    due_soon = count(overdue_condition(Overdue.DUE_SOON, now))
    numbers = {
        "period": figures(t_first, t_after),
        "today": figures(t_today, None),
        "month": figures(t_month, None),
        "open": count(open_cond),
        "overdue": count(overdue_condition(Overdue.OPEN, now)),
        "due_soon": due_soon,
        "yellow": due_soon,  # the former name of due_soon
        "supervised": count(open_cond, Case.supervised.is_(True)),
    }

    # The trend: at least the last 30 days, ending with the period's last day (never after
    # today). Days are local days: bucket timestamps in Python, correct for any time zone.
    trend_last = min(last, today)
    trend_first = min(first, trend_last - timedelta(days=TREND_DAYS - 1))
    t_trend = _local_midnight(trend_first, tz)
    t_trend_end = _local_midnight(trend_last + timedelta(days=1), tz)
    reported = Counter(
        r.astimezone(tz).date()
        for r in session.scalars(
            select(Case.reported_at).where(
                visible, in_period(Case.reported_at, t_trend, t_trend_end)
            )
        )
    )
    closed_days = Counter(
        r.astimezone(tz).date()
        for r in session.scalars(
            select(Case.closed_at).where(
                visible, in_period(Case.closed_at, t_trend, t_trend_end), closed
            )
        )
    )
    days = [trend_first + timedelta(days=i) for i in range((trend_last - trend_first).days + 1)]
    trend = {
        "days": [d.isoformat() for d in days],
        "reported": [reported.get(d, 0) for d in days],
        "closed": [closed_days.get(d, 0) for d in days],
        # Today is not over: its figures are so far (the chart marks it).
        "partial_day": today.isoformat() if trend_last == today else None,
    }

    period_cond = in_period(Case.reported_at, t_first, t_after)

    def breakdown(keys: tuple[Any, ...], label: Any, *joins: Any) -> list[dict[str, Any]]:
        """Counts per key (the filter value its case list takes: ``kind:big_code``, an id)."""
        q = select(label, func.count(Case.id), *keys).where(visible)
        for target, on in joins:
            q = q.join(target, on, isouter=True)
        q = q.where(period_cond).group_by(*keys, label).order_by(func.count(Case.id).desc())
        out = []
        for n, c, *k in session.execute(q.limit(15)):
            key = None if k[-1] is None else ":".join(str(x) for x in k)
            out.append({"key": key, "name": n or "—", "count": int(c)})
        return out

    by = {
        "category": breakdown(
            (Category.kind, Category.big_code),
            Category.big_name,
            (Category, Category.id == Case.category_id),
        ),
        "street": breakdown((Street.id,), Street.name, (Street, Street.id == Case.street_id)),
        "department": breakdown(
            (Department.id,), Department.name, (Department, Department.id == Case.department_id)
        ),
        "source": [
            {"key": s, "name": s, "count": int(c)}
            for s, c in session.execute(
                select(Case.source, func.count(Case.id))
                .where(visible, period_cond)
                .group_by(Case.source)
                .order_by(func.count(Case.id).desc())
            )
        ],
    }
    return {
        "now": now.isoformat(),
        "today": today.isoformat(),
        "month": month_start.isoformat(),
        "period": {"name": period, "start": first.isoformat(), "end": last.isoformat()},
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
    scope = case_scope(session, principal)
    # The events' own jurisdiction narrows the scan; the policy on the cases decides.
    q = select(CaseEvent.id, CaseEvent.case_id, CaseEvent.action).where(
        CaseEvent.id > after, scope.jurisdiction_condition(CaseEvent.jurisdiction_id)
    )
    events = session.execute(q.order_by(CaseEvent.id).limit(limit)).all()
    if not events:
        return after, []
    cursor = int(events[-1].id)
    last_action = {e.case_id: e.action for e in events}
    now = utcnow()
    rows = []
    visible = select(Case).where(Case.id.in_(list(last_action)), scope.condition())
    for case in session.scalars(visible):
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
