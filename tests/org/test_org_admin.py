"""机构管理 by API: the department tree (create, rename, move, street, disable, delete), an
inspector's grids, the platform's settings and the audit log. An admin keeps to its subtree
(a city admin also its districts); each refusal has its code and changes nothing; each
change lands in the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.models import SecurityEvent
from urbangrid.cases.models import Case
from urbangrid.kit.types import utcnow
from urbangrid.org import service
from urbangrid.org.models import Community, Department, Grid, Jurisdiction, Street, User
from urbangrid.org.roles import Role

PASSWORD = "Secret#123"
DEPTS = "/api/v1/org/admin/departments"


def _grid(session: Session, j: Jurisdiction, street: Street, community: Community, n: int) -> Grid:
    grid = Grid(
        jurisdiction_id=j.id,
        community_id=community.id,
        code=f"{j.code}{street.code}{community.code}{n:03d}",
    )
    session.add(grid)
    return grid


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    city = service.upsert_jurisdiction(session, "990100", "示范市")
    district = service.upsert_jurisdiction(session, "990101", "示范区")
    service.set_parent_jurisdiction(session, district, city)
    other = service.upsert_jurisdiction(session, "990200", "别的市")
    ids: dict[str, Any] = {}
    for j, key in ((district, "d1"), (other, "other")):
        street = Street(jurisdiction_id=j.id, code="001", name=f"{j.name}一街道")
        session.add(street)
        session.flush()
        community = Community(street_id=street.id, code="001", name="一社区")
        session.add(community)
        session.flush()
        for n in range(1, 4):
            _grid(session, j, street, community, n)
        ids[f"{key}_street"] = street.id
    bureau = service.upsert_department(session, district.id, "CG", "城管局")
    unit = service.upsert_department(session, district.id, "HW", "环卫处", parent_code="CG")
    team = service.upsert_department(session, district.id, "HW1", "环卫一所", parent_code="HW")
    empty = service.upsert_department(session, district.id, "TMP", "临时组")
    foreign = service.upsert_department(session, other.id, "SZ", "市政处")
    ids.update(
        bureau=bureau.id, unit=unit.id, team=team.id, empty=empty.id, foreign=foreign.id,
        city=city.id, district=district.id, other=other.id,
    )  # fmt: skip
    for name, roles, j, dept in (
        ("city_admin", [Role.ADMIN], city, None),
        ("d1_admin", [Role.ADMIN], district, None),
        ("d1_insp", [Role.INSPECTOR], district, None),
        ("d1_handler", [Role.DEPARTMENT_HANDLER], district, "HW1"),
        ("other_admin", [Role.ADMIN], other, None),
    ):
        user = service.create_user(
            session,
            username=name,
            display_name=name,
            password=PASSWORD,
            roles=roles,
            jurisdiction=j,
            department_code=dept,
        )
        ids[name] = user.id
    # two open cases held by 环卫一所, one closed by 环卫处
    for n, (dept_id, status) in enumerate(
        ((team.id, "dispatched"), (team.id, "handling"), (unit.id, "closed")), start=1
    ):
        session.add(
            Case(
                jurisdiction_id=district.id,
                number=f"2026-{n:06d}",
                year=2026,
                source="inspector",
                lon=121.0,
                lat=32.0,
                status=status,
                department_id=dept_id,
                reported_at=utcnow(),
            )
        )
    session.commit()
    return ids


def _auth(client: TestClient, name: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _admin_events(session: Session) -> list[dict[str, Any]]:
    session.expire_all()
    return [
        e.detail
        for e in session.scalars(
            select(SecurityEvent).where(SecurityEvent.kind == "admin").order_by(SecurityEvent.id)
        )
    ]


def _dept(session: Session, dept_id: int) -> Department:
    session.expire_all()
    dept = session.get(Department, dept_id)
    assert dept is not None
    return dept


def test_the_tree_with_users_and_open_cases(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    r = client.get(DEPTS, headers=_auth(client, "d1_admin"))
    assert r.status_code == 200, r.text
    rows = {d["code"]: d for d in r.json()}
    assert set(rows) == {"CG", "HW", "HW1", "TMP"}  # not the other platform's
    assert rows["HW1"]["parent_id"] == world["unit"]
    assert rows["HW1"]["users_count"] == 1
    assert rows["HW1"]["open_cases_count"] == 2
    assert rows["HW"]["open_cases_count"] == 0  # its closed case is not open
    # a city admin also sees its district's departments; another platform's admin does not
    city = {d["code"] for d in client.get(DEPTS, headers=_auth(client, "city_admin")).json()}
    assert city == {"CG", "HW", "HW1", "TMP"}
    other = {d["code"] for d in client.get(DEPTS, headers=_auth(client, "other_admin")).json()}
    assert other == {"SZ"}
    # admins only
    assert client.get(DEPTS, headers=_auth(client, "d1_insp")).status_code == 403


def test_create_rename_move_street_disable_and_delete(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    admin = _auth(client, "city_admin")
    body = {
        "code": "JD1",
        "name": "一街道办事处",
        "street_id": world["d1_street"],
        "jurisdiction": "990101",
    }
    r = client.post(DEPTS, json=body, headers=admin)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["street_id"] == world["d1_street"] and new["jurisdiction_id"] == world["district"]
    # the same code again: refused, not overwritten
    r = client.post(DEPTS, json={**body, "name": "改名"}, headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "department_exists"
    assert _dept(session, new["id"]).name == "一街道办事处"

    url = f"{DEPTS}/{new['id']}"
    r = client.patch(url, json={"name": "一街道", "parent_id": world["bureau"]}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "一街道" and r.json()["parent_id"] == world["bureau"]
    r = client.patch(url, json={"street_id": None}, headers=admin)
    assert r.status_code == 200 and r.json()["street_id"] is None
    assert _dept(session, new["id"]).parent_id == world["bureau"]  # untouched by the clear
    r = client.patch(url, json={"is_active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["is_active"] is False
    r = client.delete(url, headers=admin)
    assert r.status_code == 204
    session.expire_all()
    assert session.get(Department, new["id"]) is None

    changes = [e for e in _admin_events(session) if "department" in str(e.get("change"))]
    assert [e["change"] for e in changes] == [
        "department created",
        "department",
        "department",
        "department",
        "department deleted",
    ]
    assert changes[1]["changes"]["name"] == ["一街道办事处", "一街道"]
    assert changes[1]["changes"]["parent"] == [None, "城管局"]  # by name, not only by id
    assert changes[2]["changes"]["street"] == ["示范区一街道", None]
    assert changes[3]["changes"] == {"is_active": [True, False]}


def test_refusals_change_nothing(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    admin = _auth(client, "d1_admin")
    before = len(_admin_events(session))

    def refused(method: str, url: str, status: int, code: str, **kw: Any) -> dict[str, Any]:
        r = client.request(method, url, headers=admin, **kw)
        assert r.status_code == status, r.text
        assert r.json()["code"] == code, r.text
        return r.json()

    # a cycle: the bureau under its own team
    body = refused(
        "PATCH",
        f"{DEPTS}/{world['bureau']}",
        422,
        "department_cycle",
        json={"name": "改名", "parent_id": world["team"]},
    )
    assert body["params"] == {"department": "城管局", "parent": "环卫一所"}
    refused("PATCH", f"{DEPTS}/{world['bureau']}", 422, "department_cycle",
            json={"parent_id": world["bureau"]})  # fmt: skip
    # another platform's parent, street or department: as if none existed
    refused("PATCH", f"{DEPTS}/{world['empty']}", 404, "not_found",
            json={"parent_id": world["foreign"]})  # fmt: skip
    refused("PATCH", f"{DEPTS}/{world['empty']}", 404, "not_found",
            json={"street_id": world["other_street"]})  # fmt: skip
    refused("PATCH", f"{DEPTS}/{world['foreign']}", 404, "not_found", json={"name": "x"})
    refused("DELETE", f"{DEPTS}/{world['foreign']}", 404, "not_found")
    refused("POST", DEPTS, 404, "not_found",
            json={"code": "X", "name": "X", "parent_id": world["foreign"]})  # fmt: skip
    refused("POST", DEPTS, 404, "not_found",
            json={"code": "X", "name": "X", "jurisdiction": "990200"})  # fmt: skip
    # bad input
    refused("PATCH", f"{DEPTS}/{world['empty']}", 422, "validation_error", json={"name": ""})
    refused("POST", DEPTS, 422, "validation_error", json={"code": "a b", "name": "X"})
    # delete: open cases (how many), sub-units, users, case history
    body = refused("DELETE", f"{DEPTS}/{world['team']}", 409, "department_has_open_cases")
    assert body["params"] == {"department": "环卫一所", "count": 2}
    body = refused("DELETE", f"{DEPTS}/{world['bureau']}", 409, "department_has_children")
    assert body["params"]["count"] == 1
    body = refused("DELETE", f"{DEPTS}/{world['unit']}", 409, "department_has_children")
    session.execute(
        Department.__table__.update()
        .where(Department.id == world["team"])
        .values(parent_id=world["bureau"])
    )
    session.execute(Case.__table__.update().where(Case.status != "closed").values(status="closed"))
    session.commit()
    body = refused("DELETE", f"{DEPTS}/{world['team']}", 409, "department_has_users")
    assert body["params"]["count"] == 1
    body = refused("DELETE", f"{DEPTS}/{world['unit']}", 409, "department_has_cases")
    assert body["params"]["count"] == 1

    assert len(_admin_events(session)) == before
    assert _dept(session, world["bureau"]).name == "城管局"
    assert _dept(session, world["bureau"]).parent_id is None
    assert _dept(session, world["empty"]).street_id is None
    assert _dept(session, world["foreign"]).name == "市政处"
    assert session.scalar(select(Department.id).where(Department.code == "X")) is None
    assert session.get(User, world["d1_handler"]) is not None


def test_inspector_grids_replace_and_coverage(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    admin = _auth(client, "d1_admin")
    r = client.get("/api/v1/org/admin/grid-coverage", headers=admin)
    assert r.status_code == 200, r.text
    cov = r.json()
    assert cov["jurisdiction"] == "990101" and cov["total"] == 3 and cov["uncovered"] == 3
    assert [u["username"] for u in cov["inspectors"]] == ["d1_insp"]
    codes = [g["code"] for g in cov["grids"]]
    assert all(g["street_id"] == world["d1_street"] for g in cov["grids"])

    url = f"/api/v1/org/users/{world['d1_insp']}/grids"
    r = client.put(url, json={"grid_codes": codes[:2]}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["grid_codes"] == codes[:2]
    cov = client.get("/api/v1/org/admin/grid-coverage", headers=admin).json()
    assert cov["uncovered"] == 1
    assert {g["code"]: g["inspector_ids"] for g in cov["grids"]}[codes[0]] == [world["d1_insp"]]
    # the whole set is replaced
    r = client.put(url, json={"grid_codes": [codes[2]]}, headers=admin)
    assert r.json()["grid_codes"] == [codes[2]]
    events = [e for e in _admin_events(session) if e.get("change") == "inspector grids"]
    assert events[-1]["added"] == [codes[2]] and events[-1]["removed"] == codes[:2]
    # a city admin reads its district's coverage by code
    city = _auth(client, "city_admin")
    r = client.get("/api/v1/org/admin/grid-coverage?jurisdiction=990101", headers=city)
    assert r.status_code == 200 and r.json()["uncovered"] == 2


def test_inspector_grid_refusals_change_nothing(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    admin = _auth(client, "d1_admin")
    before = len(_admin_events(session))
    own = "990101001001001"
    foreign = "990200001001001"
    url = f"/api/v1/org/users/{world['d1_insp']}/grids"
    assert client.put(url, json={"grid_codes": [own]}, headers=admin).status_code == 200
    before += 1
    # a grid of another platform: as if it did not exist; nothing of the set changes
    r = client.put(url, json={"grid_codes": ["990101001001002", foreign]}, headers=admin)
    assert r.status_code == 404, r.text
    r = client.put(url, json={"grid_codes": ["12345"]}, headers=admin)
    assert r.status_code == 422, r.text
    # not an inspector
    r = client.put(
        f"/api/v1/org/users/{world['d1_handler']}/grids", json={"grid_codes": [own]}, headers=admin
    )
    assert r.status_code == 422 and r.json()["code"] == "not_inspector", r.text
    assert r.json()["params"] == {"username": "d1_handler"}
    # another platform's user, another platform's coverage
    other = _auth(client, "other_admin")
    assert client.put(url, json={"grid_codes": []}, headers=other).status_code == 404
    r = client.get("/api/v1/org/admin/grid-coverage?jurisdiction=990101", headers=other)
    assert r.status_code == 404
    session.expire_all()
    user = session.get(User, world["d1_insp"])
    assert user is not None and [g.grid_id for g in user.grids] == [
        session.scalar(select(Grid.id).where(Grid.code == own))
    ]
    assert len(_admin_events(session)) == before


def test_no_role_department_or_platform_outside_the_admins(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    """An admin gives roles, departments and platforms of its own subtree only."""
    d1 = _auth(client, "d1_admin")
    users_before = session.scalar(select(func.count()).select_from(User))
    base = {"display_name": "新人", "password": "Start#2026", "roles": ["department_handler"]}
    # a platform above or beside its own: as if none existed
    for code in ("990100", "990200"):
        r = client.post(
            "/api/v1/org/users", json={**base, "username": f"n{code}", "jurisdiction": code},
            headers=d1,
        )  # fmt: skip
        assert r.status_code == 404, r.text
    # another platform's department (SZ is 别的市's)
    r = client.post(
        "/api/v1/org/users", json={**base, "username": "n_sz", "department_code": "SZ"}, headers=d1
    )
    assert r.status_code == 404 and r.json()["field"] == "department_code", r.text
    # another platform's grid for an inspector
    r = client.post(
        "/api/v1/org/users",
        json={**base, "username": "n_g", "roles": ["inspector"], "grid_codes": ["990200001001001"]},
        headers=d1,
    )
    assert r.status_code == 404, r.text
    # roles of another platform's user; a department of another platform for its own user
    other = client.get("/api/v1/org/users", headers=_auth(client, "other_admin")).json()
    other_id = next(u["id"] for u in other if u["username"] == "other_admin")
    r = client.put(f"/api/v1/org/users/{other_id}/roles", json={"roles": ["leader"]}, headers=d1)
    assert r.status_code == 404
    r = client.put(
        f"/api/v1/org/users/{world['d1_insp']}/roles",
        json={"roles": ["department_handler"], "department_code": "SZ"},
        headers=d1,
    )
    assert r.status_code == 404 and r.json()["field"] == "department_code"
    # a city admin gives its district's user a department of that district only
    city = _auth(client, "city_admin")
    r = client.put(
        f"/api/v1/org/users/{world['d1_insp']}/roles",
        json={"roles": ["department_handler"], "department_code": "HW"},
        headers=city,
    )
    assert r.status_code == 200 and r.json()["department_id"] == world["unit"], r.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User)) == users_before
    other_user = session.get(User, other_id)
    assert other_user is not None and other_user.role_names == ["admin"]


def test_jurisdiction_settings(client: TestClient, session: Session, world: dict[str, Any]) -> None:
    city = _auth(client, "city_admin")
    url = "/api/v1/org/jurisdictions/990101"
    r = client.patch(
        url, json={"name": "新区", "timezone": "Asia/Urumqi", "source_crs": "wgs84"}, headers=city
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["timezone"], r.json()["source_crs"]) == (
        "新区", "Asia/Urumqi", "wgs84",
    )  # fmt: skip
    event = [e for e in _admin_events(session) if e.get("change") == "jurisdiction"][-1]
    assert event["changes"]["timezone"] == ["Asia/Shanghai", "Asia/Urumqi"]
    before = len(_admin_events(session))

    # bad input: a field error, nothing saved (not even the good fields beside it)
    r = client.patch(url, json={"name": "又改", "timezone": "Mars/Base"}, headers=city)
    assert r.status_code == 422 and r.json()["code"] == "unknown_timezone", r.text
    assert r.json()["field"] == "timezone"
    r = client.patch(url, json={"name": "又改", "source_crs": "utm"}, headers=city)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    r = client.patch(url, json={"name": ""}, headers=city)
    assert r.status_code == 422
    # a district admin: not its city, not another platform
    d1 = _auth(client, "d1_admin")
    assert (
        client.patch("/api/v1/org/jurisdictions/990100", json={"name": "x"}, headers=d1).status_code
        == 404
    )
    assert (
        client.patch("/api/v1/org/jurisdictions/990200", json={"name": "x"}, headers=d1).status_code
        == 404
    )
    assert (
        client.patch(url, json={"name": "x"}, headers=_auth(client, "d1_insp")).status_code == 403
    )
    session.expire_all()
    j = session.get(Jurisdiction, world["district"])
    assert j is not None and (j.name, j.timezone, j.source_crs) == ("新区", "Asia/Urumqi", "wgs84")
    assert session.get(Jurisdiction, world["city"]).name == "示范市"  # type: ignore[union-attr]
    assert len(_admin_events(session)) == before


def test_audit_log_page_filters_and_scope(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    d1 = _auth(client, "d1_admin")
    client.patch(f"{DEPTS}/{world['empty']}", json={"name": "临时组二"}, headers=d1)
    client.patch(f"{DEPTS}/{world['empty']}", json={"name": "临时组三"}, headers=d1)
    other = _auth(client, "other_admin")
    client.patch(f"{DEPTS}/{world['foreign']}", json={"name": "市政处二"}, headers=other)
    url = "/api/v1/auth/security-events/page"

    r = client.get(url, params={"kind": "admin", "page_size": 1}, headers=d1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2 and len(body["items"]) == 1  # not the other platform's change
    newest = body["items"][0]
    assert newest["username"] == "d1_admin"
    assert newest["detail"]["changes"]["name"] == ["临时组二", "临时组三"]  # newest first
    page2 = client.get(url, params={"kind": "admin", "page_size": 1, "page": 2}, headers=d1)
    assert page2.json()["items"][0]["detail"]["changes"]["name"] == ["临时组", "临时组二"]
    # by user and by day
    logins = client.get(url, params={"kind": "login", "username": "d1_admin"}, headers=d1).json()
    assert logins["total"] >= 1 and {e["username"] for e in logins["items"]} == {"d1_admin"}
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    r = client.get(url, params={"kind": "admin", "since": str(today), "until": str(today)},
                   headers=d1)  # fmt: skip
    assert r.json()["total"] == 2
    r = client.get(url, params={"kind": "admin", "until": str(today - timedelta(days=1))},
                   headers=d1)  # fmt: skip
    assert r.json()["total"] == 0
    # the city admin reads its district's log too; bad input is a 422
    city = _auth(client, "city_admin")
    assert client.get(url, params={"kind": "admin"}, headers=city).json()["total"] == 2
    r = client.get(url, params={"since": str(today), "until": str(today - timedelta(days=1))},
                   headers=d1)  # fmt: skip
    assert r.status_code == 422
    assert client.get(url, params={"since": "yesterday"}, headers=d1).status_code == 422
    assert client.get(url, headers=_auth(client, "d1_insp")).status_code == 403
