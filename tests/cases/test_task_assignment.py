"""Task assignment over HTTP: the grid's inspector, the shift lead's pool (待派发), 派发 and
reassigning with the case version, 请假; bad input changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from urbangrid.auth.service import issue_token
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.db import session_factory
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.settings import get_settings
from worldkit import add_users

from .world import World, make_world

Setup = tuple[TestClient, World, dict[str, dict[str, str]], dict[str, int]]


@pytest.fixture
def setup(
    engine: Engine, client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Setup]:
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    with session_factory(engine)() as s:
        world = make_world(s)
        # A second inspector without grids, and another platform with its own inspector.
        extra = add_users(s, world.jurisdiction, [("roamer", Role.INSPECTOR, None)])
        other = Jurisdiction(code="330106", name="别区", timezone="Asia/Shanghai", settings={})
        s.add(other)
        s.flush()
        foreign = add_users(
            s, other, [("foreign", Role.INSPECTOR, None), ("flead", Role.SHIFT_LEAD, None)]
        )
        users = {**world.users, **extra, **foreign}
        headers = {
            name: {"Authorization": f"Bearer {issue_token(s, user).token}"}
            for name, user in users.items()
        }
        ids = {name: user.id for name, user in users.items()}
        s.commit()
    yield client, world, headers, ids


def _task(client: TestClient, w: World, h: dict[str, dict[str, str]], grid: int = 0) -> int:
    """A hotline report, accepted: a 核实 task in grid ``grid``."""
    lon = w.lon + grid * 0.001
    body = {"source": "hotline", "lon": lon, "lat": w.lat, "description": "占道经营"}
    r = client.post("/api/v1/cases", json=body, headers=h["intake"])
    assert r.status_code == 201, r.text
    cid = int(r.json()["id"])
    r = client.post(f"/api/v1/cases/{cid}/accept_report", json={"version": 1}, headers=h["intake"])
    assert r.status_code == 200 and r.json()["status"] == "pending_verify", r.text
    return cid


def _ids(client: TestClient, queue: str, headers: dict[str, str]) -> list[int]:
    r = client.get(f"/api/v1/web/worklists/{queue}", headers=headers)
    assert r.status_code == 200, r.text
    return [row["id"] for row in r.json()["items"]]


def _case(client: TestClient, cid: int, headers: dict[str, str]) -> dict[str, Any]:
    r = client.get(f"/api/v1/cases/{cid}", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_pool_dispatch_and_reassign(setup: Setup) -> None:
    client, w, h, ids = setup
    cid = _task(client, w, h)
    # The grid's inspector has it; the pool is empty.
    assert cid in _ids(client, "checks", h["inspector"])
    assert cid not in _ids(client, "pool", h["lead"])
    assert cid not in _ids(client, "checks", h["roamer"])
    # 请假: the shift lead sets the grid's inspector on leave → the task is in the pool.
    r = client.put(
        f"/api/v1/org/users/{ids['inspector']}/on-leave",
        json={"on_leave": True},
        headers=h["lead"],
    )
    assert r.status_code == 200 and r.json()["on_leave"] is True, r.text
    assert _ids(client, "pool", h["lead"]) == [cid]
    assert _ids(client, "pool", h["admin"]) == [cid]
    assert cid not in _ids(client, "pool", h["flead"])  # another platform's shift lead
    # Only the shift lead's list: an intake operator or inspector may not open it.
    assert client.get("/api/v1/web/worklists/pool", headers=h["inspector"]).status_code == 403
    # 派发 to the roaming inspector.
    version = _case(client, cid, h["lead"])["version"]
    r = client.post(
        f"/api/v1/cases/{cid}/assign_inspector",
        json={"version": version, "inspector_id": ids["roamer"]},
        headers=h["lead"],
    )
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["task_inspector_id"] == ids["roamer"] and detail["version"] == version + 1
    assert detail["timeline"][-1]["action"] == "assign_inspector"
    assert detail["timeline"][-1]["data"]["inspector_id"] == ids["roamer"]
    assert cid not in _ids(client, "pool", h["lead"])
    assert _ids(client, "checks", h["roamer"]) == [cid]  # 我的任务
    # Back from leave: the grid's inspector no longer holds a task sent to another.
    r = client.put(
        f"/api/v1/org/users/{ids['inspector']}/on-leave",
        json={"on_leave": False},
        headers=h["admin"],
    )
    assert r.status_code == 200 and r.json()["on_leave"] is False
    assert cid not in _ids(client, "checks", h["inspector"])
    r = client.post(
        f"/api/v1/cases/{cid}/verify", json={"version": version + 1}, headers=h["inspector"]
    )
    assert r.status_code == 403 and "another inspector" in r.json()["detail"]
    # Reassign (改派) to the grid's inspector, who then verifies.
    r = client.post(
        f"/api/v1/cases/{cid}/assign_inspector",
        json={"version": version + 1, "inspector_id": ids["inspector"]},
        headers=h["lead"],
    )
    assert r.status_code == 200 and r.json()["task_inspector_id"] == ids["inspector"]
    assert cid not in _ids(client, "checks", h["roamer"])
    r = client.post(
        f"/api/v1/cases/{cid}/verify", json={"version": version + 2}, headers=h["inspector"]
    )
    assert r.status_code == 200 and r.json()["task_inspector_id"] is None, r.text


def test_a_grid_without_inspector_pools_its_tasks(setup: Setup, engine: Engine) -> None:
    client, w, h, ids = setup
    with session_factory(engine)() as s:  # the inspector patrols only the first grid now
        from urbangrid.org.models import User, UserGrid

        user = s.get(User, ids["inspector"])
        assert user is not None
        user.grids = [UserGrid(grid_id=w.grids[0].id)]
        s.commit()
    covered, bare = _task(client, w, h, 0), _task(client, w, h, 1)
    assert _ids(client, "pool", h["lead"]) == [bare]
    assert _ids(client, "checks", h["inspector"]) == [covered]


def _counts(engine: Engine) -> tuple[int, int]:
    with session_factory(engine)() as s:
        return (
            int(s.scalar(select(func.sum(Case.version))) or 0),
            int(s.scalar(select(func.count()).select_from(CaseEvent)) or 0),
        )


def test_bad_assignments_change_nothing(setup: Setup, engine: Engine) -> None:
    client, w, h, ids = setup
    cid = _task(client, w, h)
    version = _case(client, cid, h["lead"])["version"]
    before = _counts(engine)
    client.put(
        f"/api/v1/org/users/{ids['roamer']}/on-leave", json={"on_leave": True}, headers=h["lead"]
    )
    cases = [
        ({"inspector_id": ids["dispatcher"]}, 422, "not an inspector"),
        ({"inspector_id": ids["foreign"]}, 422, f"no user {ids['foreign']} on this platform"),
        ({"inspector_id": 999_999}, 422, "no user 999999"),
        ({"inspector_id": ids["roamer"]}, 422, "on leave"),
        ({"inspector_id": "x"}, 422, None),
    ]
    for data, status, words in cases:
        r = client.post(
            f"/api/v1/cases/{cid}/assign_inspector",
            json={"version": version, **data},
            headers=h["lead"],
        )
        assert r.status_code == status, (data, r.text)
        if words:
            assert words in r.json()["detail"], r.text
    # A stale version: 409, whoever the inspector.
    r = client.post(
        f"/api/v1/cases/{cid}/assign_inspector",
        json={"version": version - 1, "inspector_id": ids["inspector"]},
        headers=h["lead"],
    )
    assert r.status_code == 409 and "reload" in r.json()["detail"]
    # A role that may not 派发: 403; an inspector of another platform does not see the case.
    r = client.post(
        f"/api/v1/cases/{cid}/assign_inspector",
        json={"version": version, "inspector_id": ids["inspector"]},
        headers=h["hw"],
    )
    assert r.status_code in (403, 404)
    r = client.post(
        f"/api/v1/cases/{cid}/assign_inspector",
        json={"version": version, "inspector_id": ids["inspector"]},
        headers=h["flead"],
    )
    assert r.status_code == 404
    assert _counts(engine) == before


def test_on_leave_rights(setup: Setup) -> None:
    client, _w, h, ids = setup
    body = {"on_leave": True}
    url = "/api/v1/org/users/{}/on-leave"
    # Another platform's user is 404 for a shift lead and an admin alike.
    assert client.put(url.format(ids["foreign"]), json=body, headers=h["lead"]).status_code == 404
    assert client.put(url.format(ids["foreign"]), json=body, headers=h["admin"]).status_code == 404
    assert client.put(url.format(999_999), json=body, headers=h["lead"]).status_code == 404
    # Roles other than admin and shift lead: 403.
    for who in ("inspector", "dispatcher", "intake"):
        r = client.put(url.format(ids["roamer"]), json=body, headers=h[who])
        assert r.status_code == 403, who
    r = client.put(url.format(ids["roamer"]), json={"on_leave": "maybe"}, headers=h["lead"])
    assert r.status_code == 422
    r = client.get("/api/v1/org/inspectors", headers=h["lead"])
    assert {u["username"]: u["on_leave"] for u in r.json()}["roamer_330102"] is False
