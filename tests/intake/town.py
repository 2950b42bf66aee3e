"""A small jurisdiction for intake tests: a 2 × 1 km box split into two grids, two
departments, the national directory with one filing condition, staff users and keys."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import principal_for
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.service import load_national_directory
from urbangrid.intake.keys import create_key
from urbangrid.org.models import Community, Department, Grid, Jurisdiction, Street, User, UserRole
from urbangrid.org.roles import Role


def square(x0: float, y0: float, w: float, h: float) -> dict[str, object]:
    ring = [[x0, y0], [x0 + w, y0], [x0 + w, y0 + h], [x0, y0 + h], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


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
    street = Street(jurisdiction_id=j.id, code="001", name="一街道")
    session.add(street)
    session.flush()
    community = Community(street_id=street.id, code="001", name="一社区")
    session.add(community)
    session.flush()
    grids = [
        Grid(
            jurisdiction_id=j.id,
            community_id=community.id,
            code=f"{code}001001{i:03d}",
            geometry=square(120.0 + (i - 1) * 0.01, 30.0, 0.01, 0.01),
        )
        for i in (1, 2)
    ]
    session.add_all(grids)
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
    condition = FilingCondition(
        category_id=category.id,
        seq=1,
        description="公共场所未入容器的生活垃圾",
        time_limit_value=Decimal(4),
        time_limit_unit="work_hour",
        time_limit_raw="4工作时",
        closing_condition="清理干净",
    )
    session.add(condition)
    users: dict[str, User] = {}
    for name, role, dep in (
        ("intake", Role.INTAKE_OPERATOR, None),
        ("lead", Role.SHIFT_LEAD, None),
        ("inspector", Role.INSPECTOR, None),
        ("dispatcher", Role.DISPATCHER, None),
        ("hw", Role.DEPARTMENT_HANDLER, sanitation.id),
        ("admin", Role.ADMIN, None),
    ):
        user = User(
            username=f"{name}_{code}",
            display_name=name,
            password_hash="x",
            jurisdiction_id=j.id,
            department_id=dep,
        )
        user.roles.append(UserRole(role=role.value))
        session.add(user)
        users[name] = user
    session.flush()
    _, open311_key = create_key(session, "test app")
    _, hotline_key = create_key(session, "12345", channel="hotline")
    session.flush()
    return Town(j, grids, sanitation, category, condition, other, users, open311_key, hotline_key)
