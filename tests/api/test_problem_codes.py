"""Every refusal carries a stable ``code`` and its ``params`` (``urbangrid.kit.errors``),
and every code the server can emit has a Chinese and an English text in the web UI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from cases.world import World, make_world
from urbangrid.auth.service import issue_token
from urbangrid.db import session_factory
from urbangrid.kit import errors
from urbangrid.kit.errors import CODES, DomainError
from urbangrid.org.roles import Role
from urbangrid.web.landing import screens_for

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "frontend" / "src" / "locales"

CLASS_CODES = {
    errors.DomainError: "bad_request",
    errors.NotFound: "not_found",
    errors.Unauthorized: "unauthorized",
    errors.Forbidden: "forbidden",
    errors.Conflict: "conflict",
    errors.InvalidInput: "invalid_input",
    errors.PayloadTooLarge: "payload_too_large",
    errors.UnsupportedMediaType: "unsupported_media_type",
}


@pytest.mark.parametrize("cls", list(CLASS_CODES))
def test_each_class_has_its_code(cls: type[DomainError]) -> None:
    body = cls("some detail", field="comment").problem("/x")
    assert body["code"] == CLASS_CODES[cls]
    assert body["detail"] == "some detail"  # the English stays for API clients
    assert body["status"] == cls.status
    assert body["field"] == "comment"
    assert body["params"] == ({"field": "comment"} if cls is errors.InvalidInput else {})


def test_special_classes_have_codes_and_params() -> None:
    many = errors.TooManyRequests("slow down", retry_after=30).problem()
    assert many["code"] == "too_many_requests" and many["params"] == {"retry_after": 30}
    rejected = errors.ImportRejected("bad rows", [{"line": 2, "message": "x"}]).problem()
    assert rejected["code"] == "import_rejected" and rejected["errors"][0]["line"] == 2


def test_a_precise_code_with_params() -> None:
    exc = errors.Forbidden(
        "file (立案) needs one of the roles: shift_lead",
        code="action_role_required",
        params={"action": "file", "roles": ["shift_lead"]},
        action="file",
    )
    body = exc.problem()
    assert body["code"] == "action_role_required"
    assert body["params"] == {"action": "file", "roles": ["shift_lead"]}
    assert body["action"] == "file" and body["status"] == 403


def test_an_unknown_code_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="CODES"):
        errors.Conflict("x", code="no_such_code")


def _locale_keys(name: str) -> set[str]:
    text = (LOCALES / f"{name}.ts").read_text(encoding="utf-8")
    return set(re.findall(r'^\s*"([^"]+)":', text, flags=re.M))


def _codes_in_source() -> set[str]:
    """Codes named at raise sites (``code="..."``) and in the workflow's refusals."""
    found: set[str] = set()
    for path in (ROOT / "src" / "urbangrid").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'\bcode="([a-z_]+)"', text))
        if path.name == "workflow.py":
            found |= set(re.findall(r'ctx,\s+"([a-z_]+)"', text))
        if path.name == "problems.py":
            found |= set(re.findall(r'"code": "([a-z_]+)"', text))
            found |= set(re.findall(r'"(route_not_found|http_error)"', text))
    return found


def test_every_code_the_server_emits_is_registered() -> None:
    used = _codes_in_source()
    assert {"action_role_required", "case_not_found", "version_conflict"} <= used
    assert used - set(CODES) == set()


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_code_has_a_text_in_each_locale(locale: str) -> None:
    keys = _locale_keys(locale)
    missing = sorted(code for code in CODES if f"error.{code}" not in keys)
    assert missing == [], f"{locale}.ts lacks texts for {missing}"
    assert "error.generic" in keys  # the fallback for a code without a text


def _locale_texts(name: str) -> dict[str, str]:
    text = (LOCALES / f"{name}.ts").read_text(encoding="utf-8")
    return dict(re.findall(r'^\s*"([^"]+)":\s*"((?:[^"\\]|\\.)*)",', text, flags=re.M))


def test_each_text_uses_only_its_codes_params() -> None:
    """A text names only the params its code sends (or the status and detail every problem
    has), the same in both languages: a missing param would show as {name}."""
    zh, en = _locale_texts("zh"), _locale_texts("en")
    for code, params in CODES.items():
        allowed = set(params) | {"status", "detail", "field"}
        for table in (zh, en):
            named = set(re.findall(r"\{([a-z_]+)\}", table[f"error.{code}"]))
            assert named <= allowed, (code, named - allowed)
        zh_named = set(re.findall(r"\{([a-z_]+)\}", zh[f"error.{code}"]))
        assert zh_named == set(re.findall(r"\{([a-z_]+)\}", en[f"error.{code}"])), code


def test_intake_operator_gets_no_filing_screen() -> None:
    paths = {s.path for s in screens_for([Role.INTAKE_OPERATOR])}
    assert "/work/filing" not in paths and "/work/intake" in paths
    assert "/work/filing" in {s.path for s in screens_for([Role.SHIFT_LEAD])}


# ---------------------------------------------------------------- over HTTP


@pytest.fixture
def setup(engine: Engine, client: TestClient) -> Iterator[tuple[TestClient, World, dict]]:
    with session_factory(engine)() as s:
        world = make_world(s)
        headers = {
            name: {"Authorization": f"Bearer {issue_token(s, user).token}"}
            for name, user in world.users.items()
        }
        s.commit()
    yield client, world, headers


def _report(client: TestClient, w: World, h: dict) -> dict:
    body = {"source": "inspector", "lon": w.lon, "lat": w.lat, "category_id": w.category.id,
            "filing_condition_id": w.condition.id, "description": "垃圾"}  # fmt: skip
    r = client.post("/api/v1/cases", json=body, headers=h["inspector"])
    assert r.status_code == 201, r.text
    return r.json()


def _act(client: TestClient, h: dict, who: str, case: dict, action: str, **data: object):
    body = {"version": case["version"], "comment": "", **data}
    return client.post(f"/api/v1/cases/{case['id']}/{action}", json=body, headers=h[who])


def test_refusals_over_http_carry_codes(setup: tuple[TestClient, World, dict]) -> None:
    client, w, h = setup
    case = _report(client, w, h)
    r = _act(client, h, "intake", case, "accept_report")
    assert r.status_code == 200, r.text
    case = r.json()
    # The 受理员 may not 立案: a code, the action and the roles needed.
    r = _act(client, h, "intake", case, "file")
    assert r.status_code == 403
    body = r.json()
    assert body["code"] == "action_role_required"
    assert body["params"] == {"action": "file", "roles": ["shift_lead"]}
    assert "shift_lead" in body["detail"]  # the English detail is kept
    # A stale version.
    r = _act(client, h, "lead", {**case, "version": case["version"] - 1}, "file")
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    assert r.json()["params"]["number"] == case["number"]
    # 不予立案 without a reason.
    r = _act(client, h, "lead", case, "not_file")
    assert r.status_code == 422
    assert r.json()["code"] == "reason_required" and r.json()["params"] == {"action": "not_file"}
    # Not in this state.
    r = _act(client, h, "intake", case, "accept_report")
    assert r.status_code == 409 and r.json()["code"] == "action_not_possible"
    assert r.json()["params"] == {"action": "accept_report", "status": "pending_filing"}
    # A case that does not exist, a list not for the role, a route and a bad body.
    r = client.get("/api/v1/cases/999999", headers=h["intake"])
    assert r.json()["code"] == "case_not_found" and r.json()["params"] == {"case_id": 999999}
    r = client.get("/api/v1/web/worklists/filing", headers=h["intake"])
    assert r.status_code == 403 and r.json()["code"] == "worklist_forbidden"
    r = client.get("/api/v1/no/such/route", headers=h["intake"])
    assert r.status_code == 404 and r.json()["code"] == "route_not_found"
    r = client.post(f"/api/v1/cases/{case['id']}/file", json={}, headers=h["lead"])
    assert r.status_code == 422 and r.json()["code"] == "validation_error"
    assert r.json()["params"] == {"field": "version"}


def test_session_lists_the_actions_the_roles_may_take(
    setup: tuple[TestClient, World, dict],
) -> None:
    client, _w, h = setup
    intake = client.get("/api/v1/web/session", headers=h["intake"]).json()
    assert "accept_report" in intake["actions"] and "file" not in intake["actions"]
    assert "/work/filing" not in {s["path"] for s in intake["screens"]}
    lead = client.get("/api/v1/web/session", headers=h["lead"]).json()
    assert "file" in lead["actions"] and "dispatch" not in lead["actions"]
    hw = client.get("/api/v1/web/session", headers=h["hw"]).json()
    assert "return" in hw["actions"] and "warn" not in hw["actions"]
