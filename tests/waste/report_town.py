"""A month (November 2026) of the waste test town worked out by hand: two streets, three
estates, two companies, five weigh tickets, four inspections and their cases.

329901 gets a second street 002 临江街道 (community 001 临江社区, one grid east of the first
street's two). Registers:

- estates E1 滨河一区 (street 001, sorts, 三定一督), E2 滨河二区 (001, sorts, no 三定一督),
  E3 临江小区 (002, does not sort);
- drop points P1 (E1, hours, no supervisor), P2 (E2, hours and supervisor 王), P3 (E3);
- companies C1, C2; vehicles V1 (C1, 其他垃圾, service street 001), V2 (C1, 厨余垃圾, service
  street given by name 江滨街道), V3 (C2, 其他垃圾, 002), V4 (C2, 可回收物, no service street);
- facilities F1 焚烧厂 (其他垃圾, 折算系数 0.3, 无害化), F2 厨余厂 (0.5, 无害化), F3 分拣中心.

Tickets (net): T1 V1→F1 其他 6 t; T2 V2→F2 厨余 4 t; T3 V3→F1 其他 5 t; T4 V4→F3 可回收物
2 t; T5 (no vehicle)→F2 厨余 1 t.

Inspections (moved to 10 November 10:00 local): I1 at P1 4 其他 bins, 1 wrong (case c1,
closed on time); I2 at P2 5 厨余 bins, overflowing (case c2, closed overdue); I3 at P2 5 厨余
+ 5 其他 bins, 2 其他 wrong (case c3, open); I4 at P3 2 bins, none wrong (passes).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.cases.models import Case
from urbangrid.org.models import Community, Grid, Jurisdiction, Street
from urbangrid.waste.models import WasteInspection
from worldkit import square

NOVEMBER = {"start": "2026-11-01T00:00:00+08:00", "end": "2026-12-01T00:00:00+08:00"}
INSPECTED = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # 10:00 Beijing

REGISTERS = {
    "waste.estates": (
        "code,name,开展分类,三定一督,责任单位编码,geometry\n"
        'E2,滨河二区,是,否,WY,"POLYGON((120.0012 30.0002, 120.0018 30.0002, 120.0018 30.0008, '
        '120.0012 30.0008, 120.0012 30.0002))"\n'
        'E3,临江小区,否,否,WY,"POLYGON((120.0022 30.0002, 120.0028 30.0002, 120.0028 30.0008, '
        '120.0022 30.0008, 120.0022 30.0002))"\n'
    ),
    "waste.drop_points": (
        "code,name,所属小区,桶类,投放时间,督导员,lon,lat\n"
        "P2,二区1号点,E2,厨余垃圾|其他垃圾,00:00-23:59,王,120.0015,30.0005\n"
        "P3,临江1号点,E3,其他垃圾,,,120.0025,30.0005\n"
    ),
    "waste.facilities": (
        "code,name,设施类型,接收类别,折算系数,无害化处理,lon,lat\n"
        "F1,焚烧厂,焚烧厂,其他垃圾,0.3,是,122.5,30.1\n"
        "F2,厨余厂,厨余处理厂,厨余垃圾,0.5,是,122.6,30.1\n"
        "F3,分拣中心,可回收物分拣中心,可回收物,,否,122.7,30.1\n"
    ),
    "waste.companies": "code,name\nC1,城东清运\nC2,城西清运\n",
    "waste.vehicles": (
        "code,name,所属企业,运输类别,服务街道\n"
        "V1,浙A001,C1,其他垃圾,001\n"
        "V2,浙A002,C1,厨余垃圾,江滨街道\n"
        "V3,浙A003,C2,其他垃圾,002\n"
        "V4,浙A004,C2,可回收物,\n"
    ),
}

TICKETS = (
    "ticket_no,facility,vehicle,category,time,gross_kg,tare_kg\n"
    "T1,F1,V1,其他垃圾,2026-11-02T07:00:00+08:00,15000,9000\n"
    "T2,F2,V2,厨余垃圾,2026-11-02T08:00:00+08:00,9000,5000\n"
    "T3,F1,V3,其他垃圾,2026-11-03T07:00:00+08:00,14000,9000\n"
    "T4,F3,V4,可回收物,2026-11-03T09:00:00+08:00,5000,3000\n"
    "T5,F2,,厨余垃圾,2026-11-04T09:00:00+08:00,3000,2000\n"
)

INSPECTIONS = (
    {"point": "P1", "bins_checked": {"其他垃圾": 4}, "bins_wrong": {"其他垃圾": 1}},
    {"point": "P2", "bins_checked": {"厨余垃圾": 5}, "overflow": True},
    {
        "point": "P2",
        "bins_checked": {"厨余垃圾": 5, "其他垃圾": 5},
        "bins_wrong": {"其他垃圾": 2},
    },
    {"point": "P3", "bins_checked": {"其他垃圾": 2}},
)


def second_street(session: Session, code: str = "329901") -> None:
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    assert j is not None
    street = Street(jurisdiction_id=j.id, code="002", name="临江街道")
    session.add(street)
    session.flush()
    community = Community(street_id=street.id, code="001", name="临江社区")
    session.add(community)
    session.flush()
    session.add(
        Grid(
            jurisdiction_id=j.id,
            community_id=community.id,
            code=f"{code}002001001",
            geometry=square(120.002, 30.0, 0.001),
        )
    )
    session.commit()


def build_month(client: TestClient, session: Session, town: dict[str, dict[str, str]]) -> None:
    second_street(session)
    admin = town["329901/admin"]
    for register, text in REGISTERS.items():
        r = client.post(
            f"/api/v1/registers/{register}/import", content=text.encode(), headers=admin
        )
        assert r.status_code == 200, r.text
    r = client.post("/api/v1/waste/tickets/import", content=TICKETS.encode(), headers=admin)
    assert r.status_code == 200, r.text
    ids = []
    for body in INSPECTIONS:
        r = client.post("/api/v1/waste/inspections", json=body, headers=town["329901/insp"])
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    rows = {i.id: i for i in session.scalars(select(WasteInspection))}
    for iid in ids:
        rows[iid].inspected_at = INSPECTED
    c1, c2 = (rows[ids[n]].failures[0]["case_id"] for n in (0, 1))
    for cid, overdue in ((c1, False), (c2, True)):
        case = session.get(Case, cid)
        assert case is not None
        case.closed_at = INSPECTED
        case.handled_overdue = overdue
    session.commit()
