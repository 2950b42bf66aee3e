"""统计分析 with the database: tables, comparisons, recurring problems and the case lists
behind every number, all over ``eval_case_facts`` and through the visibility policy.

Every function takes the reader's ``scope`` (``cases.queries.CaseScope``; None: the
system, every case). A centre role reads whole jurisdictions: its facts are selected by
their ``jurisdiction_id`` alone (no join). Anyone else (a department, a street office, an
inspector) reads the cases the policy's SQL selects, and only their facts count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from urbangrid.cases.models import Case
from urbangrid.cases.queries import CaseScope
from urbangrid.evaluation.service import facts_condition
from urbangrid.evaluation.sql import FACTS
from urbangrid.kit.errors import InvalidInput
from urbangrid.stats import sql as q
from urbangrid.stats.figures import (
    DIMENSIONS,
    MAX_DAYS,
    Dimension,
    Figures,
    Recurring,
    StatsPeriod,
    Table,
    rank_recurring,
)

F = q.F


def scope_condition(conn: Connection, scope: CaseScope | None) -> ColumnElement[bool]:
    """The facts of the cases ``scope`` reads (the one visibility policy)."""
    if scope is None:
        return sa.true()
    if scope.whole:
        found = facts_condition(conn, scope)
        return sa.true() if found is None else found
    return F.case_id.in_(sa.select(Case.id).where(scope.condition()))


def check_period(period: StatsPeriod) -> None:
    if period.last < period.first:
        raise InvalidInput(
            "'to' is before 'from'",
            code="stats_end_before_start",
            field="to",
            params={"first": str(period.first), "last": str(period.last)},
        )
    if period.days > MAX_DAYS:
        raise InvalidInput(
            f"a statistics period is at most {MAX_DAYS} days",
            code="stats_range_too_long",
            field="to",
            params={"max_days": MAX_DAYS},
        )


def dimension(text: str | None, field: str) -> Dimension | None:
    if text is None or text == "" or text == "none":
        return None
    try:
        return Dimension(text)
    except ValueError:
        raise InvalidInput(
            f"unknown dimension {text!r}; one of: {', '.join(DIMENSIONS)}",
            code="stats_unknown_dimension",
            field=field,
            params={"dimension": text, "dimensions": ", ".join(DIMENSIONS)},
        ) from None


def unknown_metric(metric: str, known: Sequence[str]) -> NoReturn:
    raise InvalidInput(
        f"unknown figure {metric!r}; one of: {', '.join(known)}",
        code="stats_unknown_metric",
        field="metric",
        params={"metric": metric, "metrics": ", ".join(known)},
    )


def int_key(text: str | None, field: str) -> int | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"{field} must be a number or 'none'", field=field) from None


# ---------------------------------------------------------------- tables


def table(
    conn: Connection,
    period: StatsPeriod,
    rows: Dimension,
    columns: Dimension | None = None,
    scope: CaseScope | None = None,
    cell: dict[Dimension, str | None] | None = None,
) -> Table:
    """The cross-tab of ``period``: counts per (row, column) and per margin, percentiles
    per (row, column), per row, per column and overall. Without ``columns`` each row has
    one cell (its column key None). ``cell`` narrows every figure."""
    check_period(period)
    if rows == columns:
        raise InvalidInput(
            "rows and columns are the same dimension",
            code="stats_same_dimension",
            field="cols",
            params={"dimension": rows.value},
        )
    where = sa.and_(scope_condition(conn, scope), q.cell_condition(cell or {}))
    dims = [rows] if columns is None else [rows, columns]
    if conn.dialect.name == "postgresql":
        out = _table_postgresql(conn, period, dims, where)
    else:
        out = _table_windows(conn, period, rows, columns, dims, where)
    out.rows = _ordered(out.row_totals)
    out.columns = _ordered(out.column_totals) if columns is not None else [None]
    return out


def _table_postgresql(
    conn: Connection, period: StatsPeriod, dims: list[Dimension], where: ColumnElement[bool]
) -> Table:
    """One scan: GROUPING SETS with ``percentile_cont`` (``stats.sql.grouped_statement``)."""
    out = Table()
    width = len(dims)
    for row in conn.execute(q.grouped_statement(period, dims, where)):
        keys = [q.key_text(v) for v in row[:width]]
        g = int(row[width])
        counts = [int(v or 0) for v in row[width + 1 : width + 7]]
        n, median, p90 = int(row[width + 7] or 0), row[width + 8], row[width + 9]
        figures = Figures(*counts)
        if n:
            figures.median_close_s = q.exact_from_float(float(median), 2)
            figures.p90_close_s = q.exact_from_float(float(p90), 10)
            figures.closed_durations = n
        out_of_row = bool(g & (1 << (width - 1)))  # the row key is left out of this set
        out_of_col = width == 1 or bool(g & 1)
        r = None if out_of_row else keys[0]
        c = None if out_of_col else keys[1]
        if out_of_row and out_of_col:
            out.total = figures
            if width == 1:
                out.column_totals[None] = _copy(figures)
        elif out_of_row:
            out.column_totals[c] = figures
        elif out_of_col:
            out.row_totals[r] = figures
            if width == 1:
                out.cells[(r, None)] = _copy(figures)
        else:
            out.cells[(r, c)] = figures
    return out


def _copy(f: Figures) -> Figures:
    from dataclasses import replace

    return replace(f)


def _table_windows(
    conn: Connection,
    period: StatsPeriod,
    rows: Dimension,
    columns: Dimension | None,
    dims: list[Dimension],
    where: ColumnElement[bool],
) -> Table:
    """Counts grouped by the cells (margins added up), percentiles from the window ranks
    of each grouping (``stats.sql.durations_statement``): SQLite's way."""
    out = Table()
    for row in conn.execute(q.counts_statement(period, dims, where)):
        r = q.key_text(row[0])
        c = q.key_text(row[1]) if columns is not None else None
        figures = q.figures_from_counts(row, len(dims))
        out.cells[(r, c)] = figures
        out.row_totals.setdefault(r, Figures()).add_counts(figures)
        out.column_totals.setdefault(c, Figures()).add_counts(figures)
        out.total.add_counts(figures)
    groupings: list[list[Dimension]] = [[], [rows]]
    if columns is not None:
        groupings += [[columns], [rows, columns]]
    for group_dims in groupings:
        stmt = q.durations_statement(period, group_dims, where)
        found = q.percentiles_from_rows(conn.execute(stmt).all(), len(group_dims))
        for key, (n, median, p90) in found.items():
            keys = tuple(q.key_text(k) for k in key)
            targets: list[Figures] = []
            if not group_dims:
                targets.append(out.total)
                if columns is None:
                    targets.append(out.column_totals[None])
            elif group_dims == [rows]:
                targets.append(out.row_totals[keys[0]])
                if columns is None:
                    targets.append(out.cells[(keys[0], None)])
            elif group_dims == [columns]:
                targets.append(out.column_totals[keys[0]])
            else:
                targets.append(out.cells[(keys[0], keys[1])])
            for figures in targets:
                figures.median_close_s, figures.p90_close_s = median, p90
                figures.closed_durations = n
    return out


def _ordered(totals: dict[str | None, Figures]) -> list[str | None]:
    """Most reported first; ties by key, the empty key last."""
    return sorted(totals, key=lambda k: (-totals[k].reported, k is None, k or ""))


# ---------------------------------------------------------------- recurring problems


def recurring(
    conn: Connection,
    period: StatsPeriod,
    scope: CaseScope | None = None,
    minimum: int = 2,
    limit: int = 20,
) -> list[Recurring]:
    """Category × grid pairs reported at least ``minimum`` times in the period (高发问题)."""
    check_period(period)
    count = sa.func.count()
    stmt = (
        sa.select(F.category_id, F.grid_code, count, sa.func.max(F.reported_at))
        .where(q.cohort(period), scope_condition(conn, scope), F.grid_code.is_not(None))
        .group_by(F.category_id, F.grid_code)
        .having(count >= minimum)
        .order_by(count.desc(), sa.func.max(F.reported_at).desc(), F.grid_code, F.category_id)
        .limit(limit)
    )
    rows = [Recurring(r[0], r[1], int(r[2]), _aware(r[3])) for r in conn.execute(stmt)]
    return rank_recurring(rows, minimum, limit)


def _aware(value: Any) -> datetime:
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# ---------------------------------------------------------------- the cases of a number


@dataclass(frozen=True)
class CaseRow:
    id: int
    number: str
    status: str
    source: str
    category_id: int | None
    street_code: str | None
    grid_code: str | None
    department_id: int | None
    reported_at: datetime
    closed_at: datetime | None
    close_seconds: int | None


def case_list(
    conn: Connection,
    period: StatsPeriod,
    cell: dict[Dimension, str | None],
    metric: str,
    scope: CaseScope | None,
    limit: int,
    offset: int,
    grid_code: str | None = None,
) -> tuple[list[CaseRow], int]:
    """The cases behind one number (oldest report first) and how many there are."""
    check_period(period)
    make = q.LIST_CONDITIONS.get(metric)
    if make is None:
        unknown_metric(metric, tuple(q.LIST_CONDITIONS))
    where = sa.and_(
        q.cohort(period),
        scope_condition(conn, scope),
        q.cell_condition(cell),
        make(),
        *([F.grid_code == grid_code] if grid_code else []),
    )
    counted = sa.select(sa.func.count()).select_from(FACTS).where(where)
    total = int(conn.execute(counted).scalar_one())
    seconds = sa.case((F.closed_at.is_not(None), q.close_seconds()), else_=None)
    stmt = (
        sa.select(
            Case.id, Case.number, Case.status, F.source, F.category_id, F.street_code, F.grid_code,
            F.department_id, F.reported_at, F.closed_at, seconds,
        )
        .join(Case, Case.id == F.case_id)
        .where(where)
        .order_by(F.reported_at, F.case_id)
        .limit(limit)
        .offset(offset)
    )  # fmt: skip
    rows = [
        CaseRow(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], _aware(r[8]),
            None if r[9] is None else _aware(r[9]), None if r[10] is None else int(r[10]),
        )
        for r in conn.execute(stmt)
    ]  # fmt: skip
    return rows, total


# ---------------------------------------------------------------- names


def labels(conn: Connection, dim: Dimension | None, keys: Sequence[str | None]) -> dict[str, str]:
    """Display names of a dimension's keys (sources are worded by the UI)."""
    from urbangrid.catalog.models import Category
    from urbangrid.org.models import Department

    wanted = [k for k in keys if k is not None]
    if dim is None or not wanted:
        return {}
    if dim is Dimension.CATEGORY:
        ids = [int(k) for k in wanted]
        stmt = sa.select(Category.id, sa.func.coalesce(Category.local_name, Category.name)).where(
            Category.id.in_(ids)
        )
        return {str(i): n for i, n in conn.execute(stmt)}
    if dim is Dimension.DEPARTMENT:
        ids = [int(k) for k in wanted]
        stmt = sa.select(Department.id, Department.name).where(Department.id.in_(ids))
        return {str(i): n for i, n in conn.execute(stmt)}
    if dim is Dimension.STREET:
        return {code: name for code, (_, name) in street_ids(conn, wanted).items()}
    return {}


def street_ids(conn: Connection, codes: Sequence[str]) -> dict[str, tuple[int, str]]:
    """9-digit street codes (district + street) → (street id, name)."""
    from urbangrid.org.models import Jurisdiction, Street

    districts = sorted({c[:6] for c in codes if len(c) == 9})
    if not districts:
        return {}
    stmt = (
        sa.select(Jurisdiction.code, Street.code, Street.id, Street.name)
        .join(Street, Street.jurisdiction_id == Jurisdiction.id)
        .where(Jurisdiction.code.in_(districts))
    )
    found = {j + s: (i, n) for j, s, i, n in conn.execute(stmt)}
    return {c: found[c] for c in codes if c in found}


def grid_names(conn: Connection, codes: Sequence[str]) -> dict[str, str | None]:
    from urbangrid.org.models import Grid

    if not codes:
        return {}
    stmt = sa.select(Grid.code, Grid.name).where(Grid.code.in_(list(codes)))
    return {code: name for code, name in conn.execute(stmt)}


def street_code(conn: Connection, street_id: int) -> str:
    """A street's 9-digit code (district + street); 404 for no such street."""
    from urbangrid.kit.errors import NotFound
    from urbangrid.org.models import Jurisdiction, Street

    found = None
    if 0 < street_id < 2**63:
        stmt = (
            sa.select(Jurisdiction.code, Street.code)
            .join(Street, Street.jurisdiction_id == Jurisdiction.id)
            .where(Street.id == street_id)
        )
        found = conn.execute(stmt).first()
    if found is None:
        raise NotFound(f"no street {street_id}", field="street_id")
    return f"{found[0]}{found[1]}"
