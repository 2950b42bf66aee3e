"""Building blocks shared by the small test jurisdictions (``cases/world.py``,
``web/web_world.py``, ``intake/town.py``): each keeps its own shape, these add the parts
they have in common."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.org.models import Community, Grid, Jurisdiction, Street, User, UserGrid, UserRole
from urbangrid.org.roles import Role

# (name, role, department id or None)
UserSpec = tuple[str, Role, int | None]


def square(x0: float, y0: float, width: float, height: float | None = None) -> dict[str, Any]:
    """A GeoJSON rectangle with its south-west corner at (x0, y0)."""
    h = width if height is None else height
    ring = [[x0, y0], [x0 + width, y0], [x0 + width, y0 + h], [x0, y0 + h], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def add_grids(
    session: Session,
    jurisdiction: Jurisdiction,
    geometries: Sequence[dict[str, Any]],
    *,
    street_name: str,
    community_name: str,
) -> tuple[Street, Community, list[Grid]]:
    """Street 001, community 001 and one unit grid per geometry, coded 001, 002 …"""
    street = Street(jurisdiction_id=jurisdiction.id, code="001", name=street_name)
    session.add(street)
    session.flush()
    community = Community(street_id=street.id, code="001", name=community_name)
    session.add(community)
    session.flush()
    grids = [
        Grid(
            jurisdiction_id=jurisdiction.id,
            community_id=community.id,
            code=f"{jurisdiction.code}001001{i:03d}",
            geometry=geometry,
        )
        for i, geometry in enumerate(geometries, start=1)
    ]
    session.add_all(grids)
    session.flush()
    return street, community, grids


def add_garbage_category(session: Session) -> tuple[Category, FilingCondition]:
    """暴露垃圾 (06001), handled by the department coded HW, with one filing condition of
    4 work hours."""
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
    return category, add_garbage_condition(session, category)


def add_garbage_condition(session: Session, category: Category, **extra: Any) -> FilingCondition:
    condition = FilingCondition(
        category_id=category.id,
        seq=1,
        description="公共场所未入容器的生活垃圾",
        time_limit_value=Decimal(4),
        time_limit_unit="work_hour",
        closing_condition=extra.pop("closing_condition", "清理"),
        **extra,
    )
    session.add(condition)
    session.flush()
    return condition


def add_matter_conditions(
    session: Session,
    codes: Iterable[str],
    *,
    days: int = 2,
    description: str = "整改",
    seq: int = 1,
) -> None:
    """A filing condition of ``days`` work days on each national matter in ``codes`` (the
    national directory must be loaded): what a programme's cases need to be 立案."""
    for code in sorted(set(codes)):
        category = session.scalar(
            select(Category).where(Category.kind == "matter", Category.code == code)
        )
        assert category is not None, code
        session.add(
            FilingCondition(
                category_id=category.id,
                seq=seq,
                description=description,
                time_limit_value=Decimal(days),
                time_limit_unit="work_day",
            )
        )
    session.flush()


def add_users(
    session: Session,
    jurisdiction: Jurisdiction,
    specs: Iterable[UserSpec],
    *,
    display_name: Callable[[str], str] = lambda name: name,
    inspector_grids: Sequence[Grid] = (),
) -> dict[str, User]:
    """One user per spec, named ``<name>_<jurisdiction code>``; inspectors patrol
    ``inspector_grids``."""
    users: dict[str, User] = {}
    for name, role, department_id in specs:
        user = User(
            username=f"{name}_{jurisdiction.code}",
            display_name=display_name(name),
            password_hash="x",
            jurisdiction_id=jurisdiction.id,
            department_id=department_id,
        )
        user.roles.append(UserRole(role=role.value))
        if role is Role.INSPECTOR and inspector_grids:
            user.grids = [UserGrid(grid_id=g.id) for g in inspector_grids]
        session.add(user)
        users[name] = user
    session.flush()
    return users
