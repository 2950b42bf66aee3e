"""答复 / 回访 over HTTP: the caller's details (name, phone, 需要回访) reach only the roles that
call back; replies and callbacks are recorded for those roles, refused with a precise code
for others, for a case out of sight (404) and for a bad satisfaction — nothing stored then."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from cases.world import World, make_world
from urbangrid.auth.service import issue_token
from urbangrid.db import session_factory
from urbangrid.intake.callbacks import check_callback
from urbangrid.intake.models import CallerContact, OutboxMessage
from urbangrid.kit.errors import InvalidInput
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.settings import get_settings
from worldkit import add_users

PHONE = "13900007777"


@pytest.fixture
def setup(
    engine: Engine, client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, World, dict[str, dict[str, str]]]]:
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    with session_factory(engine)() as s:
        world = make_world(s)
        headers = {
            name: {"Authorization": f"Bearer {issue_token(s, user).token}"}
            for name, user in world.users.items()
        }
        s.commit()
    yield client, world, headers


def _dispatched_call(client: TestClient, w: World, h: dict[str, dict[str, str]]) -> int:
    """A 12345 call with a caller who wants a callback, walked to the 环卫所 (so the
    department handler and the inspector read it too)."""
    body = {
        "source": "hotline",
        "lon": w.lon,
        "lat": w.lat,
        "category_id": w.category.id,
        "description": "来电：垃圾满溢",
        "reporter_name": "王先生",
        "reporter_phone": PHONE,
        "callback_wanted": True,
    }
    made = client.post("/api/v1/cases", json=body, headers=h["intake"])
    assert made.status_code == 201, made.text
    assert made.json()["callback_wanted"] is True
    case = made.json()
    steps = [
        ("intake", "accept_report", {}),
        ("inspector", "verify", {"confirmed": True}),
        ("lead", "file", {}),
        ("dispatcher", "dispatch", {"department_id": w.sanitation.id}),
    ]
    version = case["version"]
    for who, action, extra in steps:
        r = client.post(
            f"/api/v1/cases/{case['id']}/{action}",
            json={"version": version, **extra},
            headers=h[who],
        )
        assert r.status_code == 200, (action, r.text)
        version = r.json()["version"]
    return int(case["id"])


def _stored(engine: Engine) -> tuple[int, int]:
    with session_factory(engine)() as s:
        contacts = s.scalar(select(func.count(CallerContact.id)))
        messages = s.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.event_type.like("caller.%"))
        )
    return int(contacts or 0), int(messages or 0)


def test_caller_details_only_for_the_roles_that_call_back(
    setup: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, w, h = setup
    cid = _dispatched_call(client, w, h)
    for who in ("intake", "lead"):
        got = client.get(f"/api/v1/cases/{cid}", headers=h[who]).json()
        assert (got["reporter_name"], got["caller_phone"], got["callback_wanted"]) == (
            "王先生",
            PHONE,
            True,
        ), who
        caller = client.get(f"/api/v1/intake/cases/{cid}/caller", headers=h[who])
        assert caller.status_code == 200, caller.text
        assert caller.json()["phone"] == PHONE and caller.json()["callback_wanted"] is True
        assert caller.json()["reports"] == 1
    # The department handler and the inspector read the case, not its caller.
    for who in ("hw", "inspector", "dispatcher", "leader"):
        r = client.get(f"/api/v1/cases/{cid}", headers=h[who])
        assert r.status_code == 200, who
        got = r.json()
        assert got["caller_phone"] is None and got["callback_wanted"] is None, who
        assert got["reporter_name"] is None, who
        assert PHONE not in r.text and "王先生" not in r.text, who
        refused = client.get(f"/api/v1/intake/cases/{cid}/caller", headers=h[who])
        assert refused.status_code == 403 and refused.json()["code"] == "callback_role", who
        assert PHONE not in refused.text


def test_reply_and_callback_are_recorded(
    setup: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, w, h = setup
    cid = _dispatched_call(client, w, h)
    r = client.post(
        f"/api/v1/intake/cases/{cid}/replies",
        json={"content": "已转环卫所处理，三日内办结"},
        headers=h["intake"],
    )
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "reply" and r.json()["user_id"] == w.users["intake"].id
    r = client.post(
        f"/api/v1/intake/cases/{cid}/callbacks",
        json={"reached": False, "note": "无人接听"},
        headers=h["lead"],
    )
    assert r.status_code == 201, r.text
    assert (r.json()["reached"], r.json()["satisfaction"]) == (False, None)
    r = client.post(
        f"/api/v1/intake/cases/{cid}/callbacks",
        json={"reached": True, "satisfaction": "basically", "note": "希望再快些"},
        headers=h["intake"],
    )
    assert r.status_code == 201, r.text
    caller = client.get(f"/api/v1/intake/cases/{cid}/caller", headers=h["lead"]).json()
    assert [(c["kind"], c["reached"], c["satisfaction"]) for c in caller["contacts"]] == [
        ("reply", None, None),
        ("callback", False, None),
        ("callback", True, "basically"),
    ]
    assert caller["contacts"][0]["content"] == "已转环卫所处理，三日内办结"
    assert caller["contacts"][0]["user_name"] == w.users["intake"].display_name
    assert _stored(engine) == (3, 3)  # one row and one outbox message each
    with session_factory(engine)() as s:
        payloads: list[dict[str, Any]] = [
            m.payload
            for m in s.scalars(
                select(OutboxMessage).where(OutboxMessage.event_type.like("caller.%"))
            )
        ]
    assert PHONE not in str(payloads) and "王先生" not in str(payloads)
    # The case itself did not move.
    assert client.get(f"/api/v1/cases/{cid}", headers=h["lead"]).json()["status"] == "dispatched"


def test_refusals_store_nothing(setup: tuple[TestClient, World, dict], engine: Engine) -> None:
    client, w, h = setup
    cid = _dispatched_call(client, w, h)
    good = {"reached": True, "satisfaction": "satisfied"}
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("hw", "callbacks", good, 403, "callback_role"),
        ("inspector", "replies", {"content": "好"}, 403, "callback_role"),
        ("dispatcher", "callbacks", good, 403, "callback_role"),
        ("intake", "callbacks", {"reached": True, "satisfaction": "很好"}, 422, "bad_satisfaction"),
        ("intake", "callbacks", {"reached": True}, 422, "bad_satisfaction"),
        (
            "intake",
            "callbacks",
            {"reached": False, "satisfaction": "satisfied"},
            422,
            "satisfaction_unreached",
        ),
        ("intake", "replies", {"content": "   "}, 422, "reply_empty"),
    ]
    for who, what, body, status, code in cases:
        r = client.post(f"/api/v1/intake/cases/{cid}/{what}", json=body, headers=h[who])
        assert (r.status_code, r.json().get("code")) == (status, code), (who, what, body, r.text)
    # A case that does not exist answers 404 like any case out of sight.
    r = client.post("/api/v1/intake/cases/987654/callbacks", json=good, headers=h["intake"])
    assert r.status_code == 404 and r.json()["code"] == "case_not_found"
    assert _stored(engine) == (0, 0)


def test_case_out_of_sight_is_404(setup: tuple[TestClient, World, dict], engine: Engine) -> None:
    """An intake operator of another platform: the case is 404 on every caller route."""
    client, w, h = setup
    cid = _dispatched_call(client, w, h)
    with session_factory(engine)() as s:
        elsewhere = Jurisdiction(code="330103", name="邻区", timezone="Asia/Shanghai", settings={})
        s.add(elsewhere)
        s.flush()
        user = add_users(s, elsewhere, [("intake", Role.INTAKE_OPERATOR, None)])["intake"]
        header = {"Authorization": f"Bearer {issue_token(s, user).token}"}
        s.commit()
    r = client.get(f"/api/v1/intake/cases/{cid}/caller", headers=header)
    assert r.status_code == 404 and r.json()["code"] == "case_not_found"
    for what, body in (("replies", {"content": "好"}), ("callbacks", {"reached": False})):
        r = client.post(f"/api/v1/intake/cases/{cid}/{what}", json=body, headers=header)
        assert r.status_code == 404 and PHONE not in r.text
    assert _stored(engine) == (0, 0)


def test_satisfaction_rule() -> None:
    assert check_callback(True, "satisfied") == "satisfied"
    assert check_callback(False, None) is None
    assert check_callback(False, "  ") is None
    for reached, value in ((True, None), (True, "满意"), (False, "dissatisfied")):
        with pytest.raises(InvalidInput):
            check_callback(reached, value)
