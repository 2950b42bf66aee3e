"""Cookie-session login / logout and the page guard, through the real app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.models import ApiToken
from urbangrid.auth.passwords import hash_password
from urbangrid.org.models import User, UserRole
from urbangrid.org.roles import Role

PASSWORD = "correct horse 42"


def add_user(session: Session, username: str, *roles: Role) -> User:
    user = User(
        username=username, display_name=f"{username} 名", password_hash=hash_password(PASSWORD)
    )
    user.roles = [UserRole(role=r.value) for r in roles]
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def dispatcher(session: Session) -> User:
    return add_user(session, "paiqian", Role.DISPATCHER)


def test_json_login_sets_session_and_csrf_cookies(client: TestClient, dispatcher: User) -> None:
    res = client.post("/login", json={"username": "paiqian", "password": PASSWORD})
    assert res.status_code == 200
    body = res.json()
    assert body["landing"] == "/work/dispatch"
    assert body["session"]["roles"] == ["dispatcher"]
    set_cookie = res.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookie if c.startswith("urbangrid_session="))
    csrf_cookie = next(c for c in set_cookie if c.startswith("urbangrid_csrf="))
    assert "httponly" in session_cookie.lower()
    assert "httponly" not in csrf_cookie.lower()  # the page script must read it
    assert "samesite=lax" in session_cookie.lower()
    # The cookie alone authenticates safe requests.
    me = client.get("/api/v1/web/session")
    assert me.status_code == 200
    assert me.json()["username"] == "paiqian"
    assert any(s["path"] == "/work/dispatch" for s in me.json()["screens"])


def test_wrong_password_is_refused_and_sets_nothing(client: TestClient, dispatcher: User) -> None:
    res = client.post("/login", json={"username": "paiqian", "password": "nope"})
    assert res.status_code == 401
    assert res.headers["content-type"].startswith("application/problem+json")
    assert "urbangrid_session" not in res.cookies
    res = client.post("/login", json={"username": "", "password": ""})
    assert res.status_code == 422
    assert client.get("/api/v1/web/session").status_code == 401


def test_form_login_redirects_to_next_or_landing(client: TestClient, dispatcher: User) -> None:
    res = client.post(
        "/login",
        data={"username": "paiqian", "password": PASSWORD, "next": "/cases/7"},
        follow_redirects=False,
    )
    assert res.status_code == 303
    assert res.headers["location"] == "/cases/7"
    client.cookies.clear()
    # A page the role may not open, or another site, falls back to the landing page.
    for nxt in ("/work/department", "//evil.example/x"):
        res = client.post(
            "/login",
            data={"username": "paiqian", "password": PASSWORD, "next": nxt},
            follow_redirects=False,
        )
        assert res.headers["location"] == "/work/dispatch"
    bad = client.post(
        "/login", data={"username": "paiqian", "password": "x"}, follow_redirects=False
    )
    assert bad.status_code == 303
    assert bad.headers["location"] == "/login?error=credentials"


def test_pages_need_a_session(client: TestClient, dispatcher: User) -> None:
    res = client.get("/work/dispatch?page=2", follow_redirects=False)
    assert res.status_code == 303
    assert res.headers["location"] == "/login?next=/work/dispatch?page=2"
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    login_page = client.get("/login")
    assert login_page.status_code in (200, 503)  # 503 explains how to build the UI
    assert "text/html" in login_page.headers["content-type"]
    client.post("/login", json={"username": "paiqian", "password": PASSWORD})
    assert client.get("/", follow_redirects=False).headers["location"] == "/work/dispatch"
    assert client.get("/work/dispatch", follow_redirects=False).status_code in (200, 503)
    # Another role's queue sends the user home instead.
    res = client.get("/work/department", follow_redirects=False)
    assert res.status_code == 303
    assert res.headers["location"] == "/work/dispatch"


def test_logout_needs_the_csrf_token_and_revokes(
    client: TestClient, dispatcher: User, session: Session
) -> None:
    client.post("/login", json={"username": "paiqian", "password": PASSWORD})
    csrf = client.cookies.get("urbangrid_csrf")
    token = client.cookies.get("urbangrid_session")
    assert csrf and token
    # A cross-site form post carries the cookies but cannot know the token.
    forged = client.post("/logout", data={"csrf_token": "guess"}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get("/api/v1/web/session").status_code == 200
    res = client.post("/logout", json={}, headers={"X-CSRF-Token": csrf})
    assert res.status_code == 204
    revoked = session.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_not(None))
    )
    assert revoked == 1
    assert "urbangrid_session" not in client.cookies
    # The old cookie value no longer works even if a client kept it.
    assert (
        client.get(
            "/api/v1/web/session", headers={"Cookie": f"urbangrid_session={token}"}
        ).status_code
        == 401
    )


def test_unsupported_body_is_a_clear_error(client: TestClient, dispatcher: User) -> None:
    res = client.post("/login", content=b"<x/>", headers={"content-type": "application/xml"})
    assert res.status_code == 415
    res = client.post("/login", content=b"{", headers={"content-type": "application/json"})
    assert res.status_code == 422
