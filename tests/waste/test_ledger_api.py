"""Weighbridge tickets, the daily ledger and the indicators computed from what is stored,
against numbers worked out by hand."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.waste.models import WeighTicket

DAY = {"start": "2026-11-02T00:00:00+08:00", "end": "2026-11-03T00:00:00+08:00"}


def registers(client: TestClient, admin: dict[str, str]) -> None:
    files = {
        "waste.facilities": "code,name,设施类型,接收类别,折算系数,无害化处理,lon,lat\n"
        "F1,焚烧厂,焚烧厂,其他垃圾,0.3,是,122.5,30.1\n"
        "F2,厨余厂,厨余处理厂,厨余垃圾,0.5,是,122.6,30.1\n"
        "F3,分拣中心,可回收物分拣中心,可回收物,,否,122.7,30.1\n",
        "waste.companies": "code,name\nC1,清运公司\n",
        "waste.vehicles": "code,name,所属企业,运输类别,终端号\nV1,沪A1,C1,其他垃圾,13900000001\n",
    }
    for register, text in files.items():
        r = client.post(
            f"/api/v1/registers/{register}/import", content=text.encode(), headers=admin
        )
        assert r.status_code == 200, r.text


TICKETS = (
    "ticket_no,facility,vehicle,category,time,gross_kg,tare_kg\n"
    "T1,F1,V1,其他垃圾,2026-11-02T07:00:00+08:00,15000,9000\n"  # 6 t other
    "T2,F2,,厨余垃圾,2026-11-02T08:00:00+08:00,5000,1000\n"  # 4 t kitchen
    "T3,F3,,可回收物,2026-11-02T09:00:00+08:00,3000,1000\n"  # 2 t recyclables
    "T4,F1,V1,其他垃圾,2026-11-03T07:00:00+08:00,9000,8000\n"  # the next day
)


def test_tickets_ledger_and_indicators_from_what_is_stored(
    client: TestClient, session: Session, town: dict[str, dict[str, str]]
) -> None:
    admin = town["329901/admin"]
    registers(client, admin)
    r = client.post("/api/v1/waste/tickets/import", content=TICKETS.encode(), headers=admin)
    assert r.status_code == 200 and r.json() == {"stored": 4}
    ledger = client.get("/api/v1/waste/ledger", params=DAY, headers=town["329901/disp"]).json()
    old = ("by_category", "by_facility", "total_t")  # the keys before by_street / by_day
    assert {k: ledger[k] for k in old} == {
        "by_category": {"可回收物": 2.0, "厨余垃圾": 4.0, "其他垃圾": 6.0},
        "by_facility": {
            "分拣中心": {"可回收物": 2.0},
            "厨余厂": {"厨余垃圾": 4.0},
            "焚烧厂": {"其他垃圾": 6.0},
        },
        "total_t": 12.0,
    }
    insp = town["329901/insp"]
    body = {"point": "P1", "bins_checked": {"其他垃圾": 4}, "bins_wrong": {"其他垃圾": 1}}
    assert client.post("/api/v1/waste/inspections", json=body, headers=insp).status_code == 201
    today = client.get(
        "/api/v1/waste/indicators",
        params={"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00"},
        headers=admin,
    )
    assert today.status_code == 200, today.text
    out = today.json()
    q = out["quantities"]
    # 清运量 6 + 4 + 1 (next day) = 11 t; 可回收物 2 t; Σ net × 折算系数 = 7 × 0.3 + 4 × 0.5 = 4.1
    assert q["collected_t"] == pytest.approx(11.0) and q["recyclables_t"] == pytest.approx(2.0)
    assert q["treated_converted_t"] == pytest.approx(4.1)
    assert q["harmless_t"] == pytest.approx(11.0) and q["generated_t"] == pytest.approx(13.0)
    assert (q["estates"], q["estates_sorting"], q["estates_compliant"]) == (1, 1, 1)
    assert (q["bins_checked"], q["bins_wrong"], q["inspections_failed"]) == (4, 1, 1)
    values = {i["name"]: i["value"] for i in out["indicators"]}
    assert values["resource_rate"] == pytest.approx((2 + 4.1) / (2 + 11) * 100)
    assert values["kitchen_separation"] == pytest.approx(4 / 11 * 100)
    assert values["drop_accuracy"] == pytest.approx(75.0)
    assert values["reduction_rate"] is None  # no baseline stored
    assert out["grade"] in {"A", "B", "C", "D", "E"}


def test_a_bad_ticket_file_stores_nothing(
    client: TestClient, session: Session, town: dict[str, dict[str, str]]
) -> None:
    admin = town["329901/admin"]
    registers(client, admin)
    assert (
        client.post(
            "/api/v1/waste/tickets/import", content=TICKETS.encode(), headers=admin
        ).status_code
        == 200
    )
    bad = (
        "ticket_no,facility,vehicle,category,time,gross_kg,tare_kg\n"
        "T9,F1,V1,其他垃圾,2026-11-04T07:00:00+08:00,9000,8000\n"
        "T1,F1,V1,其他垃圾,2026-11-04T07:00:00+08:00,9000,8000\n"
        "T10,F9,V9,塑料,2026-11-04T07:00:00,100,200\n"
    )
    r = client.post("/api/v1/waste/tickets/import", content=bad.encode(), headers=admin)
    assert r.status_code == 422
    errors = {e["line"]: e["message"] for e in r.json()["errors"]}
    assert sorted(errors) == [3, 4] and "already stored" in errors[3]
    for part in ("no facility", "no vehicle", "塑料", "no zone", "do not add up"):
        assert part in errors[4]
    assert session.scalar(select(func.count()).select_from(WeighTicket)) == 4
    assert (
        client.post(
            "/api/v1/waste/tickets/import", content=TICKETS.encode(), headers=town["329901/disp"]
        ).status_code
        == 403
    )
    r = client.get(
        "/api/v1/waste/ledger", params={**DAY, "start": "2026-11-02T00:00:00"}, headers=admin
    )
    assert r.status_code == 422
    other = client.get("/api/v1/waste/ledger", params=DAY, headers=town["440199/admin"])
    assert other.json()["total_t"] == 0
