"""Deadline computation for 1,000,000 (start, limit) pairs: vectorised vs scalar.

    uv run python bench/bench_deadlines.py [--pairs N] [--sample N] [--repeat N] [--quick]

The limits follow the unit mix of a real city table (运城 2026: 414 work-day, 61
work-hour, 42 urgent-hour and 5 urgent-day conditions); starts are random instants
from 2024-01-01 to 2026-06-30. The scalar path (``WorkClock.deadline``, one datetime
at a time) is the baseline, timed on a sample in the same process; the vectorised
path (``WorkClock.deadlines_ns``) does all pairs at once. Goal: under 2 µs a deadline.
``--quick`` (the test command runs it): 200,000 pairs, a sample of 5,000, two repeats.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from decimal import Decimal

import numpy as np

from urbangrid.cases.worktime import WorkClock, datetime_to_ns, ns_to_datetime
from urbangrid.catalog.timelimits import TimeLimit, TimeUnit

# (unit, values, weight): weights from the 运城 condition rows per unit.
MIX = [
    (TimeUnit.WORK_DAY, (1, 2, 3, 5, 7, 15, 20), 414),
    (TimeUnit.WORK_HOUR, (1, 2, 4), 61),
    (TimeUnit.URGENT_HOUR, (1, 2), 42),
    (TimeUnit.URGENT_DAY, (2,), 5),
]


def make_limits() -> tuple[list[TimeLimit], np.ndarray]:
    limits: list[TimeLimit] = []
    weights: list[float] = []
    for unit, values, weight in MIX:
        for v in values:
            limits.append(TimeLimit(Decimal(v), unit))
            weights.append(weight / len(values))
    w = np.asarray(weights)
    return limits, w / w.sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="scalar baseline sample")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes (test command)")
    args = parser.parse_args()
    if args.quick:
        args.pairs, args.sample, args.repeat = 200_000, 5_000, 2

    t0 = time.perf_counter()
    clock = WorkClock()
    build_s = time.perf_counter() - t0

    rng = np.random.default_rng(20251001)
    lo = datetime_to_ns(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    hi = datetime_to_ns(dt.datetime(2026, 6, 30, tzinfo=dt.UTC))
    starts = rng.integers(lo // 1000, hi // 1000, size=args.pairs, dtype=np.int64) * 1000
    limits, weights = make_limits()
    which = rng.choice(len(limits), size=args.pairs, p=weights)

    # Per-limit seconds and continuity are looked up once per distinct limit, as a
    # service would do per filing condition.
    seconds_of = np.array([clock.limit_seconds(lim) for lim in limits])
    continuous_of = np.array([clock.is_continuous(lim.unit) for lim in limits])

    vector_times = []
    result = np.empty(0, dtype=np.int64)
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        seconds = seconds_of[which]
        continuous = continuous_of[which]
        result = clock.deadlines_ns(starts, seconds, continuous)
        vector_times.append(time.perf_counter() - t0)
    vector_us = min(vector_times) / args.pairs * 1e6
    vector_med_us = statistics.median(vector_times) / args.pairs * 1e6

    sample = rng.choice(args.pairs, size=min(args.sample, args.pairs), replace=False)
    sample_starts = [ns_to_datetime(int(starts[i])) for i in sample]
    sample_limits = [limits[int(which[i])] for i in sample]
    scalar_times = []
    scalar_result: list[dt.datetime] = []
    for _ in range(max(1, args.repeat // 2)):
        t0 = time.perf_counter()
        scalar_result = [
            clock.deadline(s, lim) for s, lim in zip(sample_starts, sample_limits, strict=True)
        ]
        scalar_times.append(time.perf_counter() - t0)
    scalar_us = min(scalar_times) / len(sample) * 1e6

    mismatches = sum(
        datetime_to_ns(d) != int(result[i]) for d, i in zip(scalar_result, sample, strict=True)
    )

    ends = result + rng.integers(0, 10 * 86400, size=args.pairs) * 1_000_000_000
    t0 = time.perf_counter()
    clock.used_seconds_ns(starts, ends, continuous_of[which])
    used_us = (time.perf_counter() - t0) / args.pairs * 1e6

    print(f"pairs: {args.pairs:,}  scalar sample: {len(sample):,}  repeats: {args.repeat}")
    print(
        f"clock build (calendar {clock.calendar.first_year}–{clock.calendar.last_year}): "
        f"{build_s * 1e3:.1f} ms"
    )
    print(f"vectorised deadlines_ns: {vector_us:.3f} µs/deadline (median {vector_med_us:.3f})")
    print(f"scalar deadline():       {scalar_us:.3f} µs/deadline")
    print(f"speed-up vectorised / scalar: {scalar_us / vector_us:.1f}×")
    print(f"vectorised used_seconds_ns: {used_us:.3f} µs/case")
    print(f"scalar vs vectorised mismatches on the sample: {mismatches}")
    print(f"goal < 2 µs/deadline: {'met' if vector_us < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
