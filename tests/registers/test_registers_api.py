"""Registers over HTTP: import all or nothing with line numbers, export that re-imports
unchanged, references between registers, edits, retiring, jurisdiction scope."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.models import SecurityEvent
from urbangrid.auth.service import issue_token
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.registers.models import RegisterRecord
from worldkit import add_grids, add_users, square

ESTATES = "/api/v1/registers/waste.estates"
POINTS = "/api/v1/registers/waste.drop_points"
FACILITIES = "/api/v1/registers/waste.facilities"


@dataclass
class Town:
    headers: dict[str, dict[str, str]]


@pytest.fixture
def town(session: Session) -> Town:
    """District 329901 (grids at 120.000–120.004 E, 30.000–30.001 N), city 329900 above it and
    a foreign district 440199 (grids at 121.0 E); an admin and a dispatcher in each."""
    city = Jurisdiction(code="329900", name="示范市", level="city")
    d1 = Jurisdiction(code="329901", name="一区")
    x = Jurisdiction(code="440199", name="外区")
    session.add_all([city, d1, x])
    session.flush()
    d1.parent_id = city.id
    add_grids(
        session,
        d1,
        [square(120.0 + i * 0.001, 30.0, 0.001) for i in range(4)],
        street_name="江滨街道",
        community_name="滨河社区",
    )
    add_grids(session, x, [square(121.0, 30.0, 0.001)], street_name="外街", community_name="外社区")
    headers = {}
    for j in (city, d1, x):
        users = add_users(
            session, j, [("admin", Role.ADMIN, None), ("disp", Role.DISPATCHER, None)]
        )
        for name, user in users.items():
            headers[f"{j.code}/{name}"] = {
                "Authorization": f"Bearer {issue_token(session, user).token}"
            }
    session.commit()
    return Town(headers)


def estate_wkt(i: int) -> str:
    x0 = 120.0 + i * 0.001 + 0.0002
    return (
        f"POLYGON(({x0} 30.0002, {x0 + 0.0005} 30.0002, {x0 + 0.0005} 30.0008, "
        f"{x0} 30.0008, {x0} 30.0002))"
    )


ESTATE_CSV = (
    "code,name,户数,物业公司,开展分类,三定一督,geometry\n"
    f'E1,滨河一区,420,安居物业,是,是,"{estate_wkt(0)}"\n'
    f'E2,滨河二区,310,,否,否,"{estate_wkt(2)}"\n'
)


def count(session: Session, register: str | None = None) -> int:
    stmt = select(func.count()).select_from(RegisterRecord)
    if register:
        stmt = stmt.where(RegisterRecord.register == register)
    return session.scalar(stmt) or 0


def test_import_locate_list_export_and_reimport(
    client: TestClient, session: Session, town: Town
) -> None:
    admin = town.headers["329901/admin"]
    r = client.post(f"{ESTATES}/import", content=ESTATE_CSV.encode(), headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {"register": "waste.estates", "created": 2, "updated": 0, "rows": 2}
    points = (
        "code,name,所属小区,桶类,投放时间,督导员,lon,lat\n"
        "P1,一区1号点,E1,厨余垃圾|其他垃圾,06:00-08:00,张三,120.0004,30.0005\n"
        "P2,一区2号点,E2,其他垃圾|厨余垃圾|可回收物,06:30-08:30,,120.0025,30.0005\n"
    )
    r = client.post(f"{POINTS}/import", content=points.encode("utf-8-sig"), headers=admin)
    assert r.status_code == 200, r.text
    listing = client.get(f"{POINTS}/records", headers=town.headers["329901/disp"]).json()
    assert listing["total"] == 2
    p2 = listing["items"][1]
    assert p2["grid_code"].endswith("003") and p2["street"] == "江滨街道"
    assert p2["attributes"]["bins"] == ["可回收物", "厨余垃圾", "其他垃圾"]  # in declared order
    assert p2["attributes"]["hours"] == "06:30-08:30"
    # the city reads its district's records; the foreign district does not
    city = client.get(
        f"{POINTS}/records", params={"jurisdiction": "329901"}, headers=town.headers["329900/disp"]
    )
    assert city.json()["total"] == 2
    assert (
        client.get(f"{POINTS}/records", headers=town.headers["440199/admin"]).json()["total"] == 0
    )
    foreign = client.get(
        f"{POINTS}/records/P1",
        params={"jurisdiction": "329901"},
        headers=town.headers["440199/admin"],
    )
    assert foreign.status_code == 404
    # CSV, GeoJSON and shapefile exports import again without a change
    for fmt in ("csv", "geojson", "shp"):
        exported = client.get(f"{POINTS}/export", params={"format": fmt}, headers=admin)
        assert exported.status_code == 200
        before = client.get(f"{POINTS}/records", headers=admin).json()["items"]
        again = client.post(
            f"{POINTS}/import", params={"format": fmt}, content=exported.content, headers=admin
        )
        assert again.status_code == 200, again.text
        assert again.json()["updated"] == 2 and again.json()["created"] == 0
        after = client.get(f"{POINTS}/records", headers=admin).json()["items"]
        strip = [{k: v for k, v in i.items() if k != "updated_at"} for i in before]
        assert strip == [{k: v for k, v in i.items() if k != "updated_at"} for i in after]
    est = client.get(f"{ESTATES}/export", params={"format": "geojson"}, headers=admin).json()
    assert {f["geometry"]["type"] for f in est["features"]} == {"Polygon"}
    # every import is in the security log
    logged = session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "admin")).all()
    assert sum("register_import" in json.dumps(e.detail) for e in logged) == 5


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_line(
    client: TestClient, session: Session, town: Town
) -> None:
    admin = town.headers["329901/admin"]
    assert (
        client.post(f"{ESTATES}/import", content=ESTATE_CSV.encode(), headers=admin).status_code
        == 200
    )
    before = count(session)
    bad = (
        "code,name,所属小区,桶类,投放时间,lon,lat\n"
        "P1,好的点,E1,厨余垃圾,06:00-08:00,120.0004,30.0005\n"  # line 2 fine
        "P2,,E9,厨余垃圾|塑料,25:00-08:00,120.0004,30.0005\n"  # line 3: four problems
        "P1,重复,E1,其他垃圾,,120.0004,30.0005\n"  # line 4: code repeats line 2
        "P4,城外,E1,其他垃圾,,122.5,30.0005\n"  # line 5: outside the grids
        "P5,无坐标,E1,其他垃圾,,,\n"  # line 6: no location
        "P6,坐标错,E1,其他垃圾,,东经,30\n"  # line 7
    )
    r = client.post(f"{POINTS}/import", content=bad.encode(), headers=admin)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "import_rejected"
    errors = {e["line"]: e["message"] for e in body["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7]
    assert "name: is required" in errors[3] and "no waste.estates record 'E9'" in errors[3]
    assert "塑料" in errors[3] and "25:00" in errors[3]
    assert "repeats line 2" in errors[4]
    assert "outside the grids" in errors[5]
    assert "location is required" in errors[6]
    assert "not numbers" in errors[7]
    assert count(session) == before
    # a file that is not UTF-8, an empty one, an unknown register
    gbk = "code,name\nE3,滨河三区\n".encode("gbk")
    r = client.post(f"{ESTATES}/import", content=gbk, headers=admin)
    assert (r.status_code, r.json()["code"]) == (422, "file_not_utf8")
    r = client.post(f"{ESTATES}/import", content=b"code,name\n", headers=admin)
    assert r.json()["code"] == "file_empty"
    r = client.get("/api/v1/registers/waste.nothing/records", headers=admin)
    assert (r.status_code, r.json()["code"]) == (404, "register_not_found")
    assert count(session) == before


def test_only_admins_change_and_only_their_own_jurisdiction(
    client: TestClient, session: Session, town: Town
) -> None:
    r = client.post(
        f"{ESTATES}/import", content=ESTATE_CSV.encode(), headers=town.headers["329901/disp"]
    )
    assert r.status_code == 403
    r = client.post(
        f"{ESTATES}/import",
        params={"jurisdiction": "329901"},
        content=ESTATE_CSV.encode(),
        headers=town.headers["440199/admin"],
    )
    assert r.status_code == 404
    # a city admin administers its district
    r = client.post(
        f"{ESTATES}/import",
        params={"jurisdiction": "329901"},
        content=ESTATE_CSV.encode(),
        headers=town.headers["329900/admin"],
    )
    assert r.status_code == 200
    assert count(session) == 2
    # the foreign admin's own grids do not hold the district's estates
    r = client.post(
        f"{ESTATES}/import", content=ESTATE_CSV.encode(), headers=town.headers["440199/admin"]
    )
    assert r.status_code == 422 and "outside the grids" in r.text


def test_edit_one_record_and_retire_it_unless_in_use(
    client: TestClient, session: Session, town: Town
) -> None:
    admin = town.headers["329901/admin"]
    client.post(f"{ESTATES}/import", content=ESTATE_CSV.encode(), headers=admin)
    point = {"type": "Point", "coordinates": [120.0014, 30.0005]}
    body = {"name": "新点", "cells": {"estate": "E1", "bins": "其他垃圾"}, "geometry": point}
    r = client.put(f"{POINTS}/records/P9", json=body, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["grid_code"].endswith("002")
    bad = {**body, "cells": {"estate": "E1", "bins": "其他垃圾", "bin_count": "-3"}}
    r = client.put(f"{POINTS}/records/P9", json=bad, headers=admin)
    assert r.status_code == 422 and "bin_count" in r.json()["detail"]
    kept = client.get(f"{POINTS}/records/P9", headers=admin).json()
    assert kept["attributes"]["bin_count"] is None and kept["name"] == "新点"
    # E1 is in use by P9: refused; after P9 is retired, E1 may go
    r = client.delete(f"{ESTATES}/records/E1", headers=admin)
    assert (r.status_code, r.json()["code"]) == (409, "register_record_in_use")
    assert r.json()["params"] == {"code": "E1", "count": 1}
    assert client.delete(f"{POINTS}/records/P9", headers=admin).json()["active"] is False
    assert client.delete(f"{ESTATES}/records/E1", headers=admin).status_code == 200
    listed = client.get(f"{ESTATES}/records", headers=admin).json()
    assert [i["code"] for i in listed["items"]] == ["E2"]
    # facilities may lie outside the district: no grid then
    fac = {
        "name": "焚烧厂",
        "cells": {"type": "焚烧厂", "categories": "其他垃圾", "conversion_coefficient": "0.3"},
        "geometry": {"type": "Point", "coordinates": [122.5, 30.1]},
    }
    r = client.put(f"{FACILITIES}/records/F1", json=fac, headers=admin)
    assert r.status_code == 200 and r.json()["grid_code"] is None
    too_big = {**fac, "cells": {**fac["cells"], "conversion_coefficient": "1.5"}}
    assert client.put(f"{FACILITIES}/records/F1", json=too_big, headers=admin).status_code == 422
