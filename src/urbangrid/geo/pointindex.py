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
from urbangrid.geo.rings import RingSet

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

EMPTY = -1  # raster cell value: no polygon
_CHUNK = 1 << 14
# fraction of a cell within which the arithmetic cell guess is re-checked exactly
_EDGE_EPS = 1e-7


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
    geoms = np.asarray(pieces, dtype=object)
    parts, part_piece = shapely.get_parts(geoms, return_index=True)
    is_poly = shapely.get_type_id(parts) == 3  # Polygon; drop lines / points of dirty clips
    parts, part_piece = parts[is_poly], part_piece[is_poly]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    if len(rings) == 0:
        empty = np.empty(0)
        table = _EdgeTable(empty, empty, empty, empty, np.empty(0, np.int32))
        return table, np.zeros(len(pieces) + 1, np.int64)
    ring_piece = part_piece[ring_part]
    coords, ring_idx = shapely.get_coordinates(rings, return_index=True)
    # segment k joins coords[k] → coords[k+1] when both belong to the same ring
    same = ring_idx[1:] == ring_idx[:-1]
    p = coords[:-1][same]
    q = coords[1:][same]
    owner = np.asarray(ring_piece, dtype=np.int32)[ring_idx[:-1][same]]
    return _edge_table(p, q, owner, len(pieces))


def _edge_table(
    p: FloatArray, q: FloatArray, owner: NDArray[np.int32], n_pieces: int
) -> tuple[_EdgeTable, IntArray]:
    """Edge table from segment endpoints ``p → q`` (n × 2) of pieces ``owner``."""
    keep = p[:, 1] != q[:, 1]  # horizontal edges never cross a horizontal ray
    p, q, owner = p[keep], q[keep], owner[keep]
    swap = p[:, 1] > q[:, 1]
    lo = np.where(swap[:, None], q, p)
    hi = np.where(swap[:, None], p, q)
    order = np.argsort(owner, kind="stable")
    lo, hi, owner = lo[order], hi[order], owner[order]
    slope = (hi[:, 0] - lo[:, 0]) / (hi[:, 1] - lo[:, 1])
    table = _EdgeTable(lo[:, 0].copy(), lo[:, 1].copy(), hi[:, 1].copy(), slope, owner)
    counts = np.bincount(owner, minlength=n_pieces)
    offsets = np.zeros(n_pieces + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return table, offsets


def _axis_cells(v: FloatArray, edges: FloatArray, inv_step: float) -> IntArray:
    """Raster column (or row) of each coordinate, in [-1, n] (-1 / n: outside).

    Arithmetic first; coordinates within a hair of an edge are then settled by an exact
    comparison with the stored edge values, so the half-open rule holds to the last bit.
    NaN ends up at -1.
    """
    n = len(edges) - 1
    f = v - edges[0]
    f *= inv_step
    idx = f.astype(np.int64)  # truncation: exact floor for f ≥ 0; f < 0 is fixed below
    f -= idx
    near = np.flatnonzero((f < _EDGE_EPS) | (f > 1.0 - _EDGE_EPS))
    np.clip(idx, -1, n, out=idx)
    if len(near):
        c = np.clip(idx[near], 0, n - 1)
        vn = v[near]
        c -= vn < edges[c]
        c += vn >= edges[c + 1]
        idx[near] = c
    return idx


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
    def on_raster(
        cls,
        polygons: Sequence[BaseGeometry] | NDArray[np.object_],
        xs: FloatArray,
        ys: FloatArray,
        coverage: BaseGeometry | None = None,
    ) -> GridIndex:
        """Index polygons on a given raster (e.g. the raster the grids were generated on):
        cells wholly inside one polygon become pure, every other touched cell keeps the
        clipped pieces. Cheap when most polygons are raster cells."""
        geoms = np.asarray(list(polygons), dtype=object)
        xs = np.asarray(xs, np.float64)
        ys = np.asarray(ys, np.float64)
        nx, ny = len(xs) - 1, len(ys) - 1
        b = shapely.bounds(geoms)
        c0 = np.clip(np.searchsorted(xs, b[:, 0], side="right") - 1, 0, nx - 1)
        c1 = np.clip(np.searchsorted(xs, b[:, 2], side="left"), c0 + 1, nx)
        r0 = np.clip(np.searchsorted(ys, b[:, 1], side="right") - 1, 0, ny - 1)
        r1 = np.clip(np.searchsorted(ys, b[:, 3], side="left"), r0 + 1, ny)
        w, h = c1 - c0, r1 - r0
        counts = w * h
        owner = np.repeat(np.arange(len(geoms)), counts)
        k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        col = np.repeat(c0, counts) + k % np.repeat(w, counts)
        row = np.repeat(r0, counts) + k // np.repeat(w, counts)
        x0, x1, y0, y1 = xs[col], xs[col + 1], ys[row], ys[row + 1]
        pb = b[owner]
        within = (pb[:, 0] >= x0) & (pb[:, 1] >= y0) & (pb[:, 2] <= x1) & (pb[:, 3] <= y1)
        pieces = geoms[owner]
        cross = ~within
        if cross.any():
            pieces[cross] = shapely.intersection(
                pieces[cross], shapely.box(x0[cross], y0[cross], x1[cross], y1[cross])
            )
        area = shapely.area(pieces)
        keep = area > 0
        owner, col, row, pieces, area = owner[keep], col[keep], row[keep], pieces[keep], area[keep]
        cell_area = (xs[col + 1] - xs[col]) * (ys[row + 1] - ys[row])
        full = area >= cell_area * (1.0 - 1e-9)
        key = row * nx + col
        order = np.lexsort((owner, key))
        key, owner, pieces, full = key[order], owner[order], pieces[order], full[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])[: len(key)]
        sizes = np.diff(np.r_[starts, len(key)])
        pure = full[starts] & (sizes == 1)
        owners = np.full(nx * ny, EMPTY, np.int32)
        owners[key[starts[pure]]] = owner[starts[pure]]
        mixed_cell_keys = key[starts[~pure]]
        groups = np.split(np.arange(len(key)), starts[1:]) if len(key) else []
        mixed_pieces = [
            [(pieces[j], int(owner[j])) for j in grp]
            for grp, is_pure in zip(groups, pure, strict=True)
            if not is_pure
        ]
        index = cls.from_raster(
            xs, ys, owners, mixed_cell_keys, mixed_pieces, len(geoms), coverage=coverage
        )
        index._geoms = geoms  # type: ignore[attr-defined]
        return index

    @classmethod
    def from_polygons(
        cls,
        polygons: Sequence[BaseGeometry] | NDArray[np.object_],
        *,
        max_edges: int = 16,
        max_depth: int = 11,
    ) -> GridIndex:
        """Index arbitrary (Multi)Polygons in lon/lat; where they overlap, the lowest index
        wins.

        A quadtree over the bounding box: a cell wholly covered by one polygon becomes pure,
        a cell whose clipped pieces hold more than ``max_edges`` vertices is split in four,
        down to ``max_depth`` levels; the leaves are then painted onto one raster at the
        deepest level reached. Clipping is vectorised over all pieces of a level
        (:mod:`urbangrid.geo.rings`).
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

        rings = RingSet.from_polygons(geoms)
        pair_ix = np.zeros(len(geoms), np.int64)
        pair_iy = np.zeros(len(geoms), np.int64)
        pair_owner = np.arange(len(geoms), dtype=np.int64)
        leaves: list[tuple[int, IntArray, IntArray, NDArray[np.int32]]] = []
        # mixed leaves per level: their pieces' rings, owners and slots
        mixed: list[tuple[RingSet, IntArray, IntArray]] = []
        n_slots = 0
        level = 0
        while len(pair_ix):
            step = 1 << (max_depth - level)
            x0, x1 = xs_all[pair_ix * step], xs_all[(pair_ix + 1) * step]
            y0, y1 = ys_all[pair_iy * step], ys_all[(pair_iy + 1) * step]
            rings = rings.clip(x0, y0, x1, y1)
            area = rings.pair_area(x0, y0)
            cell_area = (x1 - x0) * (y1 - y0)
            nverts = rings.pair_vertex_count()
            alive = (area > cell_area * 1e-12) & (nverts >= 3)
            key = pair_iy * (1 << level) + pair_ix
            # per cell, pieces by polygon index (the lowest wins where polygons overlap)
            order = np.lexsort((pair_owner, key))
            order = order[alive[order]]
            rings = rings.take(order)
            key, pair_ix, pair_iy, pair_owner = (
                key[order],
                pair_ix[order],
                pair_iy[order],
                pair_owner[order],
            )
            full = area[order] >= cell_area[order] * (1.0 - 1e-9)
            nverts = nverts[order]
            if not len(key):
                break
            starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
            sizes = np.diff(np.r_[starts, len(key)])
            cell_of_pair = np.repeat(np.arange(len(starts)), sizes)
            cell_full = full[starts] & (sizes == 1)
            cell_verts = np.add.reduceat(nverts, starts)
            last = level == max_depth
            mixed_leaf = ~cell_full & ((cell_verts <= max_edges) | last)
            split = ~cell_full & ~mixed_leaf
            s = starts[cell_full]
            leaves.append((level, pair_ix[s], pair_iy[s], pair_owner[s].astype(np.int32)))
            mixed_cells = np.flatnonzero(mixed_leaf)
            if len(mixed_cells):
                sel = np.flatnonzero(mixed_leaf[cell_of_pair])
                slots = n_slots + np.arange(len(mixed_cells))
                slot_of_cell = np.full(len(starts), -1, np.int64)
                slot_of_cell[mixed_cells] = slots
                mixed.append((rings.take(sel), pair_owner[sel], slot_of_cell[cell_of_pair[sel]]))
                s2 = starts[mixed_cells]
                leaves.append((level, pair_ix[s2], pair_iy[s2], (-2 - slots).astype(np.int32)))
                n_slots += len(mixed_cells)
            if not split.any():
                break
            sel = np.flatnonzero(split[cell_of_pair])
            half = step >> 1
            xm = xs_all[pair_ix[sel] * step + half]
            ym = ys_all[pair_iy[sel] * step + half]
            bminx, bminy, bmaxx, bmaxy = rings.pair_bounds()
            west, east = bminx[sel] < xm, bmaxx[sel] > xm
            south, north = bminy[sel] < ym, bmaxy[sel] > ym
            src, cix, ciy = [], [], []
            for mask, ox, oy in (
                (west & south, 0, 0),
                (east & south, 1, 0),
                (west & north, 0, 1),
                (east & north, 1, 1),
            ):
                chosen = sel[mask]
                src.append(chosen)
                cix.append(pair_ix[chosen] * 2 + ox)
                ciy.append(pair_iy[chosen] * 2 + oy)
            children = np.concatenate(src)
            rings = rings.take(children)
            pair_owner = pair_owner[children]
            pair_ix, pair_iy = np.concatenate(cix), np.concatenate(ciy)
            level += 1

        depth = max((lv for lv, *_ in leaves), default=0)
        n = 1 << depth
        cells = np.full(n * n, EMPTY, np.int32)
        for lvl, ixs, iys, vals in leaves:
            if not len(ixs):
                continue
            f = 1 << (depth - lvl)
            dx, dy = np.meshgrid(np.arange(f), np.arange(f))
            fx = (ixs[:, None] * f + dx.ravel()[None, :]).ravel()
            fy = (iys[:, None] * f + dy.ravel()[None, :]).ravel()
            cells[fy * n + fx] = np.repeat(vals, f * f)
        # pieces in slot order (levels and cells were visited in slot order): one piece
        # per mixed pair, its edges taken from its clipped rings
        p_parts, q_parts, id_parts, owner_parts, slot_parts = [], [], [], [], []
        n_pieces = 0
        for rs, owners, piece_slots in mixed:
            px, py, qx, qy, pid = rs.edges()
            p_parts.append(np.column_stack([px, py]))
            q_parts.append(np.column_stack([qx, qy]))
            id_parts.append(pid + n_pieces)
            owner_parts.append(owners)
            slot_parts.append(piece_slots)
            n_pieces += rs.npairs
        if mixed:
            p, q = np.concatenate(p_parts), np.concatenate(q_parts)
            pid = np.concatenate(id_parts).astype(np.int32)
            owners_flat = np.concatenate(owner_parts)
            piece_slot = np.concatenate(slot_parts)
        else:
            p = q = np.empty((0, 2))
            pid = np.empty(0, np.int32)
            owners_flat = piece_slot = np.empty(0, np.int64)
        table, piece_offsets = _edge_table(p, q, pid, n_pieces)
        slot_pieces = np.zeros(n_slots + 1, np.int64)
        np.cumsum(np.bincount(piece_slot, minlength=n_slots), out=slot_pieces[1:])
        step = 1 << (max_depth - depth)
        index = cls(
            xs=xs_all[::step].copy(),
            ys=ys_all[::step].copy(),
            cells=cells,
            slot_edges=piece_offsets[slot_pieces],
            edges=table,
            piece_owner=owners_flat.astype(np.int32),
            n_polygons=len(geoms),
        )
        index._geoms = geoms  # type: ignore[attr-defined]
        return index

    # -- querying ---------------------------------------------------------------------

    @cached_property
    def _padded(self) -> NDArray[np.int32]:
        """``cells`` with a ring of EMPTY cells around, so that a point one cell outside
        the raster needs no bounds test."""
        padded = np.full((self.ny + 2, self.nx + 2), EMPTY, np.int32)
        padded[1:-1, 1:-1] = self.cells.reshape(self.ny, self.nx)
        return padded.ravel()

    def locate(self, lon: ArrayLike, lat: ArrayLike) -> IntArray:
        """Polygon index for every point, ``EMPTY`` (-1) where no polygon holds it
        (including NaN coordinates)."""
        x = np.ascontiguousarray(lon, dtype=np.float64).ravel()
        y = np.ascontiguousarray(lat, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError("lon and lat must have the same length")
        out = np.empty(len(x), np.int64)
        # chunks small enough for the temporaries to stay in cache
        with np.errstate(invalid="ignore"):  # NaN → int cast; such points end outside
            for start in range(0, len(x), _CHUNK):
                stop = start + _CHUNK
                out[start:stop] = self._locate_chunk(x[start:stop], y[start:stop])
        mixed = np.flatnonzero(out <= -2)
        # the crossing test expands points × edges: chunks keep that expansion in cache
        for start in range(0, len(mixed), _CHUNK // 4):
            m = mixed[start : start + _CHUNK // 4]
            out[m] = self._locate_in_pieces(x[m], y[m], -2 - out[m])
        return out

    def _locate_chunk(self, x: FloatArray, y: FloatArray) -> NDArray[np.int32]:
        col = _axis_cells(x, self.xs, self._inv_dx)
        row = _axis_cells(y, self.ys, self._inv_dy)
        # col, row ∈ [-1, n]: one step outside lands on the EMPTY ring of the padded raster
        row += 1
        row *= self.nx + 2
        row += col
        row += 1
        return self._padded[row]

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
    def projection(self) -> LocalEqualArea:
        return LocalEqualArea.around(self._coverage)

    @cached_property
    def _coverage_m(self) -> BaseGeometry:
        return self.projection.project(self._coverage)

    def distance_outside_m(self, lon: ArrayLike, lat: ArrayLike) -> FloatArray:
        """Distance in metres from each point to the covered area (0 inside or on it)."""
        px, py = self.projection.forward(lon, lat)
        pts = shapely.points(np.ravel(px), np.ravel(py))
        return np.asarray(shapely.distance(self._coverage_m, pts), np.float64)
