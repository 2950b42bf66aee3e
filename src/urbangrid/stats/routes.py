"""/api/v1/stats — 统计分析: cross-tabs of any period by category × street × department ×
source, month-on-month and year-on-year, recurring problems, the cases behind every
number, and the xlsx of a table. Thin: parse, call ``stats.service``, return a schema.
Every figure counts only the cases the reader reads (the visibility policy)."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.engine import Connection

from urbangrid.api.deps import DbSession, require_roles
from urbangrid.api.downloads import xlsx_download
from urbangrid.auth.principal import Principal
from urbangrid.cases.queries import (
    CaseFilters,
    CaseReader,
    CaseScope,
    case_reader,
    check_filters_in_scope,
)
from urbangrid.kit.pagination import Page, PageParams, page_params
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.types import CalendarDate
from urbangrid.kit.xlsx import Column, Sheet
from urbangrid.org.roles import Role
from urbangrid.stats import service
from urbangrid.stats.figures import (
    METRICS,
    Dimension,
    Figures,
    StatsPeriod,
    Table,
    change,
    seconds,
)
from urbangrid.stats.schemas import (
    CellOut,
    ChangeOut,
    ColumnOut,
    PeriodOut,
    RecurringList,
    RecurringOut,
    RowOut,
    StatsCaseOut,
    StatsTableOut,
)
from urbangrid.stats.sql import NONE_KEY

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])

Reader = Annotated[
    Principal,
    Depends(require_roles(Role.LEADER, Role.SHIFT_LEAD, Role.DISPATCHER, Role.DEPARTMENT_HANDLER)),
]
_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "needs a centre role or the department handler role"},
    404: {"description": "a filter names a department or street the reader does not read"},
    422: {"description": "bad period, dimension or case list"},
}
# The case search page's query parameter of each dimension (案件查询).
SEARCH_PARAMS = {
    Dimension.CATEGORY: "category_id",
    Dimension.STREET: "street_id",
    Dimension.DEPARTMENT: "department_id",
    Dimension.SOURCE: "source",
}


ReaderScope = CaseReader


def reader_scope(principal: Reader, db: DbSession) -> CaseReader:
    return case_reader(db, principal)


Scope = Annotated[ReaderScope, Depends(reader_scope)]


def period_params(
    reader: Scope,
    first: CalendarDate | None = Query(None, alias="from", description="first local day"),
    last: CalendarDate | None = Query(None, alias="to", description="last local day, inclusive"),
) -> StatsPeriod:
    """``from`` … ``to``; default: last month (local time)."""
    if first is None or last is None:
        today = datetime.now(ZoneInfo(reader.timezone)).date()
        this_month = today.replace(day=1)
        prev_last = this_month - timedelta(days=1)
        first = first or prev_last.replace(day=1)
        last = last or prev_last
    period = StatsPeriod(first, last, reader.timezone)
    service.check_period(period)
    return period


PeriodDep = Annotated[StatsPeriod, Depends(period_params)]


def _period_out(p: StatsPeriod) -> PeriodOut:
    return PeriodOut(
        label=p.label, kind=p.kind, first=p.first, last=p.last, start=p.start, end=p.end,
        timezone=p.tz,
    )  # fmt: skip


def _rate(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _figures(f: Figures) -> dict[str, Any]:
    return {
        "reported": f.reported,
        "filed": f.filed,
        "closed": f.closed,
        "open": f.open,
        "on_time": f.on_time,
        "handled": f.handled,
        "on_time_rate": _rate(f.on_time_rate),
        "median_close_s": seconds(f.median_close_s),
        "p90_close_s": seconds(f.p90_close_s),
        "closed_durations": f.closed_durations,
    }


def _changes(current: Figures, previous: Figures | None) -> dict[str, ChangeOut]:
    prev = previous or Figures()
    out = {}
    for metric in METRICS:
        c = change(current.value(metric), prev.value(metric))
        out[metric] = ChangeOut(previous=c.previous, delta=c.delta, ratio=c.ratio)
    return out


class _Filters:
    """The filter of a cell: the period and each dimension's key (street codes resolved to
    the street ids the case search page takes)."""

    def __init__(self, conn: Connection, period: StatsPeriod, table: Table, dims: list[Any]):
        self.period = period
        self.streets: dict[str, tuple[int, str]] = {}
        if Dimension.STREET in dims:
            keys = table.rows if dims[0] is Dimension.STREET else table.columns
            self.streets = service.street_ids(conn, [k for k in keys if k])

    def of(self, keys: dict[Dimension, str | None]) -> dict[str, str]:
        out = {"from": self.period.first.isoformat(), "to": self.period.last.isoformat()}
        for dim, key in keys.items():
            if dim is Dimension.STREET and key is not None:
                found = self.streets.get(key)
                out.update({"street_id": str(found[0])} if found else {"street_code": key})
            else:
                out[SEARCH_PARAMS[dim]] = NONE_KEY if key is None else key
        return out


def _link(filters: dict[str, str]) -> str:
    return "/cases?" + urlencode({k: v for k, v in filters.items() if v != NONE_KEY})


def _table_out(
    conn: Connection,
    period: StatsPeriod,
    rows: Dimension,
    cols: Dimension | None,
    scope: CaseScope,
    compare: bool,
) -> StatsTableOut:
    table = service.table(conn, period, rows, cols, scope)
    mom: dict[str | None, Figures] = {}
    yoy: dict[str | None, Figures] = {}
    previous, year_ago = period.previous(), period.year_ago()
    prev_total = ago_total = None
    if compare:
        before = service.table(conn, previous, rows, None, scope)
        ago = service.table(conn, year_ago, rows, None, scope)
        mom, yoy = before.row_totals, ago.row_totals
        prev_total, ago_total = before.total, ago.total
    row_labels = service.labels(conn, rows, table.rows)
    col_labels = service.labels(conn, cols, table.columns)
    filters = _Filters(conn, period, table, [rows, cols])

    def cell(figures: Figures, keys: dict[Dimension, str | None], column: str | None) -> CellOut:
        f = filters.of(keys)
        return CellOut(column=column, filter=f, link=_link(f), **_figures(figures))

    def label(labels: dict[str, str], key: str | None) -> str:
        return NONE_KEY if key is None else labels.get(key, key)

    out_rows = []
    for r in table.rows:
        cells = []
        for c in table.columns:
            figures = table.cells.get((r, c), Figures())
            keys = {rows: r, **({cols: c} if cols is not None else {})}
            cells.append(cell(figures, keys, c))
        out_rows.append(
            RowOut(
                key=r,
                label=label(row_labels, r),
                cells=cells,
                total=cell(table.row_totals[r], {rows: r}, None),
                mom=_changes(table.row_totals[r], mom.get(r)) if compare else None,
                yoy=_changes(table.row_totals[r], yoy.get(r)) if compare else None,
            )
        )
    total = RowOut(
        key=None,
        label="total",
        cells=[
            cell(table.column_totals.get(c, Figures()), {cols: c} if cols else {}, c)
            for c in table.columns
        ],
        total=cell(table.total, {}, None),
        mom=_changes(table.total, prev_total) if compare else None,
        yoy=_changes(table.total, ago_total) if compare else None,
    )
    return StatsTableOut(
        period=_period_out(period),
        previous=_period_out(previous),
        year_ago=_period_out(year_ago),
        rows_dimension=rows.value,
        columns_dimension=cols.value if cols else None,
        columns=[ColumnOut(key=c, label=label(col_labels, c)) for c in table.columns],
        rows=out_rows,
        total=total,
    )


def _dims(rows: str, cols: str | None) -> tuple[Dimension, Dimension | None]:
    r = service.dimension(rows, "rows")
    if r is None:
        r = Dimension.CATEGORY
    return r, service.dimension(cols, "cols")


ROWS_Q = Query("category", description="category, street, department or source")
COLS_Q = Query(None, description="a second dimension for the columns (none: one column)")


@router.get("/table", response_model=StatsTableOut, responses=_ERRORS, **scoped(RouteScope.CASES))
def stats_table(
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    rows: str = ROWS_Q,
    cols: str | None = COLS_Q,
    compare: bool = Query(True, description="add 环比 (previous period) and 同比 (a year ago)"),
) -> StatsTableOut:
    r, c = _dims(rows, cols)
    return _table_out(db.connection(), period, r, c, reader.cases, compare)


@router.get(
    "/table.xlsx",
    response_class=StreamingResponse,
    responses={**_ERRORS, 200: {"description": "the table as an xlsx workbook"}},
    **scoped(RouteScope.CASES),
)
def stats_table_xlsx(
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    rows: str = ROWS_Q,
    cols: str | None = COLS_Q,
    metric: str = Query("reported", description="the figure of the cross-tab's cells"),
    lang: str = Query("zh", description="zh or en: the column titles"),
) -> StreamingResponse:
    r, c = _dims(rows, cols)
    if metric not in METRICS:
        service.unknown_metric(metric, METRICS)
    out = _table_out(db.connection(), period, r, c, reader.cases, True)
    zh = lang != "en"
    sheets = [_summary_sheet(out, zh)]
    if c is not None:
        sheets.append(_cross_sheet(out, metric, zh))
    return xlsx_download(
        sheets, f"{'统计分析' if zh else 'statistics'}-{period.label}.xlsx", tz=ZoneInfo(period.tz)
    )


TITLES = {
    "reported": ("上报数", "Reported"),
    "filed": ("立案数", "Filed"),
    "closed": ("结案数", "Closed"),
    "open": ("未结案数", "Open"),
    "on_time": ("按期处置数", "Handled on time"),
    "handled": ("应处置数", "Handled"),
    "on_time_rate": ("按期处置率", "On-time rate"),
    "median_close_s": ("结案用时中位数(小时)", "Median time to close (h)"),
    "p90_close_s": ("结案用时90分位(小时)", "90th percentile time to close (h)"),
}
DIM_TITLES = {
    "category": ("问题类别", "Category"),
    "street": ("街道", "Street"),
    "department": ("处置部门", "Department"),
    "source": ("案件来源", "Source"),
}


def _kind(metric: str) -> Any:
    if metric == "on_time_rate":
        return "percent"
    if metric.endswith("_close_s"):
        return "number"
    return "int"


def _cell_value(values: dict[str, Any], metric: str) -> Any:
    v = values.get(metric)
    if v is not None and metric.endswith("_close_s"):
        return v / 3600
    return v


def _summary_sheet(out: StatsTableOut, zh: bool) -> Sheet:
    i = 0 if zh else 1
    rows: list[dict[str, Any]] = []
    for row in [*out.rows, out.total]:
        values = row.total.model_dump()
        line: dict[str, Any] = {
            "label": row.label if row.key is not None or row is not out.total else
            ("合计" if zh else "Total"),
        }  # fmt: skip
        if row.label == NONE_KEY:
            line["label"] = "（空）" if zh else "(none)"
        for metric in TITLES:
            line[metric] = _cell_value(values, metric)
        for name, changes in (("mom", row.mom), ("yoy", row.yoy)):
            c = (changes or {}).get("reported")
            line[f"{name}_ratio"] = c.ratio if c else None
        rows.append(line)
    columns = [
        Column("label", DIM_TITLES[out.rows_dimension][i], width=28),
        *(Column(m, TITLES[m][i], _kind(m)) for m in TITLES),
        Column("mom_ratio", "上报数环比" if zh else "Reported, MoM", "percent"),
        Column("yoy_ratio", "上报数同比" if zh else "Reported, YoY", "percent"),
    ]
    preamble = [
        ("统计分析 " if zh else "Statistics ") + f"{out.period.first} – {out.period.last}",
        (f"环比: {out.previous.first} – {out.previous.last}; 同比: "
         f"{out.year_ago.first} – {out.year_ago.last}") if zh else
        (f"MoM: {out.previous.first} – {out.previous.last}; YoY: "
         f"{out.year_ago.first} – {out.year_ago.last}"),
    ]  # fmt: skip
    return Sheet("汇总" if zh else "Summary", columns, rows, preamble)


def _cross_sheet(out: StatsTableOut, metric: str, zh: bool) -> Sheet:
    i = 0 if zh else 1
    none = "（空）" if zh else "(none)"
    rows = []
    for row in [*out.rows, out.total]:
        line: dict[str, Any] = {
            "label": ("合计" if zh else "Total") if row is out.total else
            (none if row.label == NONE_KEY else row.label),
        }  # fmt: skip
        for n, cell in enumerate(row.cells):
            line[f"c{n}"] = _cell_value(cell.model_dump(), metric)
        line["total"] = _cell_value(row.total.model_dump(), metric)
        rows.append(line)
    columns = [
        Column("label", DIM_TITLES[out.rows_dimension][i], width=28),
        *(
            Column(f"c{n}", none if col.label == NONE_KEY else col.label, _kind(metric))
            for n, col in enumerate(out.columns)
        ),
        Column("total", "合计" if zh else "Total", _kind(metric)),
    ]
    title = TITLES.get(metric, (metric, metric))[i]
    dims = f"{DIM_TITLES[out.rows_dimension][i]} × {DIM_TITLES[out.columns_dimension or ''][i]}"
    return Sheet(
        "交叉表" if zh else "Cross-tab",
        columns,
        rows,
        [f"{title}: {dims}, {out.period.first} – {out.period.last}"],
    )


@router.get(
    "/recurring", response_model=RecurringList, responses=_ERRORS, **scoped(RouteScope.CASES)
)
def stats_recurring(
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    min_count: int = Query(2, ge=2, le=1000, description="reported at least this often"),
    limit: int = Query(20, ge=1, le=200),
) -> RecurringList:
    conn = db.connection()
    found = service.recurring(conn, period, reader.cases, min_count, limit)
    categories = service.labels(
        conn, Dimension.CATEGORY, [str(r.category_id) for r in found if r.category_id]
    )
    grids = service.grid_names(conn, [r.grid_code for r in found])
    streets = service.street_ids(conn, sorted({r.grid_code[:9] for r in found}))
    items = []
    for r in found:
        street = streets.get(r.grid_code[:9])
        f = {
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "category_id": NONE_KEY if r.category_id is None else str(r.category_id),
            "grid_code": r.grid_code,
        }
        items.append(
            RecurringOut(
                category_id=r.category_id,
                category=categories.get(str(r.category_id), NONE_KEY),
                grid_code=r.grid_code,
                grid_name=grids.get(r.grid_code),
                street=street[1] if street else None,
                count=r.count,
                last_reported_at=r.last_reported_at,
                filter=f,
            )
        )
    return RecurringList(period=_period_out(period), min_count=min_count, items=items)


@router.get(
    "/cases", response_model=Page[StatsCaseOut], responses=_ERRORS, **scoped(RouteScope.CASES)
)
def stats_cases(
    db: DbSession,
    reader: Scope,
    period: PeriodDep,
    paging: Annotated[PageParams, Depends(page_params)],
    metric: str = Query("reported", description="reported, filed, closed, open, on_time, late"),
    category_id: str | None = Query(None, description="a category id, or 'none'"),
    street_id: int | None = Query(None, description="a street id"),
    street_code: str | None = Query(None, description="a 9-digit street code, or 'none'"),
    department_id: str | None = Query(None, description="a department id, or 'none'"),
    source: str | None = Query(None, description="a source channel, or 'none'"),
    grid_code: str | None = Query(None, description="a 15-digit grid code"),
) -> Page[StatsCaseOut]:
    """The cases behind one number of a table (its cell's ``filter``), case numbers first."""
    conn = db.connection()
    department = department_id if department_id not in (None, NONE_KEY) else None
    check_filters_in_scope(
        db,
        reader.cases,
        CaseFilters(
            department_id=service.int_key(department, "department_id"),
            street_id=street_id,
            grid_code=grid_code,
        ),
    )
    cell: dict[Dimension, str | None] = {}
    if category_id is not None:
        cell[Dimension.CATEGORY] = category_id
    if department_id is not None:
        cell[Dimension.DEPARTMENT] = department_id
    if source is not None:
        cell[Dimension.SOURCE] = source
    if street_id is not None:
        cell[Dimension.STREET] = service.street_code(conn, street_id)
    elif street_code is not None:
        cell[Dimension.STREET] = street_code
    rows, total = service.case_list(
        conn, period, cell, metric, reader.cases, paging.page_size, paging.offset, grid_code
    )
    categories = service.labels(conn, Dimension.CATEGORY, [str(r.category_id) for r in rows])
    departments = service.labels(
        conn, Dimension.DEPARTMENT, [str(r.department_id) for r in rows if r.department_id]
    )
    streets = service.street_ids(conn, [r.street_code for r in rows if r.street_code])
    items = [
        StatsCaseOut(
            id=r.id,
            number=r.number,
            status=r.status,
            source=r.source,
            category=categories.get(str(r.category_id)),
            street=streets[r.street_code][1] if r.street_code in streets else None,
            grid_code=r.grid_code,
            department=departments.get(str(r.department_id)),
            reported_at=r.reported_at,
            closed_at=r.closed_at,
            close_seconds=r.close_seconds,
        )
        for r in rows
    ]
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)
