"""Unit grid generation (万米单元网格划分), pure: boundary polygons in, coded grids out.

Cells: a lon/lat raster whose cell measures ``size_m`` × ``size_m`` on the ellipsoid at the
area's central latitude (so ≈ 10,000 m² for 100 m; across a district 30 km high the cell area
varies by well under 0.5 %). Keeping the raster axis-aligned in lon/lat makes every interior
grid an exact rectangle in the stored WGS-84 coordinates and lets the locator find a cell by
arithmetic. Cells are clipped to the community (or placeholder) polygon; clipped pieces
smaller than ``sliver_fraction`` of a full cell are merged into the neighbouring grid of the
same community with which they share the longest edge (isolated pieces stay on their own).
Areas are measured in a local equal-area projection (:mod:`urbangrid.geo.projection`).

Codes: 6 district + 3 street + 3 community + 3 sequence (STANDARDS.md §3.1); the sequence runs
west → east within a row of cells, rows north → south.

Placeholder rule (when street / community boundaries are missing): the raster is cut into
blocks of ``PLACEHOLDER_BLOCK`` × ``PLACEHOLDER_BLOCK`` cells (30 × 30 = 900 cells, 3 km × 3 km
at 100 m); each block's part of the boundary is one placeholder community (占位社区). Blocks are
grouped ``PLACEHOLDER_STREET_BLOCKS`` × ``PLACEHOLDER_STREET_BLOCKS`` (4 × 4) into placeholder
streets (占位街道). Streets, communities within a street and grids within a community are
numbered from 001 north → south, west → east, counting only non-empty ones. A block holds at
most 900 cells, and a cell split by the boundary into several parts adds at most a few grids,
so the 3-digit fields cannot overflow (a community with more than 999 grids is an error).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from urbangrid.geo.codes import make_grid_code, validate_district_code
from urbangrid.geo.pointindex import EMPTY, GridIndex
from urbangrid.geo.projection import LocalEqualArea, meridian_radius, normal_radius

PLACEHOLDER_BLOCK = 30
PLACEHOLDER_STREET_BLOCKS = 4
MAX_SEQUENCE = 999


class GridPlanError(ValueError):
    """The area cannot be gridded as asked (e.g. a community would need > 999 grids)."""


@dataclass(frozen=True)
class CommunityArea:
    """A community (社区/村) boundary to grid, with its street."""

    street_code: str
    code: str
    name: str
    geometry: BaseGeometry
    street_name: str = ""


@dataclass
class PlannedStreet:
    code: str
    name: str
    is_placeholder: bool
    geometry: BaseGeometry


@dataclass
class PlannedCommunity:
    street_code: str
    code: str
    name: str
    is_placeholder: bool
    geometry: BaseGeometry


@dataclass
class PlannedGrid:
    code: str
    street_code: str
    community_code: str
    geometry: BaseGeometry
    area_m2: float
    centroid: tuple[float, float]


@dataclass
class RasterSpec:
    """Cell edges ``xs = x0 + arange(nx + 1) * dx`` (same for ys); kept with their
    generating numbers so that a stored raster reproduces the edges bit for bit."""

    xs: NDArray[np.float64]
    ys: NDArray[np.float64]
    size_m: float
    x0: float = 0.0
    dx: float = 0.0
    y0: float = 0.0
    dy: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "x0": self.x0,
            "dx": self.dx,
            "nx": self.nx,
            "y0": self.y0,
            "dy": self.dy,
            "ny": self.ny,
            "size_m": self.size_m,
        }

    @property
    def nx(self) -> int:
        return len(self.xs) - 1

    @property
    def ny(self) -> int:
        return len(self.ys) - 1


@dataclass
class GridPlan:
    district_code: str
    streets: list[PlannedStreet]
    communities: list[PlannedCommunity]
    grids: list[PlannedGrid]
    raster: RasterSpec
    index: GridIndex  # locator over ``grids`` (polygon index = position in ``grids``)
    boundary_area_m2: float
    notes: list[str] = field(default_factory=list)

    @property
    def total_area_m2(self) -> float:
        return float(sum(g.area_m2 for g in self.grids))


def make_raster(boundary: BaseGeometry, size_m: float) -> RasterSpec:
    if not size_m > 0:
        raise GridPlanError(f"grid size must be positive, got {size_m}")
    minx, miny, maxx, maxy = boundary.bounds
    lat_c = (miny + maxy) / 2.0
    dlat = math.degrees(size_m / meridian_radius(lat_c))
    dlon = math.degrees(size_m / (normal_radius(lat_c) * math.cos(math.radians(lat_c))))
    nx = math.floor((maxx - minx) / dlon) + 1
    ny = math.floor((maxy - miny) / dlat) + 1
    if nx * ny > 20_000_000:
        raise GridPlanError(f"{nx} × {ny} cells of {size_m} m is too many; use a larger size")
    xs = minx + np.arange(nx + 1) * dlon
    ys = miny + np.arange(ny + 1) * dlat
    return RasterSpec(xs, ys, size_m, float(minx), float(dlon), float(miny), float(dlat))


@dataclass
class _Piece:
    row: int  # raster row counted from the south
    col: int
    geometry: BaseGeometry
    area_m2: float
    unit: int
    grid: int = -1


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [g for part in getattr(geom, "geoms", []) for g in _polygons(part)]


def _polygonal_part(geom: BaseGeometry) -> BaseGeometry:
    polys = _polygons(geom)
    return MultiPolygon(polys) if len(polys) > 1 else (polys[0] if polys else Polygon())


def _unit_pieces(
    unit_geom: BaseGeometry, unit: int, raster: RasterSpec, proj: LocalEqualArea
) -> tuple[list[_Piece], list[tuple[int, int]]]:
    """Clip raster cells to the unit: pieces, plus the (row, col) of cells it fully covers."""
    minx, miny, maxx, maxy = unit_geom.bounds
    xs, ys = raster.xs, raster.ys
    c0 = max(int(np.searchsorted(xs, minx, side="right")) - 1, 0)
    c1 = min(int(np.searchsorted(xs, maxx, side="left")), raster.nx)
    r0 = max(int(np.searchsorted(ys, miny, side="right")) - 1, 0)
    r1 = min(int(np.searchsorted(ys, maxy, side="left")), raster.ny)
    cols, rows = np.meshgrid(np.arange(c0, c1), np.arange(r0, r1))
    cols, rows = cols.ravel(), rows.ravel()
    boxes = shapely.box(xs[cols], ys[rows], xs[cols + 1], ys[rows + 1])
    shapely.prepare(unit_geom)
    touching = shapely.intersects(unit_geom, boxes)
    covered = touching & shapely.covers(unit_geom, boxes)
    partial = np.flatnonzero(touching & ~covered)
    # clip row by row: first the unit to the row's strip, then the strip to each cell, so a
    # detailed boundary is not walked once per cell
    clipped = np.empty(len(partial), dtype=object)
    prow = rows[partial]
    for r in np.unique(prow):
        sel = np.flatnonzero(prow == r)
        strip = shapely.intersection(unit_geom, shapely.box(xs[c0], ys[r], xs[c1], ys[r + 1]))
        clipped[sel] = shapely.intersection(strip, boxes[partial[sel]])
    pieces: list[_Piece] = []
    full_cells = list(zip(rows[covered].tolist(), cols[covered].tolist(), strict=True))
    full_boxes = boxes[covered]
    full_areas = proj.area_m2(full_boxes) if len(full_boxes) else np.empty(0)
    for (r, c), g, a in zip(full_cells, full_boxes, full_areas, strict=True):
        pieces.append(_Piece(r, c, g, float(a), unit))
    parts: list[tuple[int, int, Polygon]] = []
    for k, geom in zip(partial.tolist(), clipped, strict=True):
        for poly in _polygons(geom):
            if poly.area > 0:
                parts.append((int(rows[k]), int(cols[k]), poly))
    if parts:
        areas = proj.area_m2(np.asarray([p for _, _, p in parts], dtype=object))
        for (r, c, poly), a in zip(parts, areas, strict=True):
            pieces.append(_Piece(r, c, poly, float(a), unit))
    return pieces, full_cells


def _merge_slivers(pieces: list[_Piece], threshold_m2: float) -> list[list[int]]:
    """Group the unit's pieces into grids: each sliver joins the non-sliver neighbour (same or
    4-adjacent cell) sharing the longest edge. Returns lists of piece positions."""
    by_cell: dict[tuple[int, int], list[int]] = {}
    for i, p in enumerate(pieces):
        by_cell.setdefault((p.row, p.col), []).append(i)
    big = [p.area_m2 >= threshold_m2 for p in pieces]
    groups: dict[int, list[int]] = {i: [i] for i in range(len(pieces)) if big[i]}
    slivers = [i for i in range(len(pieces)) if not big[i]]
    cand_s: list[int] = []
    cand_t: list[int] = []
    for i in slivers:
        p = pieces[i]
        for dr, dc in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)):
            for j in by_cell.get((p.row + dr, p.col + dc), []):
                if j != i and big[j]:
                    cand_s.append(i)
                    cand_t.append(j)
    best: dict[int, tuple[float, int]] = {}
    if cand_s:
        s_geoms = np.asarray([pieces[i].geometry for i in cand_s], dtype=object)
        t_geoms = np.asarray([pieces[j].geometry for j in cand_t], dtype=object)
        shared = shapely.length(
            shapely.intersection(shapely.boundary(s_geoms), shapely.boundary(t_geoms))
        )
        for i, j, length in zip(cand_s, cand_t, shared.tolist(), strict=True):
            if length > 0 and (i not in best or length > best[i][0]):
                best[i] = (length, j)
    for i in slivers:
        if i in best:
            groups[best[i][1]].append(i)
        else:
            groups[i] = [i]  # isolated: stays a grid of its own
    return list(groups.values())


def generate_grids(
    boundary: BaseGeometry,
    district_code: str,
    *,
    size_m: float = 100.0,
    communities: Sequence[CommunityArea] | None = None,
    sliver_fraction: float = 0.25,
) -> GridPlan:
    """Cover ``boundary`` (lon/lat, WGS-84) with coded unit grids.

    With ``communities``, grids are cut per community (each clipped to the boundary); any part
    of the boundary no community covers is partitioned into placeholder communities under new
    placeholder streets. Without, the whole area is partitioned by the placeholder rule.
    """
    validate_district_code(district_code)
    boundary = shapely.make_valid(boundary) if not boundary.is_valid else boundary
    if boundary.is_empty or boundary.area == 0:
        raise GridPlanError("the boundary is empty")
    raster = make_raster(boundary, size_m)
    proj = LocalEqualArea.around(boundary)
    cell_area = size_m * size_m
    notes: list[str] = []

    # units: (street code, street name, community code, name, geometry, placeholder)
    units: list[tuple[str, str, str, str, BaseGeometry, bool]] = []
    streets: dict[str, tuple[str, bool]] = {}
    remainder = boundary
    for com in communities or []:
        own = shapely.make_valid(com.geometry) if not com.geometry.is_valid else com.geometry
        # overlapping communities: the part already taken by an earlier one stays there
        geom = shapely.intersection(own, remainder)
        overlap = proj.area_m2(shapely.intersection(own, boundary)) - proj.area_m2(geom)
        if overlap > cell_area * sliver_fraction:
            notes.append(
                f"community {com.street_code}{com.code} {com.name} overlaps earlier ones by "
                f"{overlap:,.0f} m²; that part stays with them"
            )
        geom = _polygonal_part(geom)
        if geom.is_empty or geom.area == 0:
            notes.append(f"community {com.street_code}{com.code} {com.name} lies outside")
            continue
        units.append((com.street_code, com.street_name, com.code, com.name, geom, False))
        streets.setdefault(com.street_code, (com.street_name or com.street_code, False))
        remainder = shapely.difference(remainder, own)
    if communities:
        uncovered = proj.area_m2(remainder) if not remainder.is_empty else 0.0
        if uncovered < cell_area * sliver_fraction:
            remainder = Polygon()
            if uncovered > 0:
                notes.append(f"{uncovered:.1f} m² not covered by any community left out")
    if not remainder.is_empty:
        next_street = max((int(s) for s in streets), default=0) + 1
        units.extend(_placeholder_units(remainder, raster, next_street, streets, notes))

    all_pieces: list[_Piece] = []
    grids: list[PlannedGrid] = []
    full_owner: dict[tuple[int, int], int] = {}
    planned_communities: list[PlannedCommunity] = []
    for u, (street_code, _sname, com_code, com_name, geom, placeholder) in enumerate(units):
        pieces, full_cells = _unit_pieces(geom, u, raster, proj)
        groups = _merge_slivers(pieces, sliver_fraction * cell_area)
        # north → south (row descending), west → east; ties by the piece's westmost x
        groups.sort(key=lambda g: (-pieces[g[0]].row, pieces[g[0]].col, g[0]))
        if len(groups) > MAX_SEQUENCE:
            raise GridPlanError(
                f"community {street_code}{com_code} {com_name} needs {len(groups)} grids "
                f"(> {MAX_SEQUENCE}); use larger cells or split the community"
            )
        full_set = set(full_cells)
        for seq, group in enumerate(groups, start=1):
            gid = len(grids)
            members = [pieces[i] for i in group]
            geom_g = (
                members[0].geometry
                if len(members) == 1
                else shapely.union_all([m.geometry for m in members])
            )
            c = geom_g.centroid
            cx, cy = c.x, c.y
            grids.append(
                PlannedGrid(
                    code=make_grid_code(district_code, street_code, com_code, seq),
                    street_code=street_code,
                    community_code=com_code,
                    geometry=geom_g,
                    area_m2=float(sum(m.area_m2 for m in members)),
                    centroid=(cx, cy),
                )
            )
            for m in members:
                m.grid = gid
                if (m.row, m.col) in full_set:
                    full_owner[(m.row, m.col)] = gid
        all_pieces.extend(pieces)
        planned_communities.append(
            PlannedCommunity(street_code, com_code, com_name, placeholder, geom)
        )

    planned_streets = [
        PlannedStreet(
            code,
            name,
            placeholder,
            shapely.union_all([c.geometry for c in planned_communities if c.street_code == code]),
        )
        for code, (name, placeholder) in sorted(streets.items())
    ]
    index = _build_index(raster, all_pieces, full_owner, len(grids), boundary)
    return GridPlan(
        district_code=district_code,
        streets=planned_streets,
        communities=planned_communities,
        grids=grids,
        raster=raster,
        index=index,
        boundary_area_m2=float(proj.area_m2(boundary)),
        notes=notes,
    )


def _placeholder_units(
    region: BaseGeometry,
    raster: RasterSpec,
    first_street: int,
    streets: dict[str, tuple[str, bool]],
    notes: list[str],
) -> list[tuple[str, str, str, str, BaseGeometry, bool]]:
    b = PLACEHOLDER_BLOCK
    s = PLACEHOLDER_STREET_BLOCKS
    nbx = math.ceil(raster.nx / b)
    nby = math.ceil(raster.ny / b)
    xs, ys = raster.xs, raster.ys
    shapely.prepare(region)
    units_by_street: dict[tuple[int, int], list[tuple[int, int, BaseGeometry]]] = {}
    for by in range(nby - 1, -1, -1):  # north first
        for bx in range(nbx):
            rect = shapely.box(
                xs[bx * b],
                ys[by * b],
                xs[min((bx + 1) * b, raster.nx)],
                ys[min((by + 1) * b, raster.ny)],
            )
            if not shapely.intersects(region, rect):
                continue
            part = shapely.intersection(region, rect)
            if part.is_empty or part.area == 0:
                continue
            street_key = ((nby - 1 - by) // s, bx // s)
            units_by_street.setdefault(street_key, []).append((by, bx, part))
    units: list[tuple[str, str, str, str, BaseGeometry, bool]] = []
    for n, key in enumerate(sorted(units_by_street)):
        street_code = f"{first_street + n:03d}"
        if int(street_code) > MAX_SEQUENCE:
            raise GridPlanError("too many placeholder streets; use larger cells")
        name = f"占位街道{street_code}"
        streets[street_code] = (name, True)
        blocks = sorted(units_by_street[key], key=lambda t: (-t[0], t[1]))
        for m, (_by, _bx, part) in enumerate(blocks, start=1):
            com_name = f"占位社区{street_code}-{m:03d}"
            units.append((street_code, name, f"{m:03d}", com_name, part, True))
    notes.append(
        f"no street/community boundaries: {len(units)} placeholder communities in "
        f"{len(units_by_street)} placeholder streets (blocks of {b}×{b} cells, "
        f"streets of {s}×{s} blocks)"
    )
    return units


def _build_index(
    raster: RasterSpec,
    pieces: list[_Piece],
    full_owner: dict[tuple[int, int], int],
    n_grids: int,
    boundary: BaseGeometry,
) -> GridIndex:
    nx = raster.nx
    owners = np.full(raster.nx * raster.ny, EMPTY, np.int32)
    for (r, c), gid in full_owner.items():
        owners[r * nx + c] = gid
    mixed: dict[int, list[tuple[BaseGeometry, int]]] = {}
    for p in pieces:
        if (p.row, p.col) in full_owner:
            continue
        mixed.setdefault(p.row * nx + p.col, []).append((p.geometry, p.grid))
    mixed_cells = np.array(sorted(mixed), dtype=np.int64)
    return GridIndex.from_raster(
        raster.xs,
        raster.ys,
        owners,
        mixed_cells,
        [mixed[int(c)] for c in mixed_cells],
        n_polygons=n_grids,
        coverage=boundary,
    )
