"""Vectorised point → polygon location over a set of non-overlapping polygons (unit grids,
communities, …), pure numpy, no I/O.

Structure: a regular lon/lat raster. Each raster cell is either *pure* (wholly inside one
polygon: the answer is a table look-up), *empty* (no polygon), or *mixed*: the polygons
clipped to the cell ("pieces") are kept as short edge lists and a point is tested against
them with a crossing-number test, all points of a batch at once. For generated unit grids
the raster is the grid raster itself, so only cells cut by the boundary are mixed; for
imported, irregular polygons a quadtree refines mixed cells until each holds few edges.

Shared-edge rule (documented, and the same for pure and mixed cells): a point is treated as
if moved an infinitesimal step east, and on an east–west edge an infinitesimal step north.
So a point on an edge shared by two polygons belongs to the polygon on its **east** side;
on a horizontal shared edge to the polygon on its **north** side; at a shared corner to the
polygon to its north-east. Raster cells are accordingly half-open: [west, east) × [south,
north). Every point is assigned to at most one polygon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from urbangrid.geo.projection import LocalEqualArea

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

EMPTY = -1  # raster cell value: no polygon


@dataclass
class _EdgeTable:
    """Non-horizontal edges of all pieces, each stored lower end first so that the same edge
    shared by two pieces gives bit-identical crossings."""

    ax: FloatArray
    ay: FloatArray
    by: FloatArray
    slope: FloatArray
    piece: NDArray[np.int32]


def _piece_edges(pieces: Sequence[BaseGeometry]) -> tuple[_EdgeTable, IntArray]:
    """Edges of every ring of every piece; returns the table and per-piece edge offsets."""
    rings_all: list[BaseGeometry] = []
    ring_piece: list[int] = []
    for i, geom in enumerate(pieces):
        for poly in getattr(geom, "geoms", [geom]):
            if poly.is_empty or poly.geom_type != "Polygon":
                continue
            rings_all.append(poly.exterior)
            ring_piece.append(i)
            for hole in poly.interiors:
                rings_all.append(hole)
                ring_piece.append(i)
    if not rings_all:
        empty = np.empty(0)
        table = _EdgeTable(empty, empty, empty, empty, np.empty(0, np.int32))
        return table, np.zeros(len(pieces) + 1, np.int64)
    coords, ring_idx = shapely.get_coordinates(
        np.asarray(rings_all, dtype=object), return_index=True
    )
    # segment k joins coords[k] → coords[k+1] when both belong to the same ring
    same = ring_idx[1:] == ring_idx[:-1]
    p = coords[:-1][same]
    q = coords[1:][same]
    owner = np.asarray(ring_piece, dtype=np.int32)[ring_idx[:-1][same]]
    keep = p[:, 1] != q[:, 1]  # horizontal edges never cross a horizontal ray
    p, q, owner = p[keep], q[keep], owner[keep]
    swap = p[:, 1] > q[:, 1]
    lo = np.where(swap[:, None], q, p)
    hi = np.where(swap[:, None], p, q)
    order = np.argsort(owner, kind="stable")
    lo, hi, owner = lo[order], hi[order], owner[order]
    slope = (hi[:, 0] - lo[:, 0]) / (hi[:, 1] - lo[:, 1])
    table = _EdgeTable(lo[:, 0].copy(), lo[:, 1].copy(), hi[:, 1].copy(), slope, owner)
    counts = np.bincount(owner, minlength=len(pieces))
    offsets = np.zeros(len(pieces) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return table, offsets


@dataclass
class GridIndex:
    """Raster + pieces. ``cells`` is row-major, row 0 southmost; a value ≥ 0 is the index of
    the polygon owning the whole cell, ``EMPTY`` none, and ``-2 - s`` mixed cell slot ``s``."""

    xs: FloatArray  # nx + 1 ascending longitudes of raster columns
    ys: FloatArray  # ny + 1 ascending latitudes of raster rows
    cells: NDArray[np.int32]
    slot_edges: IntArray  # nslots + 1 offsets into the edge table
    edges: _EdgeTable
    piece_owner: NDArray[np.int32]
    n_polygons: int
    coverage: BaseGeometry | None = None  # lon/lat union of all polygons (for distances)
    _inv_dx: float = field(init=False)
    _inv_dy: float = field(init=False)

    def __post_init__(self) -> None:
        self._inv_dx = (len(self.xs) - 1) / (self.xs[-1] - self.xs[0])
        self._inv_dy = (len(self.ys) - 1) / (self.ys[-1] - self.ys[0])

    @property
    def nx(self) -> int:
        return len(self.xs) - 1

    @property
    def ny(self) -> int:
        return len(self.ys) - 1

    # -- building ---------------------------------------------------------------------

    @classmethod
    def from_raster(
        cls,
        xs: FloatArray,
        ys: FloatArray,
        owners: NDArray[np.int32],
        mixed_cells: IntArray,
        mixed_pieces: Sequence[Sequence[tuple[BaseGeometry, int]]],
        n_polygons: int,
        coverage: BaseGeometry | None = None,
    ) -> GridIndex:
        """``owners``: per cell, owner index or EMPTY (ignored for mixed cells);
        ``mixed_pieces[k]``: (piece geometry clipped to the cell, owner) of ``mixed_cells[k]``."""
        cells = owners.astype(np.int32).copy()
        flat_pieces: list[BaseGeometry] = []
        piece_owner: list[int] = []
        slot_pieces = np.zeros(len(mixed_cells) + 1, np.int64)
        for k, pieces in enumerate(mixed_pieces):
            for geom, owner in pieces:
                flat_pieces.append(geom)
                piece_owner.append(owner)
            slot_pieces[k + 1] = len(flat_pieces)
        cells[np.asarray(mixed_cells, dtype=np.int64)] = -2 - np.arange(len(mixed_cells))
        table, piece_offsets = _piece_edges(flat_pieces)
        return cls(
            xs=np.asarray(xs, np.float64),
            ys=np.asarray(ys, np.float64),
            cells=cells,
            slot_edges=piece_offsets[slot_pieces],
            edges=table,
            piece_owner=np.asarray(piece_owner, np.int32),
            n_polygons=n_polygons,
            coverage=coverage,
        )

    @classmethod
    def from_polygons(
        cls,
        polygons: Sequence[BaseGeometry] | NDArray[np.object_],
        *,
        max_edges: int = 16,
        max_depth: int = 11,
    ) -> GridIndex:
        """Index arbitrary non-overlapping (Multi)Polygons in lon/lat.

        A quadtree over the bounding box: a cell wholly covered by one polygon becomes pure,
        a cell whose clipped pieces hold more than ``max_edges`` edges is split in four,
        down to ``max_depth`` levels. The leaves are then painted onto one raster at the
        deepest level reached.
        """
        geoms = np.asarray(list(polygons), dtype=object)
        if len(geoms) == 0:
            raise ValueError("no polygons to index")
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        # widen by a hair so that the east/north extremes fall inside the half-open raster
        pad_x = (maxx - minx) * 1e-9 + 1e-12
        pad_y = (maxy - miny) * 1e-9 + 1e-12
        n_fine = 1 << max_depth
        xs_all = minx + np.arange(n_fine + 1) * ((maxx + pad_x - minx) / n_fine)
        ys_all = miny + np.arange(n_fine + 1) * ((maxy + pad_y - miny) / n_fine)

        # leaves per level: (level, ix, iy, owner | EMPTY, pieces)
        leaf_levels: list[int] = []
        leaf_ix: list[IntArray] = []
        leaf_iy: list[IntArray] = []
        leaf_val: list[NDArray[np.int32]] = []
        mixed_pieces: list[list[tuple[BaseGeometry, int]]] = []

        pair_ix = np.zeros(len(geoms), np.int64)
        pair_iy = np.zeros(len(geoms), np.int64)
        pair_geom = geoms
        pair_owner = np.arange(len(geoms), dtype=np.int64)
        level = 0
        while len(pair_ix):
            step = 1 << (max_depth - level)
            x0 = xs_all[pair_ix * step]
            x1 = xs_all[(pair_ix + 1) * step]
            y0 = ys_all[pair_iy * step]
            y1 = ys_all[(pair_iy + 1) * step]
            clipped = shapely.intersection(pair_geom, shapely.box(x0, y0, x1, y1))
            area = shapely.area(clipped)
            keep = area > 0
            pair_ix, pair_iy, pair_owner = pair_ix[keep], pair_iy[keep], pair_owner[keep]
            clipped, area = clipped[keep], area[keep]
            cell_area = (x1 - x0)[keep] * (y1 - y0)[keep]
            full = area >= cell_area * (1.0 - 1e-9)
            nverts = shapely.get_num_coordinates(clipped)

            key = pair_iy * (1 << level) + pair_ix
            # per cell, pieces by polygon index: where polygons overlap the lowest index wins
            order = np.lexsort((pair_owner, key))
            key, full, nverts = key[order], full[order], nverts[order]
            pair_ix, pair_iy, pair_owner, clipped = (
                pair_ix[order],
                pair_iy[order],
                pair_owner[order],
                clipped[order],
            )
            starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
            cell_of_pair = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(key)]))
            n_in_cell = np.diff(np.r_[starts, len(key)])
            cell_full = full[starts] & (n_in_cell == 1)
            cell_edges = np.add.reduceat(nverts, starts) if len(starts) else nverts
            last = level == max_depth
            is_mixed_leaf = ~cell_full & ((cell_edges <= max_edges) | last)
            split = ~cell_full & ~is_mixed_leaf

            # pure leaves
            s = starts[cell_full]
            leaf_levels.append(level)
            leaf_ix.append(pair_ix[s])
            leaf_iy.append(pair_iy[s])
            leaf_val.append(pair_owner[s].astype(np.int32))
            # mixed leaves, each gets a slot
            mixed_cells_here = np.flatnonzero(is_mixed_leaf)
            if len(mixed_cells_here):
                first_slot = len(mixed_pieces)
                pair_in_mixed = is_mixed_leaf[cell_of_pair]
                idx = np.flatnonzero(pair_in_mixed)
                groups: dict[int, list[tuple[BaseGeometry, int]]] = {}
                for j in idx:
                    groups.setdefault(int(cell_of_pair[j]), []).append(
                        (clipped[j], int(pair_owner[j]))
                    )
                s2 = starts[mixed_cells_here]
                for c in mixed_cells_here:
                    mixed_pieces.append(groups[int(c)])
                leaf_levels.append(level)
                leaf_ix.append(pair_ix[s2])
                leaf_iy.append(pair_iy[s2])
                leaf_val.append(
                    (-2 - (first_slot + np.arange(len(mixed_cells_here)))).astype(np.int32)
                )
            # children of split cells inherit the clipped pieces
            if not split.any():
                break
            sel = np.flatnonzero(split[cell_of_pair])
            ix = np.repeat(pair_ix[sel] * 2, 4) + np.tile([0, 1, 0, 1], len(sel))
            iy = np.repeat(pair_iy[sel] * 2, 4) + np.tile([0, 0, 1, 1], len(sel))
            pair_geom = np.repeat(clipped[sel], 4)
            pair_owner = np.repeat(pair_owner[sel], 4)
            pair_ix, pair_iy = ix, iy
            level += 1

        depth = max(leaf_levels) if leaf_levels else 0
        n = 1 << depth
        cells = np.full(n * n, EMPTY, np.int32)
        for lvl, ixs, iys, vals in zip(leaf_levels, leaf_ix, leaf_iy, leaf_val, strict=True):
            if not len(ixs):
                continue
            f = 1 << (depth - lvl)
            # paint each leaf's f×f block of fine cells
            dx, dy = np.meshgrid(np.arange(f), np.arange(f))
            fx = (ixs[:, None] * f + dx.ravel()[None, :]).ravel()
            fy = (iys[:, None] * f + dy.ravel()[None, :]).ravel()
            cells[fy * n + fx] = np.repeat(vals, f * f)
        step = 1 << (max_depth - depth)
        flat = [g for ps in mixed_pieces for g, _ in ps]
        table, piece_offsets = _piece_edges(flat)
        counts = np.array([len(ps) for ps in mixed_pieces], np.int64)
        slot_pieces = np.zeros(len(mixed_pieces) + 1, np.int64)
        np.cumsum(counts, out=slot_pieces[1:])
        index = cls(
            xs=xs_all[::step].copy(),
            ys=ys_all[::step].copy(),
            cells=cells,
            slot_edges=piece_offsets[slot_pieces],
            edges=table,
            piece_owner=np.array([o for ps in mixed_pieces for _, o in ps], np.int32),
            n_polygons=len(geoms),
        )
        index._geoms = geoms  # type: ignore[attr-defined]
        return index

    # -- querying ---------------------------------------------------------------------

    def locate(self, lon: ArrayLike, lat: ArrayLike) -> IntArray:
        """Polygon index for every point, ``EMPTY`` (-1) where no polygon holds it."""
        x = np.ascontiguousarray(lon, dtype=np.float64).ravel()
        y = np.ascontiguousarray(lat, dtype=np.float64).ravel()
        xs, ys = self.xs, self.ys
        nx, ny = self.nx, self.ny
        inside = (x >= xs[0]) & (x < xs[-1]) & (y >= ys[0]) & (y < ys[-1])
        col = ((x - xs[0]) * self._inv_dx).astype(np.int64)
        row = ((y - ys[0]) * self._inv_dy).astype(np.int64)
        np.clip(col, 0, nx - 1, out=col)
        np.clip(row, 0, ny - 1, out=row)
        # exact check against the stored edges: arithmetic may be one ulp off at an edge
        col -= x < xs[col]
        col += x >= xs[col + 1]
        row -= y < ys[row]
        row += y >= ys[row + 1]
        np.clip(col, 0, nx - 1, out=col)
        np.clip(row, 0, ny - 1, out=row)
        value = self.cells[row * nx + col].astype(np.int64)
        value[~inside] = EMPTY
        mixed = np.flatnonzero(value <= -2)
        if len(mixed):
            value[mixed] = self._locate_in_pieces(x[mixed], y[mixed], -2 - value[mixed])
        return value

    def _locate_in_pieces(self, x: FloatArray, y: FloatArray, slots: IntArray) -> IntArray:
        e0 = self.slot_edges[slots]
        counts = self.slot_edges[slots + 1] - e0
        total = int(counts.sum())
        result = np.full(len(x), EMPTY, np.int64)
        if total == 0:
            return result
        point = np.repeat(np.arange(len(x)), counts)
        run_start = np.cumsum(counts) - counts
        edge = np.arange(total) - np.repeat(run_start - e0, counts)
        t = self.edges
        py = y[point]
        ay = t.ay[edge]
        cross = (ay <= py) & (py < t.by[edge]) & (x[point] < t.ax[edge] + (py - ay) * t.slope[edge])
        piece = t.piece[edge]
        brk = np.empty(total, bool)
        brk[0] = True
        np.not_equal(point[1:], point[:-1], out=brk[1:])
        brk[1:] |= piece[1:] != piece[:-1]
        starts = np.flatnonzero(brk)
        parity = np.bitwise_xor.reduceat(cross.view(np.uint8), starts)
        hit = starts[parity.astype(bool)]
        # first piece that holds the point wins (assign in reverse so the first is kept)
        result[point[hit][::-1]] = self.piece_owner[piece[hit]][::-1]
        return result

    def locate_one(self, lon: float, lat: float) -> int:
        return int(self.locate(np.array([lon]), np.array([lat]))[0])

    # -- distances --------------------------------------------------------------------

    @cached_property
    def _coverage(self) -> BaseGeometry:
        if self.coverage is not None:
            return self.coverage
        geoms = getattr(self, "_geoms", None)
        if geoms is None:
            raise ValueError("this index has no coverage geometry for distances")
        return shapely.union_all(geoms)

    @cached_property
    def _projection(self) -> LocalEqualArea:
        return LocalEqualArea.around(self._coverage)

    @cached_property
    def _coverage_m(self) -> BaseGeometry:
        return self._projection.project(self._coverage)

    def distance_outside_m(self, lon: ArrayLike, lat: ArrayLike) -> FloatArray:
        """Distance in metres from each point to the covered area (0 inside or on it)."""
        px, py = self._projection.forward(lon, lat)
        pts = shapely.points(np.ravel(px), np.ravel(py))
        return np.asarray(shapely.distance(self._coverage_m, pts), np.float64)
