"""Bad chain data changes nothing: weigh tickets whose net exceeds the gross or that name an
unknown vehicle, drop points with a collection day that is not a weekday. (Unknown estates,
points outside the grids, repeated codes and bad categories: tests/registers; impossible
fixes: tests/fleet/test_positions_api.py.)"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.registers.models import RegisterRecord
from urbangrid.waste.models import WeighTicket

IMPORT = "/api/v1/registers/{}/import"


def test_tickets_with_net_above_gross_or_an_unknown_vehicle_are_refused(
    client: TestClient, session: Session, town: dict[str, dict[str, str]]
) -> None:
    admin = town["329901/admin"]
    files = {
        "waste.facilities": "code,name,设施类型,接收类别,lon,lat\n"
        "F1,焚烧厂,焚烧厂,其他垃圾,122.5,30.1\n",
        "waste.companies": "code,name\nC1,清运公司\n",
        "waste.vehicles": "code,name,所属企业,运输类别,终端号\nV1,沪A1,C1,其他垃圾,13900000001\n",
    }
    for register, text in files.items():
        assert client.post(IMPORT.format(register), content=text.encode(), headers=admin).is_success
    bad = (
        "ticket_no,facility,vehicle,category,time,gross_kg,tare_kg,net_kg\n"
        "K1,F1,V1,其他垃圾,2026-11-02T07:00:00+08:00,9000,8000,1000\n"  # fine
        "K2,F1,V1,其他垃圾,2026-11-02T08:00:00+08:00,9000,8000,9500\n"  # net > gross
        "K3,F1,V7,其他垃圾,2026-11-02T09:00:00+08:00,9000,8000,1000\n"  # no such vehicle
    )
    r = client.post("/api/v1/waste/tickets/import", content=bad.encode(), headers=admin)
    assert (r.status_code, r.json()["code"]) == (422, "import_rejected")
    errors = {e["line"]: e["message"] for e in r.json()["errors"]}
    assert sorted(errors) == [3, 4]
    assert "do not add up" in errors[3] and "no vehicle 'V7'" in errors[4]
    codes = {e["line"]: e["codes"] for e in r.json()["errors"]}
    assert codes == {3: ["ticket_weights_inconsistent"], 4: ["unknown_vehicle"]}
    assert session.scalar(select(func.count()).select_from(WeighTicket)) == 0


def test_a_collection_day_that_is_no_weekday_refuses_the_file(
    client: TestClient, session: Session, town: dict[str, dict[str, str]]
) -> None:
    admin = town["329901/admin"]
    before = session.scalar(select(func.count()).select_from(RegisterRecord))
    points = (
        "code,name,所属小区,桶类,可回收物收运日,lon,lat\n"
        "P2,二号点,E1,其他垃圾|可回收物,周一|周四,120.0004,30.0005\n"
        "P3,三号点,E1,其他垃圾|可回收物,周八,120.0006,30.0005\n"
    )
    r = client.post(IMPORT.format("waste.drop_points"), content=points.encode(), headers=admin)
    assert r.status_code == 422
    assert [e["line"] for e in r.json()["errors"]] == [3]
    assert "周八" in r.json()["errors"][0]["message"]
    assert session.scalar(select(func.count()).select_from(RegisterRecord)) == before


def test_a_register_file_with_bad_lines_lists_each_with_its_codes(
    client: TestClient, session: Session, town: dict[str, dict[str, str]]
) -> None:
    admin = town["329901/admin"]
    before = session.scalar(select(func.count()).select_from(RegisterRecord))
    points = (
        "code,name,所属小区,桶类,lon,lat\n"
        "P2,二号点,E1,其他垃圾,120.0004,30.0005\n"  # fine
        "P3,三号点,E9,其他垃圾,120.0006,30.0005\n"  # no estate E9
        "P4,四号点,E1,其他垃圾,125.0,30.0005\n"  # outside the grids
        "P2,重复点,E1,其他垃圾,120.0007,30.0005\n"  # code of line 2 again
        "P5,五号点,E1,塑料,120.0003,30.0005\n"  # not a waste category
    )
    r = client.post(IMPORT.format("waste.drop_points"), content=points.encode(), headers=admin)
    assert (r.status_code, r.json()["code"]) == (422, "import_rejected")
    codes = {e["line"]: e["codes"] for e in r.json()["errors"]}
    assert codes == {
        3: ["register_unknown_reference"],
        4: ["register_outside_grids"],
        5: ["register_duplicate_code"],
        6: ["register_bad_choice"],
    }
    assert session.scalar(select(func.count()).select_from(RegisterRecord)) == before
