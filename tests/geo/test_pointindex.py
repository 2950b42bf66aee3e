"""Point → polygon location: brute-force agreement, the shared-edge rule, outside points."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from urbangrid.geo.demo_area import make_demo_area
from urbangrid.geo.gridgen import GridPlan
from urbangrid.geo.pointindex import EMPTY, GridIndex


def brute_force(polys: list[BaseGeometry], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Lowest index of a polygon intersecting each point (shapely, one by one in C)."""
    tree = shapely.STRtree(polys)
    pi, gi = tree.query(shapely.points(lon, lat), predicate="intersects")
    out = np.full(len(lon), np.iinfo(np.int64).max)
    np.minimum.at(out, pi, gi)
    out[out == np.iinfo(np.int64).max] = EMPTY
    return out


def test_la_311_points_agree_with_brute_force(
    la_councils: tuple[list[str], list[BaseGeometry]], la_points: tuple[np.ndarray, np.ndarray]
) -> None:
    _names, polys = la_councils
    polys = list(shapely.make_valid(np.asarray(polys, dtype=object)))
    lon, lat = la_points
    index = GridIndex.from_polygons(polys)
    found = index.locate(lon, lat)
    expected = brute_force(polys, lon, lat)
    assert np.array_equal(found, expected)
    located = int((found >= 0).sum())
    print(f"\nLA 311: {located} of {len(lon)} requests in {len(set(found[found >= 0]))} councils")
    assert located > 9_500
    # a missing coordinate is simply not located
    assert np.isnan(lon).any() or np.isnan(lat).any() or located <= len(lon)


def test_random_points_agree_with_shapely_on_demo_grids() -> None:
    area = make_demo_area()
    polys = [g.geometry for g in area.plan.grids]
    rng = np.random.default_rng(3)
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(polys, dtype=object))
    lon = rng.uniform(minx - 0.002, maxx + 0.002, 50_000)
    lat = rng.uniform(miny - 0.002, maxy + 0.002, 50_000)
    expected = brute_force(polys, lon, lat)
    assert np.array_equal(area.plan.index.locate(lon, lat), expected)
    irregular = GridIndex.from_polygons(polys, max_edges=24)
    assert np.array_equal(irregular.locate(lon, lat), expected)
    on_raster = GridIndex.on_raster(polys, area.plan.raster.xs, area.plan.raster.ys)
    assert np.array_equal(on_raster.locate(lon, lat), expected)


def test_shared_edge_rule_east_and_north(hailing_plan: GridPlan) -> None:
    """Points exactly on raster lines between two full grids go east / north, once."""
    plan = hailing_plan
    xs, ys = plan.raster.xs, plan.raster.ys
    index = plan.index
    polys = np.asarray([g.geometry for g in plan.grids], dtype=object)
    rng = np.random.default_rng(5)
    cols = rng.integers(1, plan.raster.nx - 1, 20_000)
    rows = rng.integers(1, plan.raster.ny - 1, 20_000)
    # on a vertical line (x exactly an edge), y in the middle of a row
    lon = xs[cols]
    lat = (ys[rows] + ys[rows + 1]) / 2
    found = index.locate(lon, lat)
    east = index.locate(lon + 1e-9, lat)
    west = index.locate(lon - 1e-9, lat)
    both = (east >= 0) & (west >= 0)
    assert both.sum() > 5_000
    assert np.array_equal(found[both], east[both])
    # exactly one polygon touches each such point on its closure... and it is that one
    hits = shapely.intersects(polys[found[both]], shapely.points(lon[both], lat[both]))
    assert hits.all()
    # on a horizontal line: north
    lon2 = (xs[cols] + xs[cols + 1]) / 2
    lat2 = ys[rows]
    found2 = index.locate(lon2, lat2)
    north = index.locate(lon2, lat2 + 1e-9)
    ok = (north >= 0) & (index.locate(lon2, lat2 - 1e-9) >= 0)
    assert np.array_equal(found2[ok], north[ok])
    # a shared corner: north-east
    corner = index.locate(xs[cols], ys[rows])
    ne = index.locate(xs[cols] + 1e-9, ys[rows] + 1e-9)
    assert np.array_equal(corner[ne >= 0], ne[ne >= 0])


def test_shared_slanted_edge_goes_to_exactly_one() -> None:
    # two triangles sharing a diagonal; points exactly on it (x computed from y)
    a = shapely.Polygon([(0, 0), (1, 0), (1, 1)])  # east of the diagonal y = x
    b = shapely.Polygon([(0, 0), (1, 1), (0, 1)])
    index = GridIndex.from_polygons([a, b], max_edges=4, max_depth=3)
    t = np.linspace(0.01, 0.99, 997)
    found = index.locate(t, t)
    assert set(found.tolist()) == {0}  # on the edge → the polygon to the east
    assert (index.locate(t - 1e-9, t) == 1).all()


def test_outside_points_and_distance(hailing_plan: GridPlan) -> None:
    index = hailing_plan.index
    coverage = hailing_plan.index.coverage
    assert coverage is not None
    coords = shapely.get_coordinates(coverage)
    east_x, east_y = coords[np.argmax(coords[:, 0])]
    minx = coords[:, 0].min()
    lon = np.array([east_x + 0.01, np.nan, minx - 1.0])
    lat = np.array([east_y, 32.5, 32.5])
    assert (index.locate(lon, lat) == EMPTY).all()
    d = index.distance_outside_m(lon[[0, 2]], lat[[0, 2]])
    # 0.01° of longitude at 32.5°N ≈ 940 m, the eastmost point is on the boundary
    assert 800 < d[0] < 945
    assert 90_000 < d[1] < 100_000


def test_empty_raster_regions_and_gaps() -> None:
    polys = [box(0, 0, 1, 1), box(2, 0, 3, 1)]
    index = GridIndex.from_polygons(polys)
    assert index.locate_one(1.5, 0.5) == EMPTY
    assert index.locate_one(0.5, 0.5) == 0
    assert index.locate_one(2.5, 0.5) == 1
    assert index.locate_one(3.0, 0.5) == EMPTY  # the east edge is open
    assert index.locate_one(0.0, 0.0) == 0  # the south-west corner is closed
