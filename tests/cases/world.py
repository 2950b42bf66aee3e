"""A small jurisdiction for case tests: two grids, two departments, one user per role,
one category with a 4-work-hour filing condition."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import principal_for
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.org.models import (
    Community,
    Department,
    Grid,
    Jurisdiction,
    Street,
    User,
    UserRole,
)
from urbangrid.org.roles import Role


def _square(x0: float, y0: float, size: float) -> dict[str, object]:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class World:
    jurisdiction: Jurisdiction
    street: Street
    community: Community
    grids: list[Grid]
    sanitation: Department
    roads: Department
    category: Category
    condition: FilingCondition
    users: dict[str, User]

    def principal(self, name: str) -> Principal:
        return principal_for(self.users[name])

    # A point inside the first grid.
    lon: float = 120.0005
    lat: float = 30.0005


def make_world(session: Session, *, code: str = "330102", settings: dict | None = None) -> World:
    j = Jurisdiction(code=code, name="测试区", timezone="Asia/Shanghai", settings=settings or {})
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
            geometry=_square(120.0 + (i - 1) * 0.001, 30.0, 0.001),
        )
        for i in (1, 2)
    ]
    session.add_all(grids)
    sanitation = Department(jurisdiction_id=j.id, code="HW", name="环卫所")
    roads = Department(jurisdiction_id=j.id, code="SZ", name="市政所")
    session.add_all([sanitation, roads])
    session.flush()
    category = Category(
        kind="matter",
        code="06001",
        big_code="06",
        big_name="市容环境类",
        name="暴露垃圾",
        default_department_code="HW",
    )
    session.add(category)
    session.flush()
    condition = FilingCondition(
        category_id=category.id,
        seq=1,
        description="公共场所未入容器的生活垃圾",
        time_limit_value=Decimal(4),
        time_limit_unit="work_hour",
        closing_condition="清理",
    )
    session.add(condition)
    session.flush()
    users: dict[str, User] = {}
    specs = [
        ("inspector", Role.INSPECTOR, None),
        ("intake", Role.INTAKE_OPERATOR, None),
        ("lead", Role.SHIFT_LEAD, None),
        ("dispatcher", Role.DISPATCHER, None),
        ("dispatcher2", Role.DISPATCHER, None),
        ("hw", Role.DEPARTMENT_HANDLER, sanitation.id),
        ("sz", Role.DEPARTMENT_HANDLER, roads.id),
        ("leader", Role.LEADER, None),
        ("admin", Role.ADMIN, None),
    ]
    for name, role, dep in specs:
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
    return World(j, street, community, grids, sanitation, roads, category, condition, users)
