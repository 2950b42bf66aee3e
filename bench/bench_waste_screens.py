"""The 垃圾分类 screens' two reads: the drop-point map (``waste.service.points_status``) and a
vehicle's day for the replay (``waste.service.vehicle_day``), on a scratch SQLite database.

    uv run python bench/bench_waste_screens.py [--points N] [--quick]

The map: N drop points, three inspections each (the latest failed at one point in three,
naming two cases — ids with no case behind them: what is measured is the query, the
cases then count as not known to be rectified). Ours is one query for the points and their
latest inspections (a correlated lookup on the (point, time) index) plus a constant few
(cases, estates, area names); the baseline in the same run is the obvious per-point loop
(the point list, then one query per point for its latest inspection). The replay: one
kitchen-waste vehicle and three others of its category reporting every 30 s, each a round
of up to 60 points then the facility. ``--quick`` (the test command): 400 points.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from urbangrid.auth.service import principal_for
from urbangrid.db import make_engine, session_scope
from urbangrid.fleet.models import VehiclePosition
from urbangrid.fleet.simulate import Leg, drive
from urbangrid.migrations.runner import upgrade
from urbangrid.org.models import Jurisdiction, User, UserRole
from urbangrid.registers.models import RegisterRecord
from urbangrid.waste import service
from urbangrid.waste.models import WasteInspection

DAY = date(2026, 11, 2)


def build(url: str, n: int) -> tuple[int, int]:
    engine = make_engine(url)
    upgrade(engine)
    rng = np.random.default_rng(11)
    with session_scope(engine) as s:
        j = Jurisdiction(code="329901", name="bench")
        s.add(j)
        s.flush()
        user = User(username="lead", display_name="lead", password_hash="x", jurisdiction_id=j.id)
        s.add(user)
        s.flush()
        s.add(UserRole(user_id=user.id, role="leader"))
        lon = 120.0 + rng.uniform(0, 0.05, n)
        lat = 30.0 + rng.uniform(0, 0.05, n)
        points = [
            RegisterRecord(
                jurisdiction_id=j.id,
                register="waste.drop_points",
                code=f"P{i:05d}",
                name=f"投放点{i}",
                attributes={"bins": ["厨余垃圾", "其他垃圾"], "hours": "06:00-08:00"},
                lon=float(lon[i]),
                lat=float(lat[i]),
            )
            for i in range(n)
        ]
        s.add_all(points)
        s.add_all(
            [
                RegisterRecord(
                    jurisdiction_id=j.id,
                    register="waste.facilities",
                    code="F1",
                    name="厨余处理厂",
                    attributes={"categories": ["厨余垃圾"]},
                    lon=120.06,
                    lat=30.06,
                ),
                RegisterRecord(
                    jurisdiction_id=j.id,
                    register="waste.vehicles",
                    code="V0",
                    name="浙A00000",
                    attributes={"category": "厨余垃圾", "terminal": "13900000000"},
                ),
                *[
                    RegisterRecord(
                        jurisdiction_id=j.id,
                        register="waste.vehicles",
                        code=f"V{k}",
                        name=f"浙A0000{k}",
                        attributes={"category": "厨余垃圾", "terminal": f"1390000000{k}"},
                    )
                    for k in range(1, 4)
                ],
            ]
        )
        s.flush()
        base = datetime(2026, 11, 1, tzinfo=UTC)
        rows = []
        for i, p in enumerate(points):
            for k in range(3):
                failed = k == 2 and i % 3 == 0
                rows.append(
                    WasteInspection(
                        jurisdiction_id=j.id,
                        point_id=p.id,
                        inspector_id=user.id,
                        inspected_at=base + timedelta(hours=i % 500, days=k),
                        checklist={},
                        failures=(
                            [{"item": "overflow", "case_id": 10**9 + 2 * i}] * 2 if failed else []
                        ),
                    )
                )
        s.add_all(rows)
        # the day's fixes: each vehicle visits a quarter of the points, then the facility
        site_x = np.r_[lon, 120.06] * 96_000.0
        site_y = np.r_[lat, 30.06] * 111_000.0
        start = int(datetime(2026, 11, 1, 22, tzinfo=UTC).timestamp())  # 06:00 Beijing
        fixes = []
        for k in range(4):
            visit = rng.choice(n, min(max(n // 16, 2), 60), replace=False)
            route = [Leg(int(v), 120) for v in visit] + [Leg(n, 600)]
            track = drive(site_x, site_y, route, start_s=start, speed_mps=8.0, rng=rng)
            for t, x, y in zip(track.t.tolist(), track.x.tolist(), track.y.tolist(), strict=True):
                fixes.append(
                    VehiclePosition(
                        jurisdiction_id=j.id,
                        terminal=f"1390000000{k}",
                        t=datetime.fromtimestamp(t, UTC),
                        lon=x / 96_000.0,
                        lat=y / 111_000.0,
                    )
                )
        s.add_all(fixes)
        jid, uid = j.id, user.id
    engine.dispose()
    return jid, uid


def per_point_loop(s, j: Jurisdiction) -> int:  # type: ignore[no-untyped-def]
    points = s.scalars(
        select(RegisterRecord).where(
            RegisterRecord.jurisdiction_id == j.id, RegisterRecord.register == "waste.drop_points"
        )
    ).all()
    found = 0
    for p in points:
        latest = s.scalar(
            select(WasteInspection)
            .where(WasteInspection.point_id == p.id)
            .order_by(WasteInspection.inspected_at.desc())
            .limit(1)
        )
        found += latest is not None
    return found


def best(fn, repeat: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    out = None
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=5000)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    n = 400 if args.quick else args.points
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        jid, uid = build(url, n)
        engine = make_engine(url)
        with session_scope(engine) as s:
            j = s.get(Jurisdiction, jid)
            user = s.get(User, uid)
            assert j is not None and user is not None
            principal = principal_for(user)
            ours, out = best(lambda: service.points_status(s, principal, j))
            base, found = best(lambda: per_point_loop(s, j))
            assert isinstance(out, dict) and len(out["points"]) == n == found
            day, replay = best(lambda: service.vehicle_day(s, j, "V0", DAY))
            assert isinstance(replay, dict)
        engine.dispose()
    print(f"drop points: {n}, inspections: {3 * n}")
    print(
        f"map points/status (SQLite) ours {ours * 1000:.1f} ms  per-point loop "
        f"{base * 1000:.1f} ms  ratio ours / loop {ours / base:.2f}"
    )
    print(f"statuses: {out['counts']}")
    print(
        f"replay vehicle day (SQLite) {day * 1000:.1f} ms  fixes {replay['fixes_total']}  "
        f"stops {len(replay['stops'])}  trips {len(replay['trips'])}  "
        f"violations {len(replay['violations'])}"
    )


if __name__ == "__main__":
    main()
