"""用户管理 and passwords: an admin lists, creates, disables / enables users of its subtree,
sets their roles, resets a password and unlocks an account; every user changes its own
password. Each refusal is checked to have changed nothing."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from urbangrid.auth.models import SecurityEvent
from urbangrid.auth.service import principal_for
from urbangrid.kit.errors import Conflict
from urbangrid.org import service
from urbangrid.org.models import Jurisdiction, User
from urbangrid.org.roles import Role

PASSWORD = "Secret#123"
API = "/api/v1/org/users"


@pytest.fixture
def world(session: Session) -> dict[str, int]:
    city = service.upsert_jurisdiction(session, "990100", "示范市")
    district = service.upsert_jurisdiction(session, "990101", "示范区")
    service.set_parent_jurisdiction(session, district, city)
    other = service.upsert_jurisdiction(session, "990200", "别的市")
    service.upsert_department(session, district.id, "HW", "环卫处")
    service.upsert_department(session, other.id, "SZ", "市政处")
    ids: dict[str, int] = {}
    for name, roles, j in (
        ("city_admin", [Role.ADMIN], city),
        ("d1_admin", [Role.ADMIN], district),
        ("d1_insp", [Role.INSPECTOR], district),
        ("other_admin", [Role.ADMIN], other),
        ("other_insp", [Role.INSPECTOR], other),
    ):
        user = service.create_user(
            session,
            username=name,
            display_name=name,
            password=PASSWORD,
            roles=roles,
            jurisdiction=j,
        )
        ids[name] = user.id
    session.commit()
    return ids


def _login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/login", json={"username": name, "password": password})


def _auth(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    r = _login(client, name, password)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _user(session: Session, user_id: int) -> User:
    session.expire_all()
    user = session.get(User, user_id)
    assert user is not None
    return user


def test_an_admin_lists_the_users_of_its_subtree(client: TestClient, world: dict[str, int]) -> None:
    names = [u["username"] for u in client.get(API, headers=_auth(client, "city_admin")).json()]
    assert names == ["city_admin", "d1_admin", "d1_insp"]
    names = [u["username"] for u in client.get(API, headers=_auth(client, "d1_admin")).json()]
    assert names == ["d1_admin", "d1_insp"]
    r = client.get(API, headers=_auth(client, "d1_insp"))
    assert r.status_code == 403


def test_create_a_user_with_roles_and_the_refusals(
    client: TestClient, world: dict[str, int], session: Session
) -> None:
    h = _auth(client, "city_admin")
    body = {
        "username": "hw1",
        "display_name": "环卫员",
        "password": "Handler#2026",
        "roles": ["department_handler"],
        "department_code": "HW",
        "jurisdiction": "990101",
    }
    # a department of another platform is unknown here; a weak password is refused
    for change, status, code in (
        ({"department_code": "SZ"}, 404, "not_found"),
        ({"jurisdiction": "990200"}, 404, "not_found"),
        ({"department_code": None}, 422, "invalid_input"),
        ({"password": "abcdefgh"}, 422, "weak_password"),
        ({"password": "Ab#1"}, 422, "weak_password"),
        ({"password": "hw1hw1hw1!"}, 422, "weak_password"),
        ({"username": "d1_insp"}, 409, "user_exists"),
    ):
        r = client.post(API, json=body | change, headers=h)
        assert r.status_code == status, (change, r.text)
        assert r.json()["code"] == code
    assert session.scalar(select(User).where(User.username == "hw1")) is None
    r = client.post(API, json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["roles"] == ["department_handler"] and r.json()["is_active"]
    assert _login(client, "hw1", "Handler#2026").status_code == 200
    # the district admin cannot create one for the city above it
    r = client.post(
        API,
        json=body | {"username": "hw2", "jurisdiction": "990100"},
        headers=_auth(client, "d1_admin"),
    )
    assert r.status_code == 404


def test_disable_and_enable(client: TestClient, world: dict[str, int], session: Session) -> None:
    h = _auth(client, "d1_admin")
    insp = _auth(client, "d1_insp")
    uid = world["d1_insp"]
    r = client.put(f"{API}/{uid}/active", json={"active": False}, headers=h)
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert client.get(f"{API}/me", headers=insp).status_code == 401  # its token ended
    assert _login(client, "d1_insp").status_code == 401
    r = client.put(f"{API}/{uid}/active", json={"active": True}, headers=h)
    assert r.status_code == 200 and r.json()["is_active"] is True
    assert _login(client, "d1_insp").status_code == 200
    # another platform's user, or one above: 404, nothing changed
    for other in ("other_insp", "city_admin"):
        r = client.put(f"{API}/{world[other]}/active", json={"active": False}, headers=h)
        assert r.status_code == 404
        assert _user(session, world[other]).is_active
    r = client.put(f"{API}/999999/active", json={"active": False}, headers=h)
    assert r.status_code == 404


def test_the_last_active_admin_of_a_platform_stays(
    client: TestClient, world: dict[str, int], session: Session
) -> None:
    h = _auth(client, "city_admin")
    uid = world["d1_admin"]
    r = client.put(f"{API}/{uid}/active", json={"active": False}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "last_admin"
    assert r.json()["params"] == {"jurisdiction": "990101"}
    r = client.put(f"{API}/{uid}/roles", json={"roles": ["inspector"]}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "last_admin"
    r = client.put(f"{API}/{world['city_admin']}/active", json={"active": False}, headers=h)
    assert r.status_code == 409
    user = _user(session, uid)
    assert user.is_active and user.role_names == ["admin"]
    assert _user(session, world["city_admin"]).is_active
    # with a second admin on the platform, the first may go
    r = client.put(f"{API}/{world['d1_insp']}/roles", json={"roles": ["admin"]}, headers=h)
    assert r.status_code == 200 and r.json()["roles"] == ["admin"]
    r = client.put(f"{API}/{uid}/active", json={"active": False}, headers=h)
    assert r.status_code == 200 and r.json()["is_active"] is False


def test_set_roles_keeps_to_the_users_platform(
    client: TestClient, world: dict[str, int], session: Session
) -> None:
    h = _auth(client, "city_admin")
    uid = world["d1_insp"]
    body = {"roles": ["department_handler"], "department_code": "SZ"}  # another platform's
    assert client.put(f"{API}/{uid}/roles", json=body, headers=h).status_code == 404
    body = {"roles": ["department_handler"]}  # a handler needs a department
    assert client.put(f"{API}/{uid}/roles", json=body, headers=h).status_code == 422
    body = {"roles": ["not_a_role"]}
    assert client.put(f"{API}/{uid}/roles", json=body, headers=h).status_code == 422
    user = _user(session, uid)
    assert user.role_names == ["inspector"] and user.department_id is None
    body = {"roles": ["department_handler", "inspector"], "department_code": "HW"}
    r = client.put(f"{API}/{uid}/roles", json=body, headers=h)
    assert r.status_code == 200 and r.json()["roles"] == ["department_handler", "inspector"]
    r = client.put(f"{API}/{world['other_insp']}/roles", json=body, headers=h)
    assert r.status_code == 404


def test_reset_a_password(client: TestClient, world: dict[str, int], session: Session) -> None:
    h = _auth(client, "d1_admin")
    insp = _auth(client, "d1_insp")
    uid = world["d1_insp"]
    r = client.post(f"{API}/{uid}/password", json={"password": "12345678"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "weak_password"
    assert client.get(f"{API}/me", headers=insp).status_code == 200  # nothing changed
    r = client.post(
        f"{API}/{world['other_insp']}/password", json={"password": "New#pass99"}, headers=h
    )
    assert r.status_code == 404
    assert _login(client, "other_insp").status_code == 200
    r = client.post(f"{API}/{uid}/password", json={"password": "New#pass99"}, headers=h)
    assert r.status_code == 204, r.text
    assert client.get(f"{API}/me", headers=insp).status_code == 401  # its sessions ended
    assert _login(client, "d1_insp").status_code == 401
    assert _login(client, "d1_insp", "New#pass99").status_code == 200


def test_unlock_a_locked_account(
    client: TestClient, world: dict[str, int], session: Session
) -> None:
    for _ in range(10):
        assert _login(client, "d1_insp", "wrong").status_code == 401
    assert _login(client, "d1_insp").status_code == 429
    h = _auth(client, "d1_admin")
    listed = {u["username"]: u["locked"] for u in client.get(API, headers=h).json()}
    assert listed == {"d1_admin": False, "d1_insp": True}
    other = _auth(client, "other_admin")
    assert client.post(f"{API}/{world['d1_insp']}/unlock", headers=other).status_code == 404
    assert _login(client, "d1_insp").status_code == 429
    assert client.post(f"{API}/{world['d1_insp']}/unlock", headers=h).status_code == 204
    assert _login(client, "d1_insp").status_code == 200


def test_change_your_own_password(
    client: TestClient, world: dict[str, int], session: Session
) -> None:
    this = _auth(client, "d1_insp")
    elsewhere = _auth(client, "d1_insp")
    url = "/api/v1/auth/password"
    for body, code in (
        ({"current_password": "wrong#pass1", "new_password": "New#pass99"}, "wrong_password"),
        ({"current_password": PASSWORD, "new_password": "newpassword"}, "weak_password"),
        ({"current_password": PASSWORD, "new_password": "d1_insp#2026"}, "weak_password"),
        ({"current_password": PASSWORD, "new_password": PASSWORD}, "weak_password"),
    ):
        r = client.post(url, json=body, headers=this)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert client.get(f"{API}/me", headers=elsewhere).status_code == 200  # nothing changed
    assert client.post(url, json={"current_password": PASSWORD}, headers=this).status_code == 422
    assert (
        client.post(url, json={"current_password": PASSWORD, "new_password": "x"}).status_code
        == 401
    )
    body = {"current_password": PASSWORD, "new_password": "New#pass99"}
    assert client.post(url, json=body, headers=this).status_code == 204
    assert client.get(f"{API}/me", headers=this).status_code == 200  # this session stays
    assert client.get(f"{API}/me", headers=elsewhere).status_code == 401  # the others end
    assert _login(client, "d1_insp").status_code == 401
    assert _login(client, "d1_insp", "New#pass99").status_code == 200


def test_every_change_is_in_the_security_log(
    client: TestClient, world: dict[str, int], session: Session
) -> None:
    h = _auth(client, "d1_admin")
    uid = world["d1_insp"]
    client.put(f"{API}/{uid}/active", json={"active": False}, headers=h)
    client.put(f"{API}/{uid}/active", json={"active": True}, headers=h)
    client.put(f"{API}/{uid}/roles", json={"roles": ["inspector", "leader"]}, headers=h)
    client.post(f"{API}/{uid}/password", json={"password": "New#pass99"}, headers=h)
    client.post(f"{API}/{uid}/unlock", headers=h)
    insp = _auth(client, "d1_insp", "New#pass99")
    wrong = {"current_password": "nope", "new_password": "Other#pass1"}
    client.post("/api/v1/auth/password", json=wrong, headers=insp)
    right = {"current_password": "New#pass99", "new_password": "Other#pass1"}
    client.post("/api/v1/auth/password", json=right, headers=insp)
    session.expire_all()
    changes = [
        (e.kind, e.detail.get("change"))
        for e in session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))
        if e.kind in ("admin", "unlock", "password")
    ]
    assert changes == [
        ("admin", "user disabled"),
        ("admin", "user enabled"),
        ("admin", "roles"),
        ("admin", "password reset"),
        ("unlock", None),
        ("password", "own password refused"),
        ("password", "own password"),
    ]
    log = client.get("/api/v1/auth/security-events", headers=h).json()
    assert any(e["detail"].get("change") == "password reset" for e in log)


def test_guessing_the_current_password_locks_the_account(
    client: TestClient, world: dict[str, int]
) -> None:
    h = _auth(client, "d1_insp")
    wrong = {"current_password": "Guess#0000", "new_password": "New#pass99"}
    for _ in range(10):
        assert client.post("/api/v1/auth/password", json=wrong, headers=h).status_code == 422
    right = {"current_password": PASSWORD, "new_password": "New#pass99"}
    r = client.post("/api/v1/auth/password", json=right, headers=h)
    assert r.status_code == 429
    assert _login(client, "d1_insp").status_code == 429  # the login is locked too
    admin = _auth(client, "d1_admin")
    assert client.post(f"{API}/{world['d1_insp']}/unlock", headers=admin).status_code == 204
    assert client.post("/api/v1/auth/password", json=right, headers=h).status_code == 204


def test_the_screens_user_admin_for_admins_password_for_everyone() -> None:
    from urbangrid.web.landing import may_open, screens_for

    # One 管理 entry in the menu: the hub links to 用户管理 and the other sections.
    admin_paths = [s.path for s in screens_for([Role.ADMIN])]
    assert "/admin" in admin_paths
    assert not [p for p in admin_paths if p.startswith("/admin/")]
    assert may_open([Role.ADMIN], "/admin/users")
    for role in Role:
        if role is Role.ADMIN:
            continue
        assert "/admin" not in [s.path for s in screens_for([role])]
        assert not may_open([role], "/admin/users")
        assert not may_open([role], "/admin")
        assert may_open([role], "/password")


def test_two_admins_disabling_each_other_at_once_leave_one(
    engine: Engine, world: dict[str, int]
) -> None:
    """Each removal counts the other admins; run at the same moment, the second must count
    after the first is committed, so one admin stays (PostgreSQL: a lock per platform)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time")
    factory = sessionmaker(engine)
    with factory() as s:
        second = service.create_user(
            s,
            username="d1_admin2",
            display_name="d1_admin2",
            password=PASSWORD,
            roles=[Role.ADMIN],
            jurisdiction=s.get(Jurisdiction, s.get(User, world["d1_admin"]).jurisdiction_id),
        )
        s.commit()
        ids = (world["d1_admin"], second.id)
    principals = {}
    with factory() as s:
        for uid in ids:
            principals[uid] = principal_for(s.get(User, uid))
    barrier = threading.Barrier(2)
    results: dict[int, str] = {}

    def disable_the_other(me: int, other: int) -> None:
        with factory() as s:
            s.execute(text("SELECT 1"))  # both transactions open before either writes
            barrier.wait()
            try:
                service.set_active(s, principals[me], other, False)
                time.sleep(0.3)  # hold the change a moment, uncommitted
                s.commit()
                results[me] = "done"
            except Conflict as exc:
                s.rollback()
                results[me] = exc.code

    threads = [
        threading.Thread(target=disable_the_other, args=(ids[0], ids[1])),
        threading.Thread(target=disable_the_other, args=(ids[1], ids[0])),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    assert sorted(results.values()) == ["done", "last_admin"], results
    with factory() as s:
        active = [uid for uid in ids if s.get(User, uid).is_active]
    assert len(active) == 1
