"""Fit the simulator's time distributions on the real data in ../shared (development time).

    uv run python bench/fit_simulator_params.py [SHARED_DIR] [--quick]

Prints the parameters that are stored as numbers in
``urbangrid.evaluation.simulator.params`` (the data itself is never copied into the repo
nor read at run time). The method is described in docs/evaluation.md; the test
``tests/evaluation/test_simulator.py::test_stored_parameters_match_a_refit`` re-runs the fit
and compares.

A calibration tool rather than a benchmark, it stays in bench/ beside the figures it feeds
(the test and docs/evaluation.md name it here). The whole fit takes about a second, so
``--quick`` (the test command runs it) is the same fit, which also says whether the result
still equals the stored parameters; without ../shared it says so and exits 0.
"""

from __future__ import annotations

import argparse
import csv
import math
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

# LA 311 request types → the simulator's handling profile (see params.PROFILES).
LA_TYPE_PROFILE = {
    "1": "advertising",  # Graffiti → 小广告 / 涂写
    "2": "street_order",  # Homeless Encampment → 街面秩序
    "3": "sanitation",  # Animal Remains
    "4": "sanitation",  # Bulky Items
    "5": "sanitation",  # Electronic Waste
    "6": "sanitation",  # Illegal Dumping
    "7": "sanitation",  # Metal/Appliances
    "8": "facility",  # Single Streetlight
    "9": "facility",  # Multiple Streetlights
}
TEXT_REPLIES = "data/text/tipdm2020c_att4_messages_with_replies_2816.csv"
QUANTILES = tuple(i / 20 for i in range(21))  # 0, 5 %, …, 100 %
MIN_HOURS = 0.05  # 3 minutes: closures recorded at (or before) creation are clamped here


def quantile(sorted_xs: list[float], q: float) -> float:
    """Linear interpolation between order statistics (type 7, as numpy's default)."""
    pos = q * (len(sorted_xs) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


def log_quantiles(hours: list[float]) -> tuple[float, ...]:
    logs = sorted(math.log(max(h, MIN_HOURS)) for h in hours)
    return tuple(round(quantile(logs, q), 4) for q in QUANTILES)


def lognormal(hours: list[float]) -> tuple[float, float]:
    logs = [math.log(max(h, MIN_HOURS)) for h in hours]
    mu = sum(logs) / len(logs)
    sd = math.sqrt(sum((x - mu) ** 2 for x in logs) / len(logs))
    return round(mu, 4), round(sd, 4)


def shares(counter: Counter[int], n: int) -> tuple[float, ...]:
    total = sum(counter.values())
    return tuple(round(counter.get(i, 0) / total, 4) for i in range(n))


def fit(shared: Path) -> dict[str, object]:
    la = shared / "data" / "311" / "la_service_requests_10k.csv"
    by_profile: dict[str, list[float]] = defaultdict(list)
    la_open: Counter[str] = Counter()
    la_total: Counter[str] = Counter()
    with la.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            profile = LA_TYPE_PROFILE.get(row["type_id"])
            if profile is None:
                continue
            la_total[profile] += 1
            if not row["closed_date"]:
                la_open[profile] += 1
                continue
            created = datetime.fromisoformat(row["created_date"])
            closed = datetime.fromisoformat(row["closed_date"])
            by_profile[profile].append((closed - created).total_seconds() / 3600)
    att4 = shared / TEXT_REPLIES
    lags: list[float] = []
    hours: Counter[int] = Counter()
    weekdays: Counter[int] = Counter()
    with att4.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            asked = datetime.fromisoformat(row["留言时间"])
            hours[asked.hour] += 1
            weekdays[asked.weekday()] += 1
            if row["答复时间"]:
                lags.append(
                    (datetime.fromisoformat(row["答复时间"]) - asked).total_seconds() / 3600
                )
    return {
        "handling_log_hours_quantiles": {
            p: log_quantiles(v) for p, v in sorted(by_profile.items())
        },
        "handling_lognormal": {p: lognormal(v) for p, v in sorted(by_profile.items())},
        "handling_sample_sizes": {p: len(v) for p, v in sorted(by_profile.items())},
        "open_share": {p: round(la_open[p] / la_total[p], 4) for p in sorted(la_total)},
        "reply_log_hours_quantiles": log_quantiles(lags),
        "reply_lognormal": lognormal(lags),
        "reply_sample_size": len(lags),
        "public_hour_shares": shares(hours, 24),
        "public_weekday_shares": shares(weekdays, 7),
    }


# fit() key → the name of the stored value in urbangrid.evaluation.simulator.params
STORED = {
    "handling_log_hours_quantiles": "HANDLING_LOG_HOURS",
    "handling_lognormal": "HANDLING_LOGNORMAL",
    "handling_sample_sizes": "HANDLING_SAMPLE_SIZES",
    "reply_log_hours_quantiles": "REPLY_LOG_HOURS",
    "public_hour_shares": "PUBLIC_HOUR_SHARES",
    "public_weekday_shares": "PUBLIC_WEEKDAY_SHARES",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "shared", nargs="?", type=Path, default=Path(__file__).resolve().parents[2] / "shared"
    )
    ap.add_argument("--quick", action="store_true", help="the same fit (test command)")
    args = ap.parse_args()
    for name in ("data/311/la_service_requests_10k.csv", TEXT_REPLIES):
        if not (args.shared / name).is_file():
            print(f"skipped: {args.shared / name} not found (../shared beside the checkout)")
            return
    fitted = fit(args.shared)
    for key, value in fitted.items():
        print(f"{key} = {value!r}")
    from urbangrid.evaluation.simulator import params

    stale = [key for key, name in STORED.items() if fitted[key] != getattr(params, name)]
    print(f"stored parameters: {'differ in ' + ', '.join(stale) if stale else 'equal the fit'}")


if __name__ == "__main__":
    main()
