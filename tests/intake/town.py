"""A small jurisdiction for intake tests: a 2 × 1 km box split into two grids, a
department, the national directory with one filing condition, staff users and keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import principal_for
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.service import load_national_directory
from urbangrid.intake.keys import create_key
from urbangrid.org.models import Department, Grid, Jurisdiction, User
from urbangrid.org.roles import Role
from worldkit import add_garbage_condition, add_grids, add_users, square


@dataclass
class Town:
    jurisdiction: Jurisdiction
    grids: list[Grid]
    sanitation: Department
    category: Category  # 06001-like matter with one active filing condition
    condition: FilingCondition
    other: Category  # a matter of another 大类
    users: dict[str, User]
    open311_key: str
    hotline_key: str

    def principal(self, name: str) -> Principal:
        return principal_for(self.users[name])

    # A point in the first grid.
    lon: float = 120.004
    lat: float = 30.004


def build_town(session: Session, code: str = "339901") -> Town:
    load_national_directory(session)
    j = Jurisdiction(
        code=code,
        name="测试镇",
        timezone="Asia/Shanghai",
        source_crs="wgs84",
        geometry=square(120.0, 30.0, 0.02, 0.01),
        settings={},
    )
    session.add(j)
    session.flush()
    _street, _community, grids = add_grids(
        session,
        j,
        [square(120.0 + i * 0.01, 30.0, 0.01) for i in range(2)],
        street_name="一街道",
        community_name="一社区",
    )
    sanitation = Department(jurisdiction_id=j.id, code="HW", name="环卫所")
    session.add(sanitation)
    session.flush()
    category = session.scalars(
        select(Category).where(Category.kind == "matter", Category.big_code == "06")
    ).first()
    other = session.scalars(
        select(Category).where(Category.kind == "matter", Category.big_code == "01")
    ).first()
    assert category is not None and other is not None
    category.default_department_code = "HW"
    condition = add_garbage_condition(
        session, category, time_limit_raw="4工作时", closing_condition="清理干净"
    )
    users = add_users(
        session,
        j,
        [
            ("intake", Role.INTAKE_OPERATOR, None),
            ("lead", Role.SHIFT_LEAD, None),
            ("inspector", Role.INSPECTOR, None),
            ("dispatcher", Role.DISPATCHER, None),
            ("hw", Role.DEPARTMENT_HANDLER, sanitation.id),
            ("admin", Role.ADMIN, None),
        ],
    )
    _, open311_key = create_key(session, "test app")
    _, hotline_key = create_key(session, "12345", channel="hotline")
    session.flush()
    return Town(j, grids, sanitation, category, condition, other, users, open311_key, hotline_key)
