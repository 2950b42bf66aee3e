"""门牌地址 and 部件 services on the database."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.geo import addresses, components, service
from urbangrid.geo.crs import wgs84_to_gcj02
from urbangrid.geo.models import Address, Component
from urbangrid.kit.errors import ImportRejected, NotFound
from urbangrid.org.models import Grid

from .demo_db import load_demo

STREETS = ["滨江路", "海港大道", "望江路", "柳岸街"]


def _points(session: Session, n: int) -> list[tuple[float, float, str]]:
    grids = session.scalars(select(Grid).order_by(Grid.code).limit(n)).all()
    out = []
    for g in grids:
        p = shapely.point_on_surface(shape(g.geometry))
        out.append((p.x, p.y, g.code))
    return out


def _address_csv(session: Session) -> bytes:
    lines = ["address,lon,lat"]
    for i, (x, y, _code) in enumerate(_points(session, 40)):
        lines.append(f"{STREETS[i % 4]}{i + 1}号,{x},{y}")
    return "\n".join(lines).encode()


def test_address_import_search_reverse(session: Session) -> None:
    j = load_demo(session)
    rows = addresses.parse_address_rows(_address_csv(session), "a.csv")
    assert addresses.import_addresses(session, j, rows) == {"created": 40, "updated": 0}
    hits = addresses.search(session, j, "滨江路1", limit=5)
    assert hits[0].match == "prefix" and hits[0].text.startswith("滨江路1")
    # pinyin initials: 海港大道 → hgdd
    assert all(h.text.startswith("海港大道") for h in addresses.search(session, j, "hgdd", 3))
    # a typo (港 → 岗) still finds 海港大道 by fuzzy match
    fuzzy = addresses.search(session, j, "海岗大道2号", limit=3)
    assert any(h.text == "海港大道2号" for h in fuzzy)
    # reverse: a point 5 m from the 3rd address
    a = session.scalar(select(Address).where(Address.text == "望江路3号"))
    assert a is not None
    hit = addresses.reverse(session, j, a.lon + 5 / 94_000, a.lat, radius_m=30)
    assert hit.text == "望江路3号" and 3 < (hit.distance_m or 0) < 7
    with pytest.raises(NotFound):
        addresses.reverse(session, j, a.lon + 0.05, a.lat, radius_m=30)


def test_bad_address_file_stores_nothing(session: Session) -> None:
    j = load_demo(session)
    data = _address_csv(session) + b"\nfar away,121.0,31.0\n,121.98,32.16\ndup,x,y"
    with pytest.raises(ImportRejected) as err:
        rows = addresses.parse_address_rows(data, "a.csv")
        addresses.import_addresses(session, j, rows)
    assert "lon/lat" in str(err.value)
    good = _address_csv(session) + b"\nfar away,121.0,31.0"
    with pytest.raises(ImportRejected, match="outside"):
        addresses.import_addresses(session, j, addresses.parse_address_rows(good, "a.csv"))
    assert session.scalar(select(func.count(Address.id))) == 0


def _component_csv(session: Session) -> bytes:
    lines = ["class_code,condition,owner_department,lon,lat,initial_date"]
    for i, (x, y, _code) in enumerate(_points(session, 12)):
        cls = "01001" if i % 2 else "03004"
        dept = "SZ" if cls == "01001" else "环卫处"
        lines.append(f"{cls},{'完好' if i % 3 else '破损'},{dept},{x},{y},2026-07-0{1 + i % 9}")
    return "\n".join(lines).encode()


def test_components_import_export_and_owner(session: Session) -> None:
    j = load_demo(session)
    rows = components.parse_component_rows(_component_csv(session), "c.csv")
    assert components.import_components(session, j, rows) == {"created": 12, "updated": 0}
    listed = components.list_components(session, j, class_code="01001")
    assert len(listed) == 6
    codes = [c["code"] for c in listed]
    assert codes == [f"{j.code}01001{n:06d}" for n in range(1, 7)]
    assert all(c["grid_code"] and c["grid_code"].startswith(j.code) for c in listed)
    assert {c["owner_department"] for c in listed} == {"市政处"}
    comp = session.scalar(select(Component).where(Component.code == codes[0]))
    assert comp is not None
    dept = components.component_owner_department(session, comp.id)
    assert dept is not None and dept.code == "SZ"
    # export → re-import (by code) updates, creates nothing; GCJ-02 coordinates in the file
    exported = json.loads(components.export_components(session, j, "geojson"))
    for f in exported["features"]:
        x, y = f["geometry"]["coordinates"]
        gx, gy = wgs84_to_gcj02(x, y)
        f["geometry"]["coordinates"] = [float(gx), float(gy)]
        f["properties"]["condition"] = "占用"
    again = components.parse_component_rows(json.dumps(exported).encode(), "c.geojson")
    assert components.import_components(session, j, again, "gcj02") == {"created": 0, "updated": 12}
    moved = session.get(Component, comp.id)
    assert moved is not None and abs(moved.lon - comp.lon) < 1e-7 and moved.condition == "占用"
    assert moved.changed_date is not None
    csv_text = components.export_components(session, j, "csv")
    assert csv_text.splitlines()[0].startswith("code,class_code,name")
    assert len(csv_text.splitlines()) == 13


def test_bad_components_are_reported_and_nothing_stored(session: Session) -> None:
    j = load_demo(session)
    x, y, _ = _points(session, 1)[0]
    data = (
        "code,class_code,condition,owner_department,lon,lat\n"
        f",01001,完好,SZ,{x},{y}\n"
        f",99999,完好,SZ,{x},{y}\n"
        f",01001,很好,SZ,{x},{y}\n"
        f",01001,完好,XX,{x},{y}\n"
        f"32120201001000001,,完好,SZ,{x},{y}\n"
        f",01001,完好,SZ,{x + 1},{y}\n"
    ).encode()
    with pytest.raises(ImportRejected) as err:
        components.import_components(session, j, components.parse_component_rows(data, "c.csv"))
    lines = {e["line"] for e in err.value.errors}
    assert lines == {3, 4, 5, 6, 7}
    assert session.scalar(select(func.count(Component.id))) == 0
    with pytest.raises(NotFound):
        components.component_owner_department(session, 12345)


def test_points_follow_regenerated_grids(session: Session) -> None:
    j = load_demo(session)
    rows = addresses.parse_address_rows(_address_csv(session), "a.csv")
    addresses.import_addresses(session, j, rows)
    session.commit()
    summary = service.make_grids(session, j.code, size_m=250)
    session.commit()
    assert summary.extra["points_relinked"] > 0
    for a in session.scalars(select(Address)):
        g = session.get(Grid, a.grid_id)
        assert g is not None and shape(g.geometry).covers(shapely.Point(a.lon, a.lat))
