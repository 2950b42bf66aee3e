"""The fictional demo district: coded, complete, deterministic."""

from __future__ import annotations

import shapely
from shapely.geometry import shape

from urbangrid.geo.codes import parse_grid_code
from urbangrid.geo.demo_area import DEMO_DISTRICT_CODE, make_demo_area


def test_demo_area_is_complete_and_coded() -> None:
    area = make_demo_area()
    assert len(area.streets) == 2
    assert len(area.communities) == 5
    codes = [g.code for g in area.grids]
    assert len(codes) == len(set(codes))
    for code in codes:
        parsed = parse_grid_code(code)
        assert parsed.district == DEMO_DISTRICT_CODE
    # grids tile the boundary: same area, no overlaps
    boundary = shape(area.boundary)
    geoms = [shape(g.geometry) for g in area.grids]
    union = shapely.union_all(geoms)
    assert abs(union.area - boundary.area) / boundary.area < 1e-9
    assert abs(sum(g.area for g in geoms) - union.area) / union.area < 1e-9
    total = sum(g.area_m2 for g in area.grids)
    assert abs(total / area.plan.boundary_area_m2 - 1) < 1e-3
    # each grid's street / community matches a declared community
    declared = {(c.street_code, c.code) for c in area.communities}
    assert {(g.street_code, g.community_code) for g in area.grids} == declared


def test_demo_area_is_deterministic_and_locatable() -> None:
    a, b = make_demo_area(), make_demo_area()
    assert [g.code for g in a.grids] == [g.code for g in b.grids]
    g = a.grids[len(a.grids) // 2]
    found = a.plan.index.locate_one(g.centroid_lon, g.centroid_lat)
    # a centroid of a merged (non-convex) grid may fall in a neighbour; use a surface point
    p = shapely.point_on_surface(shape(g.geometry))
    assert a.grids[a.plan.index.locate_one(p.x, p.y)].code == g.code
    assert found >= 0
