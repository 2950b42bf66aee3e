"""A small collection chain for the 垃圾分类 screens' tests, around a point inside a platform's
grids: three drop points, a kitchen-waste facility, a company, a kitchen-waste vehicle and
the vehicle's day of fixes (``fleet.simulate``) with known stops and known rule breaks.

The vehicle starts at point ``{p}1`` (厨余 and 其他 bins), drives to ``{p}2`` (其他 bins only:
a kitchen-waste truck there mixes, 混装), then to the facility ``{p}F`` (accepts 厨余) and
delivers with no weigh ticket. ``{p}3`` has a 厨余 bin and is never visited (漏收). So the
day has two trips' worth of stops (one trip: two points, one delivery) and three violations:
``mixed_at_point`` at {p}2, ``missed_collection`` at {p}3, ``trip_without_ticket`` at {p}F.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import numpy as np

from urbangrid.fleet.simulate import Leg, drive
from urbangrid.geo.projection import LocalEqualArea

BEIJING = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Chain:
    prefix: str
    registers: dict[str, str]  # register name → CSV to import, in import order
    positions: str  # fleet CSV
    vehicle: str  # vehicle code
    terminal: str
    # the true stops: (site code, arrival, departure) in epoch seconds
    truth: list[tuple[str, int, int]]


def sites(lon0: float, lat0: float) -> list[tuple[float, float]]:
    """P1, P2, P3, the facility (WGS-84)."""
    return [
        (lon0, lat0),
        (lon0 + 0.001, lat0),
        (lon0 - 0.0003, lat0 - 0.0004),
        (lon0 + 0.0095, lat0 + 0.0095),
    ]


def chain(
    lon0: float,
    lat0: float,
    day: date,
    *,
    prefix: str = "T",
    terminal: str = "13900000001",
    noise_m: float = 3.0,
    interval_s: int = 10,
    seed: int = 7,
) -> Chain:
    (x1, y1), (x2, y2), (x3, y3), (xf, yf) = sites(lon0, lat0)
    p = prefix
    points = (
        "code,name,桶类,投放时间,督导员,lon,lat\n"
        f'{p}1,{p}一号投放点,厨余垃圾|其他垃圾,"06:00-08:00,18:00-20:00",王督导,{x1},{y1}\n'
        f"{p}2,{p}二号投放点,其他垃圾,06:00-08:00,,{x2},{y2}\n"
        f"{p}3,{p}三号投放点,厨余垃圾,06:00-08:00,,{x3},{y3}\n"
    )
    facility = (
        f"code,name,设施类型,接收类别,lon,lat\n{p}F,{p}厨余处理厂,厨余处理厂,厨余垃圾,{xf},{yf}\n"
    )
    company = f"code,name\n{p}C,{p}环境公司\n"
    vehicle = f"code,name,所属企业,运输类别,终端号\n{p}V,浙A{p}001,{p}C,厨余垃圾,{terminal}\n"
    proj = LocalEqualArea(lon0, lat0)
    lons = np.array([x1, x2, xf])
    lats = np.array([y1, y2, yf])
    sx, sy = proj.forward(lons, lats)
    start = int(datetime.combine(day, time(6, 30), BEIJING).timestamp())
    track = drive(
        sx,
        sy,
        [Leg(0, 240), Leg(1, 180), Leg(2, 600)],
        start_s=start,
        interval_s=interval_s,
        noise_m=noise_m,
        rng=np.random.default_rng(seed),
    )
    lon, lat = proj.inverse(track.x, track.y)
    fixes = zip(track.t.tolist(), lon.tolist(), lat.tolist(), strict=True)
    rows = "".join(
        f"{terminal},{t},{a:.7f},{b:.7f},{20 if i % 3 else 0}\n"
        for i, (t, a, b) in enumerate(fixes)
    )
    names = [f"{p}1", f"{p}2", f"{p}F"]
    return Chain(
        prefix=p,
        registers={
            "waste.drop_points": points,
            "waste.facilities": facility,
            "waste.companies": company,
            "waste.vehicles": vehicle,
        },
        positions="terminal,time,lon,lat,speed\n" + rows,
        vehicle=f"{p}V",
        terminal=terminal,
        truth=[(names[s], a, b) for s, a, b in track.truth],
    )
