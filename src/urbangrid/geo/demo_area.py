"""Small fictional districts for demos and tests (pure: no I/O, deterministic).

The demo city "示范市" (329900) has two districts on open water off the Jiangsu coast, east
of 南通 — close to real places so that maps look plausible, but on no real district (the
codes are not real GB/T 2260 codes): "滨江示范区" (329901) and, 4 km east of it, "海湾新区"
(329902). Each has two streets, five communities and about 800 unit grids of 100 m.

Use :func:`make_demo_area` (the first district by default); every geometry is a GeoJSON
dict in WGS-84 (lon, lat).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import Polygon, mapping

from urbangrid.geo.gridgen import CommunityArea, GridPlan, generate_grids

DEMO_CITY_CODE = "329900"
DEMO_CITY_NAME = "示范市"
DEMO_DISTRICT_CODE = "329901"
DEMO_DISTRICT_NAME = "滨江示范区"
DEMO_CENTRE = (121.98, 32.16)  # lon, lat (WGS-84), open sea east of 南通

GeoJSON = dict[str, Any]


@dataclass(frozen=True)
class DistrictSpec:
    """What tells one demo district from another: code, name, centre and the names of its
    two streets (west, east) and their communities (two west, three east)."""

    code: str
    name: str
    centre: tuple[float, float]
    streets: tuple[str, str]
    west_communities: tuple[str, str]
    east_communities: tuple[str, str, str]


DEMO_DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec(
        DEMO_DISTRICT_CODE,
        DEMO_DISTRICT_NAME,
        DEMO_CENTRE,
        ("江滨街道", "海港街道"),
        ("望江社区", "柳岸社区"),
        ("港湾社区", "新桥社区", "渔村社区"),
    ),
    DistrictSpec(
        "329902",
        "海湾新区",
        (DEMO_CENTRE[0] + 0.042, DEMO_CENTRE[1]),  # about 4 km east: the outlines do not meet
        ("湾东街道", "潮音街道"),
        ("观澜社区", "金沙社区"),
        ("海韵社区", "帆影社区", "灯塔社区"),
    ),
)


@dataclass(frozen=True)
class DemoStreet:
    code: str  # 3 digits
    name: str
    geometry: GeoJSON


@dataclass(frozen=True)
class DemoCommunity:
    street_code: str
    code: str  # 3 digits within the street
    name: str
    geometry: GeoJSON


@dataclass(frozen=True)
class DemoGrid:
    code: str  # 15 digits
    street_code: str
    community_code: str
    geometry: GeoJSON
    area_m2: float
    centroid_lon: float
    centroid_lat: float


@dataclass(frozen=True)
class DemoArea:
    district_code: str
    name: str
    boundary: GeoJSON
    streets: list[DemoStreet]
    communities: list[DemoCommunity]
    grids: list[DemoGrid]
    plan: GridPlan  # the full plan, including the point → grid locator (plan.index)


def _boundary(centre: tuple[float, float] = DEMO_CENTRE) -> Polygon:
    """A wobbly, roughly 3.4 km × 2.6 km outline around ``centre``."""
    lon0, lat0 = centre
    m_lat = 1.0 / 110_900.0  # degrees per metre, near enough at 32°N
    m_lon = 1.0 / (110_900.0 * math.cos(math.radians(lat0)))
    pts = []
    for k in range(48):
        a = 2 * math.pi * k / 48
        r = 1.0 + 0.08 * math.sin(3 * a) + 0.05 * math.cos(5 * a + 1.0)
        pts.append((lon0 + 1700 * r * math.cos(a) * m_lon, lat0 + 1300 * r * math.sin(a) * m_lat))
    return Polygon(pts)


def _communities(boundary: Polygon, spec: DistrictSpec) -> list[CommunityArea]:
    minx, miny, maxx, maxy = boundary.bounds
    midx = (minx + maxx) / 2 + (maxx - minx) * 0.04
    # two streets west / east of a slightly slanted line; communities cut north / south
    west = Polygon(
        [
            (minx - 1, miny - 1),
            (midx - 0.002, miny - 1),
            (midx + 0.002, maxy + 1),
            (minx - 1, maxy + 1),
        ]
    )
    east = shapely.difference(shapely.box(minx - 1, miny - 1, maxx + 1, maxy + 1), west)
    ys = [miny + (maxy - miny) * f for f in (0.0, 0.45, 1.0)]  # west split at 45 %
    ys_e = [miny + (maxy - miny) * f for f in (0.0, 0.35, 0.7, 1.0)]
    out: list[CommunityArea] = []
    names_w = list(spec.west_communities)
    names_e = list(spec.east_communities)
    bands_w = [
        shapely.box(minx - 1, ys[1], maxx + 1, maxy + 1),
        shapely.box(minx - 1, miny - 1, maxx + 1, ys[1]),
    ]
    for i, (name, band) in enumerate(zip(names_w, bands_w, strict=True)):
        geom = shapely.intersection(shapely.intersection(west, band), boundary)
        out.append(CommunityArea("001", f"{i + 1:03d}", name, geom, spec.streets[0]))
    bands_e = [
        shapely.box(minx - 1, ys_e[2], maxx + 1, maxy + 1),
        shapely.box(minx - 1, ys_e[1], maxx + 1, ys_e[2]),
        shapely.box(minx - 1, miny - 1, maxx + 1, ys_e[1]),
    ]
    for i, (name, band) in enumerate(zip(names_e, bands_e, strict=True)):
        geom = shapely.intersection(shapely.intersection(east, band), boundary)
        out.append(CommunityArea("002", f"{i + 1:03d}", name, geom, spec.streets[1]))
    return out


def make_demo_area(size_m: float = 100.0, spec: DistrictSpec = DEMO_DISTRICTS[0]) -> DemoArea:
    """Build a fictional district: boundary, 2 streets, 5 communities, coded unit grids.

    Deterministic: the same call always returns the same codes and geometries.
    """
    boundary = _boundary(spec.centre)
    plan = generate_grids(
        boundary, spec.code, size_m=size_m, communities=_communities(boundary, spec)
    )
    return DemoArea(
        district_code=spec.code,
        name=spec.name,
        boundary=dict(mapping(boundary)),
        streets=[DemoStreet(s.code, s.name, dict(mapping(s.geometry))) for s in plan.streets],
        communities=[
            DemoCommunity(c.street_code, c.code, c.name, dict(mapping(c.geometry)))
            for c in plan.communities
        ],
        grids=[
            DemoGrid(
                g.code,
                g.street_code,
                g.community_code,
                dict(mapping(g.geometry)),
                g.area_m2,
                g.centroid[0],
                g.centroid[1],
            )
            for g in plan.grids
        ],
        plan=plan,
    )
