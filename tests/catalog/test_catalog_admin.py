"""分类与立案条件 administration over HTTP (SQLite and PostgreSQL): a district admin's change
makes the district its own version and leaves the shared row and other platforms alone;
bad input and another platform's rows are refused with nothing changed; a disabled category
is not offered nor accepted for new cases; a bad CSV changes nothing; each change audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scope_world import CITY, D1, D2, ScopeWorld, X, make_scope_world
from urbangrid.auth.models import SecurityEvent
from urbangrid.cases import service as cases
from urbangrid.catalog import service
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.kit.errors import InvalidInput

from .test_catalog_levels import HEADER, table

CAT = "/api/v1/catalog/categories/matter/06002"


@pytest.fixture
def world(session: Session) -> ScopeWorld:
    made = make_scope_world(session)
    service.load_national_directory(session)
    session.commit()
    return made


def _counts(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return (
        int(session.scalar(select(func.count()).select_from(Category)) or 0),
        int(session.scalar(select(func.count()).select_from(FilingCondition)) or 0),
        int(
            session.scalar(
                select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == "admin")
            )
            or 0
        ),
    )


def test_condition_and_category_edits_stay_on_the_platform(
    client: TestClient, world: ScopeWorld, session: Session
) -> None:
    js = world.jurisdictions
    city = world.header(f"{CITY}/admin")
    d1 = world.header(f"{D1}/admin")
    assert (
        client.post(
            "/api/v1/catalog/filing-conditions/import",
            content=table("市容垃圾", "城市标准", "2").encode(),
            headers=city,
        ).status_code
        == 200
    )
    city_version = client.get(CAT, headers=city).json()
    condition = city_version["conditions"][0]
    before = _counts(session)

    # bad input: nothing changes, not even the district's own version
    for body, code in (
        ({"time_limit_raw": "两天"}, "time_limit_invalid"),
        ({"time_limit_value": "0", "time_limit_unit": "work_day"}, "time_limit_invalid"),
        ({"time_limit_value": "2", "time_limit_unit": "fortnight"}, "time_limit_invalid"),
        ({"description": "  "}, "text_invalid"),
    ):
        r = client.put(
            f"/api/v1/catalog/filing-conditions/{condition['id']}", json=body, headers=d1
        )
        assert (r.status_code, r.json()["code"]) == (422, code), r.text
    # another platform's condition (X uses the shared version) is not found from D1 ...
    x_cond = client.get(CAT, params={"jurisdiction": X}).json()["conditions"]
    if x_cond:
        r = client.put(
            f"/api/v1/catalog/filing-conditions/{x_cond[0]['id']}",
            json={"closing_condition": "x"},
            headers=d1,
        )
        assert r.status_code == 404 and r.json()["code"] == "condition_not_found"
    # ... and D1 may not write X's catalogue
    r = client.put(CAT, params={"jurisdiction": X}, json={"is_active": False}, headers=d1)
    assert r.status_code == 404
    assert _counts(session) == before

    # a good change: D1 gets its own version, the city's stays
    r = client.put(
        f"/api/v1/catalog/filing-conditions/{condition['id']}",
        json={"time_limit_raw": "2紧急工作时", "closing_condition": "清理干净"},
        headers=d1,
    )
    assert r.status_code == 200, r.text
    mine = r.json()
    assert mine["jurisdiction_id"] == js[D1].id
    got = mine["conditions"][0]
    assert Decimal(got["time_limit_value"]) == 2
    assert got["time_limit_unit"] == "urgent_hour_continuous"
    assert got["closing_condition"] == "清理干净"
    assert client.get(CAT, headers=city).json()["conditions"][0] == condition
    assert client.get(CAT, headers=world.header(f"{D2}/admin")).json()["conditions"][0] == (
        condition
    )
    cats, conds, events = _counts(session)
    assert (cats, conds, events) == (before[0] + 1, before[1] + 1, before[2] + 1)

    # disable: not offered in search, not accepted for a new case, enabled again
    r = client.put(CAT, json={"is_active": False, "local_name": "区垃圾"}, headers=d1)
    assert r.status_code == 200 and r.json()["is_active"] is False
    found = client.get("/api/v1/catalog/categories", params={"q": "06002"}, headers=d1).json()
    assert found == []
    tree = client.get("/api/v1/catalog/tree", headers=d1).json()
    small = [
        c for b in tree for c in b["children"] if c["code"] == "06002" and b["kind"] == "matter"
    ]
    assert small[0]["is_active"] is False and small[0]["local_name"] == "区垃圾"
    own_id = r.json()["id"]
    with pytest.raises(InvalidInput) as refused:
        cases.create_case(
            session,
            world.who(f"{D1}/intake"),
            cases.NewCase(source="hotline", lon=120.0005, lat=30.0005, category_id=own_id),
        )
    assert refused.value.code == "category_disabled"
    with pytest.raises(InvalidInput) as refused:  # naming its 立案条件 too
        cases.create_case(
            session,
            world.who(f"{D1}/intake"),
            cases.NewCase(
                source="hotline",
                lon=120.0005,
                lat=30.0005,
                filing_condition_id=r.json()["conditions"][0]["id"],
            ),
        )
    assert refused.value.code == "category_disabled"
    session.rollback()
    r = client.put(CAT, json={"is_active": True}, headers=d1)
    assert r.json()["is_active"] is True
    assert _counts(session)[2] == events + 2


def test_a_bad_csv_changes_nothing_and_lists_its_lines(
    client: TestClient, world: ScopeWorld, session: Session
) -> None:
    d1 = world.header(f"{D1}/admin")
    before = _counts(session)
    bad = (
        HEADER
        + "matter,06002,06,市容环境类,店面无证装修,false,,,立案一,2,work_hour,,清理,HW\n"
        + "matter,99999,06,市容环境类,不存在,false,,,立案二,2,work_hour,,清理,HW\n"
        + "matter,06002,06,市容环境类,店面无证装修,false,,,立案三,-1,work_hour,,清理,HW\n"
    )
    r = client.post("/api/v1/catalog/filing-conditions/import", content=bad.encode(), headers=d1)
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "import_rejected"
    assert sorted({e["line"] for e in body["errors"]}) == [3, 4]
    assert {(e["line"], e["code"]) for e in body["errors"]} == {
        (3, "code_unknown"),
        (4, "limit_invalid"),
    }
    assert body["errors"][0]["params"] == {"code": "99999"}
    assert _counts(session) == before
    r = client.post(
        "/api/v1/catalog/filing-conditions/import",
        content=table("区垃圾", "区标准", "1").encode(),
        headers=d1,
    )
    assert r.status_code == 200
    assert r.json()["categories_created"] == 1 and r.json()["conditions_created"] == 1
    assert _counts(session)[2] == before[2] + 1
