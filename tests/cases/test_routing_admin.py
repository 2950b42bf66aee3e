"""派遣规则 over HTTP: create, change, deactivate, delete (each audited); refusals for a
department / area of another platform (404) and an unknown category (422), with nothing
stored; the tester picks the department a real case would be suggested."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from scope_world import CITY, D1, D2, make_scope_world
from urbangrid.auth.models import SecurityEvent
from urbangrid.auth.service import issue_token
from urbangrid.cases.models import RoutingRule
from urbangrid.db import session_factory
from urbangrid.org.models import Department, Jurisdiction
from urbangrid.settings import get_settings
from worldkit import add_grids, square

from .world import World, make_world


@dataclass
class Foreign:
    department_id: int
    street_id: int
    grid_id: int


@pytest.fixture
def setup(
    engine: Engine, client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, World, Foreign, dict[str, dict[str, str]]]]:
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    with session_factory(engine)() as s:
        world = make_world(s)
        other = Jurisdiction(code="330199", name="他区", timezone="Asia/Shanghai", settings={})
        s.add(other)
        s.flush()
        street, _community, grids = add_grids(
            s, other, [square(121.0, 30.0, 0.001)], street_name="他街道", community_name="他社区"
        )
        dep = Department(jurisdiction_id=other.id, code="HW", name="他区环卫所")
        s.add(dep)
        s.flush()
        foreign = Foreign(dep.id, street.id, grids[0].id)
        headers = {
            name: {"Authorization": f"Bearer {issue_token(s, user).token}"}
            for name, user in world.users.items()
        }
        s.commit()
    yield client, world, foreign, headers


def _count(engine: Engine, model: type, *where: object) -> int:
    with session_factory(engine)() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _admin_events(engine: Engine) -> int:
    return _count(engine, SecurityEvent, SecurityEvent.kind == "admin")


URL = "/api/v1/cases/routing-rules"


def test_rules_are_created_changed_and_deleted_with_an_audit_entry_each(
    setup: tuple[TestClient, World, Foreign, dict], engine: Engine
) -> None:
    client, w, _f, h = setup
    events = _admin_events(engine)
    body = {
        "department_id": w.roads.id,
        "category_id": w.category.id,
        "area_level": "grid",
        "area_id": w.grids[1].id,
        "priority": 5,
        "note": "二号网格",
    }
    r = client.post(URL, json=body, headers=h["admin"])
    assert r.status_code == 201, r.text
    rule = r.json()
    assert rule["kind"] == "matter" and rule["is_active"] is True
    assert client.post(URL, json=body, headers=h["dispatcher"]).status_code == 403

    changed = {**body, "area_level": "community", "area_id": w.community.id, "is_active": False}
    r = client.put(f"{URL}/{rule['id']}", json=changed, headers=h["admin"])
    assert r.status_code == 200, r.text
    assert r.json()["area_level"] == "community" and r.json()["is_active"] is False
    listed = client.get(URL, headers=h["dispatcher"]).json()
    assert [(x["id"], x["is_active"]) for x in listed] == [(rule["id"], False)]

    assert client.delete(f"{URL}/{rule['id']}", headers=h["admin"]).status_code == 204
    assert client.delete(f"{URL}/{rule['id']}", headers=h["admin"]).json()["code"] == (
        "rule_not_found"
    )
    assert _count(engine, RoutingRule) == 0
    assert _admin_events(engine) == events + 3
    with session_factory(engine)() as s:
        details = [
            e.detail["change"]
            for e in s.scalars(select(SecurityEvent).where(SecurityEvent.kind == "admin"))
        ]
    assert details[-3:] == ["routing rule created", "routing rule changed", "routing rule deleted"]


def test_refusals_store_nothing(
    setup: tuple[TestClient, World, Foreign, dict], engine: Engine
) -> None:
    client, w, f, h = setup
    good = {"department_id": w.sanitation.id, "category_id": w.category.id}
    rule = client.post(URL, json=good, headers=h["admin"]).json()
    events = _admin_events(engine)
    cases = [
        ({**good, "department_id": f.department_id}, 404, "department_not_found"),
        ({**good, "area_level": "street", "area_id": f.street_id}, 404, "area_not_found"),
        ({**good, "area_level": "grid", "area_id": f.grid_id}, 404, "area_not_found"),
        ({**good, "area_level": "grid", "area_id": 2**62}, 404, "area_not_found"),
        ({**good, "area_level": "grid"}, 422, "area_required"),
        ({**good, "category_id": 2**62}, 422, "unknown_category"),
        ({"department_id": w.sanitation.id, "big_code": "99"}, 422, "unknown_big_category"),
        ({**good, "big_code": "06"}, 422, "category_or_big"),
    ]
    for body, status, code in cases:
        for method, url in (("POST", URL), ("PUT", f"{URL}/{rule['id']}")):
            r = client.request(method, url, json=body, headers=h["admin"])
            assert (r.status_code, r.json()["code"]) == (status, code), (method, body, r.text)
    r = client.put(f"{URL}/{2**62}", json=good, headers=h["admin"])
    assert r.status_code == 404
    assert client.get(URL, headers=h["admin"]).json() == [rule]
    assert _admin_events(engine) == events


def test_the_tester_picks_the_most_specific_rule(
    setup: tuple[TestClient, World, Foreign, dict],
) -> None:
    client, w, f, h = setup
    trial = f"{URL}/trial"
    # no rule: the category's default department (HW)
    r = client.get(
        trial,
        params={"category_id": w.category.id, "grid_id": w.grids[0].id},
        headers=h["dispatcher"],
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["suggestion"]["department_id"] == w.sanitation.id
    assert got["suggestion"]["rule_id"] is None
    assert (got["street_id"], got["community_id"]) == (w.street.id, w.community.id)
    grid_rule = client.post(
        URL,
        json={
            "department_id": w.roads.id,
            "big_code": "06",
            "kind": "matter",
            "area_level": "grid",
            "area_id": w.grids[1].id,
        },
        headers=h["admin"],
    ).json()
    for grid, dep, rule_id in (
        (w.grids[1], w.roads, grid_rule["id"]),
        (w.grids[0], w.sanitation, None),
    ):
        r = client.get(
            trial, params={"category_id": w.category.id, "grid_id": grid.id}, headers=h["admin"]
        )
        s = r.json()["suggestion"]
        assert (s["department_id"], s["rule_id"]) == (dep.id, rule_id)
    r = client.get(
        trial, params={"category_id": w.category.id, "grid_id": f.grid_id}, headers=h["admin"]
    )
    assert r.status_code == 404 and r.json()["code"] == "area_not_found"
    r = client.get(trial, params={"category_id": 2**62}, headers=h["admin"])
    assert r.status_code == 422 and r.json()["code"] == "unknown_category"


def test_a_city_admin_writes_its_districts_rules_a_district_admin_not_the_citys(
    client: TestClient, session: Session
) -> None:
    world = make_scope_world(session)
    session.commit()
    city, d1, d2 = (world.header(f"{code}/admin") for code in (CITY, D1, D2))
    dep = world.departments[f"{D1}/SZ"]
    grid = world.grids[D1][0]
    body = {"department_id": dep.id, "area_level": "grid", "area_id": grid.id, "priority": 3}
    r = client.post(URL, json=body, headers=city)  # the department's district, no id needed
    assert r.status_code == 201, r.text
    rule = r.json()
    assert rule["jurisdiction_id"] == world.jurisdictions[D1].id
    trial = client.get(
        f"{URL}/trial",
        params={"jurisdiction_id": world.jurisdictions[D1].id, "grid_id": grid.id},
        headers=city,
    )
    assert trial.json()["suggestion"]["rule_id"] == rule["id"]
    # the district's admin edits it; the other district's admin does not see it
    r = client.put(f"{URL}/{rule['id']}", json={**body, "priority": 4}, headers=d1)
    assert r.status_code == 200 and r.json()["priority"] == 4
    r = client.put(f"{URL}/{rule['id']}", json={**body, "priority": 5}, headers=d2)
    assert r.status_code == 404 and r.json()["code"] == "rule_not_found"
    # a district admin cannot write the city's rules, nor move a rule to another platform
    if CITY in world.rules:
        r = client.put(f"{URL}/{world.rules[CITY]}", json=body, headers=d1)
        assert r.status_code == 404
    moved = {**body, "jurisdiction_id": world.jurisdictions[CITY].id}
    r = client.put(f"{URL}/{rule['id']}", json=moved, headers=city)
    assert r.status_code == 422 and r.json()["code"] == "rule_platform_fixed"
