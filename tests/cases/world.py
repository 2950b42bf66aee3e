"""A small jurisdiction for case tests: two grids, two departments, one user per role,
one category with a 4-work-hour filing condition."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import principal_for
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.org.models import Community, Department, Grid, Jurisdiction, Street, User
from urbangrid.org.roles import Role
from worldkit import add_garbage_category, add_grids, add_users, square


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
    street, community, grids = add_grids(
        session,
        j,
        [square(120.0 + i * 0.001, 30.0, 0.001) for i in range(2)],
        street_name="一街道",
        community_name="一社区",
    )
    sanitation = Department(jurisdiction_id=j.id, code="HW", name="环卫所")
    roads = Department(jurisdiction_id=j.id, code="SZ", name="市政所")
    session.add_all([sanitation, roads])
    session.flush()
    category, condition = add_garbage_category(session)
    users = add_users(
        session,
        j,
        [
            ("inspector", Role.INSPECTOR, None),
            ("intake", Role.INTAKE_OPERATOR, None),
            ("lead", Role.SHIFT_LEAD, None),
            ("dispatcher", Role.DISPATCHER, None),
            ("dispatcher2", Role.DISPATCHER, None),
            ("hw", Role.DEPARTMENT_HANDLER, sanitation.id),
            ("sz", Role.DEPARTMENT_HANDLER, roads.id),
            ("leader", Role.LEADER, None),
            ("admin", Role.ADMIN, None),
        ],
        inspector_grids=grids,  # the inspector patrols both grids (acts only there)
    )
    return World(j, street, community, grids, sanitation, roads, category, condition, users)
