"""Vehicle positions over HTTP: CSV and JT/T 808 batches, resends kept once, bad lines
refused whole, a terminal's track in time order, other platforms kept out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.service import issue_token
from urbangrid.fleet import jt808, service
from urbangrid.fleet.models import VehiclePosition
from urbangrid.geo.crs import wgs84_to_gcj02
from urbangrid.kit.errors import ImportRejected
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.registers.models import RegisterRecord
from worldkit import add_users

URL = "/api/v1/fleet/positions"


@pytest.fixture
def headers(session: Session) -> dict[str, dict[str, str]]:
    out = {}
    for code in ("329901", "440199"):
        j = Jurisdiction(code=code, name=f"区{code}")
        session.add(j)
        session.flush()
        users = add_users(
            session, j, [("admin", Role.ADMIN, None), ("lead", Role.SHIFT_LEAD, None)]
        )
        for name, user in users.items():
            out[f"{code}/{name}"] = {"Authorization": f"Bearer {issue_token(session, user).token}"}
        if code == "329901":  # the terminals the batches name are registered vehicles
            session.add_all(
                RegisterRecord(
                    jurisdiction_id=j.id,
                    register="waste.vehicles",
                    code=f"V{k}",
                    name=f"车{k}",
                    attributes={"terminal": terminal, "category": "其他垃圾"},
                )
                for k, terminal in enumerate(("13900000001", "13900000002", "T1", "1"))
            )
    session.commit()
    return out


def stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(VehiclePosition)) or 0


def test_csv_and_jt808_batches_with_resends_and_a_replay(
    client: TestClient, session: Session, headers: dict[str, dict[str, str]]
) -> None:
    admin = headers["329901/admin"]
    csv_text = (
        "terminal,time,lon,lat,speed,heading\n"
        "13900000001,2026-11-02T06:00:00+08:00,120.1,30.2,0,0\n"
        "13900000001,2026-11-02T06:00:30+08:00,120.1003,30.2,36.5,90\n"
        "13900000001,2026-11-02T06:00:30+08:00,120.1003,30.2,36.5,90\n"  # resent
        "13900000002,1793570400,120.2,30.3,,\n"
    )
    r = client.post(URL, content=csv_text.encode(), headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"received": 4, "stored": 3, "duplicates": 1}
    start = datetime(2026, 11, 1, 22, 0, 30, tzinfo=UTC)  # 06:00:30 Beijing
    frames = b"".join(
        jt808.encode_position(
            jt808.Position(
                phone="13900000001",
                serial=i,
                time=start + timedelta(seconds=30 * i),
                lon=120.1 + 0.0003 * i,
                lat=30.2,
                speed_kmh=30.0,
                heading=90,
            )
        )
        for i in range(4)
    )
    r = client.post(URL, params={"format": "jt808"}, content=frames, headers=admin)
    assert r.json() == {"received": 4, "stored": 3, "duplicates": 1}  # 06:00:30 was in the CSV
    day = {"start": "2026-11-02T00:00:00+08:00", "end": "2026-11-03T00:00:00+08:00"}
    replay = client.get(f"{URL}/13900000001", params=day, headers=headers["329901/lead"])
    assert replay.status_code == 200
    times = [f["t"] for f in replay.json()]
    assert len(times) == 5 and times == sorted(times)
    assert replay.json()[-1]["lon"] == pytest.approx(120.1009)
    # another platform's admin sees nothing of it and cannot name it
    other = client.get(f"{URL}/13900000001", params=day, headers=headers["440199/admin"])
    assert other.json() == []
    named = client.get(
        f"{URL}/13900000001",
        params={**day, "jurisdiction": "329901"},
        headers=headers["440199/admin"],
    )
    assert named.status_code == 404
    naive = client.get(
        f"{URL}/13900000001",
        params={"start": "2026-11-02T00:00:00", "end": day["end"]},
        headers=admin,
    )
    assert naive.status_code == 422


def test_gcj02_fixes_are_stored_in_wgs84(
    client: TestClient, session: Session, headers: dict[str, dict[str, str]]
) -> None:
    x, y = wgs84_to_gcj02(120.1, 30.2)
    body = f"terminal,time,lon,lat\nT1,2026-11-02T06:00:00Z,{float(x)!r},{float(y)!r}\n"
    r = client.post(
        URL, params={"crs": "gcj02"}, content=body.encode(), headers=headers["329901/admin"]
    )
    assert r.status_code == 200
    row = session.scalars(select(VehiclePosition)).one()
    assert row.lon == pytest.approx(120.1, abs=1e-7) and row.lat == pytest.approx(30.2, abs=1e-7)


def test_bad_batches_store_nothing(
    client: TestClient, session: Session, headers: dict[str, dict[str, str]]
) -> None:
    admin = headers["329901/admin"]
    bad = (
        "terminal,time,lon,lat\n"
        "T1,2026-11-02T06:00:00+08:00,120.1,30.2\n"
        ",2026-11-02T06:00:00+08:00,120.1,30.2\n"
        "T1,2026-11-02T06:00:00,120.1,30.2\n"
        "T1,2026-11-02T06:01:00+08:00,east,30.2\n"
        "T1,2026-11-02T06:02:00+08:00,190,30.2\n"
    )
    r = client.post(URL, content=bad.encode(), headers=admin)
    assert r.status_code == 422
    assert [e["line"] for e in r.json()["errors"]] == [3, 4, 5, 6]
    assert "no zone" in r.json()["errors"][1]["message"]
    good = jt808.encode_position(
        jt808.Position(
            phone="1", serial=1, lon=120.0, lat=30.0, time=datetime(2026, 11, 2, tzinfo=UTC)
        )
    )
    broken = good[:-2] + bytes([good[-2] ^ 0xFF]) + b"\x7e"
    r = client.post(URL, params={"format": "jt808"}, content=good + broken, headers=admin)
    assert r.status_code == 422 and "check code" in r.json()["errors"][0]["message"]
    r = client.post(URL, params={"format": "jt808"}, content=b"\x00\x01", headers=admin)
    assert (r.status_code, r.json()["code"]) == (422, "file_empty")
    assert client.post(URL, content=bad.encode(), headers=headers["329901/lead"]).status_code == 403
    assert stored(session) == 0


def test_impossible_fixes_are_counted_and_refused_with_a_reason(
    client: TestClient, session: Session, headers: dict[str, dict[str, str]]
) -> None:
    admin = headers["329901/admin"]
    now = datetime.now(UTC)
    good = (now - timedelta(hours=1)).isoformat()
    future = (now + timedelta(days=2)).isoformat()
    old = (now - timedelta(days=400)).isoformat()
    batch = (
        "terminal,time,lon,lat\n"
        f"13900000001,{good},120.1,30.2\n"
        f"13900000001,{future},120.1,30.2\n"  # line 3: in the future
        f"13900000002,{old},120.1,30.2\n"  # line 4: more than a year ago
        f"13999999999,{good},120.1,30.2\n"  # line 5: no registered vehicle has it
        f"13900000009,{good},120.1,30.2\n"  # line 6: the other platform's? no: unknown
    )
    r = client.post(URL, content=batch.encode(), headers=admin)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "import_rejected"
    assert "4 fix(es) refused" in body["detail"]
    assert "unknown_terminal 2" in body["detail"] and "fix_in_future 1" in body["detail"]
    assert [(e["line"], e["code"]) for e in body["errors"]] == [
        (3, "fix_in_future"),
        (4, "fix_too_old"),
        (5, "unknown_terminal"),
        (6, "unknown_terminal"),
    ]
    assert body["errors"][2]["params"] == {"terminal": "13999999999"}
    # a JT/T 808 report whose latitude is beyond the pole (the decoder refuses the frame)
    far = jt808.encode_position(
        jt808.Position(phone="1", serial=1, lon=120.0, lat=95.0, time=now - timedelta(minutes=5))
    )
    r = client.post(URL, params={"format": "jt808"}, content=far, headers=admin)
    assert r.status_code == 422 and "not on the earth" in r.json()["errors"][0]["message"]
    # a terminal registered on another platform is unknown here
    other = f"terminal,time,lon,lat\n13900000001,{good},121.1,30.2\n"
    r = client.post(URL, content=other.encode(), headers=headers["440199/admin"])
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_terminal"
    assert stored(session) == 0
    # the good fix alone is stored
    first_two = "".join(batch.splitlines(keepends=True)[:2])
    r = client.post(URL, content=first_two.encode(), headers=admin)
    assert r.json() == {"received": 1, "stored": 1, "duplicates": 0}


def test_screen_refuses_fixes_off_the_earth(
    session: Session, headers: dict[str, dict[str, str]]
) -> None:
    # fixes made by other means than the parsers (a gateway library) are screened too
    j = session.scalars(select(Jurisdiction).where(Jurisdiction.code == "329901")).one()
    now = datetime.now(UTC)
    fixes = service.Fixes(
        terminal=["T1", "T1"],
        t=np.array([int(now.timestamp()) - 60, int(now.timestamp()) - 30], dtype=np.int64),
        lon=np.array([120.1, 200.0]),
        lat=np.array([30.2, 30.2]),
        speed=np.zeros(2),
        heading=np.zeros(2, dtype=np.int64),
        alarm=np.zeros(2, dtype=np.int64),
    )
    with pytest.raises(ImportRejected) as refused:
        service.screen(session, j.id, fixes, now)
    assert [(e["line"], e["code"]) for e in refused.value.errors] == [(2, "fix_out_of_range")]
