"""统计分析: the definitions of the statistics, as pure code (no I/O, no SQLAlchemy).

**Which cases count.** A statistics table is about one *cohort*: the cases reported
(``reported_at``, 上报时间) in the period — whole local days ``first`` … ``last`` of the
reader's platform time zone, a half-open UTC interval. Every figure of a cell is about the
cases of that cell's cohort, as they stand when the table is computed:

- ``reported`` (上报数): all of them;
- ``filed`` (立案数): filed (``filed_at``) and not voided afterwards;
- ``closed`` (结案数): closed (``closed_at``);
- ``open`` (未结案数): filed, not voided, not closed;
- ``on_time`` / ``handled`` (按期处置): of the cases whose department fed back (``handled_at``)
  with a disposal deadline (``handle_deadline``, after approved extensions), those that fed
  back by the deadline; ``on_time_rate`` = on_time / handled (None when handled is 0);
- time to close (结案用时): for each closed case, ``closed_at − reported_at`` in whole
  seconds of calendar time (both instants truncated to the second; nights, weekends and
  holidays count). ``median`` and ``p90`` are exact order statistics with linear
  interpolation (the "continuous" percentile — PostgreSQL's ``percentile_cont``, DuckDB's
  ``quantile_cont``, pandas' default ``quantile``): with the n durations sorted
  ``d[0] ≤ … ≤ d[n−1]`` and ``h = p·(n−1)``, ``P(p) = d[⌊h⌋] + (h − ⌊h⌋)·(d[⌊h⌋+1] − d[⌊h⌋])``.
  The median is ``P(1/2)`` (the mean of the two middle values when n is even). Computed
  with integers and fractions, so the result is exact (a multiple of 1/2 s for the median
  and 1/10 s for the 90th percentile).

**Comparisons.** Month-on-month (环比) compares with the period just before of the same
kind: the previous calendar month, quarter or year when the period is one, otherwise the
same number of days just before. Year-on-year (同比) compares with the same dates one year
earlier (29 February → 28 February).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

MAX_DAYS = 3 * 366 + 1  # the longest period a table covers (three years)


class Dimension(StrEnum):
    """What rows or columns of a table are (统计维度)."""

    CATEGORY = "category"  # 问题类别 (小类)
    STREET = "street"  # 街道
    DEPARTMENT = "department"  # 处置部门 (the department dispatched to)
    SOURCE = "source"  # 案件来源


DIMENSIONS: tuple[str, ...] = tuple(d.value for d in Dimension)


class Metric(StrEnum):
    REPORTED = "reported"
    FILED = "filed"
    CLOSED = "closed"
    OPEN = "open"
    ON_TIME = "on_time"
    HANDLED = "handled"
    ON_TIME_RATE = "on_time_rate"
    MEDIAN = "median_close_s"
    P90 = "p90_close_s"


COUNT_METRICS: tuple[str, ...] = ("reported", "filed", "closed", "open", "on_time", "handled")
METRICS: tuple[str, ...] = tuple(m.value for m in Metric)
# The case lists one can open from a number (what ``stats/cases?metric=`` selects).
CASE_LISTS: tuple[str, ...] = ("reported", "filed", "closed", "open", "on_time", "late")
MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class StatsPeriod:
    """Whole local days ``first`` … ``last`` (inclusive) in ``tz``."""

    first: date
    last: date
    tz: str

    @property
    def start(self) -> datetime:
        return _instant(self.first, self.tz)

    @property
    def end(self) -> datetime:
        return _instant(self.last + timedelta(days=1), self.tz)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def kind(self) -> str:
        """month, quarter, year (whole calendar ones) or custom."""
        f, last = self.first, self.last
        if f.day != 1 or last != _month_end(last):
            return "custom"
        months = (last.year - f.year) * 12 + last.month - f.month + 1
        if months == 1:
            return "month"
        if months == 3 and f.month in (1, 4, 7, 10):
            return "quarter"
        if months == 12 and f.month == 1:
            return "year"
        return "custom"

    @property
    def label(self) -> str:
        k = self.kind
        if k == "month":
            return f"{self.first.year:04d}-{self.first.month:02d}"
        if k == "quarter":
            return f"{self.first.year:04d}-Q{(self.first.month - 1) // 3 + 1}"
        if k == "year":
            return f"{self.first.year:04d}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def previous(self) -> StatsPeriod:
        """The period before, for month-on-month (环比)."""
        k = self.kind
        if k in ("month", "quarter", "year"):
            months = {"month": 1, "quarter": 3, "year": 12}[k]
            first = _add_months(self.first, -months)
            return StatsPeriod(first, self.first - timedelta(days=1), self.tz)
        return StatsPeriod(
            self.first - timedelta(days=self.days), self.first - timedelta(days=1), self.tz
        )

    def year_ago(self) -> StatsPeriod:
        """The same dates one year earlier, for year-on-year (同比)."""
        return StatsPeriod(_add_months(self.first, -12), _minus_year(self.last), self.tz)


def _instant(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    y, m = divmod(index, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _minus_year(d: date) -> date:
    if d == _month_end(d):  # a period ending on a month's last day ends so a year before
        return _month_end(date(d.year - 1, d.month, 1))
    return _add_months(d, -12)


# ---------------------------------------------------------------- percentiles


def percentile_ranks(n: int, p: Fraction) -> tuple[int, Fraction]:
    """(k, t): ``P(p)`` is ``d[k] + t·(d[k+1] − d[k])`` (0-based; ``t`` is 0 when k = n−1)."""
    if n <= 0:
        raise ValueError("no values")
    h = p * (n - 1)
    k = int(h)  # floor, h ≥ 0
    return k, h - k


def interpolate(low: int, high: int | None, t: Fraction) -> Fraction:
    if t == 0 or high is None:
        return Fraction(low)
    return low + t * (high - low)


def percentile(values: Sequence[int], p: Fraction) -> Fraction | None:
    """``P(p)`` of ``values`` (any order) by the definition above; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k, t = percentile_ranks(len(ordered), p)
    return interpolate(ordered[k], ordered[k + 1] if k + 1 < len(ordered) else None, t)


def seconds(value: Fraction | None) -> float | None:
    """A duration as a JSON number (exact: a multiple of 1/10 s is the nearest float)."""
    return None if value is None else float(value)


# ---------------------------------------------------------------- cells


@dataclass
class Figures:
    """The figures of one cell (or a total)."""

    reported: int = 0
    filed: int = 0
    closed: int = 0
    open: int = 0
    on_time: int = 0
    handled: int = 0
    median_close_s: Fraction | None = None
    p90_close_s: Fraction | None = None
    closed_durations: int = 0  # how many durations the percentiles are of

    @property
    def on_time_rate(self) -> Fraction | None:
        return Fraction(self.on_time, self.handled) if self.handled else None

    def add_counts(self, other: Figures) -> None:
        for name in COUNT_METRICS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def value(self, metric: str) -> Fraction | int | None:
        return getattr(self, metric)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Change:
    """A figure against the same figure of an earlier period (环比 / 同比)."""

    previous: float | None
    delta: float | None  # current − previous
    ratio: float | None  # (current − previous) / previous; None when previous is 0 or None


def change(current: Fraction | int | None, previous: Fraction | int | None) -> Change:
    if previous is None:
        return Change(None, None, None)
    prev = Fraction(previous)
    if current is None:
        return Change(float(prev), None, None)
    delta = Fraction(current) - prev
    return Change(float(prev), float(delta), float(delta / prev) if prev else None)


# ---------------------------------------------------------------- recurring problems


@dataclass(frozen=True)
class Recurring:
    """The same category reported again and again in the same grid (高发问题)."""

    category_id: int | None
    grid_code: str
    count: int
    last_reported_at: datetime


def rank_recurring(rows: Iterable[Recurring], minimum: int, limit: int) -> list[Recurring]:
    """Most reports first, then the most recent, then grid and category (a stable order)."""
    kept = [r for r in rows if r.count >= minimum]
    kept.sort(
        key=lambda r: (-r.count, -r.last_reported_at.timestamp(), r.grid_code, r.category_id or 0)
    )
    return kept[:limit]


@dataclass
class Table:
    """A cross-tab: rows by one dimension, columns by another (or none)."""

    rows: list[str | None] = field(default_factory=list)
    columns: list[str | None] = field(default_factory=list)
    cells: dict[tuple[str | None, str | None], Figures] = field(default_factory=dict)
    row_totals: dict[str | None, Figures] = field(default_factory=dict)
    column_totals: dict[str | None, Figures] = field(default_factory=dict)
    total: Figures = field(default_factory=Figures)
