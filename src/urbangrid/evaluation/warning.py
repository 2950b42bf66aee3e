"""Hot spots and early warning (预警): counts per grid × category over time, recurring
problems, and surge detection. Pure functions over (case id, grid, category, local day).

Surge rule (stated, and the one the docs describe): for each series (a grid, a category,
or a grid × category pair) and each day d, the baseline λ is the mean daily count over the
``window`` days before d (days without cases count as 0), floored at ``min_baseline`` so a
quiet series does not alarm on its first case. Day d is a surge when its count n satisfies

    n ≥ min_count  and  P(X ≥ n | X ~ Poisson(λ)) < alpha

i.e. n is above the upper Poisson control limit at level ``alpha`` (default 0.001, about
the 3-sigma limit of a Shewhart chart). Only days with a full window of history are tested.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Occurrence:
    case_id: int
    grid_code: str
    category_code: str
    day: date  # local calendar day of the report


def daily_counts(
    occurrences: Iterable[Occurrence], by: str = "grid_category"
) -> dict[Hashable, Counter[date]]:
    """Series key → day → count. ``by`` is ``grid``, ``category`` or ``grid_category``."""
    series: dict[Hashable, Counter[date]] = defaultdict(Counter)
    for o in occurrences:
        series[_series_key(o, by)][o.day] += 1
    return dict(series)


def _series_key(o: Occurrence, by: str) -> Hashable:
    if by == "grid":
        return o.grid_code
    if by == "category":
        return o.category_code
    if by == "grid_category":
        return (o.grid_code, o.category_code)
    raise ValueError(f"unknown series {by!r}; use grid, category or grid_category")


def hot_spots(occurrences: Iterable[Occurrence], top: int = 10) -> list[tuple[Hashable, int]]:
    """Grid × category pairs with the most cases (ties by key)."""
    totals = Counter((o.grid_code, o.category_code) for o in occurrences)
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


@dataclass(frozen=True)
class Recurrence:
    grid_code: str
    category_code: str
    first_day: date
    last_day: date
    case_ids: tuple[int, ...]


def recurring(occurrences: Iterable[Occurrence], times: int, within_days: int) -> list[Recurrence]:
    """Same grid and category ``times`` or more times within ``within_days`` consecutive days
    (重复 / 高发). Overlapping windows of one pair are merged into one alert spanning them."""
    if times < 2 or within_days < 1:
        raise ValueError("need times >= 2 and within_days >= 1")
    groups: dict[tuple[str, str], list[Occurrence]] = defaultdict(list)
    for o in occurrences:
        groups[(o.grid_code, o.category_code)].append(o)
    out: list[Recurrence] = []
    for (grid, cat), items in sorted(groups.items()):
        items.sort(key=lambda o: (o.day, o.case_id))
        current: list[Occurrence] | None = None
        start = 0
        for end in range(len(items)):
            while (items[end].day - items[start].day).days >= within_days:
                start += 1
            if end - start + 1 >= times:
                window = items[start : end + 1]
                if current is not None and window[0].day <= current[-1].day:
                    current = current + [o for o in window if o not in current]
                else:
                    if current is not None:
                        out.append(_recurrence(grid, cat, current))
                    current = list(window)
        if current is not None:
            out.append(_recurrence(grid, cat, current))
    return out


def _recurrence(grid: str, cat: str, items: Sequence[Occurrence]) -> Recurrence:
    return Recurrence(
        grid, cat, items[0].day, items[-1].day, tuple(sorted(o.case_id for o in items))
    )


def poisson_sf(n: int, lam: float) -> float:
    """P(X ≥ n) for X ~ Poisson(lam), summed in log space (no scipy needed at run time)."""
    if n <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    # 1 - P(X <= n-1)
    log_term = -lam
    cdf = math.exp(log_term)
    for k in range(1, n):
        log_term += math.log(lam) - math.log(k)
        cdf += math.exp(log_term)
    return max(0.0, 1.0 - cdf)


@dataclass(frozen=True)
class Surge:
    series: Hashable
    day: date
    count: int
    baseline: float  # λ, mean daily count over the window
    p_value: float  # P(X ≥ count | λ)


@dataclass(frozen=True)
class SurgeRule:
    window: int = 28
    alpha: float = 0.001
    min_count: int = 3
    min_baseline: float = 0.1

    def __post_init__(self) -> None:
        if self.window < 1 or not 0 < self.alpha < 1 or self.min_count < 1:
            raise ValueError("window >= 1, 0 < alpha < 1 and min_count >= 1 are required")


def surges(
    series: dict[Hashable, Counter[date]],
    first: date,
    last: date,
    rule: SurgeRule | None = None,
) -> list[Surge]:
    """Surge days between ``first`` and ``last`` inclusive for every series (see module doc).
    The series must include the ``rule.window`` days before ``first`` for the baseline."""
    rule = rule or SurgeRule()
    out: list[Surge] = []
    for key, days in series.items():
        d = first
        while d <= last:
            n = days.get(d, 0)
            if n >= rule.min_count:
                history = sum(days.get(d - timedelta(days=i), 0) for i in range(1, rule.window + 1))
                lam = max(history / rule.window, rule.min_baseline)
                p = poisson_sf(n, lam)
                if p < rule.alpha:
                    out.append(Surge(key, d, n, lam, p))
            d += timedelta(days=1)
    return sorted(out, key=lambda s: (s.day, str(s.series)))
