"""Patch matching equals a brute-force overlap computation and the generated truth."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from urbangrid.construction.matching import PatchMatch, Thresholds, match_patches
from urbangrid.construction.simulate import generate


def brute_force(patches, records, demolished, t: Thresholds) -> tuple[list[str], list[int]]:
    kinds, chosen = [], []
    for p in patches:
        best: dict[bool, tuple[float, int]] = {}
        for i, r in enumerate(records):
            a = p.intersection(r).area
            if a <= 0 or not (a >= t.min_patch_share * p.area or a >= t.min_record_share * r.area):
                continue
            gone = bool(demolished[i])
            if gone not in best or a > best[gone][0]:
                best[gone] = (a, i)
        if False in best:
            kinds.append(PatchMatch.KNOWN.value), chosen.append(best[False][1])
        elif True in best:
            kinds.append(PatchMatch.REBUILT.value), chosen.append(best[True][1])
        else:
            kinds.append(PatchMatch.NEW.value), chosen.append(-1)
    return kinds, chosen


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_brute_force_and_truth(seed: int) -> None:
    g = generate(300, 120, seed=seed)
    t = Thresholds()
    got = match_patches(g.patches, g.records, g.demolished, t)
    kinds, chosen = brute_force(g.patches, g.records, g.demolished, t)
    assert got.kind.tolist() == kinds
    assert got.record.tolist() == chosen
    # The batch was built to have these answers (duplicates repeat their original's).
    assert got.kind.tolist() == g.truth.tolist()
    drawn = g.truth_record >= 0
    assert (got.record[drawn] == g.truth_record[drawn]).all()
    dup = g.duplicate_of >= 0
    assert (got.kind[dup] == got.kind[g.duplicate_of[dup]]).all()


def test_thresholds_and_order_independence() -> None:
    record = box(0, 0, 10, 10)  # 100 m²
    patches = np.array([box(8, 0, 18, 10), box(2, 2, 4, 4), box(-50, -50, 50, 50)])
    demolished = np.array([False])
    got = match_patches(patches, np.array([record]), demolished, Thresholds(0.3, 0.5))
    # 20 m² of a 100 m² patch (20 %, and 20 % of the record): not enough; a patch inside
    # the record: 100 % of the patch; a huge patch covering the record: 100 % of it.
    assert got.kind.tolist() == ["new", "known", "known"]
    assert got.overlap_m2.tolist() == [0.0, 4.0, 100.0]
    loose = match_patches(patches, np.array([record]), demolished, Thresholds(0.2, 0.5))
    assert loose.kind.tolist() == ["known", "known", "known"]
    g = generate(200, 80, seed=9)
    order = np.random.default_rng(0).permutation(len(g.records))
    a = match_patches(g.patches, g.records, g.demolished)
    b = match_patches(g.patches, g.records[order], g.demolished[order])
    assert a.kind.tolist() == b.kind.tolist()
    assert np.allclose(a.overlap_m2, b.overlap_m2)
    known = a.record >= 0
    assert (order[b.record[known]] == a.record[known]).all()
    with pytest.raises(ValueError):
        Thresholds(0.0, 0.5)


def test_known_beats_rebuilt_and_empty_inputs() -> None:
    records = np.array([box(0, 0, 10, 10), box(0, 0, 10, 10)])
    got = match_patches(np.array([box(1, 1, 9, 9)]), records, np.array([True, False]))
    assert got.kind.tolist() == ["known"] and got.record.tolist() == [1]
    only_gone = match_patches(np.array([box(1, 1, 9, 9)]), records[:1], np.array([True]))
    assert only_gone.kind.tolist() == ["rebuilt"]
    empty = match_patches(
        np.array([box(1, 1, 9, 9)]), np.array([], dtype=object), np.array([], bool)
    )
    assert empty.kind.tolist() == ["new"]
    assert match_patches(np.array([], dtype=object), records, np.array([True, False])).counts() == {
        "known": 0,
        "rebuilt": 0,
        "new": 0,
    }
