"""Vectorised rectangle clipping of polygon rings, checked against shapely."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from urbangrid.geo.rings import RingSet

coord = st.floats(min_value=0, max_value=10, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(coord, coord), min_size=3, max_size=12),
    st.tuples(coord, coord, coord, coord),
)
def test_clipped_area_matches_shapely(
    pts: list[tuple[float, float]], rect: tuple[float, float, float, float]
) -> None:
    poly = shapely.make_valid(shapely.Polygon(pts))
    polys = [g for g in shapely.get_parts(poly) if g.geom_type == "Polygon" and g.area > 0]
    if not polys:
        return
    holed = shapely.difference(polys[0], shapely.buffer(shapely.centroid(polys[0]), 0.3))
    geoms = np.asarray([*polys, holed], dtype=object)
    x0, x1 = sorted(rect[:2])
    y0, y1 = sorted(rect[2:])
    n = len(geoms)
    rs = RingSet.from_polygons(geoms).clip(
        np.full(n, x0), np.full(n, y0), np.full(n, x1), np.full(n, y1)
    )
    got = rs.pair_area(np.full(n, x0), np.full(n, y0))
    expected = shapely.area(shapely.intersection(geoms, shapely.box(x0, y0, x1, y1)))
    assert np.allclose(got, expected, rtol=1e-9, atol=1e-9)
    # the clipped rings stay in the rectangle
    if len(rs.x):
        assert rs.x.min() >= x0 and rs.x.max() <= x1 and rs.y.min() >= y0 and rs.y.max() <= y1


def test_take_repeats_and_renumbers() -> None:
    geoms = np.asarray([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 4, 3)], dtype=object)
    rs = RingSet.from_polygons(geoms).take(np.array([1, 1, 0]))
    assert rs.npairs == 3
    area = rs.pair_area(np.zeros(3), np.zeros(3))
    assert np.allclose(area, [2.0, 2.0, 1.0])
    assert list(rs.pair_vertex_count()) == [4, 4, 4]
