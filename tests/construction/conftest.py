"""The test district of the 违法建设 programme: 329901 with two grids side by side (A west,
B east, each 0.001° square), an admin, an inspector for grid A only, an inspector for B, an
enforcement-team handler (department ZF) and the national catalogue; 440199 has its own
admin (another platform). Three register records in 329901: W1 (stock, active, in A), W2
(demolished, in A) and W3 (new, active, in B)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from urbangrid.auth.service import issue_token
from urbangrid.catalog.service import load_national_directory
from urbangrid.org.models import Department, Jurisdiction
from urbangrid.org.roles import Role
from worldkit import add_grids, add_matter_conditions, add_users, square

REGISTER = "/api/v1/registers/construction.buildings"
X0, Y0 = 120.0, 30.0


def wkt_box(x0: float, y0: float, d: float) -> str:
    return f"POLYGON(({x0} {y0}, {x0 + d} {y0}, {x0 + d} {y0 + d}, {x0} {y0 + d}, {x0} {y0}))"


@pytest.fixture
def district(session: Session, client: TestClient) -> dict[str, dict[str, str]]:
    load_national_directory(session)
    add_matter_conditions(session, ["06001"], days=10, description="违法建设")
    headers: dict[str, dict[str, str]] = {}
    for code, x0 in (("329901", X0), ("440199", X0 + 1)):
        j = Jurisdiction(code=code, name=f"区{code}")
        session.add(j)
        session.flush()
        _, _, grids = add_grids(
            session,
            j,
            [square(x0, Y0, 0.001), square(x0 + 0.001, Y0, 0.001)],
            street_name="江滨街道",
            community_name="滨河社区",
        )
        dept = Department(jurisdiction_id=j.id, code="ZF", name="执法中队")
        session.add(dept)
        session.flush()
        users = add_users(session, j, [("admin", Role.ADMIN, None)])
        users |= add_users(session, j, [("inspa", Role.INSPECTOR, None)], inspector_grids=grids[:1])
        users |= add_users(session, j, [("inspb", Role.INSPECTOR, None)], inspector_grids=grids[1:])
        users |= add_users(session, j, [("zf", Role.DEPARTMENT_HANDLER, dept.id)])
        for name, user in users.items():
            headers[f"{code}/{name}"] = {
                "Authorization": f"Bearer {issue_token(session, user).token}"
            }
    session.commit()
    head = "code,name,发现来源,发现日期,新增/存量,状态,实测面积(㎡),责任单位编码,geometry\n"
    w1 = wkt_box(X0 + 0.0001, Y0 + 0.0001, 0.0002)
    w2 = wkt_box(X0 + 0.0005, Y0 + 0.0005, 0.0002)
    w3 = wkt_box(X0 + 0.0013, Y0 + 0.0003, 0.0002)
    rows = (
        head
        + f'W1,滨河路1号搭建,巡查发现,2023-05-01,存量,在查,120,ZF,"{w1}"\n'
        + f'W2,滨河路2号搭建,巡查发现,2023-06-01,存量,已拆除,80,ZF,"{w2}"\n'
        + f'W3,滨河路3号搭建,群众举报,2026-03-02,,在查,60,ZF,"{w3}"\n'
    )
    r = client.post(REGISTER + "/import", content=rows.encode(), headers=headers["329901/admin"])
    assert r.status_code == 200, r.text
    return headers
