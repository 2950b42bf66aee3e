"""Import a batch of change patches (图斑) and match it against the illegal-building register.

    uv run python bench/bench_patch_matching.py [--patches N] [--records N] [--quick]

The batch is a GeoJSON file of ``--patches`` polygons (default 10,000; 10 % duplicates,
a third of the new ones false positives) over a register of ``--records`` buildings
(default 100,000, 20 % demolished), generated with known answers. Timed, end to end: parse
the file, check it (coordinates, validity, inside the jurisdiction, properties), project
patches and register to metres, match (goal: under 10 s). The baseline, in the same run on
the same projected polygons, is the obvious use of a shapely STRtree: one query per patch,
then the overlap of each candidate. Both must give the same answer for every patch, and
the answers must be the ones the batch was generated to have.
``--quick`` (the test command runs it): 1,000 patches over 10,000 records.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import shapely
from shapely.geometry import box

from urbangrid.construction.matching import PatchMatch, Thresholds, match_patches
from urbangrid.construction.patches import check_batch
from urbangrid.construction.simulate import generate
from urbangrid.geo.features import parse_geojson
from urbangrid.geo.projection import LocalEqualArea

CENTRE = LocalEqualArea(120.15, 30.25)


def baseline(
    patches: np.ndarray, records: np.ndarray, demolished: np.ndarray, t: Thresholds
) -> list[str]:
    tree = shapely.STRtree(records)
    out: list[str] = []
    for p in patches:
        best: dict[bool, float] = {}
        for i in tree.query(p):
            r = records[i]
            a = p.intersection(r).area
            if a > 0 and (a >= t.min_patch_share * p.area or a >= t.min_record_share * r.area):
                gone = bool(demolished[i])
                best[gone] = max(best.get(gone, 0.0), a)
        if False in best:
            out.append(PatchMatch.KNOWN.value)
        elif True in best:
            out.append(PatchMatch.REBUILT.value)
        else:
            out.append(PatchMatch.NEW.value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patches", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.patches, args.records = 1_000, 10_000

    g = generate(args.records, args.patches, seed=5)
    records_lonlat = CENTRE.unproject(g.records)
    patches_lonlat = CENTRE.unproject(g.patches)
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(p),
                "properties": {
                    "ref": f"TB-{i + 1}",
                    "t1": "2026-01-01",
                    "t2": "2026-04-01",
                    "confidence": 0.8,
                },
            }
            for i, p in enumerate(patches_lonlat)
        ],
    }
    data = json.dumps(doc).encode()
    minx, miny, maxx, maxy = shapely.total_bounds(np.concatenate([records_lonlat, patches_lonlat]))
    jurisdiction = box(minx - 0.01, miny - 0.01, maxx + 0.01, maxy + 0.01)
    print(
        f"batch: {args.patches:,} patches ({len(data) / 1e6:.1f} MB GeoJSON), "
        f"register: {args.records:,} records"
    )

    t0 = time.perf_counter()
    features = parse_geojson(data)
    t1 = time.perf_counter()
    batch = check_batch(features, "wgs84", jurisdiction, "bench district")
    batch.raise_for_errors()
    t2 = time.perf_counter()
    projection = LocalEqualArea.around(jurisdiction)
    patch_m = projection.project(np.asarray([p.geometry for p in batch.patches], dtype=object))
    record_m = projection.project(records_lonlat)
    t3 = time.perf_counter()
    thresholds = Thresholds()
    ours = match_patches(patch_m, record_m, g.demolished, thresholds)
    t4 = time.perf_counter()
    total = t4 - t0
    print(
        f"ours: parse {t1 - t0:.2f} s, check {t2 - t1:.2f} s, project {t3 - t2:.2f} s, "
        f"match {t4 - t3:.2f} s: {total:.2f} s end to end (goal < 10 s)"
    )

    b0 = time.perf_counter()
    theirs = baseline(patch_m, record_m, g.demolished, thresholds)
    b1 = time.perf_counter()
    same = ours.kind.tolist() == theirs
    truth = ours.kind.tolist() == g.truth.tolist()
    print(
        f"match only: ours {t4 - t3:.3f} s, STRtree loop {b1 - b0:.3f} s, "
        f"ratio {(b1 - b0) / max(t4 - t3, 1e-9):.1f}×, same answers {same}"
    )
    counts = ours.counts()
    print(
        f"answers: known {counts['known']:,}, rebuilt {counts['rebuilt']:,}, "
        f"new {counts['new']:,}; equal to the generated truth {truth}"
    )
    if not (same and truth):
        raise SystemExit("the matchers disagree")


if __name__ == "__main__":
    main()
