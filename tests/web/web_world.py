"""A tiny district for the web query tests: three grids in a row, two departments, a user
per role (the inspector patrols the first two grids), one category with a condition.
Cases are made through the real case service, so their states and deadlines are genuine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import principal_for
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.org.models import (
    Community,
    Department,
    Grid,
    Jurisdiction,
    Street,
    User,
    UserGrid,
    UserRole,
)
from urbangrid.org.roles import Role

X0, Y0, SIZE = 119.5, 31.2, 0.001


def _square(x0: float, y0: float) -> dict[str, Any]:
    ring = [[x0, y0], [x0 + SIZE, y0], [x0 + SIZE, y0 + SIZE], [x0, y0 + SIZE], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Town:
    jurisdiction: Jurisdiction
    grids: list[Grid]
    sanitation: Department
    roads: Department
    category: Category
    condition: FilingCondition
    users: dict[str, User]

    def who(self, name: str) -> Principal:
        return principal_for(self.users[name])

    @staticmethod
    def point(grid_index: int) -> tuple[float, float]:
        """The centre of grid ``grid_index`` (0-based)."""
        return X0 + (grid_index + 0.5) * SIZE, Y0 + 0.5 * SIZE


def make_town(session: Session, code: str = "329902") -> Town:
    j = Jurisdiction(code=code, name="网页测试区", timezone="Asia/Shanghai", settings={})
    session.add(j)
    session.flush()
    street = Street(jurisdiction_id=j.id, code="001", name="东街道")
    session.add(street)
    session.flush()
    community = Community(street_id=street.id, code="001", name="东社区")
    session.add(community)
    session.flush()
    grids = [
        Grid(
            jurisdiction_id=j.id,
            community_id=community.id,
            code=f"{code}001001{i + 1:03d}",
            geometry=_square(X0 + i * SIZE, Y0),
        )
        for i in range(3)
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
    specs: list[tuple[str, Role, int | None]] = [
        ("inspector", Role.INSPECTOR, None),
        ("intake", Role.INTAKE_OPERATOR, None),
        ("lead", Role.SHIFT_LEAD, None),
        ("dispatcher", Role.DISPATCHER, None),
        ("hw", Role.DEPARTMENT_HANDLER, sanitation.id),
        ("sz", Role.DEPARTMENT_HANDLER, roads.id),
        ("leader", Role.LEADER, None),
    ]
    users: dict[str, User] = {}
    for name, role, dep in specs:
        user = User(
            username=f"{name}_{code}",
            display_name=f"{name}名",
            password_hash="x",
            jurisdiction_id=j.id,
            department_id=dep,
        )
        user.roles.append(UserRole(role=role.value))
        if role is Role.INSPECTOR:
            user.grids = [UserGrid(grid_id=g.id) for g in grids[:2]]
        session.add(user)
        users[name] = user
    session.flush()
    return Town(j, grids, sanitation, roads, category, condition, users)


def report(
    session: Session,
    town: Town,
    *,
    grid: int = 0,
    source: str = "inspector",
    now: datetime | None = None,
    by: str = "inspector",
) -> Case:
    lon, lat = town.point(grid)
    return cases.create_case(
        session,
        town.who(by if source == "inspector" else "intake"),
        cases.NewCase(
            source=source,
            lon=lon,
            lat=lat,
            description=f"测试 {source} 网格{grid + 1}",
            filing_condition_id=town.condition.id,
        ),
        now=now,
    )


def act(
    session: Session,
    town: Town,
    case: Case,
    action: str,
    by: str,
    *,
    now: datetime | None = None,
    **data: Any,
) -> Case:
    from urbangrid.cases.workflow import Action

    comment = data.pop("comment", "")
    return cases.perform_action(
        session,
        town.who(by),
        case.id,
        Action(action),
        version=case.version,
        comment=comment,
        data=data,
        now=now,
    )


def to_dispatched(session: Session, town: Town, case: Case, now: datetime | None = None) -> Case:
    """上报 → 受理 → 立案 → 派遣 (to the sanitation department)."""
    case = act(session, town, case, "accept_report", "intake", now=now)
    case = act(session, town, case, "file", "lead", now=now)
    return act(
        session, town, case, "dispatch", "dispatcher", now=now, department_id=town.sanitation.id
    )
