"""Coordinate systems used by Chinese map data: WGS-84, GCJ-02 (国测局坐标, "Mars"
coordinates used by AMap / Tencent) and BD-09 (百度坐标).

The forward transforms follow the published formulas (the GCJ-02 offset is defined on the
Krasovsky 1940 ellipsoid; BD-09 is a small rotation / scaling of GCJ-02). Points outside the
rectangle the GCJ-02 algorithm treats as China are passed through unchanged by the GCJ-02 step,
as the published algorithm does; the BD-09 step applies everywhere.

Inverse transforms have no closed form: they are solved by fixed-point iteration until the
forward transform of the answer is within ``INVERSE_TOLERANCE_DEG`` of the input.

All functions take scalars or numpy arrays (longitude, latitude in degrees) and return arrays
of the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

# Krasovsky 1940 semi-major axis and eccentricity squared, as used by the GCJ-02 formula.
_KRASOVSKY_A: Final = 6378245.0
_KRASOVSKY_EE: Final = 0.00669342162296594323
_X_PI: Final = np.pi * 3000.0 / 180.0

# The box the published GCJ-02 algorithm treats as "in China".
CHINA_LON_MIN: Final = 72.004
CHINA_LON_MAX: Final = 137.8347
CHINA_LAT_MIN: Final = 0.8293
CHINA_LAT_MAX: Final = 55.8271

INVERSE_TOLERANCE_DEG: Final = 1e-9  # well below the 1e-7° (≈1 cm) the product promises
_MAX_ITERATIONS: Final = 50


class Crs(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"

    @classmethod
    def parse(cls, value: str) -> Crs:
        """Accept common spellings (``WGS-84``, ``gcj-02``, ``bd09ll`` …)."""
        key = value.strip().lower().replace("-", "").replace("_", "")
        aliases = {
            "wgs84": cls.WGS84,
            "epsg4326": cls.WGS84,
            "4326": cls.WGS84,
            "gcj02": cls.GCJ02,
            "gcj": cls.GCJ02,
            "mars": cls.GCJ02,
            "bd09": cls.BD09,
            "bd09ll": cls.BD09,
            "baidu": cls.BD09,
        }
        try:
            return aliases[key]
        except KeyError:
            raise ValueError(
                f"unknown coordinate system {value!r}; use one of wgs84, gcj02, bd09"
            ) from None


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    x, y = np.broadcast_arrays(x, y)
    return x, y


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    x, y = _arrays(lon, lat)
    return (x < CHINA_LON_MIN) | (x > CHINA_LON_MAX) | (y < CHINA_LAT_MIN) | (y > CHINA_LAT_MAX)


def _offset(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 offset in degrees at WGS-84 point (x, y)."""
    dx = x - 105.0
    dy = y - 35.0
    t_lat = (
        -100.0
        + 2.0 * dx
        + 3.0 * dy
        + 0.2 * dy * dy
        + 0.1 * dx * dy
        + 0.2 * np.sqrt(np.abs(dx))
        + (20.0 * np.sin(6.0 * dx * np.pi) + 20.0 * np.sin(2.0 * dx * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(dy * np.pi) + 40.0 * np.sin(dy / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(dy / 12.0 * np.pi) + 320.0 * np.sin(dy * np.pi / 30.0)) * 2.0 / 3.0
    )
    t_lon = (
        300.0
        + dx
        + 2.0 * dy
        + 0.1 * dx * dx
        + 0.1 * dx * dy
        + 0.1 * np.sqrt(np.abs(dx))
        + (20.0 * np.sin(6.0 * dx * np.pi) + 20.0 * np.sin(2.0 * dx * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(dx * np.pi) + 40.0 * np.sin(dx / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(dx / 12.0 * np.pi) + 300.0 * np.sin(dx / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = y / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (t_lat * 180.0) / (
        (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi
    )
    d_lon = (t_lon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = _arrays(lon, lat)
    d_lon, d_lat = _offset(x, y)
    outside = out_of_china(x, y)
    return np.where(outside, x, x + d_lon), np.where(outside, y, y + d_lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    lon: ArrayLike,
    lat: ArrayLike,
    first_guess: tuple[FloatArray, FloatArray],
) -> tuple[FloatArray, FloatArray]:
    """Solve forward(g) = target by g ← g − (forward(g) − target)."""
    tx, ty = _arrays(lon, lat)
    gx, gy = (np.array(a, dtype=np.float64, copy=True) for a in first_guess)
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(gx, gy)
        ex = fx - tx
        ey = fy - ty
        gx = gx - ex
        gy = gy - ey
        if not ex.size or max(float(np.max(np.abs(ex))), float(np.max(np.abs(ey)))) < (
            INVERSE_TOLERANCE_DEG
        ):
            break
    return gx, gy


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Inverse of :func:`wgs84_to_gcj02` (points outside the China box pass through)."""
    x, y = _arrays(lon, lat)
    outside = out_of_china(x, y)
    d_lon, d_lat = _offset(x, y)
    gx, gy = _invert(wgs84_to_gcj02, x, y, (x - d_lon, y - d_lat))
    return np.where(outside, x, gx), np.where(outside, y, gy)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Inverse of :func:`gcj02_to_bd09`, refined by iteration from the usual approximation."""
    x, y = _arrays(lon, lat)
    px = x - 0.0065
    py = y - 0.006
    z = np.sqrt(px * px + py * py) - 0.00002 * np.sin(py * _X_PI)
    theta = np.arctan2(py, px) - 0.000003 * np.cos(px * _X_PI)
    return _invert(gcj02_to_bd09, x, y, (z * np.cos(theta), z * np.sin(theta)))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def convert(
    lon: ArrayLike, lat: ArrayLike, src: Crs | str, dst: Crs | str
) -> tuple[FloatArray, FloatArray]:
    """Convert between any pair of WGS-84, GCJ-02 and BD-09."""
    s = src if isinstance(src, Crs) else Crs.parse(src)
    d = dst if isinstance(dst, Crs) else Crs.parse(dst)
    if s == d:
        return _arrays(lon, lat)
    table = {
        (Crs.WGS84, Crs.GCJ02): wgs84_to_gcj02,
        (Crs.GCJ02, Crs.WGS84): gcj02_to_wgs84,
        (Crs.GCJ02, Crs.BD09): gcj02_to_bd09,
        (Crs.BD09, Crs.GCJ02): bd09_to_gcj02,
        (Crs.WGS84, Crs.BD09): wgs84_to_bd09,
        (Crs.BD09, Crs.WGS84): bd09_to_wgs84,
    }
    return table[(s, d)](lon, lat)


def to_wgs84(lon: ArrayLike, lat: ArrayLike, src: Crs | str) -> tuple[FloatArray, FloatArray]:
    return convert(lon, lat, src, Crs.WGS84)
