"""A tiny district for the web query tests: three grids in a row, two departments, a user
per role (the inspector patrols the first two grids), one category with a condition.
Cases are made through the real case service, so their states and deadlines are genuine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import principal_for
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.org.models import Department, Grid, Jurisdiction, User
from urbangrid.org.roles import Role
from worldkit import add_garbage_category, add_grids, add_users, square

X0, Y0, SIZE = 119.5, 31.2, 0.001


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
    _street, _community, grids = add_grids(
        session,
        j,
        [square(X0 + i * SIZE, Y0, SIZE) for i in range(3)],
        street_name="东街道",
        community_name="东社区",
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
            ("hw", Role.DEPARTMENT_HANDLER, sanitation.id),
            ("sz", Role.DEPARTMENT_HANDLER, roads.id),
            ("leader", Role.LEADER, None),
        ],
        display_name=lambda name: f"{name}名",
        inspector_grids=grids[:2],
    )
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
