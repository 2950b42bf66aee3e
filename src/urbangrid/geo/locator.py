"""Point → grid for a jurisdiction, backed by the database, cached per jurisdiction.

The function other packages call::

    from urbangrid.geo.locator import locate_point, grid_code_for_point

    place = locate_point(session, jurisdiction_id, lon, lat)      # WGS-84 by default
    place.grid_code, place.grid_id, place.community_id, place.street_id ...
    code = grid_code_for_point(session, jurisdiction_id, lon, lat)  # just the 15 digits

A point outside the jurisdiction raises :class:`~urbangrid.kit.errors.InvalidInput` whose
message says how far outside it is (``distance_m`` in the problem body). The index is built
on first use and kept per process; it is rebuilt when the jurisdiction's grids change (grid
count, highest grid id or the ``geo.grids_version`` stamp that :mod:`urbangrid.geo.service`
bumps when it rewrites grids); :func:`invalidate` drops it explicitly.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from urbangrid.geo.crs import Crs, to_wgs84
from urbangrid.geo.pointindex import EMPTY, GridIndex
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.org.models import Community, Grid, Jurisdiction, Street

# A point this close outside the covered area (GPS noise, a point on the boundary's open
# east / north side) is given to the nearest grid instead of being refused.
SNAP_METRES = 1.0


@dataclass(frozen=True)
class GridLocation:
    grid_id: int
    grid_code: str
    community_id: int
    community_code: str
    community_name: str
    street_id: int
    street_code: str
    street_name: str
    snapped_m: float = 0.0  # > 0 when the point lay just outside and was snapped


@dataclass
class _Entry:
    stamp: tuple[Any, ...]
    index: GridIndex
    rows: list[GridLocation]
    polygons: NDArray[np.object_]
    jurisdiction_name: str

    @cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.polygons)


_cache: dict[tuple[str, int], _Entry] = {}  # (database URL, jurisdiction id)
_lock = threading.Lock()


def invalidate(jurisdiction_id: int | None = None) -> None:
    with _lock:
        for key in list(_cache):
            if jurisdiction_id is None or key[1] == jurisdiction_id:
                del _cache[key]


def _stamp(session: Session, jurisdiction: Jurisdiction) -> tuple[Any, ...]:
    count, max_id = session.execute(
        select(func.count(Grid.id), func.coalesce(func.max(Grid.id), 0)).where(
            Grid.jurisdiction_id == jurisdiction.id
        )
    ).one()
    geo = (jurisdiction.settings or {}).get("geo", {})
    # created_at tells a re-created jurisdiction (same id, e.g. a truncated test database)
    return (int(count), int(max_id), geo.get("grids_version"), jurisdiction.created_at)


def raster_edges(spec: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Raster edges exactly as :func:`urbangrid.geo.gridgen.make_raster` computed them."""
    xs = spec["x0"] + np.arange(spec["nx"] + 1) * spec["dx"]
    ys = spec["y0"] + np.arange(spec["ny"] + 1) * spec["dy"]
    return xs, ys


def _build(session: Session, jurisdiction: Jurisdiction, stamp: tuple[Any, ...]) -> _Entry | None:
    rows = session.execute(
        select(
            Grid.id,
            Grid.code,
            # the stored GeoJSON as text, parsed in bulk by GEOS (much faster than json+shape)
            cast(Grid.geometry, String),
            Community.id,
            Community.code,
            Community.name,
            Street.id,
            Street.code,
            Street.name,
        )
        .join(Community, Community.id == Grid.community_id)
        .join(Street, Street.id == Community.street_id)
        .where(Grid.jurisdiction_id == jurisdiction.id, Grid.geometry.is_not(None))
        .order_by(Grid.code)
    ).all()
    if not rows:
        return None
    polys = shapely.from_geojson(np.asarray([r[2] for r in rows], dtype=object))
    coverage: BaseGeometry | None = shape(jurisdiction.geometry) if jurisdiction.geometry else None
    geo = (jurisdiction.settings or {}).get("geo", {})
    raster = geo.get("raster")
    if raster and geo.get("raster_grids_version") == geo.get("grids_version"):
        xs, ys = raster_edges(raster)
        index = GridIndex.on_raster(polys, xs, ys, coverage=coverage)
    else:
        index = GridIndex.from_polygons(polys)
        index.coverage = coverage
    locs = [GridLocation(r[0], r[1], r[3], r[4], r[5], r[6], r[7], r[8]) for r in rows]
    return _Entry(stamp, index, locs, polys, jurisdiction.name)


def _entry(session: Session, jurisdiction_id: int) -> _Entry:
    jurisdiction = session.get(Jurisdiction, jurisdiction_id)
    if jurisdiction is None:
        raise NotFound(f"no jurisdiction with id {jurisdiction_id}")
    stamp = _stamp(session, jurisdiction)
    key = (str(session.get_bind().url), jurisdiction_id)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    entry = _build(session, jurisdiction, stamp)
    if entry is None:
        raise InvalidInput(f"{jurisdiction.name} has no unit grids yet (urbangrid geo make-grids)")
    with _lock:
        _cache[key] = entry
    return entry


def locate_many(
    session: Session,
    jurisdiction_id: int,
    lon: ArrayLike,
    lat: ArrayLike,
    crs: Crs | str = Crs.WGS84,
) -> NDArray[np.int64]:
    """Grid ids (database ids) for many points; -1 where a point is in no grid."""
    entry = _entry(session, jurisdiction_id)
    x, y = to_wgs84(lon, lat, crs)
    found = entry.index.locate(x, y)
    ids = np.asarray([loc.grid_id for loc in entry.rows], np.int64)
    return np.where(found >= 0, ids[np.maximum(found, 0)], EMPTY)


def locate_point(
    session: Session,
    jurisdiction_id: int,
    lon: float,
    lat: float,
    crs: Crs | str = Crs.WGS84,
    *,
    snap_m: float = SNAP_METRES,
) -> GridLocation:
    """The grid, community and street of one point. Outside → InvalidInput (how far)."""
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise InvalidInput("lon and lat must be finite numbers", field="lon/lat")
    entry = _entry(session, jurisdiction_id)
    x, y = (float(v) for v in to_wgs84(lon, lat, crs))
    k = entry.index.locate_one(x, y)
    if k >= 0:
        return entry.rows[k]
    # distance to the grids themselves (the boundary may be larger than the grid cover)
    point = shapely.Point(x, y)
    nearest = int(entry.tree.nearest(point))
    proj = entry.index.projection
    d = float(shapely.distance(proj.project(entry.polygons[nearest]), proj.project(point)))
    if d <= snap_m:
        loc = entry.rows[nearest]
        return GridLocation(**{**loc.__dict__, "snapped_m": d})
    raise InvalidInput(
        f"the point ({lon}, {lat}) is {d:,.0f} m outside the unit grids of "
        f"{entry.jurisdiction_name}",
        code="point_outside_grids",
        params={"jurisdiction": entry.jurisdiction_name, "distance_m": round(d)},
        field="lon/lat",
        distance_m=round(d, 1),
    )


def grid_code_for_point(session: Session, jurisdiction_id: int, lon: float, lat: float) -> str:
    """The 15-digit grid code of a WGS-84 point (InvalidInput when it is outside)."""
    return locate_point(session, jurisdiction_id, lon, lat).grid_code
