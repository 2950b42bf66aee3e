"""Unit grid generation: real 海陵区 boundary and synthetic shapes."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from urbangrid.geo.codes import parse_grid_code
from urbangrid.geo.gridgen import (
    PLACEHOLDER_BLOCK,
    CommunityArea,
    GridPlan,
    GridPlanError,
    generate_grids,
)


def test_hailing_grids_cover_boundary(hailing_plan: GridPlan) -> None:
    plan = hailing_plan
    n = len(plan.grids)
    ratio = plan.total_area_m2 / plan.boundary_area_m2
    print(
        f"\n海陵区 100 m grids: {n} grids, {plan.total_area_m2 / 1e6:.3f} km² of "
        f"{plan.boundary_area_m2 / 1e6:.3f} km² (ratio {ratio:.8f}); "
        f"{len(plan.communities)} placeholder communities in {len(plan.streets)} streets"
    )
    assert 30_000 < n < 50_000
    assert abs(ratio - 1) < 1e-3
    geoms = np.asarray([g.geometry for g in plan.grids], dtype=object)
    assert shapely.is_valid(geoms).all()
    # no overlaps: the union's area equals the sum of the areas
    assert abs(shapely.union_all(geoms).area / shapely.area(geoms).sum() - 1) < 1e-9
    codes = [g.code for g in plan.grids]
    assert len(set(codes)) == n
    per_community = Counter(c[:12] for c in codes)
    assert max(per_community.values()) <= 999
    for code in codes:
        parse_grid_code(code)
    # full cells are ≈ 10,000 m²
    areas = np.array([g.area_m2 for g in plan.grids])
    median = float(np.median(areas))
    assert abs(median - 10_000) < 50


def test_sequence_runs_west_to_east_north_to_south(hailing_plan: GridPlan) -> None:
    first = [g for g in hailing_plan.grids if g.code[:12] == hailing_plan.grids[0].code[:12]]
    ys = [round(g.centroid[1], 4) for g in first]
    # rows north → south: the first grid's centroid is among the northernmost
    assert ys[0] >= max(ys) - 0.002
    full = [g for g in first if abs(g.area_m2 - 10_000) < 100]
    # within a row, west → east
    row = [g for g in full if abs(g.centroid[1] - full[0].centroid[1]) < 1e-6]
    xs = [g.centroid[0] for g in row]
    assert xs == sorted(xs) and len(xs) > 1


def test_slivers_are_merged() -> None:
    # a 1,050 m × 1,000 m box: the last column of cells is a 50 m sliver strip... of 0.5 cells,
    # kept; with a 1,010 m box it is a 0.1-cell sliver and must be merged
    lat = 32.0
    m_lon = 1 / (111_320 * np.cos(np.radians(lat)))
    m_lat = 1 / 110_900
    b = box(120.0, lat, 120.0 + 1010 * m_lon, lat + 1000 * m_lat)
    plan = generate_grids(b, "321202")
    assert 95 <= len(plan.grids) <= 110
    assert min(g.area_m2 for g in plan.grids) > 0.25 * 10_000
    assert abs(plan.total_area_m2 / plan.boundary_area_m2 - 1) < 1e-6


def test_placeholder_rule_keeps_fields_in_three_digits() -> None:
    lat = 32.0
    m_lon = 1 / (111_320 * np.cos(np.radians(lat)))
    m_lat = 1 / 110_900
    # 7 km × 4 km at 100 m = 2,800 cells > 999: several placeholder communities
    b = box(120.0, lat, 120.0 + 7000 * m_lon, lat + 4000 * m_lat)
    plan = generate_grids(b, "321202")
    assert all(c.is_placeholder for c in plan.communities)
    counts = Counter(g.code[:12] for g in plan.grids)
    assert len(counts) > 1
    assert max(counts.values()) <= PLACEHOLDER_BLOCK**2 + 99
    assert any("placeholder" in note for note in plan.notes)


def test_given_communities_are_respected() -> None:
    west = box(120.0, 32.0, 120.01, 32.01)
    east = box(120.01, 32.0, 120.02, 32.01)
    plan = generate_grids(
        box(120.0, 32.0, 120.02, 32.01),
        "321202",
        communities=[
            CommunityArea("003", "001", "西社区", west, "某街道"),
            CommunityArea("003", "002", "东社区", east, "某街道"),
        ],
    )
    for g in plan.grids:
        c = shapely.centroid(g.geometry)
        expected = "001" if c.x < 120.01 else "002"
        assert g.community_code == expected and g.street_code == "003"
    assert not any(c.is_placeholder for c in plan.communities)


def test_too_many_grids_in_a_community_is_an_error() -> None:
    big = box(120.0, 32.0, 120.05, 32.05)  # ≈ 4.7 km × 5.5 km: ≈ 2,600 cells
    with pytest.raises(GridPlanError, match="999"):
        generate_grids(big, "321202", communities=[CommunityArea("001", "001", "大社区", big)])


def test_multipart_boundary_and_hole() -> None:
    outer = Polygon(
        [(120.0, 32.0), (120.02, 32.0), (120.02, 32.02), (120.0, 32.02)],
        [[(120.005, 32.005), (120.015, 32.005), (120.015, 32.015), (120.005, 32.015)]],
    )
    island = box(120.03, 32.0, 120.0305, 32.0004)  # smaller than a cell: stays its own grid
    plan = generate_grids(shapely.MultiPolygon([outer, island]), "321202")
    assert abs(plan.total_area_m2 / plan.boundary_area_m2 - 1) < 1e-6
    centre = plan.index.locate_one(120.01, 32.01)
    assert centre == -1  # inside the hole
    assert plan.index.locate_one(120.0302, 32.0002) >= 0
