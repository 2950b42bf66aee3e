"""统计分析, the pure part: periods and their comparisons, exact percentiles."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from urbangrid.stats.figures import (
    MEDIAN,
    P90,
    Recurring,
    StatsPeriod,
    change,
    percentile,
    rank_recurring,
)

TZ = "Asia/Shanghai"


def test_period_kinds_and_comparisons() -> None:
    month = StatsPeriod(date(2026, 3, 1), date(2026, 3, 31), TZ)
    assert (month.kind, month.label) == ("month", "2026-03")
    assert month.previous() == StatsPeriod(date(2026, 2, 1), date(2026, 2, 28), TZ)
    assert month.year_ago() == StatsPeriod(date(2025, 3, 1), date(2025, 3, 31), TZ)
    assert month.start == datetime(2026, 2, 28, 16, tzinfo=UTC)  # local midnight
    quarter = StatsPeriod(date(2026, 1, 1), date(2026, 3, 31), TZ)
    assert (quarter.kind, quarter.label) == ("quarter", "2026-Q1")
    assert quarter.previous() == StatsPeriod(date(2025, 10, 1), date(2025, 12, 31), TZ)
    year = StatsPeriod(date(2025, 1, 1), date(2025, 12, 31), TZ)
    assert (year.kind, year.previous().label) == ("year", "2024")
    custom = StatsPeriod(date(2026, 3, 5), date(2026, 3, 14), TZ)
    assert custom.kind == "custom"
    assert custom.previous() == StatsPeriod(date(2026, 2, 23), date(2026, 3, 4), TZ)
    leap = StatsPeriod(date(2024, 2, 1), date(2024, 2, 29), TZ)
    assert leap.year_ago() == StatsPeriod(date(2023, 2, 1), date(2023, 2, 28), TZ)
    feb29 = StatsPeriod(date(2024, 2, 29), date(2024, 2, 29), TZ)
    assert feb29.year_ago() == StatsPeriod(date(2023, 2, 28), date(2023, 2, 28), TZ)
    # Two months is custom: compared with the 59/61 days before, not "the previous month".
    two = StatsPeriod(date(2026, 3, 1), date(2026, 4, 30), TZ)
    assert two.kind == "custom" and two.previous().days == two.days


@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=60))
def test_percentiles_equal_the_standard_library(values: list[int]) -> None:
    assert percentile(values, MEDIAN) == Fraction(statistics.median(values))
    if len(values) >= 2:
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
        assert float(percentile(values, P90) or 0) == p90
    else:
        assert percentile(values, P90) == values[0]


def test_percentile_by_hand() -> None:
    assert percentile([], MEDIAN) is None
    assert percentile([5, 1], MEDIAN) == 3
    assert percentile([1, 2, 3, 4], MEDIAN) == Fraction(5, 2)
    # h = 0.9 · 10 = 9: the largest of 11 values; of 10 values h = 8.1 → d[8] + 0.1·(d[9]−d[8])
    assert percentile(list(range(11)), P90) == 9
    assert percentile([0, 10, 20, 30, 40, 50, 60, 70, 80, 100], P90) == 82


def test_change() -> None:
    c = change(12, 8)
    assert (c.previous, c.delta, c.ratio) == (8.0, 4.0, 0.5)
    assert change(3, 0).ratio is None and change(3, 0).delta == 3
    assert change(None, 4).delta is None and change(4, None).previous is None


def test_recurring_order() -> None:
    t1, t2 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    rows = [
        Recurring(1, "g1", 3, t1),
        Recurring(2, "g1", 3, t2),
        Recurring(1, "g2", 5, t1),
        Recurring(1, "g3", 1, t2),
    ]
    got = rank_recurring(rows, minimum=2, limit=10)
    assert [(r.category_id, r.grid_code) for r in got] == [(1, "g2"), (2, "g1"), (1, "g1")]
    assert len(rank_recurring(rows, minimum=2, limit=1)) == 1
