"""/api/v1/evaluation — indicators per object kind, one object, drill-down to cases,
rankings with red / black lists, citizen-side rates, early-warning alerts, configuration.

Thin: parse the period, call the service, return a schema. Numbers are the same as the
monthly report's (one code path: counts in SQL, scoring in ``engine``). Every answer covers
the reader's jurisdiction subtree only (the visibility policy's scope), and months are the
reader's platform's local months.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from urbangrid.api.deps import DbSession, require_roles
from urbangrid.api.downloads import xlsx_download
from urbangrid.auth.principal import Principal
from urbangrid.cases.queries import CaseReader, case_reader
from urbangrid.evaluation import service
from urbangrid.evaluation.adapter import case_numbers
from urbangrid.evaluation.config import default_config
from urbangrid.evaluation.engine import (
    Change,
    Evaluation,
    Period,
    month_over_month,
    rankable,
    ranks,
    red_black_lists,
)
from urbangrid.evaluation.export import KIND_TITLES_ZH, export_sheets
from urbangrid.evaluation.indicators import COUNT_DEFS, ObjectKind
from urbangrid.evaluation.schemas import (
    AlertCase,
    AlertsOut,
    DrillCase,
    EvaluationList,
    EvaluationOut,
    HotSpotOut,
    ListsOut,
    RecurringOut,
    SurgeOut,
)
from urbangrid.evaluation.sql import case_ids_sql
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.kit.pagination import Page, PageParams, page_params
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.types import CalendarDate
from urbangrid.kit.xlsx import XLSX_MEDIA_TYPE
from urbangrid.org.roles import Role

router = APIRouter(prefix="/api/v1/evaluation", tags=["evaluation"])

# The configuration in force (formulas, weights, bands, grades, the ranking minimum).
CONFIG = default_config()

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


def _kind(kind: str) -> ObjectKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise InvalidInput(
            f"unknown object kind {kind!r}; one of: {', '.join(KINDS)}", field="kind"
        ) from None


ReaderScope = CaseReader


def reader_scope(principal: Reader, db: DbSession) -> CaseReader:
    return case_reader(db, principal)


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


def _out(
    e: Evaluation, rank: int | None, change: Change | None = None, min_cases: int = 0
) -> EvaluationOut:
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
        volume=e.volume,
        ranked=rankable(e, min_cases),
    )


def _evaluations(
    db: Session, kind: ObjectKind, period: Period, reader: ReaderScope
) -> tuple[list[Evaluation], dict[Any, Change]]:
    conn = db.connection()
    min_cases = CONFIG.min_cases
    current = service.evaluate_kind(conn, kind, period, CONFIG, scope=reader.cases)
    changes: dict[Any, Change] = {}
    if period.label[4:5] == "-" and len(period.label) == 7:
        previous = service.evaluate_kind(
            conn, kind, period.previous_month(reader.timezone), CONFIG, scope=reader.cases
        )
        changes = {c.key: c for c in month_over_month(current, previous, min_cases)}
    return current, changes


def _evaluate(
    db: Session, kind: ObjectKind, period: Period, reader: ReaderScope
) -> list[EvaluationOut]:
    current, changes = _evaluations(db, kind, period, reader)
    rank_of = ranks(current, CONFIG.min_cases)
    return [_out(e, rank_of.get(e.key), changes.get(e.key), CONFIG.min_cases) for e in current]


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

    return json.loads(CONFIG.to_json())  # type: ignore[no-any-return]


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


@router.get("/alerts", response_model=AlertsOut, responses=_ERRORS, **scoped(RouteScope.CASES))
def get_alerts(
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    times: int = Query(3, ge=2, description="recurring: this many cases …"),
    within_days: int = Query(7, ge=1, le=366, description="… within this many days"),
) -> AlertsOut:
    """Surges (Poisson control limit) and recurring problems (same grid and category), named
    in words: category and grid names, case numbers, the surge's strength."""
    conn = db.connection()
    a = service.alerts(conn, period, reader.timezone, None, times, within_days, scope=reader.cases)
    names = service.alert_names(conn, a)
    return AlertsOut(
        period=period.label,
        rule="n >= 3 and P(X >= n | Poisson(mean of the previous 28 days)) < 0.001",
        surges=[
            SurgeOut(
                series=list(s.series) if isinstance(s.series, tuple) else str(s.series),
                series_name=names.series(s.series),
                day=s.day,
                count=s.count,
                baseline=round(s.baseline, 4),
                level=service.surge_level(s.p_value),
                level_zh=service.SURGE_LEVEL_ZH[service.surge_level(s.p_value)],
                p_value=s.p_value,
            )
            for s in a.surges
        ],
        recurring=[
            RecurringOut(
                grid_code=r.grid_code,
                grid_name=names.grid(r.grid_code),
                category_code=r.category_code,
                category_name=names.category(r.category_code),
                first_day=r.first_day,
                last_day=r.last_day,
                count=len(r.case_ids),
                case_ids=list(r.case_ids),
                cases=[AlertCase(id=i, number=names.case(i)) for i in r.case_ids],
            )
            for r in a.recurring
        ],
        hot_spots=[
            HotSpotOut(
                grid_code=str(k[0]),  # type: ignore[index]
                grid_name=names.grid(str(k[0])),  # type: ignore[index]
                category_code=str(k[1]),  # type: ignore[index]
                category_name=names.category(str(k[1])),  # type: ignore[index]
                count=n,
            )
            for k, n in a.hot_spots
        ],
    )


@router.get(
    "/rankings/{kind}", response_model=ListsOut, responses=_ERRORS, **scoped(RouteScope.CASES)
)
def rankings(
    kind: str,
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    n: int = Query(5, ge=1, le=100, description="longest red and black lists"),
) -> ListsOut:
    """红榜 / 黑榜 among the objects with enough cases: a third of them each at most ``n``,
    the middle on neither, no black list with fewer than three (``evaluation.ranking``)."""
    k = _kind(kind)
    current, changes = _evaluations(db, k, period, reader)
    rank_of = ranks(current, CONFIG.min_cases)
    lists = red_black_lists(current, n, CONFIG.min_cases)

    def out(e: Evaluation) -> EvaluationOut:
        return _out(e, rank_of.get(e.key), changes.get(e.key), CONFIG.min_cases)

    return ListsOut(
        period=period.label,
        kind=k.value,
        min_cases=CONFIG.min_cases,
        red=[out(e) for e in lists.red],
        black=[out(e) for e in lists.black],
    )


@router.get(
    "/export/{kind}",
    response_class=StreamingResponse,
    responses={**_ERRORS, 200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "xlsx"}},
    **scoped(RouteScope.CASES),
)
def export_table(
    kind: str,
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    q: str = Query("", max_length=100, description="only objects whose name or key has this"),
) -> StreamingResponse:
    """The evaluation table of the kind as xlsx (the page's table: the ranked objects, then
    those with too few cases, rates as percentages), times in the jurisdiction's zone."""
    k = _kind(kind)
    items = _evaluate(db, k, period, reader)
    needle = q.strip().lower()
    if needle:
        items = [i for i in items if needle in i.name.lower() or needle in i.key.lower()]
    sheets = export_sheets(k, period, items, CONFIG.min_cases)
    label = KIND_TITLES_ZH[k]
    return xlsx_download(
        sheets, f"综合评价-{label}-{period.label}.xlsx", tz=ZoneInfo(reader.timezone)
    )


@router.get("/{kind}", response_model=EvaluationList, responses=_ERRORS, **scoped(RouteScope.CASES))
def list_evaluations(kind: str, db: DbSession, reader: Scope, period: PeriodDep) -> EvaluationList:
    """Every object of the kind: the ranked ones best first, then those with fewer than
    ``min_cases`` cases (scored, ``ranked`` false, no rank), with counts, rates, score, grade
    and the change against the previous month."""
    k = _kind(kind)
    return EvaluationList(
        period=period.label,
        start=period.start,
        end=period.end,
        kind=k.value,
        min_cases=CONFIG.min_cases,
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
    "/{kind}/{key}/cases",
    response_model=Page[DrillCase],
    responses=_ERRORS,
    **scoped(RouteScope.CASES),
)
def drill_down(
    kind: str,
    key: str,
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    count: str = Query(..., description="the count to open, e.g. overdue_open"),
    paging: PageParams = Depends(page_params),
) -> Page[DrillCase]:
    """The cases behind one number (可追溯), by id ascending, each with its case number."""
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
    shown = list(all_ids[start : start + paging.page_size])
    numbers = case_numbers(conn, shown)
    return Page[DrillCase](
        items=[DrillCase(id=i, number=numbers.get(i, "")) for i in shown],
        total=len(all_ids),
        page=paging.page,
        page_size=paging.page_size,
    )
