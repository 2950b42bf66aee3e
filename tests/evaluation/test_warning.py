from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from urbangrid.evaluation.warning import (
    Occurrence,
    SurgeRule,
    daily_counts,
    hot_spots,
    poisson_sf,
    recurring,
    surges,
)

D0 = date(2026, 10, 1)


def occ(cid: int, day: int, grid: str = "G1", cat: str = "06001") -> Occurrence:
    return Occurrence(cid, grid, cat, D0 + timedelta(days=day))


def test_daily_counts_and_hot_spots() -> None:
    items = [occ(1, 0), occ(2, 0), occ(3, 1), occ(4, 1, "G2"), occ(5, 1, cat="09001")]
    gc = daily_counts(items)
    assert gc[("G1", "06001")] == Counter({D0: 2, D0 + timedelta(days=1): 1})
    assert daily_counts(items, "grid")["G1"][D0 + timedelta(days=1)] == 2
    assert daily_counts(items, "category")["06001"][D0 + timedelta(days=1)] == 2
    assert hot_spots(items, 2) == [(("G1", "06001"), 3), (("G1", "09001"), 1)]
    with pytest.raises(ValueError):
        daily_counts(items, "street")


def test_recurring_needs_n_times_within_m_days() -> None:
    items = [occ(1, 0), occ(2, 3), occ(3, 6), occ(4, 20), occ(5, 21), occ(6, 0, "G2")]
    # 3 times within 7 days: days 0, 3, 6 qualify (6 - 0 < 7); 20, 21 are only two
    (r,) = recurring(items, times=3, within_days=7)
    assert (r.grid_code, r.first_day, r.last_day, r.case_ids) == (
        "G1",
        D0,
        D0 + timedelta(6),
        (1, 2, 3),
    )
    # within 6 days, days 0 and 6 are too far apart
    assert recurring(items, times=3, within_days=6) == []
    # 2 times within 2 days: the 20/21 pair only
    assert [x.case_ids for x in recurring(items, 2, 2)] == [(4, 5)]
    with pytest.raises(ValueError):
        recurring(items, 1, 3)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=30), st.integers(2, 5), st.integers(1, 15))
def test_recurring_alerts_are_real_and_complete(days, times, within) -> None:
    items = [occ(i, d) for i, d in enumerate(days)]
    alerts = recurring(items, times, within)
    flagged = {cid for a in alerts for cid in a.case_ids}
    by_id = {o.case_id: o.day for o in items}
    for o in items:
        # a case is flagged iff some window of `within` days containing it holds >= times cases
        in_window = any(
            sum(1 for p in items if 0 <= (p.day - start).days < within) >= times
            for start in (o.day - timedelta(days=k) for k in range(within))
        )
        assert (o.case_id in flagged) == in_window, (o, alerts)
    for a in alerts:
        assert all(a.first_day <= by_id[c] <= a.last_day for c in a.case_ids)


def test_poisson_tail_matches_scipy() -> None:
    for lam in (0.1, 0.5, 2.0, 7.5):
        for n in range(0, 15):
            assert math.isclose(poisson_sf(n, lam), stats.poisson.sf(n - 1, lam), abs_tol=1e-12)


def test_surge_is_flagged_on_the_spike_only() -> None:
    rng = random.Random(7)
    series: Counter[date] = Counter()
    for d in range(-40, 30):
        series[D0 + timedelta(days=d)] = sum(rng.random() < 0.1 for _ in range(10))  # ~1/day
    spike = D0 + timedelta(days=12)
    series[spike] = 9
    found = surges({"G1": series}, D0, D0 + timedelta(days=29))
    assert [(s.day, s.count) for s in found] == [(spike, 9)]
    assert 0.5 < found[0].baseline < 2 and found[0].p_value < 0.001


def test_quiet_series_needs_min_count() -> None:
    series = Counter({D0: 2})
    assert surges({"G": series}, D0, D0) == []  # 2 < min_count 3 even with λ floored at 0.1
    series = Counter({D0: 3})
    (s,) = surges({"G": series}, D0, D0)
    assert s.baseline == 0.1
    with pytest.raises(ValueError):
        SurgeRule(alpha=0)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10), st.floats(0.01, 20))
def test_poisson_tail_is_a_probability_and_decreasing(n, lam) -> None:
    assert 0 <= poisson_sf(n + 1, lam) <= poisson_sf(n, lam) <= 1
