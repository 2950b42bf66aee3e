"""Stop and trip inference for a month of a collection fleet: vectorised vs a plain loop.

    uv run python bench/bench_fleet_tracks.py [--vehicles N] [--days N] [--quick]

Each vehicle reports every 30 s, day and night (17.3 million fixes for 200 vehicles and 30
days), with 10–30 m of noise (the 95th percentile of the error, drawn per vehicle). Every
day it leaves its depot at 06:00, serves two rounds of 40 of the district's 600 drop points
(2–5 min each), delivers each round to one of 4 facilities (10 min) and parks at the depot
until the next morning. The work timed: every fix to its geofence (50 m), stops (dwell
≥ 60 s, gaps ≤ 120 s) and trips. The baseline is the obvious loop over fixes, timed on one
vehicle-month in the same run; the figure to watch is the whole month's seconds on one core
(goal: under 60 s), with precision and recall of the stops against the simulated truth.
``--quick`` (the test command runs it): 4 vehicles, 2 days.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from urbangrid.fleet import tracks
from urbangrid.fleet.simulate import Leg, drive

POINTS, FACILITIES, DEPOTS = 600, 4, 1


def district(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop points scattered over 6 × 5 km at least 120 m apart, facilities and a depot."""
    xs: list[float] = []
    ys: list[float] = []
    while len(xs) < POINTS:
        x, y = rng.uniform(0, 6000), rng.uniform(0, 5000)
        if all((x - a) ** 2 + (y - b) ** 2 >= 120**2 for a, b in zip(xs, ys, strict=True)):
            xs.append(x)
            ys.append(y)
    fx = [-1500.0, 7500.0, 3000.0, 3000.0, 3000.0]  # 4 facilities, then the depot
    fy = [2500.0, 2500.0, -1500.0, 6500.0, 2500.0 - 3000.0]
    kinds = np.r_[np.zeros(POINTS), np.ones(FACILITIES), 2 * np.ones(DEPOTS)].astype(np.int64)
    return np.r_[xs, fx], np.r_[ys, fy], kinds


def fleet(vehicles: int, days: int, seed: int = 11) -> dict[str, np.ndarray | set]:
    rng = np.random.default_rng(seed)
    sx, sy, kinds = district(rng)
    depot = POINTS + FACILITIES
    vs, ts, xs, ys = [], [], [], []
    truth: set[tuple[int, int, int]] = set()  # (vehicle, site, day)
    for v in range(vehicles):
        noise = float(rng.uniform(10, 30))
        for day in range(days):
            route = [Leg(depot, 60)]
            for _ in range(2):
                route += [
                    Leg(int(p), int(rng.integers(120, 300)))
                    for p in rng.choice(POINTS, 40, replace=False)
                ]
                route.append(Leg(POINTS + int(rng.integers(0, FACILITIES)), 600))
            start = day * 86400 + 6 * 3600
            # park at the depot until 06:00 the next day
            track = drive(sx, sy, [*route, Leg(depot, 1)], start_s=start, noise_m=noise, rng=rng)
            park_from = int(track.t[-1]) + 30
            park = np.arange(park_from, (day + 1) * 86400 + 6 * 3600, 30, dtype=np.int64)
            sigma = noise / 2.4477
            t = np.r_[track.t, park]
            x = np.r_[track.x, sx[depot] + rng.normal(0, sigma, park.size)]
            y = np.r_[track.y, sy[depot] + rng.normal(0, sigma, park.size)]
            vs.append(np.full(t.size, v, dtype=np.int64))
            ts.append(t)
            xs.append(x)
            ys.append(y)
            truth |= {(v, s, day) for s, _, _ in track.truth if s < POINTS + FACILITIES}
    order = rng.permutation(sum(a.size for a in ts))  # fixes arrive in no particular order
    return {
        "vehicle": np.concatenate(vs)[order],
        "t": np.concatenate(ts)[order],
        "x": np.concatenate(xs)[order],
        "y": np.concatenate(ys)[order],
        "sx": sx,
        "sy": sy,
        "kinds": kinds,
        "truth": truth,
    }


def loop_stops(vehicle, t, site, min_dwell=60, max_gap=120) -> int:  # type: ignore[no-untyped-def]
    """The baseline: sort, then one fix at a time."""
    rows = sorted(zip(vehicle.tolist(), t.tolist(), site.tolist(), strict=True))
    found = 0
    cur_v = cur_s = -2
    first = last = 0
    for v, tt, s in rows:
        if s < 0:
            continue
        if v == cur_v and s == cur_s and tt - last <= max_gap:
            last = tt
            continue
        if cur_s >= 0 and last - first >= min_dwell:
            found += 1
        cur_v, cur_s, first, last = v, s, tt, tt
    if cur_s >= 0 and last - first >= min_dwell:
        found += 1
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vehicles", type=int, default=200)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.vehicles, args.days = 4, 2
    t0 = time.perf_counter()
    f = fleet(args.vehicles, args.days)
    n = f["t"].size
    print(
        f"fleet: {args.vehicles} vehicles × {args.days} days, {n:,} fixes "
        f"(generated in {time.perf_counter() - t0:.1f} s)"
    )

    fences = tracks.Geofences.of(f["sx"], f["sy"], 50.0, f["kinds"])
    t1 = time.perf_counter()
    site = fences.locate(f["x"], f["y"])
    t2 = time.perf_counter()
    found = tracks.stops(f["vehicle"], f["t"], site, min_dwell_s=60, max_gap_s=120)
    t3 = time.perf_counter()
    trip = tracks.trips(found, fences.kinds == 1)
    t4 = time.perf_counter()
    total = t4 - t1
    rate = n / total / 1e6
    print(
        f"geofences {t2 - t1:.2f} s, stops {t3 - t2:.2f} s, trips {t4 - t3:.3f} s: "
        f"{total:.2f} s for the month ({rate:.2f} M fixes/s; goal under 60 s)"
    )

    day = (found.start - 6 * 3600) // 86400
    keep = fences.kinds[found.site] < 2
    inferred = set(
        zip(
            found.vehicle[keep].tolist(), found.site[keep].tolist(), day[keep].tolist(), strict=True
        )
    )
    truth = f["truth"]
    hit = len(inferred & truth)
    print(
        f"stops {len(inferred):,} inferred, {len(truth):,} true: precision "
        f"{hit / max(len(inferred), 1):.4f} recall {hit / len(truth):.4f}; "
        f"trips {trip.count():,} (true {2 * args.vehicles * args.days:,})"
    )

    # Baseline on one vehicle's month, both ways, in this process.
    one = f["vehicle"] == 0
    v1, tt1, s1 = f["vehicle"][one], f["t"][one], site[one]
    b0 = time.perf_counter()
    base_count = loop_stops(v1, tt1, s1)
    b1 = time.perf_counter()
    ours = tracks.stops(v1, tt1, s1, min_dwell_s=60, max_gap_s=120)
    b2 = time.perf_counter()
    print(
        f"one vehicle ({v1.size:,} fixes): loop {(b1 - b0) * 1e3:.1f} ms, vectorised "
        f"{(b2 - b1) * 1e3:.1f} ms, ratio {(b1 - b0) / max(b2 - b1, 1e-9):.1f}×, "
        f"same stops {base_count == len(ours)}"
    )


if __name__ == "__main__":
    main()
