"""Point → grid location speed over the 海陵区 unit grids (≈ 39,000 cells of 100 m).

Run: ``uv run python bench/bench_locate.py [--points 1000000] [--quick]``. Prints points per
second for

- the generated-grid locator (raster arithmetic + exact test in boundary cells),
- the irregular-polygon locator (quadtree raster built from the grid polygons alone, as for
  an imported grid layer),
- a shapely STRtree bulk query (``predicate="intersects"``) on the same points, the baseline,

and checks that all three agree on every point of the baseline sample.

``--quick`` (the test command runs it): the same grids, 100,000 points (20,000 for the
baseline), best of two runs. Without ../shared it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from urbangrid.geo.crs import gcj02_to_wgs84
from urbangrid.geo.gridgen import generate_grids
from urbangrid.geo.pointindex import GridIndex

HAILING = (
    Path(__file__).resolve().parents[1].parent / "shared/data/geo/datav2021_321202_hailing.geojson"
)


def best_rate(fn, n: int, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--baseline-points", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="fewer points (test command)")
    args = parser.parse_args()
    repeat = 2 if args.quick else 5
    if args.quick:
        args.points, args.baseline_points = 100_000, 20_000
    if not HAILING.is_file():
        print(f"skipped: {HAILING} not found (../shared beside the checkout)")
        sys.exit(0)

    feature = json.loads(HAILING.read_text(encoding="utf-8"))["features"][0]
    boundary = shapely.transform(
        shape(feature["geometry"]),
        lambda c: np.column_stack(gcj02_to_wgs84(c[:, 0], c[:, 1])),
    )
    t = time.perf_counter()
    plan = generate_grids(boundary, "321202", size_m=100)
    print(f"grids: {len(plan.grids)} generated in {time.perf_counter() - t:.1f} s")

    rng = np.random.default_rng(42)
    minx, miny, maxx, maxy = boundary.bounds
    lon = rng.uniform(minx, maxx, args.points * 3)
    lat = rng.uniform(miny, maxy, args.points * 3)
    inside = shapely.contains_xy(boundary, lon, lat)
    lon, lat = lon[inside][: args.points], lat[inside][: args.points]
    n = len(lon)
    print(f"points: {n:,} uniform inside the boundary")

    generated = plan.index
    rate_gen = best_rate(lambda: generated.locate(lon, lat), n, repeat)
    res_gen = generated.locate(lon, lat)
    assert (res_gen >= 0).all(), "a point inside the boundary found no grid"

    polys = np.asarray([g.geometry for g in plan.grids], dtype=object)
    t = time.perf_counter()
    irregular = GridIndex.from_polygons(polys)
    build_irr = time.perf_counter() - t
    rate_irr = best_rate(lambda: irregular.locate(lon, lat), n, repeat)
    res_irr = irregular.locate(lon, lat)

    k = min(args.baseline_points, n)
    tree = shapely.STRtree(polys)
    pts = shapely.points(lon[:k], lat[:k])

    def strtree_query() -> None:
        tree.query(pts, predicate="intersects")

    rate_tree = best_rate(strtree_query, k, repeat=2)
    pi, gi = tree.query(pts, predicate="intersects")
    brute = np.full(k, np.iinfo(np.int64).max)
    np.minimum.at(brute, pi, gi)
    brute[brute == np.iinfo(np.int64).max] = -1

    agree_gen = int((res_gen[:k] == brute).sum())
    agree_irr = int((res_irr[:k] == brute).sum())
    print(f"generated-grid locator : {rate_gen / 1e6:8.2f} M points/s")
    print(
        f"irregular locator      : {rate_irr / 1e6:8.2f} M points/s "
        f"(index built in {build_irr:.1f} s, {irregular.nx}×{irregular.ny} raster)"
    )
    print(f"shapely STRtree bulk   : {rate_tree / 1e6:8.2f} M points/s (on {k:,} points)")
    print(f"ratio generated / STRtree : {rate_gen / rate_tree:6.1f}×")
    print(f"ratio irregular / STRtree : {rate_irr / rate_tree:6.1f}×")
    print(f"agreement with STRtree on {k:,} points: generated {agree_gen}, irregular {agree_irr}")
    assert agree_gen == k and agree_irr == k


if __name__ == "__main__":
    main()
