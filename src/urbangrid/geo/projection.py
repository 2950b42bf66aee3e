"""A local equal-area projection for measuring areas and distances in metres.

Lambert cylindrical equal-area on the WGS-84 ellipsoid with its standard parallel at the
area's own latitude: areas are exact on the ellipsoid (for edges straight in the projection)
and, over a district tens of kilometres across, shapes and distances are distorted by far
less than 0.1 %. Snyder, *Map Projections — A Working Manual* (1987), §10.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

FloatArray = NDArray[np.float64]

WGS84_A: Final = 6378137.0
WGS84_F: Final = 1.0 / 298.257223563
WGS84_E2: Final = WGS84_F * (2.0 - WGS84_F)
WGS84_E: Final = float(np.sqrt(WGS84_E2))


def _q(phi: FloatArray) -> FloatArray:
    """Snyder eq. 3-12 (authalic function q)."""
    s = np.sin(phi)
    es = WGS84_E * s
    return (1.0 - WGS84_E2) * (
        s / (1.0 - WGS84_E2 * s * s) - (1.0 / (2.0 * WGS84_E)) * np.log((1.0 - es) / (1.0 + es))
    )


def meridian_radius(lat_deg: float) -> float:
    """Radius of curvature along the meridian (m per radian of latitude)."""
    s = np.sin(np.radians(lat_deg))
    return float(WGS84_A * (1.0 - WGS84_E2) / (1.0 - WGS84_E2 * s * s) ** 1.5)


def normal_radius(lat_deg: float) -> float:
    """Radius of curvature in the prime vertical (m per radian of longitude / cos φ)."""
    s = np.sin(np.radians(lat_deg))
    return float(WGS84_A / np.sqrt(1.0 - WGS84_E2 * s * s))


@dataclass(frozen=True)
class LocalEqualArea:
    """Cylindrical equal-area projection centred on (lon0, lat0)."""

    lon0: float
    lat0: float

    @property
    def _k0(self) -> float:
        s = np.sin(np.radians(self.lat0))
        return float(np.cos(np.radians(self.lat0)) / np.sqrt(1.0 - WGS84_E2 * s * s))

    @property
    def _y0(self) -> float:
        return float(WGS84_A * _q(np.radians(np.float64(self.lat0))) / (2.0 * self._k0))

    @classmethod
    def around(cls, geometry: BaseGeometry) -> LocalEqualArea:
        minx, miny, maxx, maxy = geometry.bounds
        return cls((minx + maxx) / 2.0, (miny + maxy) / 2.0)

    def forward(self, lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
        lam = np.radians(np.asarray(lon, dtype=np.float64) - self.lon0)
        phi = np.radians(np.asarray(lat, dtype=np.float64))
        k0 = self._k0
        x = WGS84_A * k0 * lam
        y = WGS84_A * _q(phi) / (2.0 * k0) - self._y0
        return x, y

    def inverse(self, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
        k0 = self._k0
        xa = np.asarray(x, dtype=np.float64)
        q = 2.0 * k0 * (np.asarray(y, dtype=np.float64) + self._y0) / WGS84_A
        # Snyder eq. 3-16, iterated from the spherical first guess.
        phi = np.arcsin(np.clip(q / 2.0, -1.0, 1.0))
        for _ in range(8):
            s = np.sin(phi)
            es = WGS84_E * s
            one = 1.0 - WGS84_E2 * s * s
            phi = phi + one * one / (2.0 * np.cos(phi)) * (
                q / (1.0 - WGS84_E2)
                - s / one
                + (1.0 / (2.0 * WGS84_E)) * np.log((1.0 - es) / (1.0 + es))
            )
        lon = self.lon0 + np.degrees(xa / (WGS84_A * k0))
        return lon, np.degrees(phi)

    def project(self, geometry: BaseGeometry | NDArray[np.object_]) -> BaseGeometry:
        """Geometry (or array of geometries) from lon/lat to projected metres."""

        def fwd(coords: FloatArray) -> FloatArray:
            x, y = self.forward(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geometry, fwd)

    def unproject(self, geometry: BaseGeometry | NDArray[np.object_]) -> BaseGeometry:
        def inv(coords: FloatArray) -> FloatArray:
            lon, lat = self.inverse(coords[:, 0], coords[:, 1])
            return np.column_stack([lon, lat])

        return shapely.transform(geometry, inv)

    def area_m2(self, geometry: BaseGeometry | NDArray[np.object_]) -> FloatArray:
        return np.asarray(shapely.area(self.project(geometry)), dtype=np.float64)


def area_m2(geometry: BaseGeometry) -> float:
    """Ellipsoidal area in m² of a lon/lat geometry (projection centred on it)."""
    return float(LocalEqualArea.around(geometry).area_m2(geometry))
