"""答复 / 回访 over HTTP: the caller's details (name, phone, 需要回访) reach only the roles that
call back; replies and callbacks are recorded for those roles, refused with a precise code
for others, for a case out of sight (404) and for a bad satisfaction — nothing stored then."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from cases.world import World
from urbangrid.auth.service import issue_token
from urbangrid.db import session_factory
from urbangrid.intake.callbacks import check_callback
from urbangrid.intake.models import CallerContact, OutboxMessage
from urbangrid.kit.errors import InvalidInput
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from worldkit import add_users

PHONE = "13900007777"


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
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, w, h = world_api
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
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, w, h = world_api
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


def test_refusals_store_nothing(world_api: tuple[TestClient, World, dict], engine: Engine) -> None:
    client, w, h = world_api
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


def test_case_out_of_sight_is_404(
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    """An intake operator of another platform: the case is 404 on every caller route."""
    client, w, h = world_api
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
    for what, body in (
        ("replies", {"content": "好"}),
        ("callbacks", {"reached": False}),
        ("calls", {"channel": "hotline", "description": "同一问题"}),
    ):
        r = client.post(f"/api/v1/intake/cases/{cid}/{what}", json=body, headers=header)
        assert r.status_code == 404 and r.json()["code"] == "case_not_found", what
        assert PHONE not in r.text
    assert _stored(engine) == (0, 0)
    assert _counts(engine)[1] == 0  # no report attached


def test_satisfaction_rule() -> None:
    assert check_callback(True, "satisfied") == "satisfied"
    assert check_callback(False, None) is None
    assert check_callback(False, "  ") is None
    for reached, value in ((True, None), (True, "满意"), (False, "dissatisfied")):
        with pytest.raises(InvalidInput):
            check_callback(reached, value)


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    raw = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _counts(engine: Engine) -> tuple[int, int]:
    from urbangrid.cases.models import Case
    from urbangrid.intake.models import Report

    with session_factory(engine)() as s:
        cases = s.scalar(select(func.count(Case.id)))
        reports = s.scalar(select(func.count(Report.id)))
    return int(cases or 0), int(reports or 0)


def test_call_attached_to_an_open_case(
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    """并入: a second call about the same problem is recorded on the open case (no new
    case); the caller gets its number; a resend records it once."""
    client, w, h = world_api
    cid = _dispatched_call(client, w, h)
    number = client.get(f"/api/v1/cases/{cid}", headers=h["intake"]).json()["number"]
    photo = client.post(
        "/api/v1/cases/photos",
        files={"file": ("p.png", _png(), "image/png")},
        data={"kind": "before"},
        headers=h["intake"],
    )
    assert photo.status_code == 201, photo.text
    before = _counts(engine)
    call = {
        "channel": "other",
        "channel_note": "市长信箱",
        "description": "市长信箱：同一处垃圾满溢，已两天",
        "reporter_name": "李女士",
        "reporter_phone": "13900008888",
        "callback_wanted": True,
        "attachments": [photo.json()["id"]],
    }
    key = {"Idempotency-Key": "7f1f3c52-0000-4000-8000-000000000001"}
    r = client.post(f"/api/v1/intake/cases/{cid}/calls", json=call, headers={**h["intake"], **key})
    assert r.status_code == 201, r.text
    assert (r.json()["number"], r.json()["reports"], r.json()["replayed"]) == (number, 2, False)
    assert _counts(engine) == (before[0], before[1] + 1)  # no new case, one more report
    shown = client.get(f"/api/v1/cases/{cid}", headers=h["hw"]).json()
    assert photo.json()["id"] in [a["id"] for a in shown["attachments"]]
    again = client.post(
        f"/api/v1/intake/cases/{cid}/calls", json=call, headers={**h["intake"], **key}
    )
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert _counts(engine) == (before[0], before[1] + 1)
    caller = client.get(f"/api/v1/intake/cases/{cid}/caller", headers=h["lead"]).json()
    assert caller["reports"] == 2
    calls = [
        (c["name"], c["phone"], c["callback_wanted"], c["channel"], c["channel_note"])
        for c in caller["calls"]
    ]
    assert calls == [("李女士", "13900008888", True, "other", "市长信箱")]
    # The first caller stays the case's caller; the department never reads either.
    assert caller["phone"] == PHONE
    r = client.get(f"/api/v1/cases/{cid}", headers=h["hw"])
    assert "13900008888" not in r.text and "李女士" not in r.text
    for who in ("hw", "inspector"):
        r = client.post(f"/api/v1/intake/cases/{cid}/calls", json=call, headers=h[who])
        assert (r.status_code, r.json()["code"]) == (403, "callback_role"), who


def test_attaching_to_a_case_closed_meanwhile_is_refused(
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, w, h = world_api
    body = {"source": "hotline", "lon": w.lon, "lat": w.lat, "description": "来电：噪音"}
    made = client.post("/api/v1/cases", json=body, headers=h["intake"]).json()
    call = {"channel": "hotline", "description": "又一位市民反映噪音"}
    bad = [
        ({**call, "channel": "fax"}, 422, "invalid_input"),
        ({**call, "description": "  "}, 422, "call_text_empty"),
        ({**call, "attachments": [987654]}, 422, "invalid_input"),
    ]
    before = _counts(engine)
    for payload, status, code in bad:
        url = f"/api/v1/intake/cases/{made['id']}/calls"
        r = client.post(url, json=payload, headers=h["intake"])
        assert (r.status_code, r.json()["code"]) == (status, code), payload
    voided = client.post(
        f"/api/v1/cases/{made['id']}/void",
        json={"version": made["version"], "comment": "误报"},
        headers=h["lead"],
    )
    assert voided.status_code == 200, voided.text
    r = client.post(f"/api/v1/intake/cases/{made['id']}/calls", json=call, headers=h["intake"])
    assert r.status_code == 409 and r.json()["code"] == "case_closed_meanwhile"
    assert r.json()["params"]["number"] == made["number"]
    assert _counts(engine) == before
    r = client.post("/api/v1/intake/cases/987654/calls", json=call, headers=h["intake"])
    assert r.status_code == 404
