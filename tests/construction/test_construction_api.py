"""违法建设 through the API: a patch batch is matched against the register, new patches
become 核查 tasks in their grids, an illegal verdict opens a register record and a case,
and enforcement steps follow the procedure. Bad input changes nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.construction.models import EnforcementStep, Patch, PatchBatch
from urbangrid.construction.service import building_area
from urbangrid.registers.models import RegisterRecord

from .conftest import REGISTER, X0, Y0

API = "/api/v1/construction"


def box(x0: float, y0: float, d: float = 0.0002) -> dict:
    ring = [[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def batch_file(*features: tuple[str, dict], t2: str = "2026-09-01") -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": g,
                    "properties": {"图斑编号": ref, "t1": "2026-03-01", "t2": t2},
                }
                for ref, g in features
            ],
        }
    ).encode()


FIRST = batch_file(
    ("K1", box(X0 + 0.00012, Y0 + 0.0001)),  # on W1: known
    ("R1", box(X0 + 0.0005, Y0 + 0.00051)),  # on W2 (demolished): rebuilt
    ("N1", box(X0 + 0.0007, Y0 + 0.0001)),  # empty plot in grid A: new
    ("N1b", box(X0 + 0.00071, Y0 + 0.0001)),  # the same, drawn twice: duplicate
    ("NB", box(X0 + 0.0016, Y0 + 0.0006)),  # empty plot in grid B: new
    ("F1", box(X0 + 0.0001, Y0 + 0.0007)),  # grid A: a false positive
)


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(t)) or 0
        for t in (PatchBatch, Patch, RegisterRecord, Case, EnforcementStep)
    )


def imported(client: TestClient, headers: dict, name: str, data: bytes) -> dict:
    r = client.post(
        f"{API}/batches",
        params={"name": name, "source": "satellite"},
        content=data,
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_batch_matching_tasks_and_verdicts(
    client: TestClient, session: Session, district: dict[str, dict[str, str]]
) -> None:
    admin, inspa, inspb = (district[f"329901/{n}"] for n in ("admin", "inspa", "inspb"))
    out = imported(client, admin, "2026年第3批卫星图斑", FIRST)
    f = out["figures"]
    assert f["by_match"] == {"known": 1, "rebuilt": 1, "new": 3, "duplicate": 1}
    assert (f["patches"], f["tasks"], f["verified"]) == (6, 4, 0)
    patches = client.get(f"{API}/batches/{out['id']}/patches", headers=admin).json()["items"]
    by_ref = {p["ref"]: p for p in patches}
    w1 = session.scalar(select(RegisterRecord.id).where(RegisterRecord.code == "W1"))
    assert by_ref["K1"]["matched_record_id"] == w1
    assert by_ref["N1b"]["duplicate_of_id"] == by_ref["N1"]["id"]
    assert 300 < by_ref["N1"]["area_m2"] < 500  # 0.0002° × 0.0002° at 30° N ≈ 19 m × 22 m

    # 核查 tasks go to the inspector of the patch's grid.
    mine_a = client.get(f"{API}/tasks", headers=inspa).json()
    mine_b = client.get(f"{API}/tasks", headers=inspb).json()
    assert sorted(p["ref"] for p in mine_a["items"]) == ["F1", "N1", "R1"]
    assert [p["ref"] for p in mine_b["items"]] == ["NB"]
    n1 = by_ref["N1"]["id"]
    assert client.get(f"{API}/patches/{n1}", headers=inspb).status_code == 404
    assert (
        client.post(
            f"{API}/patches/{n1}/verdict", json={"verdict": "illegal"}, headers=inspb
        ).status_code
        == 404
    )

    before = counts(session)
    r = client.post(f"{API}/patches/{n1}/verdict", json={"verdict": "legal"}, headers=inspa)
    assert r.status_code == 422 and r.json()["code"] == "verdict_permit_missing"
    r = client.post(
        f"{API}/patches/{by_ref['K1']['id']}/verdict", json={"verdict": "illegal"}, headers=admin
    )
    assert r.status_code == 409 and r.json()["code"] == "patch_not_a_task"
    assert counts(session) == before

    r = client.post(
        f"{API}/patches/{n1}/verdict",
        json={
            "verdict": "illegal",
            "party": "张某",
            "structure": "彩钢板",
            "floors": 1,
            "note": "新搭棚屋",
        },
        headers=inspa,
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["verdict"] == "illegal" and done["record_id"] and done["case_id"]
    record = session.get(RegisterRecord, done["record_id"])
    assert record is not None and record.register == "construction.buildings"
    assert record.attributes["kind"] == "新增" and record.attributes["source"] == "卫星图斑"
    assert record.attributes["party"] == "张某"
    case = session.get(Case, done["case_id"])
    assert case is not None and case.subject_record_id == record.id and "N1" in case.description
    suggestion = cases.suggest_department(session, case)
    assert suggestion is None or suggestion.department_name  # no unit named on the record
    again = client.post(
        f"{API}/patches/{n1}/verdict", json={"verdict": "not_building"}, headers=inspa
    )
    assert again.status_code == 409 and again.json()["code"] == "patch_verified"
    f1 = by_ref["F1"]["id"]
    assert (
        client.post(
            f"{API}/patches/{f1}/verdict", json={"verdict": "not_building"}, headers=inspa
        ).status_code
        == 200
    )

    figures = client.get(f"{API}/batches/{out['id']}", headers=admin).json()["figures"]
    assert (figures["verified"], figures["confirmed"]) == (2, 1)
    assert figures["verified_share"] == 0.5 and figures["confirmed_share"] == 0.5
    assert figures["by_verdict"] == {"illegal": 1, "not_building": 1}
    geo = client.get(f"{API}/batches/{out['id']}/verdicts.geojson", headers=admin)
    assert geo.status_code == 200 and geo.headers["content-type"].startswith("application/geo+json")
    verdicts = {
        ft["properties"]["ref"]: ft["properties"]["verdict"] for ft in geo.json()["features"]
    }
    assert verdicts == {
        "K1": None,
        "R1": None,
        "N1": "illegal",
        "N1b": None,
        "NB": None,
        "F1": "not_building",
    }

    # A later batch that sees N1 again: a repeat of the stored patch, no second task.
    second = imported(
        client, admin, "2026年第4批", batch_file(("N1", box(X0 + 0.0007, Y0 + 0.0001)))
    )
    assert second["figures"]["by_match"] == {"known": 1}  # N1 is in the register now
    third = imported(
        client, admin, "2026年第5批", batch_file(("NBx", box(X0 + 0.00161, Y0 + 0.0006)))
    )
    assert third["figures"]["by_match"] == {"duplicate": 1}

    # Another platform sees none of it.
    other = district["440199/admin"]
    assert client.get(f"{API}/batches/{out['id']}", headers=other).status_code == 404
    assert client.get(f"{API}/patches/{n1}", headers=other).status_code == 404


def test_a_bad_batch_changes_nothing(
    client: TestClient, session: Session, district: dict[str, dict[str, str]]
) -> None:
    admin = district["329901/admin"]
    before = counts(session)
    bad = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": box(X0 + 0.0007, Y0 + 0.0001),
                    "properties": {"ref": "G1"},
                },
                {
                    "type": "Feature",
                    "geometry": box(X0 + 0.05, Y0 + 0.05),
                    "properties": {"ref": "OUT"},
                },
                {
                    "type": "Feature",
                    "geometry": box(X0 + 0.0003, Y0 + 0.0003),
                    "properties": {"ref": "D", "t1": "2026-05-01", "t2": "not a day"},
                },
            ],
        }
    ).encode()
    r = client.post(f"{API}/batches", params={"name": "坏批次"}, content=bad, headers=admin)
    assert r.status_code == 422, r.text
    lines = {e["line"]: e["message"] for e in r.json()["errors"]}
    assert sorted(lines) == [2, 3] and "not a date" in lines[3]
    r = client.post(
        f"{API}/batches",
        params={"name": "x", "filename": "a.kml"},
        content=b"<kml/>",
        headers=admin,
    )
    assert r.status_code == 422 and r.json()["code"] == "patch_file_unreadable"
    r = client.post(
        f"{API}/batches", params={"name": "x", "source": "rumour"}, content=FIRST, headers=admin
    )
    assert r.status_code == 422 and r.json()["code"] == "batch_source_invalid"
    assert counts(session) == before
    imported(client, admin, "第1批", FIRST)
    r = client.post(f"{API}/batches", params={"name": "第1批"}, content=FIRST, headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "batch_exists"
    assert (
        client.post(
            f"{API}/batches", params={"name": "y"}, content=FIRST, headers=district["329901/inspa"]
        ).status_code
        == 403
    )


def step(client: TestClient, headers: dict, code: str, **body: object) -> dict:
    r = client.post(f"{API}/records/W1/steps", json={"code": code, **body}, headers=headers)
    return {"status": r.status_code, **r.json()}


def test_enforcement_steps_follow_the_procedure(
    client: TestClient, session: Session, district: dict[str, dict[str, str]]
) -> None:
    zf = district["329901/zf"]
    view = client.get(f"{API}/records/W1/steps", headers=zf).json()
    assert view["kind"] == "stock" and view["next_due"]["code"] == "investigate"
    assert view["overdue"] is True  # found 2023-05-01, nothing done since
    assert (
        step(client, zf, "stop_order", day="2026-03-02", document_no="停1")["code"]
        == "step_not_applicable"
    )
    assert step(client, zf, "investigate", day="2026-03-02")["status"] == 201
    bad = step(client, zf, "determine", day="2026-03-01")
    assert bad["status"] == 422 and bad["code"] == "step_before_previous"
    assert bad["params"]["refusals"] == ["step_before_previous", "step_document_missing"]
    assert bad["params"]["step"] == "determine"
    assert (
        step(client, zf, "public_notice", day="2026-03-03", document_no="公1")["code"]
        == "step_out_of_order"
    )
    assert step(client, zf, "determine", day="2026-03-03", document_no="认1")["status"] == 201
    ok = step(
        client,
        zf,
        "demolition_order",
        day="2026-03-04",
        document_no="拆1",
        party_deadline="2026-03-20",
    )
    assert ok["status"] == 201 and ok["next_due"]["code"] == "reminder"
    assert ok["next_due"]["earliest"] == "2026-03-21"
    early = step(
        client, zf, "reminder", day="2026-03-20", document_no="催1", party_deadline="2026-04-01"
    )
    assert early["code"] == "step_too_early" and early["params"]["earliest"] == "2026-03-21"
    inspector = client.post(
        f"{API}/records/W1/steps",
        json={"code": "reminder", "day": "2026-03-25"},
        headers=district["329901/inspa"],
    )
    assert inspector.status_code == 403
    n = counts(session)
    too_big = step(client, zf, "self_demolition", day="2026-03-25", area_m2=500)
    assert too_big["code"] == "step_area_invalid" and counts(session) == n
    done = step(client, zf, "self_demolition", day="2026-03-25", area_m2=100)
    assert done["status"] == 201 and [p["code"] for p in done["pending"]] == ["acceptance"]
    record = session.scalar(select(RegisterRecord).where(RegisterRecord.code == "W1"))
    session.refresh(record)
    assert record is not None and record.attributes["status"] == "已拆除"
    assert (
        record.attributes["demolished_area"] == 100
        and record.attributes["demolition"] == "自行拆除"
    )
    assert (
        client.get(f"{API}/records/W1/steps", headers=district["440199/admin"]).status_code == 404
    )
    # W2 was imported as 已拆除: nothing is pending, and a step is refused
    settled = client.post(
        f"{API}/records/W2/steps", json={"code": "investigate", "day": "2026-03-02"}, headers=zf
    )
    assert settled.status_code == 422 and settled.json()["code"] == "step_record_settled"
    assert client.get(f"{API}/records/W2/steps", headers=zf).json()["pending"] == []
    procedure = client.get(f"{API}/procedure", headers=zf).json()
    assert [s["zh"] for s in procedure][:3] == ["制止", "调查", "认定"]


def test_indicators_with_drill_down_and_xlsx(
    client: TestClient, session: Session, district: dict[str, dict[str, str]]
) -> None:
    zf, admin = district["329901/zf"], district["329901/admin"]

    def take(record: str, **body: object) -> None:
        r = client.post(f"{API}/records/{record}/steps", json=body, headers=zf)
        assert r.status_code == 201, r.text

    take("W3", code="stop_order", day="2026-03-03", document_no="停2")
    take("W3", code="self_demolition", day="2026-03-10", area_m2=60)
    take("W1", code="investigate", day="2026-03-02")
    take("W1", code="self_demolition", day="2026-03-25", area_m2=100)
    period = {"start": "2026-03-01", "end": "2026-03-31"}
    rows = client.get(
        f"{API}/indicators", params={**period, "level": "street"}, headers=admin
    ).json()
    assert [r["name"] for r in rows] == ["江滨街道"]
    street = rows[0]
    # W3 (新增 after the 2024-01-01 baseline) found 03-02, stopped next day, demolished;
    # stock W1 120 m² + W2 80 m² = 200 m², of which W1 lost 100 m² in March.
    assert (street["new_found"], street["new_stopped"], street["days_to_stop_median"]) == (1, 1, 1)
    assert street["new_demolished_share"] == 1.0
    assert (street["stock"], street["stock_area_m2"], street["stock_reduced_m2"]) == (
        2,
        200.0,
        100.0,
    )
    assert street["stock_reduced_share"] == 0.5
    assert (street["demolished_self_m2"], street["demolished_forced_m2"]) == (160.0, 0.0)
    assert street["open"] == 0 and street["clean"] is False  # a new build was found in March
    whole = client.get(
        f"{API}/indicators", params={**period, "level": "district"}, headers=admin
    ).json()
    assert whole[0]["demolished_self_m2"] == street["demolished_self_m2"]
    src = client.get(
        f"{API}/indicators/sources",
        params={**period, "level": "street", "key": street["key"], "measure": "demolished_self"},
        headers=admin,
    ).json()
    assert src["kind"] == "records" and sorted(src["codes"]) == ["W1", "W3"]
    bad = client.get(
        f"{API}/indicators", params={"start": "2026-03-31", "end": "2026-03-01"}, headers=admin
    )
    assert bad.status_code == 422 and bad.json()["code"] == "period_invalid"
    bad = client.get(
        f"{API}/indicators/sources", params={**period, "measure": "vibes"}, headers=admin
    )
    assert bad.status_code == 422 and bad.json()["code"] == "measure_invalid"
    book = client.get(f"{API}/indicators", params={**period, "format": "xlsx"}, headers=admin)
    assert book.status_code == 200
    ws = load_workbook(io.BytesIO(book.content)).active
    assert ws["A2"].value == "区域" and ws["A3"].value == "江滨街道"
    header = [c.value for c in ws[2]]
    reduced = ws.cell(row=3, column=header.index("存量消减率") + 1)
    assert reduced.value == 0.5 and reduced.number_format == "0.0%"
    assert ws.cell(row=3, column=header.index("无违建") + 1).value == "否"
    ranking = client.get(f"{API}/ranking", params=period, headers=admin).json()
    # stock reduced 0.5 (weight 0.4), new builds stopped 1.0 (0.3), no patches (left out):
    # (0.4 × 0.5 + 0.3 × 1) / 0.7; one street alone is the red list, nobody the black.
    assert ranking["items"][0]["score"] == pytest.approx(0.5 / 0.7)
    assert ranking["red"] == [street["key"]] and ranking["black"] == []
    other = client.get(f"{API}/indicators", params=period, headers=district["440199/admin"]).json()
    assert other == []  # another platform: none of these records


def test_register_shapefile_round_trip_and_polygon_area(
    client: TestClient, session: Session, district: dict[str, dict[str, str]]
) -> None:
    admin = district["329901/admin"]
    shp = client.get(f"{REGISTER}/export", params={"format": "shp"}, headers=admin)
    assert shp.status_code == 200 and shp.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(shp.content)).namelist()
    assert sorted(names) == [
        f"construction_buildings.{s}" for s in ("cpg", "dbf", "prj", "shp", "shx")
    ]
    before = client.get(f"{REGISTER}/records", headers=admin).json()["items"]
    again = client.post(
        f"{REGISTER}/import", params={"format": "shp"}, content=shp.content, headers=admin
    )
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["updated"]) == (0, 3)
    after = client.get(f"{REGISTER}/records", headers=admin).json()["items"]
    # The same records; a shapefile stores rings in its own winding, so the polygons are
    # compared as shapes.
    skip = ("updated_at", "geometry")
    assert [{k: v for k, v in i.items() if k not in skip} for i in before] == [
        {k: v for k, v in i.items() if k not in skip} for i in after
    ]
    for a, b in zip(before, after, strict=True):
        assert shape(a["geometry"]).equals(shape(b["geometry"]))
    bad = client.post(
        f"{REGISTER}/import", params={"format": "shp"}, content=b"not a zip", headers=admin
    )
    assert bad.status_code == 422 and bad.json()["code"] == "shapefile_zip_invalid"
    # A record without measured or estimated area counts its polygon's, in m².
    record = session.scalar(select(RegisterRecord).where(RegisterRecord.code == "W1"))
    assert record is not None
    attrs = {
        k: v for k, v in record.attributes.items() if k not in ("area_measured", "area_estimated")
    }
    record.attributes = attrs
    assert 350 < building_area(record) < 500  # 0.0002° square at 30° N: about 19.3 m × 22.2 m
