"""Per-platform catalogues: the shared directory, a city's table for itself and its districts,
a district's own version on top, and another platform untouched (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scope_world import CITY, D1, D2, ScopeWorld, X, make_scope_world
from urbangrid.cases import service as cases
from urbangrid.catalog import service
from urbangrid.catalog.filing_table import parse_table
from urbangrid.catalog.models import Category
from urbangrid.kit.errors import InvalidInput

HEADER = (
    "kind,code,big_category_code,big_category_name,name,local_extension,legacy_code,"
    "local_name,filing_condition,time_limit_value,time_limit_unit,time_limit_raw,"
    "closing_condition,default_department\n"
)


def table(name: str, description: str, hours: str) -> str:
    """A one-row table for 店面无证装修 with the platform's own name and condition."""
    row = f"matter,06002,06,市容环境类,店面无证装修,false,,{name},{description},{hours},work_hour,"
    return HEADER + row + ",清理,HW\n"


@pytest.fixture
def world(session: Session) -> ScopeWorld:
    made = make_scope_world(session)
    service.load_national_directory(session)
    session.commit()
    return made


def test_nearest_version_wins_and_others_are_untouched(session: Session, world: ScopeWorld) -> None:
    js = world.jurisdictions
    shared_before = session.scalar(select(func.count()).select_from(Category))
    service.import_table(
        session, parse_table(table("市容垃圾", "城市标准", "2"), "city"), js[CITY].id
    )
    service.import_table(session, parse_table(table("区垃圾", "区标准", "1"), "d2"), js[D2].id)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Category)) == shared_before + 2

    def used(code: str) -> Category:
        found = service.category_in(session, js[code].id, "matter", "06002")
        assert found is not None
        return found

    assert used(CITY).local_name == "市容垃圾" and used(D1).local_name == "市容垃圾"
    assert used(D2).local_name == "区垃圾"  # the district's own version
    assert used(X).jurisdiction_id is None  # the shared row, as before
    assert [c.description for c in used(D1).conditions] == ["城市标准"]
    # exports are per platform and round-trip
    rows = service.export_rows(session, js[D2].id)
    assert [r["filing_condition"] for r in rows if r["code"] == "06002"] == ["区标准"]
    # search and tree follow the same rule
    assert [c.id for c in service.search(session, "06002", None, 5, js[D1].id)] == [used(D1).id]
    # a case in D1 cannot cite D2's version (or the shared one D1 replaced)
    lon, lat = 120.0005, 30.0005
    shared = service.category_in(session, None, "matter", "06002")
    assert shared is not None and shared.jurisdiction_id is None
    for bad in (used(D2).id, shared.id):
        with pytest.raises(InvalidInput):
            cases.create_case(
                session,
                world.who(f"{D1}/intake"),
                cases.NewCase(source="hotline", lon=lon, lat=lat, category_id=bad),
            )
    made = cases.create_case(
        session,
        world.who(f"{D1}/intake"),
        cases.NewCase(source="hotline", lon=lon, lat=lat, category_id=used(D1).id),
    )
    assert made.filing_condition_id == used(D1).conditions[0].id
    assert made.category_id == used(D1).id


def test_catalogue_api_per_platform(
    client: TestClient, world: ScopeWorld, session: Session, tmp_path: Path
) -> None:
    js = world.jurisdictions
    city_admin = world.header(f"{CITY}/admin")
    r = client.post(
        "/api/v1/catalog/filing-conditions/import",
        content=table("市容垃圾", "城市标准", "2").encode(),
        headers=city_admin,
    )
    assert r.status_code == 200, r.text
    # a city admin may write a district's catalogue, not another platform's
    r = client.post(
        "/api/v1/catalog/filing-conditions/import",
        params={"jurisdiction": X},
        content=table("外", "外", "2").encode(),
        headers=city_admin,
    )
    assert r.status_code == 404
    session.expire_all()
    assert service.category_in(session, js[X].id, "matter", "06002").local_name is None
    # the logged-in district user gets its city's version; anonymous callers name one
    got = client.get(
        "/api/v1/catalog/categories/matter/06002", headers=world.header(f"{D1}/intake")
    )
    assert got.json()["local_name"] == "市容垃圾"
    anon = client.get("/api/v1/catalog/categories/matter/06002", params={"jurisdiction": X})
    assert anon.json()["local_name"] is None
    # Open311 services of a district name the city's version
    services = client.get("/open311/v2/services.json", params={"jurisdiction_id": D1}).json()
    names = {s["service_code"]: s["service_name"] for s in services}
    assert names["M06002"] == "市容垃圾"
