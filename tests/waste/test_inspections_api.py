"""Drop-point inspections: failed items open cases on the case engine, with the estate's
responsible unit as the dispatch suggestion; bad checklists change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.service import issue_token
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.service import load_national_directory
from urbangrid.org.models import Department, Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.waste.models import WasteInspection
from worldkit import add_grids, add_users, square

URL = "/api/v1/waste/inspections"


@pytest.fixture
def town(session: Session, client: TestClient) -> dict[str, dict[str, str]]:
    load_national_directory(session)
    for code in ("06041", "06042", "03005", "06010"):
        cat = session.scalar(
            select(Category).where(Category.kind == "matter", Category.code == code)
        )
        assert cat is not None
        session.add(
            FilingCondition(
                category_id=cat.id,
                seq=1,
                description="整改",
                time_limit_value=Decimal(2),
                time_limit_unit="work_day",
            )
        )
    headers = {}
    for code, x0 in (("329901", 120.0), ("440199", 121.0)):
        j = Jurisdiction(code=code, name=f"区{code}")
        session.add(j)
        session.flush()
        grids = add_grids(
            session,
            j,
            [square(x0 + i * 0.001, 30.0, 0.001) for i in range(2)],
            street_name="江滨街道",
            community_name="滨河社区",
        )[2]
        session.add_all(
            [
                Department(jurisdiction_id=j.id, code="WY", name="安居物业"),
                Department(jurisdiction_id=j.id, code="HW", name="环卫处"),
            ]
        )
        session.flush()
        users = add_users(
            session,
            j,
            [
                ("admin", Role.ADMIN, None),
                ("insp", Role.INSPECTOR, None),
                ("disp", Role.DISPATCHER, None),
            ],
            inspector_grids=grids,
        )
        for name, user in users.items():
            headers[f"{code}/{name}"] = {
                "Authorization": f"Bearer {issue_token(session, user).token}"
            }
    session.commit()
    admin = headers["329901/admin"]
    estate = (
        "code,name,开展分类,三定一督,责任单位编码,geometry\n"
        'E1,滨河一区,是,是,WY,"POLYGON((120.0002 30.0002, 120.0008 30.0002, 120.0008 30.0008, '
        '120.0002 30.0008, 120.0002 30.0002))"\n'
    )
    assert (
        client.post(
            "/api/v1/registers/waste.estates/import", content=estate.encode(), headers=admin
        ).status_code
        == 200
    )
    points = (
        "code,name,所属小区,桶类,投放时间,lon,lat\n"
        "P1,一区1号点,E1,厨余垃圾|其他垃圾,00:00-23:59,120.0005,30.0005\n"
    )
    assert (
        client.post(
            "/api/v1/registers/waste.drop_points/import", content=points.encode(), headers=admin
        ).status_code
        == 200
    )
    return headers


def counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(WasteInspection)) or 0,
        session.scalar(select(func.count()).select_from(Case)) or 0,
    )


def test_failed_items_open_cases_for_the_estates_unit(
    client: TestClient, session: Session, town: dict[str, dict[str, str]]
) -> None:
    insp = town["329901/insp"]
    body = {
        "point": "P1",
        "bins_checked": {"其他垃圾": 3, "厨余垃圾": 2},
        "bins_wrong": {"其他垃圾": 2},
        "overflow": True,
        "supervisor_present": False,
    }
    r = client.post(URL, json=body, headers=insp)
    assert r.status_code == 201, r.text
    out = r.json()
    assert not out["passed"]
    assert [(f["item"], f["matter_code"]) for f in out["failures"]] == [
        ("wrong_bins", "06041"),
        ("overflow", "06042"),
        ("supervisor_absent", "06041"),
    ]
    assert out["failures"][0]["text"] == "混投：其他垃圾2桶"
    assert all(f["case_number"] and f["rectified"] is False for f in out["failures"])
    made = session.scalars(select(Case).order_by(Case.id)).all()
    assert len(made) == 3 and {c.source for c in made} == {"inspector"}
    assert made[1].category_id == session.scalar(
        select(Category.id).where(Category.kind == "matter", Category.code == "06042")
    )
    assert "一区1号点：垃圾桶满溢" in made[1].description
    suggestion = cases.suggest_department(session, made[0])
    assert suggestion is not None and suggestion.department_name == "安居物业"
    # the list shows the inspection with its cases' progress
    listed = client.get(URL, params={"point": "P1"}, headers=insp).json()
    assert [i["id"] for i in listed] == [out["id"]]
    one = client.get(f"{URL}/{out['id']}", headers=town["329901/disp"]).json()
    assert len(one["failures"]) == 3


def test_a_clean_point_passes_and_bad_checklists_change_nothing(
    client: TestClient, session: Session, town: dict[str, dict[str, str]]
) -> None:
    insp = town["329901/insp"]
    r = client.post(
        URL,
        json={"point": "P1", "bins_checked": {"其他垃圾": 2}, "supervisor_present": True},
        headers=insp,
    )
    assert r.status_code == 201 and r.json()["passed"] and r.json()["failures"] == []
    before = counts(session)
    bad = [
        {"point": "P1", "bins_checked": {"其他垃圾": 1}, "bins_wrong": {"其他垃圾": 2}},
        {"point": "P1", "bins_checked": {"塑料": 1}},
        {"point": "P9"},
    ]
    codes = [client.post(URL, json=b, headers=insp).status_code for b in bad]
    assert codes == [422, 422, 404]
    # only inspectors record; another platform's inspector does not find the point
    assert client.post(URL, json={"point": "P1"}, headers=town["329901/disp"]).status_code == 403
    r = client.post(URL, json={"point": "P1"}, headers=town["440199/insp"])
    assert (r.status_code, r.json()["code"]) == (404, "register_record_not_found")
    assert counts(session) == before
    other = client.get(f"{URL}/{r.json().get('id', 1)}", headers=town["440199/insp"])
    assert other.status_code == 404
