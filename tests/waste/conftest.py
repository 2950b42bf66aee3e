"""The test town of the waste programme: two districts, each with two grids, the departments
WY (a property company) and HW, an admin, an inspector, a dispatcher and a leader; in 329901
an estate E1 whose responsible unit is WY and its drop point P1 (open all day)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from urbangrid.auth.service import issue_token
from urbangrid.catalog.service import load_national_directory
from urbangrid.org.models import Department, Jurisdiction
from urbangrid.org.roles import Role
from worldkit import add_grids, add_matter_conditions, add_users, square


@pytest.fixture
def town(session: Session, client: TestClient) -> dict[str, dict[str, str]]:
    load_national_directory(session)
    add_matter_conditions(session, ("06041", "06042", "03005", "06010"))
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
                ("leader", Role.LEADER, None),
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
