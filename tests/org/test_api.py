"""API basics: health, login, tokens, problem+json errors, base data."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from urbangrid.catalog.service import load_national_directory
from urbangrid.org import service
from urbangrid.org.roles import Role


def _setup(session: Session) -> None:
    load_national_directory(session)
    j = service.upsert_jurisdiction(session, "990101", "示范区")
    service.upsert_department(session, j.id, "HW", "环卫处", kind="环卫")
    service.create_user(
        session,
        username="admin",
        display_name="管理员",
        password="Secret#123",
        roles=[Role.ADMIN],
        jurisdiction=j,
    )
    service.create_user(
        session,
        username="insp",
        display_name="监督员",
        password="Secret#123",
        roles=[Role.INSPECTOR],
        jurisdiction=j,
    )
    session.commit()


def _token(client: TestClient, username: str = "admin") -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": "Secret#123"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_health_and_docs_are_public(client: TestClient) -> None:
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200


def test_login_and_token_lifecycle(client: TestClient, session: Session) -> None:
    _setup(session)
    bad = client.post("/api/v1/auth/login", json={"username": "admin", "password": "nope"})
    assert bad.status_code == 401
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/org/departments").status_code == 401
    headers = _token(client)
    me = client.get("/api/v1/org/users/me", headers=headers).json()
    assert me["username"] == "admin" and me["roles"] == ["admin"]
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    # a revoked token no longer works
    assert client.get("/api/v1/org/users/me", headers=headers).status_code == 401


def test_role_checks(client: TestClient, session: Session) -> None:
    _setup(session)
    body = {"code": "SZ", "name": "市政处"}
    r = client.post("/api/v1/org/departments", json=body, headers=_token(client, "insp"))
    assert r.status_code == 403 and "admin" in r.json()["detail"]
    r = client.post("/api/v1/org/departments", json=body, headers=_token(client))
    assert r.status_code == 201 and r.json()["code"] == "SZ"
    codes = [
        d["code"] for d in client.get("/api/v1/org/departments", headers=_token(client)).json()
    ]
    assert codes == ["HW", "SZ"]


def test_bad_input_is_problem_json_never_500(client: TestClient, session: Session) -> None:
    _setup(session)
    headers = _token(client) | {"content-type": "application/json"}
    r = client.post("/api/v1/org/users", content=b"{not json", headers=headers)
    assert r.status_code == 400 and r.json()["title"] == "Malformed JSON"
    r = client.post("/api/v1/org/users", json={"username": 5, "roles": "x"}, headers=headers)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"username", "roles", "password", "display_name"} <= fields
    assert client.get("/api/v1/org/grids/123", headers=headers).status_code == 422
    assert client.get("/api/v1/org/grids/990101001001001", headers=headers).status_code == 404
    assert client.get("/api/v1/catalog/categories/component/99999").status_code == 404
    assert client.get("/api/v1/catalog/categories/planet/01001").status_code == 422
    r = client.get("/api/v1/no/such/path")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem")


def test_duplicate_user_is_a_conflict_and_stores_nothing(
    client: TestClient, session: Session
) -> None:
    _setup(session)
    headers = _token(client)
    body = {
        "username": "insp",
        "display_name": "x",
        "password": "Secret#123",
        "roles": ["inspector"],
    }
    assert client.post("/api/v1/org/users", json=body, headers=headers).status_code == 409
    body |= {"username": "h1", "roles": ["department_handler"], "department_code": "NOPE"}
    r = client.post("/api/v1/org/users", json=body, headers=headers)
    assert r.status_code == 404 and r.json()["field"] == "department_code"
    names = [u["username"] for u in client.get("/api/v1/org/users", headers=headers).json()]
    assert names == ["admin", "insp"]


def test_public_catalogue(client: TestClient, session: Session) -> None:
    _setup(session)
    r = client.get("/api/v1/catalog/categories", params={"q": "gsjg"})
    # 供水井盖 (component) and 供水井盖异常 (matter) both start with gsjg
    assert [(c["kind"], c["code"]) for c in r.json()] == [
        ("component", "01001"),
        ("matter", "01001"),
    ]
    tree = client.get("/api/v1/catalog/tree").json()
    assert {b["code"] for b in tree if b["kind"] == "component"} == {"01", "02", "03", "04", "05"}
    detail = client.get("/api/v1/catalog/categories/matter/06001").json()
    assert detail["name"] == "私搭乱建" and detail["conditions"] == []


def test_filing_table_upload_lists_bad_rows_and_imports_nothing(
    client: TestClient, session: Session
) -> None:
    _setup(session)
    url = "/api/v1/catalog/filing-conditions/import"
    headers = _token(client) | {"content-type": "text/csv"}
    header = "kind,code,name,filing_condition,time_limit_value,time_limit_unit,closing_condition\n"
    good_row = "component,01001,供水井盖,缺失,2,urgent_hour,恢复\n"
    bad = header + good_row + "component,01999,x,y,1,day,z\n"
    r = client.post(url, content=bad.encode(), headers=headers)
    assert r.status_code == 422
    # two problems on line 3 (unknown national code, unknown unit), the good line is not stored
    assert [e["line"] for e in r.json()["errors"]] == [3, 3]
    export = "/api/v1/catalog/filing-conditions/export.csv"
    assert client.get(export).text.count("\n") == 1  # header only

    r = client.post(url, content=(header + good_row).encode(), headers=headers)
    assert r.status_code == 200 and r.json()["conditions_created"] == 1
    # the admin's platform has it; the shared directory does not
    assert "供水井盖,0,,,缺失,2,urgent_hour_continuous" in client.get(export, headers=headers).text
    assert client.get(export).text.count("\n") == 1
    insp = _token(client, "insp") | {"content-type": "text/csv"}
    assert client.post(url, content=(header + good_row).encode(), headers=insp).status_code == 403
