"""/api/v1/cases and ``urbangrid cases`` end to end."""

from __future__ import annotations

import struct
import zlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from urbangrid.cases import search
from urbangrid.cases.models import Attachment, Case, CaseEvent
from urbangrid.db import session_factory
from urbangrid.settings import get_settings

from .world import World, make_world


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    raw = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_lifecycle_over_http(world_api: tuple[TestClient, World, dict], engine: Engine) -> None:
    client, w, h = world_api
    photo = client.post(
        "/api/v1/cases/photos",
        files={"file": ("a.png", _png(), "image/png")},
        headers=h["inspector"],
    )
    assert photo.status_code == 201, photo.text
    body = {
        "source": "inspector",
        "lon": w.lon,
        "lat": w.lat,
        "category_id": w.category.id,
        "description": "垃圾",
        "attachments": [photo.json()["id"]],
    }
    r = client.post("/api/v1/cases", json=body, headers=h["inspector"])
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["grid_code"] == w.grids[0].code and case["status"] == "pending_intake"
    assert [a["id"] for a in case["attachments"]] == [photo.json()["id"]]
    cid = case["id"]
    steps = [
        ("intake", "accept_report", {}),
        ("lead", "file", {}),
        ("dispatcher", "dispatch", {"department_id": w.sanitation.id}),
        ("hw", "department_accept", {}),
        ("hw", "apply_extension", {"extra": "2", "comment": "缺材料"}),
        ("dispatcher", "approve_extension", {}),
        ("hw", "feedback", {}),
        ("inspector", "check_fail", {"comment": "未清理干净"}),
        ("hw", "department_accept", {}),
        ("hw", "feedback", {}),
        ("inspector", "check_pass", {}),
        ("lead", "close", {}),
    ]
    version = case["version"]
    for who, action, extra in steps:
        r = client.post(
            f"/api/v1/cases/{cid}/{action}", json={"version": version, **extra}, headers=h[who]
        )
        assert r.status_code == 200, (action, r.text)
        version = r.json()["version"]
    final = client.get(f"/api/v1/cases/{cid}", headers=h["leader"]).json()
    assert final["status"] == "closed" and final["reworks"] == 1 and final["extensions"] == 1
    assert [e["action"] for e in final["timeline"]][:3] == ["report", "accept_report", "file"]
    assert len(final["timeline"]) == final["version"] == 13
    listed = client.get("/api/v1/cases?status=closed&page_size=5", headers=h["leader"]).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == cid


def test_refusals_over_http(world_api: tuple[TestClient, World, dict], engine: Engine) -> None:
    client, w, h = world_api
    body = {"source": "hotline", "lon": w.lon, "lat": w.lat, "description": "噪音"}
    cid = client.post("/api/v1/cases", json=body, headers=h["intake"]).json()["id"]
    # Wrong role: 403 with the actions the caller may take.
    r = client.post(
        f"/api/v1/cases/{cid}/accept_report", json={"version": 1}, headers=h["dispatcher"]
    )
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "accept_report" not in r.json()["allowed_actions"]
    # A department handler does not even see a case outside their department.
    r = client.post(f"/api/v1/cases/{cid}/accept_report", json={"version": 1}, headers=h["hw"])
    assert r.status_code == 404
    # Wrong state: 409.
    r = client.post(f"/api/v1/cases/{cid}/file", json={"version": 1}, headers=h["lead"])
    assert r.status_code == 409 and "void" in r.json()["allowed_actions"]
    # Stale version: 409, nothing changes.
    ok = client.post(f"/api/v1/cases/{cid}/accept_report", json={"version": 1}, headers=h["intake"])
    assert ok.status_code == 200
    r = client.post(
        f"/api/v1/cases/{cid}/void", json={"version": 1, "comment": "重复"}, headers=h["lead"]
    )
    assert r.status_code == 409 and r.json()["current_version"] == 2
    # Unknown category and a point outside: 422 naming the field; nothing stored.
    before = _count(engine, Case), _count(engine, CaseEvent)
    bad = {**body, "category_id": 987654}
    r = client.post("/api/v1/cases", json=bad, headers=h["intake"])
    assert r.status_code == 422 and r.json()["field"] == "category_id"
    r = client.post("/api/v1/cases", json={**body, "lon": 116.4, "lat": 39.9}, headers=h["intake"])
    assert r.status_code == 422 and r.json()["field"] == "lon/lat"
    assert (_count(engine, Case), _count(engine, CaseEvent)) == before
    # Missing reason: 422.
    r = client.post(f"/api/v1/cases/{cid}/void", json={"version": 2}, headers=h["lead"])
    assert r.status_code == 422


def test_photo_checks(
    world_api: tuple[TestClient, World, dict], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _w, h = world_api
    r = client.post(
        "/api/v1/cases/photos",
        files={"file": ("x.jpg", b"not really a jpeg", "image/jpeg")},
        headers=h["inspector"],
    )
    assert r.status_code == 415
    monkeypatch.setattr(get_settings(), "max_upload_bytes", 64)
    r = client.post(
        "/api/v1/cases/photos",
        files={"file": ("x.png", _png() + b"\0" * 100, "image/png")},
        headers=h["inspector"],
    )
    assert r.status_code == 413
    assert _count(engine, Attachment) == 0


def test_cli_report_and_act(
    world_api: tuple[TestClient, World, dict], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urbangrid.cli.main import app

    _client, w, _h = world_api
    monkeypatch.setattr(get_settings(), "database_url", db_url)
    runner = CliRunner()
    user = w.users["inspector"].username
    r = runner.invoke(
        app,
        ["cases", "create", "--as", user, "--lon", str(w.lon), "--lat", str(w.lat),
         "--category-id", str(w.category.id), "--description", "井盖缺失"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    cid = r.output.split()[0]
    r = runner.invoke(app, ["cases", "act", cid, "file", "--as", user, "--version", "1"])
    assert r.exit_code == 1 and "error" in r.output
    intake = w.users["intake"].username
    r = runner.invoke(app, ["cases", "act", cid, "accept_report", "--as", intake, "--version", "1"])
    assert r.exit_code == 0 and "version=2" in r.output
    r = runner.invoke(app, ["cases", "audit", cid])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["worker", "--once", "--job", "sla_watcher"])
    assert r.exit_code == 0 and "sla_watcher: 0 done" in r.output, r.output


def test_settings_change_the_workflow(world_api: tuple[TestClient, World, dict]) -> None:
    client, w, h = world_api
    current = client.get("/api/v1/cases/settings", headers=h["lead"]).json()
    assert current["worktime"]["office_hours"] == "08:30-12:00,13:30-17:30"
    assert current["workflow"]["skip_intake"] is False
    r = client.put("/api/v1/cases/settings", json={"workflow": {"skip_intake": True}},
                   headers=h["lead"])  # fmt: skip
    assert r.status_code == 403
    bad = {"workflow": {"skip_intake": True}, "worktime": {"office_hours": "25:00-26:00"}}
    r = client.put("/api/v1/cases/settings", json=bad, headers=h["admin"])
    assert r.status_code == 422 and r.json()["field"] == "worktime"
    assert client.get("/api/v1/cases/settings", headers=h["lead"]).json() == current
    good = {"workflow": {"skip_intake": True}, "case_number_pattern": "{district}{year}{seq:06d}"}
    r = client.put("/api/v1/cases/settings", json=good, headers=h["admin"])
    assert r.status_code == 200, r.text
    body = {"source": "inspector", "lon": w.lon, "lat": w.lat, "category_id": w.category.id}
    case = client.post("/api/v1/cases", json=body, headers=h["inspector"]).json()
    assert case["status"] == "pending_filing"  # 受理 skipped
    assert case["number"].startswith(w.jurisdiction.code)


def test_machine_channel_reports_as_the_system(engine: Engine) -> None:
    from urbangrid.cases import service
    from urbangrid.cases.workflow import Actor

    with session_factory(engine)() as s:
        w = make_world(s)
        new = service.NewCase(
            source="sensor", lon=w.lon, lat=w.lat, jurisdiction_id=w.jurisdiction.id
        )
        case = service.create_case(s, None, new, actor=Actor.system())
        assert case.reporter_id is None and case.status == "pending_intake"
        with pytest.raises(Exception, match="inspector"):
            service.create_case(
                s, None, service.NewCase(source="inspector", lon=w.lon, lat=w.lat,
                                         jurisdiction_id=w.jurisdiction.id),
                actor=Actor.system(),
            )  # fmt: skip


def test_case_list_counts_up_to_a_cap_and_pages_common_words_alike(
    world_api: tuple[TestClient, World, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list's total stops at ``COUNT_CAP`` and says so; a word with more than
    ``COMMON_TEXT_MATCHES`` matches is paged without the text index, with the same answer."""
    client, w, h = world_api
    for text in ("井盖破损", "井盖缺失", "雨水井盖松动", "路灯不亮"):
        body = {"source": "hotline", "lon": w.lon, "lat": w.lat, "description": text}
        assert client.post("/api/v1/cases", json=body, headers=h["intake"]).status_code == 201

    def listed(query: str = "") -> dict:
        r = client.get(f"/api/v1/cases?page_size=10{query}", headers=h["leader"])
        assert r.status_code == 200, r.text
        return r.json()

    everything = listed()
    assert (everything["total"], everything["total_capped"]) == (4, False)
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    capped = listed()
    assert (capped["total"], capped["total_capped"], len(capped["items"])) == (2, True, 4)
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    assert (listed()["total"], listed()["total_capped"]) == (3, True)
    monkeypatch.setattr(search, "COUNT_CAP", 4)
    assert (listed()["total"], listed()["total_capped"]) == (4, False)

    rare = listed("&q=井盖")
    monkeypatch.setattr(search, "COMMON_TEXT_MATCHES", 1)
    common = listed("&q=井盖")
    assert [c["id"] for c in common["items"]] == [c["id"] for c in rare["items"]]
    assert len(rare["items"]) == common["total"] == 3
    assert common["items"][0]["description"] == "雨水井盖松动"  # newest first


def test_caller_phone_only_for_the_roles_that_call_back(
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    """Private data: the phone registered with a case is read back by the 受理员 and the
    值班长 (答复 / 回访), by nobody else who reads the case."""
    client, w, h = world_api
    body = {
        "source": "hotline",
        "lon": w.lon,
        "lat": w.lat,
        "description": "来电：路灯不亮",
        "reporter_name": "王先生",
        "reporter_phone": "13800001234",
    }
    made = client.post("/api/v1/cases", json=body, headers=h["intake"])
    assert made.status_code == 201 and made.json()["caller_phone"] == "13800001234"
    cid = made.json()["id"]
    for who in ("intake", "lead"):
        got = client.get(f"/api/v1/cases/{cid}", headers=h[who]).json()
        assert got["caller_phone"] == "13800001234", who
    for who in ("leader", "dispatcher", "admin"):
        r = client.get(f"/api/v1/cases/{cid}", headers=h[who])
        if r.status_code == 200:
            assert r.json()["caller_phone"] is None and "13800001234" not in r.text, who
    listed = client.get("/api/v1/cases?page_size=50", headers=h["intake"])
    assert "13800001234" not in listed.text  # lists never carry it
