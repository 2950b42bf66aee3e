"""The statistics in SQL over the evaluation's fact table (``eval_case_facts``): one code
path for SQLite and PostgreSQL.

Counts are ``count(*) FILTER (WHERE ...)`` grouped by the table's dimensions. Percentiles
are exact: a window query numbers each group's sorted durations and returns only the rows
at the ranks the definition (``stats.figures``) interpolates between — at most four per
group — so the database sorts and the client receives a handful of integers per cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from urbangrid.evaluation.sql import FACTS
from urbangrid.kit.errors import InvalidInput
from urbangrid.stats.figures import (
    MEDIAN,
    P90,
    Dimension,
    Figures,
    StatsPeriod,
    interpolate,
    percentile_ranks,
)

F = FACTS.c

DIMENSION_COLUMNS: dict[Dimension, Any] = {
    Dimension.CATEGORY: F.category_id,
    Dimension.STREET: F.street_code,
    Dimension.DEPARTMENT: F.department_id,
    Dimension.SOURCE: F.source,
}
INTEGER_KEYS = frozenset({Dimension.CATEGORY, Dimension.DEPARTMENT})
NONE_KEY = "none"  # a cell filter value: the dimension is empty (no category, not dispatched)


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970 of a UTC timestamp column, truncated (same on both)."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds)
def _epoch_default(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"CAST(EXTRACT(EPOCH FROM date_trunc('second', {inner})) AS BIGINT)"


def close_seconds() -> ColumnElement[int]:
    """结案用时 in whole seconds (``stats.figures``)."""
    return epoch_seconds(F.closed_at) - epoch_seconds(F.reported_at)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- conditions


def filed() -> ColumnElement[bool]:
    return sa.and_(F.filed_at.is_not(None), F.voided_at.is_(None))


def closed() -> ColumnElement[bool]:
    return F.closed_at.is_not(None)


def still_open() -> ColumnElement[bool]:
    return sa.and_(filed(), F.closed_at.is_(None))


def handled() -> ColumnElement[bool]:
    return sa.and_(F.handled_at.is_not(None), F.handle_deadline.is_not(None))


def on_time() -> ColumnElement[bool]:
    return sa.and_(handled(), F.handled_at <= F.handle_deadline)


def late() -> ColumnElement[bool]:
    return sa.and_(handled(), F.handled_at > F.handle_deadline)


LIST_CONDITIONS = {
    "reported": sa.true,
    "filed": filed,
    "closed": closed,
    "open": still_open,
    "on_time": on_time,
    "late": late,
}


def cohort(period: StatsPeriod) -> ColumnElement[bool]:
    return sa.and_(F.reported_at >= period.start, F.reported_at < period.end)


def key_value(dimension: Dimension, text: str | None) -> Any:
    """A cell filter's text as the column's value (None: the empty key)."""
    if text is None or text == NONE_KEY:
        return None
    if dimension in INTEGER_KEYS:
        try:
            value = int(text)
        except ValueError:
            raise InvalidInput(
                f"{dimension.value} must be a number or 'none'", field=f"{dimension.value}"
            ) from None
        if not -(2**63) <= value < 2**63:
            raise InvalidInput(f"{dimension.value} is out of range", field=dimension.value)
        return value
    return text


def cell_condition(cell: dict[Dimension, str | None]) -> ColumnElement[bool]:
    parts = []
    for dimension, text in cell.items():
        column = DIMENSION_COLUMNS[dimension]
        value = key_value(dimension, text)
        parts.append(column.is_(None) if value is None else column == value)
    return sa.and_(sa.true(), *parts)


def key_text(value: Any) -> str | None:
    return None if value is None else str(value)


# ---------------------------------------------------------------- statements


def counts_statement(
    period: StatsPeriod, dims: Sequence[Dimension], where: ColumnElement[bool]
) -> sa.Select[Any]:
    keys = [DIMENSION_COLUMNS[d].label(f"k{i}") for i, d in enumerate(dims)]
    return (
        sa.select(
            *keys,
            sa.func.count().label("reported"),
            sa.func.count().filter(filed()).label("filed"),
            sa.func.count().filter(closed()).label("closed"),
            sa.func.count().filter(still_open()).label("open"),
            sa.func.count().filter(on_time()).label("on_time"),
            sa.func.count().filter(handled()).label("handled"),
        )
        .where(cohort(period), where)
        .group_by(*keys)
    )


def durations_statement(
    period: StatsPeriod, dims: Sequence[Dimension], where: ColumnElement[bool]
) -> sa.Select[Any]:
    """Per group: the durations at the ranks the median and the 90th percentile need
    (1-based ``rn``), with the group's size ``n``."""
    keys = [DIMENSION_COLUMNS[d] for d in dims]
    seconds = close_seconds()
    partition = keys or None
    inner = (
        sa.select(
            *(k.label(f"k{i}") for i, k in enumerate(keys)),
            seconds.label("d"),
            sa.func.row_number().over(partition_by=partition, order_by=seconds).label("rn"),
            sa.func.count().over(partition_by=partition).label("n"),
        )
        .where(cohort(period), where, closed())
        .subquery("durations")
    )
    n, rn = inner.c.n, inner.c.rn
    k50 = (n - 1) // 2  # floor(p·(n−1)) in integers, as figures.percentile_ranks
    k90 = (9 * (n - 1)) // 10
    return sa.select(
        *(inner.c[f"k{i}"] for i in range(len(keys))), inner.c.n, inner.c.rn, inner.c.d
    ).where(sa.or_(rn == k50 + 1, rn == k50 + 2, rn == k90 + 1, rn == k90 + 2))


def percentiles_from_rows(
    rows: Sequence[Sequence[Any]], width: int
) -> dict[tuple[Any, ...], tuple[int, Fraction, Fraction]]:
    """The rows of ``durations_statement`` → group key → (n, median, p90)."""
    groups: dict[tuple[Any, ...], tuple[int, dict[int, int]]] = {}
    for row in rows:
        key = tuple(row[:width])
        n, rn, d = int(row[width]), int(row[width + 1]), int(row[width + 2])
        groups.setdefault(key, (n, {}))[1][rn] = d
    out = {}
    for key, (n, at) in groups.items():
        values = []
        for p in (MEDIAN, P90):
            k, t = percentile_ranks(n, p)
            values.append(interpolate(at[k + 1], at.get(k + 2), t))
        out[key] = (n, values[0], values[1])
    return out


def figures_from_counts(row: Sequence[Any], width: int) -> Figures:
    values = [int(v or 0) for v in row[width : width + 6]]
    return Figures(*values)


# ---------------------------------------------------------------- PostgreSQL: one statement


def grouped_statement(
    period: StatsPeriod, dims: Sequence[Dimension], where: ColumnElement[bool]
) -> sa.Select[Any]:
    """PostgreSQL: the counts and percentiles of every cell and margin in one scan —
    ``GROUPING SETS`` and the ordered-set aggregate ``percentile_cont``, which is the
    definition of ``stats.figures`` computed in floating point. ``exact_from_float``
    recovers the exact value (a multiple of 1/2 s for the median, 1/10 s for the 90th
    percentile; the float is within 1e-6 s of it for any duration below a century).
    Columns: the keys, ``grouping(keys)`` (a bit set per key left out), the six counts,
    the number of durations, median, p90."""
    keys = [DIMENSION_COLUMNS[d] for d in dims]
    seconds = close_seconds()
    if len(keys) == 2:
        sets = [sa.tuple_(*keys), sa.tuple_(keys[0]), sa.tuple_(keys[1]), sa.tuple_()]
    else:
        sets = [sa.tuple_(keys[0]), sa.tuple_()]
    return (
        sa.select(
            *(k.label(f"k{i}") for i, k in enumerate(keys)),
            sa.func.grouping(*keys).label("g"),
            sa.func.count().label("reported"),
            sa.func.count().filter(filed()).label("filed"),
            sa.func.count().filter(closed()).label("closed"),
            sa.func.count().filter(still_open()).label("open"),
            sa.func.count().filter(on_time()).label("on_time"),
            sa.func.count().filter(handled()).label("handled"),
            sa.func.count().filter(closed()).label("n"),
            sa.func.percentile_cont(0.5).within_group(seconds).filter(closed()).label("median"),
            sa.func.percentile_cont(0.9).within_group(seconds).filter(closed()).label("p90"),
        )
        .where(cohort(period), where)
        .group_by(sa.func.grouping_sets(*sets))
    )


def exact_from_float(value: float | None, denominator: int) -> Fraction | None:
    return None if value is None else Fraction(round(value * denominator), denominator)
