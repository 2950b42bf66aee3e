"""WGS-84 ↔ GCJ-02 ↔ BD-09 conversion."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urbangrid.geo import crs

CHINA_LON = st.floats(min_value=73.0, max_value=135.0)
CHINA_LAT = st.floats(min_value=18.0, max_value=53.0)


def test_offset_is_hundreds_of_metres_in_china() -> None:
    lon, lat = crs.wgs84_to_gcj02(119.92, 32.49)
    # GCJ-02 shifts by a few hundred metres around 泰州; degrees → metres roughly
    shift_m = np.hypot((lon - 119.92) * 94_000, (lat - 32.49) * 111_000)
    assert 100 < shift_m < 1000
    blon, blat = crs.gcj02_to_bd09(lon, lat)
    assert 0.005 < float(blon - lon) < 0.02 and 0.003 < float(blat - lat) < 0.02


@settings(max_examples=200, deadline=None)
@given(CHINA_LON, CHINA_LAT, st.sampled_from(list(crs.Crs)), st.sampled_from(list(crs.Crs)))
def test_round_trip_below_1e7_degrees(lon: float, lat: float, a: crs.Crs, b: crs.Crs) -> None:
    x, y = crs.convert(lon, lat, a, b)
    bx, by = crs.convert(x, y, b, a)
    assert abs(float(bx) - lon) < 1e-7
    assert abs(float(by) - lat) < 1e-7


def test_inverse_is_exact_inverse_vectorised() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(100, 125, 10_000)
    lat = rng.uniform(20, 45, 10_000)
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    wlon, wlat = crs.gcj02_to_wgs84(glon, glat)
    assert np.max(np.abs(wlon - lon)) < 1e-7 and np.max(np.abs(wlat - lat)) < 1e-7
    blon, blat = crs.wgs84_to_bd09(lon, lat)
    wlon, wlat = crs.bd09_to_wgs84(blon, blat)
    assert np.max(np.abs(wlon - lon)) < 1e-7 and np.max(np.abs(wlat - lat)) < 1e-7
    assert wlon.shape == lon.shape


def test_outside_china_passes_through_gcj() -> None:
    lon = np.array([-118.25, 2.35, 139.7])  # Los Angeles, Paris, Tokyo (east of the box)
    lat = np.array([34.05, 48.85, 35.68])
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    assert np.array_equal(glon, lon) and np.array_equal(glat, lat)
    wlon, wlat = crs.gcj02_to_wgs84(lon, lat)
    assert np.array_equal(wlon, lon) and np.array_equal(wlat, lat)
    # BD-09 applies its own shift everywhere, as the published algorithm does
    blon, _ = crs.wgs84_to_bd09(lon, lat)
    assert not np.allclose(blon, lon)


def test_crs_names() -> None:
    assert crs.Crs.parse("WGS-84") is crs.Crs.WGS84
    assert crs.Crs.parse("gcj_02") is crs.Crs.GCJ02
    assert crs.Crs.parse("bd09ll") is crs.Crs.BD09
    with pytest.raises(ValueError, match="unknown coordinate system"):
        crs.Crs.parse("utm50")
