"""Polygon rings as flat numpy arrays, clipped to many rectangles at once.

A ring set holds vertices ``x, y`` (no closing repeat), ``vring`` (ring of each vertex,
non-decreasing) and ``rpair`` (owner "pair" of each ring, non-decreasing). Clipping is
Sutherland–Hodgman against the four sides of each pair's rectangle, vectorised over all
vertices. Clipped concave rings may keep zero-width spurs along the rectangle's sides; they
change neither area nor the crossing parity of any point off the spur, which is all the point
index needs. Intersections are computed from the segment's endpoints in a canonical order,
so an edge shared by two polygons is cut at bit-identical points in both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741


def expand_ranges(starts: I, counts: I) -> I:
    """Concatenation of ``arange(s, s + c)`` for every (s, c)."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offsets = np.cumsum(counts) - counts
    return np.repeat(starts - offsets, counts) + np.arange(total, dtype=np.int64)


def _offsets(ids: I, n: int) -> I:
    out = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(ids, minlength=n), out=out[1:])
    return out


@dataclass
class RingSet:
    x: F
    y: F
    vring: I
    rpair: I
    npairs: int

    @classmethod
    def from_polygons(cls, geoms: NDArray[np.object_]) -> RingSet:
        """Every ring of every (Multi)Polygon; pair ``k`` is ``geoms[k]``. Exteriors are
        made counter-clockwise and holes clockwise so that signed areas add up."""
        oriented = shapely.orient_polygons(geoms, exterior_cw=False)
        parts, part_geom = shapely.get_parts(oriented, return_index=True)
        polys = shapely.get_type_id(parts) == 3
        parts, part_geom = parts[polys], part_geom[polys]
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        coords, vring = shapely.get_coordinates(rings, return_index=True)
        last = np.r_[vring[1:] != vring[:-1], True]  # the closing repeat of each ring
        keep = ~last
        return cls(
            coords[keep, 0].copy(),
            coords[keep, 1].copy(),
            vring[keep].astype(np.int64),
            part_geom[ring_part].astype(np.int64),
            len(geoms),
        )

    def take(self, pairs: I) -> RingSet:
        """A ring set of the given pairs (repeats allowed), renumbered 0..len(pairs)-1."""
        pair_off = _offsets(self.rpair, self.npairs)
        ring_off = _offsets(self.vring, len(self.rpair))
        rc = pair_off[pairs + 1] - pair_off[pairs]
        ring_src = expand_ranges(pair_off[pairs], rc)
        vc = ring_off[ring_src + 1] - ring_off[ring_src]
        vert_src = expand_ranges(ring_off[ring_src], vc)
        return RingSet(
            self.x[vert_src],
            self.y[vert_src],
            np.repeat(np.arange(len(ring_src), dtype=np.int64), vc),
            np.repeat(np.arange(len(pairs), dtype=np.int64), rc),
            len(pairs),
        )

    def _prev(self) -> I:
        n = len(self.x)
        starts = np.flatnonzero(np.r_[True, self.vring[1:] != self.vring[:-1]])[: max(n, 0)]
        ends = np.r_[starts[1:], n] - 1
        prev = np.arange(n, dtype=np.int64) - 1
        prev[starts] = ends
        return prev

    def _clip_side(self, bound: F, axis: int, keep_above: bool) -> RingSet:
        if len(self.x) == 0:
            return self
        b = bound[self.rpair[self.vring]]
        c = self.x if axis == 0 else self.y
        inside = c >= b if keep_above else c <= b
        prev = self._prev()
        cross = inside != inside[prev]
        counts = inside.astype(np.int64) + cross
        # segment prev → vertex, endpoints in canonical (x, y) order
        px, py, qx, qy = self.x[prev], self.y[prev], self.x, self.y
        swap = (px > qx) | ((px == qx) & (py > qy))
        ax, ay = np.where(swap, qx, px), np.where(swap, qy, py)
        bx, by = np.where(swap, px, qx), np.where(swap, py, qy)
        sel = np.flatnonzero(cross)
        with np.errstate(divide="ignore", invalid="ignore"):
            if axis == 0:
                t = (b[sel] - ax[sel]) / (bx[sel] - ax[sel])
                ix, iy = b[sel], ay[sel] + t * (by[sel] - ay[sel])
            else:
                t = (b[sel] - ay[sel]) / (by[sel] - ay[sel])
                ix, iy = ax[sel] + t * (bx[sel] - ax[sel]), b[sel]
        total = int(counts.sum())
        off = np.cumsum(counts) - counts
        nx = np.empty(total)
        ny = np.empty(total)
        nx[off[sel]] = ix
        ny[off[sel]] = iy
        ins = np.flatnonzero(inside)
        pos = off[ins] + cross[ins]
        nx[pos] = self.x[ins]
        ny[pos] = self.y[ins]
        return RingSet(nx, ny, np.repeat(self.vring, counts), self.rpair, self.npairs)

    def clip(self, x0: F, y0: F, x1: F, y1: F) -> RingSet:
        """Clip each pair's rings to its rectangle (arrays indexed by pair)."""
        out = self._clip_side(x0, 0, True)
        out = out._clip_side(x1, 0, False)
        out = out._clip_side(y0, 1, True)
        return out._clip_side(y1, 1, False)

    def pair_area(self, ox: F, oy: F) -> F:
        """Signed area per pair (shoelace on coordinates relative to each pair's origin)."""
        if len(self.x) == 0:
            return np.zeros(self.npairs)
        pv = self.rpair[self.vring]
        x = self.x - ox[pv]
        y = self.y - oy[pv]
        prev = self._prev()
        cross = x[prev] * y - x * y[prev]
        return np.bincount(pv, weights=cross, minlength=self.npairs) / 2.0

    def pair_vertex_count(self) -> I:
        return np.bincount(self.rpair[self.vring], minlength=self.npairs).astype(np.int64)

    def pair_bounds(self) -> tuple[F, F, F, F]:
        pv = self.rpair[self.vring]
        minx = np.full(self.npairs, np.inf)
        miny = np.full(self.npairs, np.inf)
        maxx = np.full(self.npairs, -np.inf)
        maxy = np.full(self.npairs, -np.inf)
        np.minimum.at(minx, pv, self.x)
        np.minimum.at(miny, pv, self.y)
        np.maximum.at(maxx, pv, self.x)
        np.maximum.at(maxy, pv, self.y)
        return minx, miny, maxx, maxy

    def edges(self) -> tuple[F, F, F, F, I]:
        """All ring edges (from previous vertex to vertex) with their pair."""
        prev = self._prev()
        return self.x[prev], self.y[prev], self.x, self.y, self.rpair[self.vring]
