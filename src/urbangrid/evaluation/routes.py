"""/api/v1/evaluation — indicators per object kind, one object, drill-down to cases,
rankings with red / black lists, citizen-side rates, early-warning alerts, configuration.

Thin: parse the period, call the service, return a schema. Numbers are the same as the
monthly report's (one code path: counts in SQL, scoring in ``engine``). Every answer covers
the reader's jurisdiction subtree only (the visibility policy's scope), and months are the
reader's platform's local months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from urbangrid.api.deps import DbSession, require_roles
from urbangrid.auth.principal import Principal
from urbangrid.cases.queries import CaseScope, case_scope
from urbangrid.evaluation import service
from urbangrid.evaluation.config import default_config
from urbangrid.evaluation.engine import Change, Evaluation, Period, month_over_month
from urbangrid.evaluation.indicators import COUNT_DEFS, ObjectKind
from urbangrid.evaluation.sql import case_ids_sql
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.kit.pagination import Page, PageParams, page_params
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.types import CalendarDate
from urbangrid.org import service as org
from urbangrid.org.roles import Role

router = APIRouter(prefix="/api/v1/evaluation", tags=["evaluation"])

Reader = Annotated[Principal, Depends(require_roles(Role.LEADER, Role.SHIFT_LEAD, Role.DISPATCHER))]

_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "needs the leader, shift lead or dispatcher role"},
    404: {"description": "no such object or count"},
    422: {"description": "bad period or kind"},
}

# URL segment → kind (plural, hyphenated)
KINDS = {
    "districts": ObjectKind.DISTRICT,
    "departments": ObjectKind.DEPARTMENT,
    "streets": ObjectKind.STREET,
    "communities": ObjectKind.COMMUNITY,
    "grids": ObjectKind.GRID,
    "inspectors": ObjectKind.INSPECTOR,
    "intake-operators": ObjectKind.INTAKE_OPERATOR,
    "shift-leads": ObjectKind.SHIFT_LEAD,
    "dispatchers": ObjectKind.DISPATCHER,
}


class EvaluationOut(BaseModel):
    kind: str
    key: str
    name: str
    rank: int | None
    score: float | None
    grade: str | None
    counts: dict[str, int]
    rates: dict[str, float | None]
    band_scores: dict[str, float]
    previous_score: float | None = None
    score_change: float | None = None
    previous_rank: int | None = None


class EvaluationList(BaseModel):
    period: str
    start: datetime
    end: datetime
    kind: str
    items: list[EvaluationOut]


class ListsOut(BaseModel):
    period: str
    kind: str
    red: list[EvaluationOut]
    black: list[EvaluationOut]


def _kind(kind: str) -> ObjectKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise InvalidInput(
            f"unknown object kind {kind!r}; one of: {', '.join(KINDS)}", field="kind"
        ) from None


@dataclass(frozen=True)
class ReaderScope:
    """The reader, what it reads (the visibility policy) and its platform's time zone."""

    principal: Principal
    cases: CaseScope
    timezone: str


def reader_scope(principal: Reader, db: DbSession) -> ReaderScope:
    return ReaderScope(
        principal, case_scope(db, principal), org.jurisdiction_timezone(db, principal)
    )


Scope = Annotated[ReaderScope, Depends(reader_scope)]


def period_params(
    reader: Scope,
    month: str | None = Query(None, description="YYYY-MM (local time); default: last month"),
    start: CalendarDate | None = Query(
        None, alias="from", description="first day (instead of month)"
    ),
    end: CalendarDate | None = Query(None, alias="to", description="last day, inclusive"),
) -> Period:
    tz = reader.timezone
    if start or end:
        if not (start and end):
            raise InvalidInput("give both 'from' and 'to', or 'month'", field="from")
        if month:
            raise InvalidInput("give either 'month' or 'from'/'to'", field="month")
        if end < start:
            raise InvalidInput("'to' is before 'from'", field="to")
        return Period.days(start, end, tz)
    if month is None:
        today = date.today()
        y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        month = f"{y:04d}-{m:02d}"
    return Period.month(month, tz)


PeriodDep = Annotated[Period, Depends(period_params)]


def _out(e: Evaluation, rank: int | None, change: Change | None = None) -> EvaluationOut:
    return EvaluationOut(
        kind=e.kind.value,
        key=str(e.key),
        name=e.name,
        rank=rank,
        score=e.score_float,
        grade=e.grade,
        counts=e.counts,
        rates={k: (None if v is None else round(float(v), 6)) for k, v in e.rates.items()},
        band_scores={k: float(v) for k, v in e.band_scores.items()},
        previous_score=None
        if change is None or change.previous_score is None
        else round(float(change.previous_score), 2),
        score_change=None
        if change is None or change.delta is None
        else round(float(change.delta), 2),
        previous_rank=None if change is None else change.previous_rank,
    )


def _evaluate(
    db: Session, kind: ObjectKind, period: Period, reader: ReaderScope
) -> list[EvaluationOut]:
    conn = db.connection()
    current = service.evaluate_kind(conn, kind, period, scope=reader.cases)
    changes: dict[Any, Change] = {}
    if period.label[4:5] == "-" and len(period.label) == 7:
        previous = service.evaluate_kind(
            conn, kind, period.previous_month(reader.timezone), scope=reader.cases
        )
        changes = {c.key: c for c in month_over_month(current, previous)}
    out = []
    rank = 0
    for e in current:
        rank = rank + 1 if e.score is not None else rank
        out.append(_out(e, rank if e.score is not None else None, changes.get(e.key)))
    return out


def _key(kind: ObjectKind, key: str) -> Any:
    if kind.is_area:
        return key
    try:
        return int(key)
    except ValueError:
        raise NotFound(f"no {kind.value} {key!r}") from None


@router.get("/config", responses=_ERRORS, **scoped(RouteScope.AUTHENTICATED))
def get_config(_: Reader) -> dict[str, Any]:
    """The evaluation configuration in force (formulas, weights, bands, grades)."""
    import json

    return json.loads(default_config().to_json())  # type: ignore[no-any-return]


@router.get("/citizen", responses=_ERRORS, **scoped(RouteScope.CASES))
def citizen(db: DbSession, reader: Scope, period: PeriodDep) -> dict[str, Any]:
    """Reply, completion and satisfaction rates of hotline / Open311 cases."""
    s = service.citizen_summary_sql(db.connection(), period, scope=reader.cases)
    return {
        "period": period.label,
        **{
            k: (round(float(v), 6) if k.endswith("rate") and v is not None else v)
            for k, v in s.items()
        },
    }


@router.get("/alerts", responses=_ERRORS, **scoped(RouteScope.CASES))
def get_alerts(
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    times: int = Query(3, ge=2, description="recurring: this many cases …"),
    within_days: int = Query(7, ge=1, le=366, description="… within this many days"),
) -> dict[str, Any]:
    """Surges (Poisson control limit) and recurring problems (same grid and category)."""
    a = service.alerts(
        db.connection(), period, reader.timezone, None, times, within_days, scope=reader.cases
    )
    return {
        "period": period.label,
        "rule": "n >= 3 and P(X >= n | Poisson(mean of the previous 28 days)) < 0.001",
        "surges": [
            {
                "series": list(s.series) if isinstance(s.series, tuple) else s.series,
                "day": s.day,
                "count": s.count,
                "baseline": round(s.baseline, 4),
                "p_value": s.p_value,
            }
            for s in a.surges
        ],
        "recurring": [
            {
                "grid_code": r.grid_code,
                "category_code": r.category_code,
                "first_day": r.first_day,
                "last_day": r.last_day,
                "case_ids": list(r.case_ids),
            }
            for r in a.recurring
        ],
        "hot_spots": [
            {"grid_code": k[0], "category_code": k[1], "count": n}  # type: ignore[index]
            for k, n in a.hot_spots
        ],
    }


@router.get(
    "/rankings/{kind}", response_model=ListsOut, responses=_ERRORS, **scoped(RouteScope.CASES)
)
def rankings(
    kind: str,
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    n: int = Query(5, ge=1, le=100, description="length of the red and black lists"),
) -> ListsOut:
    """红榜 / 黑榜: the best and the worst ``n`` objects of the kind."""
    items = [i for i in _evaluate(db, _kind(kind), period, reader) if i.score is not None]
    red = items[:n]
    black = list(reversed(items[n:]))[:n]
    return ListsOut(period=period.label, kind=_kind(kind).value, red=red, black=black)


@router.get("/{kind}", response_model=EvaluationList, responses=_ERRORS, **scoped(RouteScope.CASES))
def list_evaluations(kind: str, db: DbSession, reader: Scope, period: PeriodDep) -> EvaluationList:
    """Every object of the kind, best first, with counts, rates, score, grade and the
    change against the previous month."""
    k = _kind(kind)
    return EvaluationList(
        period=period.label,
        start=period.start,
        end=period.end,
        kind=k.value,
        items=_evaluate(db, k, period, reader),
    )


@router.get(
    "/{kind}/{key}", response_model=EvaluationOut, responses=_ERRORS, **scoped(RouteScope.CASES)
)
def one_evaluation(
    kind: str, key: str, db: DbSession, reader: Scope, period: PeriodDep
) -> EvaluationOut:
    k = _kind(kind)
    for item in _evaluate(db, k, period, reader):
        if item.key == key:
            return item
    raise NotFound(f"no {k.value} {key!r} in {period.label}")


@router.get(
    "/{kind}/{key}/cases", response_model=Page[int], responses=_ERRORS, **scoped(RouteScope.CASES)
)
def drill_down(
    kind: str,
    key: str,
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    count: str = Query(..., description="the count to open, e.g. overdue_open"),
    paging: PageParams = Depends(page_params),
) -> Page[int]:
    """The case ids behind one number (可追溯), ascending."""
    k = _kind(kind)
    if count not in {d.name for d in COUNT_DEFS[k]}:
        raise NotFound(f"{k.value} has no count {count!r}", field="count")
    conn = db.connection()
    if not service.object_in_scope(conn, k, _key(k, key), reader.cases):
        raise NotFound(f"no {k.value} {key!r}")
    all_ids = case_ids_sql(
        conn,
        k,
        _key(k, key),
        count,
        period,
        extra_where=service.facts_condition(conn, reader.cases),
    )
    start = paging.offset
    return Page[int](
        items=list(all_ids[start : start + paging.page_size]),
        total=len(all_ids),
        page=paging.page,
        page_size=paging.page_size,
    )
