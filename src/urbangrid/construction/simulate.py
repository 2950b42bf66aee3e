"""Generated registers and patch batches with known answers (for tests, benchmarks and the
demo): buildings as small rotated rectangles on a district's lattice of plots, some
demolished, and a batch of patches that are, by construction, known, rebuilt, new, exact
duplicates of another patch, or false positives (new patches where nothing was built)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from urbangrid.construction.matching import PatchMatch


@dataclass(frozen=True)
class Generated:
    records: NDArray[np.object_]  # polygons in metres
    demolished: NDArray[np.bool_]
    patches: NDArray[np.object_]
    truth: NDArray[np.str_]  # PatchMatch value the batch was built to have
    truth_record: NDArray[np.int64]  # the record a known / rebuilt patch was drawn on
    false_positive: NDArray[np.bool_]  # a "new" patch with nothing built (verdict: not a building)
    duplicate_of: NDArray[np.int64]  # index of the patch it repeats, -1 if none


def _rects(
    angle: NDArray[np.float64],
    cx: NDArray[np.float64],
    cy: NDArray[np.float64],
    w: NDArray[np.float64],
    h: NDArray[np.float64],
) -> NDArray[np.object_]:
    c, s = np.cos(angle), np.sin(angle)
    corners = np.array([(-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)], dtype=np.float64) / 2
    dx = corners[None, :, 0] * w[:, None]
    dy = corners[None, :, 1] * h[:, None]
    x = cx[:, None] + dx * c[:, None] - dy * s[:, None]
    y = cy[:, None] + dx * s[:, None] + dy * c[:, None]
    return shapely.polygons(np.stack([x, y], axis=-1))


def generate(
    n_records: int,
    n_patches: int,
    *,
    seed: int = 7,
    demolished_share: float = 0.2,
    plot_m: float = 60.0,
) -> Generated:
    """``n_records`` buildings on plots ``plot_m`` apart, then ``n_patches`` patches: 40 %
    on active records, 15 % on demolished ones, 35 % on empty plots (a third of them false
    positives) and 10 % duplicates of earlier patches."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt((n_records + n_patches) * 1.3)))
    plots = rng.permutation(side * side)[: n_records + n_patches]
    px = (plots % side) * plot_m
    py = (plots // side) * plot_m
    w = rng.uniform(8, 30, n_records)
    h = rng.uniform(8, 30, n_records)
    angle = rng.uniform(0, np.pi / 2, n_records)
    records = _rects(angle, px[:n_records], py[:n_records], w, h)
    demolished = rng.random(n_records) < demolished_share

    n_dup = n_patches // 10
    n_first = n_patches - n_dup
    n_known = int(n_first * 0.45)
    n_rebuilt = int(n_first * 0.17)
    n_new = n_first - n_known - n_rebuilt
    active_ids = np.flatnonzero(~demolished)
    gone_ids = np.flatnonzero(demolished)
    known_on = rng.choice(active_ids, n_known, replace=len(active_ids) < n_known)
    rebuilt_on = rng.choice(gone_ids, n_rebuilt, replace=len(gone_ids) < n_rebuilt)
    on = np.concatenate([known_on, rebuilt_on])
    # A patch drawn on a record: its centre moved by up to 2 m, its size 80–120 % (a
    # satellite outline is never the surveyed one).
    centres = shapely.centroid(records[on])
    ox = shapely.get_x(centres) + rng.uniform(-2, 2, len(on))
    oy = shapely.get_y(centres) + rng.uniform(-2, 2, len(on))
    pw = w[on] * rng.uniform(0.8, 1.2, len(on))
    ph = h[on] * rng.uniform(0.8, 1.2, len(on))
    # … and its outline turned by up to 5°.
    turn = angle[on] + rng.uniform(-0.09, 0.09, len(on))
    on_records = _rects(turn, ox, oy, pw, ph)
    free_x = px[n_records : n_records + n_new]
    free_y = py[n_records : n_records + n_new]
    fresh = _rects(
        rng.uniform(0, np.pi / 2, n_new),
        free_x,
        free_y,
        rng.uniform(6, 25, n_new),
        rng.uniform(6, 25, n_new),
    )
    first = np.concatenate([on_records, fresh])
    truth = np.array(
        [PatchMatch.KNOWN.value] * n_known
        + [PatchMatch.REBUILT.value] * n_rebuilt
        + [PatchMatch.NEW.value] * n_new
    )
    truth_record = np.concatenate([on, np.full(n_new, -1)]).astype(np.int64)
    false_positive = np.zeros(n_first, dtype=bool)
    false_positive[n_known + n_rebuilt :] = rng.random(n_new) < 1 / 3
    dup = rng.choice(n_first, n_dup, replace=n_first < n_dup) if n_first else np.array([], int)
    patches = np.concatenate([first, first[dup]])
    return Generated(
        records=records,
        demolished=demolished,
        patches=patches,
        truth=np.concatenate([truth, truth[dup]]),
        truth_record=np.concatenate([truth_record, truth_record[dup]]),
        false_positive=np.concatenate([false_positive, false_positive[dup]]),
        duplicate_of=np.concatenate([np.full(n_first, -1), dup]).astype(np.int64),
    )
