"""Matching change patches (图斑) against the register of illegal buildings (pure, numpy +
shapely on whole arrays).

A patch is a polygon flagged by satellite monitoring, a drone comparison or a
change-detection model. Against the register it is:

- ``known`` (已掌握): it overlaps an active record enough;
- ``rebuilt`` (复建): it overlaps no active record but a demolished one (拆除/销号) enough —
  someone built again on a cleared site;
- ``new`` (新发现): neither; it becomes a 核查 task.

"Enough" is configurable: the overlap area is at least ``min_patch_share`` of the patch's
area or at least ``min_record_share`` of the record's area (a small patch inside a large
record, or a large patch covering a small record, both match). Areas are compared in a
local equal-area projection (metres). The matched record is the one with the largest
overlap of the winning class.

Invariant (tested against a brute-force loop over every pair): the result depends only on
the pairwise overlap areas, never on the order of patches or records.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import shapely
from numpy.typing import NDArray


class PatchMatch(StrEnum):
    KNOWN = "known"
    REBUILT = "rebuilt"
    NEW = "new"


@dataclass(frozen=True)
class Thresholds:
    min_patch_share: float = 0.3
    min_record_share: float = 0.5

    def __post_init__(self) -> None:
        for value in (self.min_patch_share, self.min_record_share):
            if not 0.0 < value <= 1.0:
                raise ValueError("overlap thresholds are shares between 0 and 1")


@dataclass(frozen=True)
class Matches:
    kind: NDArray[np.str_]  # PatchMatch value per patch
    record: NDArray[np.int64]  # index of the matched record, -1 for new
    overlap_m2: NDArray[np.float64]  # overlap with that record, 0 for new

    def counts(self) -> dict[str, int]:
        return {k.value: int((self.kind == k.value).sum()) for k in PatchMatch}


def overlap_pairs(
    patches: NDArray[np.object_], records: NDArray[np.object_]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Every (patch, record) pair with a positive overlap and its area, from an STRtree of
    the records queried with all patches at once. Geometries in metres."""
    tree = shapely.STRtree(records)
    p_idx, r_idx = tree.query(patches, predicate="intersects")
    areas = shapely.area(shapely.intersection(patches[p_idx], records[r_idx]))
    keep = areas > 0.0
    return p_idx[keep].astype(np.int64), r_idx[keep].astype(np.int64), areas[keep]


def match_patches(
    patches: NDArray[np.object_],
    records: NDArray[np.object_],
    demolished: NDArray[np.bool_],
    thresholds: Thresholds = Thresholds(),
) -> Matches:
    """Classify each patch (see the module docstring). ``demolished[i]`` says record ``i``
    was taken down; geometries in a metric projection."""
    n = len(patches)
    kind = np.full(n, PatchMatch.NEW.value, dtype=object)
    record = np.full(n, -1, dtype=np.int64)
    overlap = np.zeros(n, dtype=np.float64)
    if n == 0 or len(records) == 0:
        return Matches(kind.astype(str), record, overlap)
    p_idx, r_idx, areas = overlap_pairs(patches, records)
    patch_area = shapely.area(patches)
    record_area = shapely.area(records)
    enough = (areas >= thresholds.min_patch_share * patch_area[p_idx]) | (
        areas >= thresholds.min_record_share * record_area[r_idx]
    )
    p_idx, r_idx, areas = p_idx[enough], r_idx[enough], areas[enough]
    # Rebuilt first, known after, so a patch matching both classes ends up known. Within a
    # class a patch takes its largest overlap (ties: the lowest record index).
    for cls, mask in (
        (PatchMatch.REBUILT, demolished[r_idx]),
        (PatchMatch.KNOWN, ~demolished[r_idx]),
    ):
        pi, ri, ai = p_idx[mask], r_idx[mask], areas[mask]
        order = np.lexsort((ri, -ai, pi))
        pi, ri, ai = pi[order], ri[order], ai[order]
        first = np.unique(pi, return_index=True)[1]
        kind[pi[first]] = cls.value
        record[pi[first]] = ri[first]
        overlap[pi[first]] = ai[first]
    return Matches(kind.astype(str), record, overlap)
