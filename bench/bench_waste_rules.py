"""Precision and recall of the collection rules as position noise and report interval grow.

    uv run python bench/bench_waste_rules.py [--days N] [--quick]

A generated district chain (120 drop points, 6 vehicles, ``waste.simulate``) with 3 planted
violations of each rule, run through geofences (50 m), stops (dwell ≥ 60 s, gaps ≤ 120 s),
trips and the rules, once per (noise, interval). Each line gives the worst precision and
recall over the five rules and the rules below 1.0. ``--quick``: 3 days, two settings.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from urbangrid.fleet import tracks
from urbangrid.waste import rules, simulate


def run(days: int, noise: float, interval: int, seed: int) -> tuple[float, float, list[str], int]:
    chain = simulate.generate(plant=3, days=days, noise_m=noise, interval_s=interval, seed=seed)
    fences = tracks.Geofences.of(chain.site_x, chain.site_y, 50.0)
    site = fences.locate(chain.x, chain.y)
    stops = tracks.stops(chain.vehicle, chain.t, site, min_dwell_s=60, max_gap_s=max(120, interval))
    trips = tracks.trips(stops, np.array([s.kind == "facility" for s in chain.sites]))
    found = rules.check_collection(
        stops, trips, chain.sites, chain.vehicle_category, chain.days, chain.tickets
    )
    keys = {v.key for v in found}
    worst_p = worst_r = 1.0
    weak: list[str] = []
    for rule in rules.Rule:
        got = {k for k in keys if k[0] is rule}
        want = {k for k in chain.planted if k[0] is rule}
        p = len(got & want) / len(got) if got else 1.0
        r = len(got & want) / len(want) if want else 1.0
        worst_p, worst_r = min(worst_p, p), min(worst_r, r)
        if p < 1 or r < 1:
            weak.append(f"{rule.value} P={p:.2f} R={r:.2f}")
    return worst_p, worst_r, weak, chain.t.size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    settings = [(n, i) for n in (10, 30, 60) for i in (10, 30, 60, 120)]
    if args.quick:
        args.days, settings = 3, [(30, 30), (30, 120)]
    for noise, interval in settings:
        t0 = time.perf_counter()
        p, r, weak, fixes = run(args.days, noise, interval, seed=5)
        print(
            f"noise {noise:>3} m interval {interval:>3} s: worst precision {p:.2f} recall "
            f"{r:.2f} ({fixes:,} fixes, {time.perf_counter() - t0:.1f} s) "
            f"{'; '.join(weak)}"
        )


if __name__ == "__main__":
    main()
