"""/api/v1/evaluation over the hand-built month."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from urbangrid.auth.service import issue_token
from urbangrid.db import session_factory
from urbangrid.evaluation.store import save_facts
from urbangrid.org.models import Community, Department, Grid, Jurisdiction, Street, User, UserRole
from urbangrid.org.roles import Role

from .month_fixture import G1, G2, G3, G4, G5, october

API = "/api/v1/evaluation"


@pytest.fixture
def world(engine: Engine, client: TestClient) -> tuple[TestClient, dict[str, dict[str, str]]]:
    with session_factory(engine)() as s:
        j = Jurisdiction(code="321202", name="海陵区")
        s.add(j)
        s.flush()
        streets = {c: Street(jurisdiction_id=j.id, code=c, name=f"街道{c}") for c in ("001", "002")}
        s.add_all(streets.values())
        s.flush()
        comms = {}
        for sc, cc in (("001", "001"), ("001", "002"), ("002", "001")):
            comms[sc + cc] = Community(street_id=streets[sc].id, code=cc, name=f"社区{sc}{cc}")
        s.add_all(comms.values())
        s.flush()
        for code, cls in ((G1, 1), (G2, 2), (G3, 2), (G4, 2), (G5, 2)):
            s.add(
                Grid(
                    jurisdiction_id=j.id,
                    community_id=comms[code[6:12]].id,
                    code=code,
                    area_class=cls,
                )
            )
        for i in range(1, 5):  # ids 1..4 as in the fixture
            s.add(Department(id=i, jurisdiction_id=j.id, code=f"D{i}", name=f"部门{i}"))
        headers = {}
        for uid, role in (
            (101, Role.INSPECTOR),
            (102, Role.INSPECTOR),
            (201, Role.INTAKE_OPERATOR),
            (202, Role.INTAKE_OPERATOR),
            (301, Role.SHIFT_LEAD),
            (302, Role.SHIFT_LEAD),
            (401, Role.DISPATCHER),
            (402, Role.DISPATCHER),
            (900, Role.LEADER),
        ):
            u = User(id=uid, username=f"u{uid}", display_name=f"用户{uid}", password_hash="x")
            u.roles.append(UserRole(role=role.value))
            s.add(u)
        s.flush()
        for uid in (101, 900, 301):
            headers[str(uid)] = {
                "Authorization": f"Bearer {issue_token(s, s.get(User, uid)).token}"
            }
        s.commit()
    with engine.begin() as conn:
        save_facts(conn, october())
    return client, headers


def test_departments_ranked_with_scores(world) -> None:
    client, h = world
    r = client.get(f"{API}/departments", params={"month": "2026-10"}, headers=h["900"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == "2026-10"
    items = {i["key"]: i for i in body["items"]}
    assert [i["key"] for i in body["items"]] == ["2", "1", "3", "4"]
    d1 = items["1"]
    assert (d1["name"], d1["grade"], d1["rank"], d1["score"]) == ("部门1", "B", 2, 76.67)
    assert d1["counts"]["due"] == 9 and d1["rates"]["rework_rate"] == round(1 / 9, 6)
    assert items["4"]["score"] is None and items["4"]["counts"]["dispatched"] == 0
    # September had only case 24 (D1 scored 70)
    assert d1["previous_score"] == 70 and d1["score_change"] == 6.67


def test_areas_positions_and_one_object(world) -> None:
    client, h = world
    grids = client.get(f"{API}/grids", params={"month": "2026-10"}, headers=h["900"]).json()
    by = {i["key"]: i for i in grids["items"]}
    assert by[G1]["grade"] == "B" and by[G2]["grade"] == "C" and by[G5]["grade"] is None
    assert by[G1]["band_scores"]["filed_score"] == 40  # class 1 grid
    street = client.get(f"{API}/streets/321202001", params={"month": "2026-10"}, headers=h["900"])
    assert street.status_code == 200 and street.json()["counts"]["filed"] == 21
    assert street.json()["name"] == "街道001"
    insp = client.get(f"{API}/inspectors/102", params={"month": "2026-10"}, headers=h["301"])
    assert insp.json()["score"] == 46 and insp.json()["grade"] == "D"


def test_drill_down_rankings_citizen_alerts(world) -> None:
    client, h = world
    q = {"month": "2026-10", "count": "overdue_open"}
    r = client.get(f"{API}/departments/1/cases", params=q, headers=h["900"])
    assert [i["id"] for i in r.json()["items"]] == [6, 9] and r.json()["total"] == 2
    r = client.get(
        f"{API}/shift-leads/302/cases",
        params={"month": "2026-10", "count": "closed", "page_size": 5, "page": 2},
        headers=h["900"],
    )
    assert r.json()["total"] == 20
    assert [i["id"] for i in r.json()["items"]] == [10, 11, 12, 13, 18]
    lists = client.get(
        f"{API}/rankings/departments", params={"month": "2026-10", "n": 1}, headers=h["900"]
    )
    assert [i["key"] for i in lists.json()["red"]] == ["2"]
    # department 3 has a score but fewer than 5 cases: not ranked, so two are ranked, and
    # of two the second is not "the worst" of anything (no black list)
    assert lists.json()["min_cases"] == 5 and lists.json()["black"] == []
    table = client.get(f"{API}/departments", params={"month": "2026-10"}, headers=h["900"])
    d3 = next(i for i in table.json()["items"] if i["key"] == "3")
    assert d3["score"] is not None and d3["volume"] < 5
    assert (d3["ranked"], d3["rank"]) == (False, None)
    cit = client.get(f"{API}/citizen", params={"month": "2026-10"}, headers=h["900"]).json()
    assert cit["citizen_cases"] == 5 and cit["satisfaction_rate"] == 0.75
    alerts = client.get(
        f"{API}/alerts", params={"month": "2026-10", "times": 3, "within_days": 7}, headers=h["900"]
    )
    assert alerts.status_code == 200 and "Poisson" in alerts.json()["rule"]
    week = client.get(
        f"{API}/dispatchers", params={"from": "2026-10-01", "to": "2026-10-07"}, headers=h["900"]
    )
    assert week.status_code == 200 and week.json()["period"] == "2026-10-01..2026-10-07"


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/departments", {"month": "2026-13"}, 422),
        ("/planets", {"month": "2026-10"}, 422),
        ("/departments", {"from": "2026-10-05"}, 422),
        ("/departments", {"from": "2026-10-05", "to": "2026-10-01"}, 422),
        ("/departments/1/cases", {"month": "2026-10", "count": "bogus"}, 404),
        ("/departments/77", {"month": "2026-10"}, 404),
    ],
)
def test_bad_requests_are_problems(world, path, params, status) -> None:
    client, h = world
    r = client.get(API + path, params=params, headers=h["900"])
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_inspectors_may_not_read_evaluations(world) -> None:
    client, h = world
    assert client.get(f"{API}/departments", headers=h["101"]).status_code == 403
    assert client.get(f"{API}/departments").status_code == 401
