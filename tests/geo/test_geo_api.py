"""Geo HTTP API: conversion, locate, map data, uploads, errors as problem+json."""

from __future__ import annotations

import json

import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.geo.crs import wgs84_to_bd09
from urbangrid.geo.demo_area import make_demo_area
from urbangrid.org.models import Grid

from .demo_db import load_demo


def _token(client: TestClient, username: str = "admin") -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": "Secret#123"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_convert_round_trip(client: TestClient) -> None:
    r = client.get("/api/v1/geo/convert", params={"lon": 119.92, "lat": 32.49, "to": "bd09"})
    assert r.status_code == 200
    body = r.json()
    x, y = wgs84_to_bd09(119.92, 32.49)
    assert abs(body["lon"] - float(x)) < 1e-12 and abs(body["lat"] - float(y)) < 1e-12
    back = client.get("/api/v1/geo/convert", params={**body, "from": "bd09", "to": "wgs84"}).json()
    assert abs(back["lon"] - 119.92) < 1e-7 and abs(back["lat"] - 32.49) < 1e-7
    bad = client.get("/api/v1/geo/convert", params={"lon": 1, "lat": 1, "to": "utm"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_locate_and_outside(client: TestClient, session: Session) -> None:
    load_demo(session, users=True)
    g = session.scalars(select(Grid).order_by(Grid.code).offset(100)).first()
    assert g is not None
    p = shapely.point_on_surface(shape(g.geometry))
    x, y = wgs84_to_bd09(p.x, p.y)
    where = {"lon": float(x), "lat": float(y), "crs": "bd09"}
    assert client.get("/api/v1/geo/locate", params=where).status_code == 401
    client.headers.update(_token(client, "insp"))
    r = client.get("/api/v1/geo/locate", params=where)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["grid_code"] == g.code and body["community_name"]
    assert abs(body["lon"] - p.x) < 1e-7
    out = client.get("/api/v1/geo/locate", params={"lon": p.x + 0.1, "lat": p.y})
    assert out.status_code == 422
    problem = out.json()
    assert out.headers["content-type"].startswith("application/problem+json")
    assert "outside" in problem["detail"] and problem["distance_m"] > 5_000


def test_map_data_needs_login_and_simplifies(client: TestClient, session: Session) -> None:
    load_demo(session, users=True)
    assert client.get("/api/v1/geo/grids.geojson").status_code == 401
    h = _token(client, "insp")
    full = client.get("/api/v1/geo/grids.geojson", headers=h).json()
    coarse = client.get("/api/v1/geo/grids.geojson", params={"zoom": 10}, headers=h).json()
    assert len(full["features"]) == len(coarse["features"]) > 500

    def n_coords(doc: dict) -> int:
        return sum(len(shapely.get_coordinates(shape(f["geometry"]))) for f in doc["features"])

    assert n_coords(coarse) < n_coords(full)
    some = client.get(
        "/api/v1/geo/grids.geojson", params={"bbox": "121.97,32.15,121.98,32.16"}, headers=h
    ).json()
    assert 0 < len(some["features"]) < len(full["features"])
    coms = client.get(
        "/api/v1/geo/boundaries.geojson", params={"level": "community"}, headers=h
    ).json()
    assert len(coms["features"]) == 5
    bad = client.get("/api/v1/geo/grids.geojson", params={"bbox": "1,2,3"}, headers=h)
    assert bad.status_code == 422


def test_uploads_roles_and_components(client: TestClient, session: Session) -> None:
    load_demo(session, users=True)
    g = session.scalars(select(Grid).order_by(Grid.code)).first()
    assert g is not None
    p = shapely.point_on_surface(shape(g.geometry))
    csv_bytes = f"address,lon,lat\n滨江路8号,{p.x},{p.y}\n".encode()
    files = {"file": ("a.csv", csv_bytes, "text/csv")}
    assert (
        client.post("/api/v1/geo/addresses/import", files=files, headers=_token(client, "insp"))
    ).status_code == 403
    admin = _token(client)
    r = client.post("/api/v1/geo/addresses/import", files=files, headers=admin)
    assert r.status_code == 200 and r.json() == {"created": 1, "updated": 0}
    hits = client.get("/api/v1/geo/addresses/search", params={"q": "bjl"}, headers=admin).json()
    assert hits[0]["text"] == "滨江路8号"
    rev = client.get(
        "/api/v1/geo/addresses/reverse", params={"lon": p.x, "lat": p.y}, headers=admin
    ).json()
    assert rev["text"] == "滨江路8号" and rev["distance_m"] == 0
    comp_csv = f"class_code,owner_department,lon,lat\n01001,SZ,{p.x},{p.y}\n".encode()
    r = client.post(
        "/api/v1/geo/components/import",
        files={"file": ("c.csv", comp_csv, "text/csv")},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    listed = client.get("/api/v1/geo/components", headers=admin).json()
    code = listed[0]["code"]
    assert listed[0]["grid_code"] == g.code
    # an inspector edits components in its own grids only; another inspector's is read-only
    insp2 = _token(client, "insp2")
    elsewhere = client.patch(
        f"/api/v1/geo/components/{code}", json={"condition": "破损"}, headers=insp2
    )
    assert elsewhere.status_code == 403, elsewhere.text
    assert client.get(f"/api/v1/geo/components/{code}", headers=admin).json()["condition"] == "完好"
    patched = client.patch(
        f"/api/v1/geo/components/{code}", json={"condition": "破损"}, headers=_token(client, "insp")
    )
    assert patched.status_code == 200 and patched.json()["condition"] == "破损"
    bad = client.patch(f"/api/v1/geo/components/{code}", json={"condition": "坏了"}, headers=admin)
    assert bad.status_code == 422
    exported = client.get("/api/v1/geo/components/export", params={"format": "csv"}, headers=admin)
    assert exported.status_code == 200 and code in exported.text
    rejected = client.post(
        "/api/v1/geo/components/import",
        files={"file": ("c.csv", b"class_code,lon,lat\n01001,0,0\n", "text/csv")},
        headers=admin,
    )
    assert rejected.status_code == 422 and rejected.json()["errors"][0]["line"] == 2
    assert len(client.get("/api/v1/geo/components", headers=admin).json()) == 1


def test_admin_imports_boundary_generates_and_reimports_grids(
    client: TestClient, session: Session
) -> None:
    load_demo(session, users=True)
    admin = _token(client)
    boundary = {
        "type": "Feature",
        "properties": {"adcode": "329901", "name": "滨江示范区"},
        "geometry": make_demo_area().boundary,
    }
    files = {"file": ("b.geojson", json.dumps(boundary).encode(), "application/geo+json")}
    r = client.post(
        "/api/v1/geo/boundaries/import", files=files, data={"crs": "wgs84"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == 1
    r = client.post(
        "/api/v1/geo/boundaries/import",
        files=files,
        data={"crs": "wgs84"},
        headers=_token(client, "insp"),
    )
    assert r.status_code == 403
    r = client.post("/api/v1/geo/grids/generate", params={"size": 200}, headers=admin)
    assert r.status_code == 200, r.text
    n = r.json()["grids"]
    assert 150 < n < 260
    layer = client.get("/api/v1/geo/grids.geojson", headers=admin).text
    dup = json.loads(layer)
    dup["features"][1]["properties"]["code"] = dup["features"][0]["properties"]["code"]
    r = client.post(
        "/api/v1/geo/grids/import",
        files={"file": ("g.geojson", json.dumps(dup).encode(), "application/geo+json")},
        headers=admin,
    )
    assert r.status_code == 422 and "duplicate code" in r.text
    r = client.post(
        "/api/v1/geo/grids/import",
        files={"file": ("g.geojson", layer.encode(), "application/geo+json")},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert r.json()["grids"] == n and r.json()["created"] == 0
