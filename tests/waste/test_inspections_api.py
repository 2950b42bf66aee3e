"""Drop-point inspections: failed items open cases on the case engine, with the estate's
responsible unit as the dispatch suggestion; bad checklists change nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.catalog.models import Category
from urbangrid.waste.models import WasteInspection

URL = "/api/v1/waste/inspections"


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
