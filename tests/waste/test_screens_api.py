"""The 垃圾分类 screens' endpoints: the drop-point map (GET /api/v1/waste/points/status) and a
vehicle's day for the replay (GET /api/v1/waste/vehicles/{code}/day), on the test town with
a generated chain (tests/wastekit.py): statuses from the latest inspection, area and status
filters, the stops, trip and rule breaks of the day, other platforms kept out, bad input
refused with a code."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import wastekit
from urbangrid.auth.service import principal_for
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Community, Grid, Jurisdiction, Street, User
from urbangrid.waste import replay, service
from urbangrid.waste.replay import PointStatus
from worldkit import square

pytestmark = pytest.mark.db

STATUS = "/api/v1/waste/points/status"
DAY = date(2026, 11, 2)
LON0, LAT0 = 120.021, 30.0205


def add_east_street(session: Session, code: str = "329901") -> None:
    """A second street (城东街道) of 329901 with two grids around the chain's points."""
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    assert j is not None
    street = Street(jurisdiction_id=j.id, code="002", name="城东街道")
    session.add(street)
    session.flush()
    community = Community(street_id=street.id, code="001", name="东门社区")
    session.add(community)
    session.flush()
    for i in range(2):
        session.add(
            Grid(
                jurisdiction_id=j.id,
                community_id=community.id,
                code=f"{code}002001{i + 1:03d}",
                geometry=square(120.02 + 0.002 * i, 30.02, 0.002),
            )
        )
    session.commit()


@pytest.fixture
def chain(client: TestClient, session: Session, town: dict[str, dict[str, str]]) -> wastekit.Chain:
    add_east_street(session)
    made = wastekit.chain(LON0, LAT0, DAY)
    admin = town["329901/admin"]
    for register, text in made.registers.items():
        r = client.post(
            f"/api/v1/registers/{register}/import", content=text.encode(), headers=admin
        )
        assert r.status_code == 200, (register, r.text)
    r = client.post("/api/v1/fleet/positions", content=made.positions.encode(), headers=admin)
    assert r.status_code == 200, r.text
    return made


def by_code(body: dict) -> dict[str, dict]:
    return {p["code"]: p for p in body["points"]}


def test_points_coloured_by_their_latest_inspection(
    client: TestClient,
    session: Session,
    town: dict[str, dict[str, str]],
    chain: wastekit.Chain,
) -> None:
    insp, disp = town["329901/insp"], town["329901/disp"]
    r = client.get(STATUS, headers=disp)
    assert r.status_code == 200, r.text
    points = by_code(r.json())
    assert set(points) == {"P1", "T1", "T2", "T3"}
    assert {p["status"] for p in points.values()} == {"never"}
    assert points["P1"]["estate_code"] == "E1" and points["P1"]["estate_name"] == "滨河一区"
    assert points["T1"]["hours"] == "06:00-08:00,18:00-20:00"
    assert points["T1"]["supervisor"] == "王督导" and points["T1"]["street"] == "城东街道"
    # T1 passes, T2 fails twice (the latest counts), P1 fails then passes
    post = "/api/v1/waste/inspections"
    ok = {"bins_checked": {"厨余垃圾": 2}, "supervisor_present": True}
    bad = {"bins_checked": {"其他垃圾": 2}, "bins_wrong": {"其他垃圾": 1}, "overflow": True}
    for point, body in (("T1", ok), ("T2", ok), ("T2", bad), ("P1", bad), ("P1", ok)):
        assert client.post(post, json={"point": point, **body}, headers=insp).status_code == 201
    body = client.get(STATUS, headers=disp).json()
    points = by_code(body)
    assert points["T1"]["status"] == "passed" and points["T1"]["failures"] == 0
    assert points["T2"]["status"] == "open"
    assert (points["T2"]["failures"], points["T2"]["open_cases"]) == (2, 2)
    assert points["P1"]["status"] == "passed"
    assert points["T3"]["status"] == "never" and points["T3"]["inspection_id"] is None
    assert body["counts"] == {"never": 1, "open": 1, "stale": 0, "passed": 2, "rectified": 0}
    # the latest inspection of T2 opens with its cases (the existing detail endpoint)
    one = client.get(f"{post}/{points['T2']['inspection_id']}", headers=disp).json()
    assert [f["item"] for f in one["failures"]] == ["wrong_bins", "overflow"]
    # filters: status, street; the counts follow the area filter
    only = client.get(STATUS, params={"status": "open"}, headers=disp).json()
    assert [p["code"] for p in only["points"]] == ["T2"]
    east = client.get(STATUS, params={"street_id": points["T1"]["street_id"]}, headers=disp)
    assert sorted(by_code(east.json())) == ["T1", "T2", "T3"]
    assert sum(east.json()["counts"].values()) == 3
    # 40 days later what passed is stale, what is open stays open
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "329901"))
    assert j is not None
    user = session.scalar(
        select(User).where(User.jurisdiction_id == j.id, User.username.contains("disp"))
    )
    assert user is not None
    later = service.points_status(
        session,
        principal_for(user),
        j,
        now=utcnow() + timedelta(days=40),
    )
    states = {p["code"]: p["status"] for p in later["points"]}
    assert states == {"P1": "stale", "T1": "stale", "T2": "open", "T3": "never"}


def test_other_platforms_and_bad_input(
    client: TestClient, town: dict[str, dict[str, str]], chain: wastekit.Chain
) -> None:
    other = town["440199/disp"]
    r = client.get(STATUS, headers=other)
    assert r.status_code == 200 and r.json()["points"] == []
    r = client.get(STATUS, params={"jurisdiction": "329901"}, headers=other)
    assert r.status_code == 404
    day = f"/api/v1/waste/vehicles/{chain.vehicle}/day"
    r = client.get(day, params={"date": "2026-11-02"}, headers=other)
    assert (r.status_code, r.json()["code"]) == (404, "register_record_not_found")
    disp = town["329901/disp"]
    for params in ({"date": "2026-13-40"}, {"date": "yesterday"}, {}):
        r = client.get(day, params=params, headers=disp)
        assert r.status_code == 422 and r.json()["code"] == "validation_error", params
    for params in ({"status": "green"}, {"stale_days": "0"}, {"street_id": "-1"}):
        r = client.get(STATUS, params=params, headers=disp)
        assert r.status_code == 422 and r.json()["code"] == "validation_error", params
    r = client.get("/api/v1/waste/vehicles/NOPE/day", params={"date": "2026-11-02"}, headers=disp)
    assert (r.status_code, r.json()["code"]) == (404, "register_record_not_found")


def test_a_vehicles_day_with_its_stops_trip_and_rule_breaks(
    client: TestClient, town: dict[str, dict[str, str]], chain: wastekit.Chain
) -> None:
    r = client.get(
        f"/api/v1/waste/vehicles/{chain.vehicle}/day",
        params={"date": DAY.isoformat()},
        headers=town["329901/disp"],
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["vehicle"]["company_name"] == "T环境公司"
    assert out["vehicle"]["category"] == "厨余垃圾" and out["day"] == "2026-11-02"
    fixes = out["fixes"]
    assert out["fixes_total"] == len(chain.positions.splitlines()) - 1
    assert len(fixes) == out["fixes_total"]  # under the thinning limit: all kept
    times = [f["t"] for f in fixes]
    assert times == sorted(times)
    stops = out["stops"]
    assert [s["site_code"] for s in stops] == [c for c, _, _ in chain.truth]
    for stop, (_, arrive, leave) in zip(stops, chain.truth, strict=True):
        got = datetime.fromisoformat(stop["arrival"]).timestamp()
        # the first fix inside the 50 m fence: up to 7 s early at 8 m/s, fixes 10 s apart
        assert arrive - 8 <= got <= arrive + 11
        assert abs(stop["dwell_s"] - (leave - arrive)) <= 30
    assert [s["delivery"] for s in stops] == [False, False, True]
    assert {s["trip"] for s in stops} == {1}
    assert [(t["points"], t["facility_code"]) for t in out["trips"]] == [(2, "TF")]
    got = sorted((v["rule"], v["site_code"]) for v in out["violations"])
    assert got == [
        ("missed_collection", "P1"),
        ("missed_collection", "T3"),
        ("mixed_at_point", "T2"),
        ("trip_without_ticket", "TF"),
    ]
    # another day: nothing
    r = client.get(
        f"/api/v1/waste/vehicles/{chain.vehicle}/day",
        params={"date": (DAY + timedelta(days=1)).isoformat()},
        headers=town["329901/disp"],
    )
    assert r.status_code == 200 and r.json()["fixes"] == [] and r.json()["stops"] == []


def test_point_status_and_thinning_rules() -> None:
    now = utcnow()
    recent, old = now - timedelta(days=2), now - timedelta(days=60)
    assert replay.point_status(None, False, [], now, 30) is PointStatus.NEVER
    assert replay.point_status(recent, False, [], now, 30) is PointStatus.PASSED
    assert replay.point_status(recent, True, [True, True], now, 30) is PointStatus.RECTIFIED
    assert replay.point_status(recent, True, [True, False], now, 30) is PointStatus.OPEN
    assert replay.point_status(recent, True, [True, None], now, 30) is PointStatus.OPEN
    assert replay.point_status(old, True, [False], now, 30) is PointStatus.OPEN
    assert replay.point_status(old, True, [True], now, 30) is PointStatus.STALE
    assert replay.point_status(old, False, [], now, 30) is PointStatus.STALE
    kept = replay.thin(10_000, [17, 18, 9_999, 5_003], 500)
    assert kept.tolist() == sorted(set(kept.tolist()))
    assert {0, 17, 18, 5_003, 9_999} <= set(kept.tolist())
    assert 500 <= len(kept) <= 505
    assert np.array_equal(replay.thin(40, [3], 100), np.arange(40))
