"""Base data service: jurisdictions, the area tree, departments and users."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.passwords import hash_password
from urbangrid.kit.errors import Conflict, InvalidInput, NotFound
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
from urbangrid.org.schemas import UserOut

GRID_CODE = re.compile(r"^\d{15}$")
ADMIN_CODE = re.compile(r"^\d{6}$")


def validate_grid_code(code: str) -> str:
    if not GRID_CODE.match(code):
        raise InvalidInput(f"grid code {code!r} must be 15 digits (6 + 3 + 3 + 3)", field="code")
    return code


def get_jurisdiction(session: Session, code: str | None = None) -> Jurisdiction:
    """The jurisdiction with ``code``, or the only / first one when no code is given."""
    stmt = select(Jurisdiction).order_by(Jurisdiction.id)
    if code is not None:
        stmt = stmt.where(Jurisdiction.code == code)
    j = session.scalars(stmt).first()
    if j is None:
        raise NotFound(
            f"no jurisdiction {code}" if code else "no jurisdiction yet: run `urbangrid demo`"
        )
    return j


def upsert_jurisdiction(
    session: Session,
    code: str,
    name: str,
    *,
    timezone: str = "Asia/Shanghai",
    source_crs: str = "gcj02",
) -> Jurisdiction:
    if not ADMIN_CODE.match(code):
        raise InvalidInput(f"administrative code {code!r} must be 6 digits", field="code")
    if source_crs not in ("wgs84", "gcj02", "bd09"):
        raise InvalidInput("source_crs must be wgs84, gcj02 or bd09", field="source_crs")
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if j is None:
        j = Jurisdiction(code=code, name=name, timezone=timezone, source_crs=source_crs)
        j.settings = {}
        session.add(j)
    else:
        j.name, j.timezone, j.source_crs = name, timezone, source_crs
    session.flush()
    return j


def list_streets(session: Session, jurisdiction_id: int) -> Sequence[Street]:
    return session.scalars(
        select(Street).where(Street.jurisdiction_id == jurisdiction_id).order_by(Street.code)
    ).all()


def list_communities(session: Session, street_id: int | None = None) -> Sequence[Community]:
    stmt = select(Community).order_by(Community.street_id, Community.code)
    if street_id is not None:
        stmt = stmt.where(Community.street_id == street_id)
    return session.scalars(stmt).all()


def list_grids(
    session: Session, jurisdiction_id: int, community_id: int | None, offset: int, limit: int
) -> tuple[Sequence[Grid], int]:
    stmt = select(Grid).where(Grid.jurisdiction_id == jurisdiction_id)
    if community_id is not None:
        stmt = stmt.where(Grid.community_id == community_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(stmt.order_by(Grid.code).offset(offset).limit(limit)).all()
    return items, total


def get_grid(session: Session, code: str) -> Grid:
    grid = session.scalar(select(Grid).where(Grid.code == validate_grid_code(code)))
    if grid is None:
        raise NotFound(f"no grid {code}")
    return grid


# --- departments -------------------------------------------------------------------------


def list_departments(session: Session, jurisdiction_id: int) -> Sequence[Department]:
    return session.scalars(
        select(Department)
        .where(Department.jurisdiction_id == jurisdiction_id)
        .order_by(Department.code)
    ).all()


def get_department_by_code(session: Session, jurisdiction_id: int, code: str) -> Department:
    dept = session.scalar(
        select(Department).where(
            Department.jurisdiction_id == jurisdiction_id, Department.code == code
        )
    )
    if dept is None:
        raise NotFound(f"no department with code {code!r}", field="department_code")
    return dept


def upsert_department(
    session: Session,
    jurisdiction_id: int,
    code: str,
    name: str,
    *,
    parent_code: str | None = None,
    kind: str | None = None,
    contact_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Department:
    parent = get_department_by_code(session, jurisdiction_id, parent_code) if parent_code else None
    dept = session.scalar(
        select(Department).where(
            Department.jurisdiction_id == jurisdiction_id, Department.code == code
        )
    )
    if dept is None:
        dept = Department(jurisdiction_id=jurisdiction_id, code=code, name=name)
        session.add(dept)
    dept.name = name
    dept.parent_id = parent.id if parent else None
    dept.kind, dept.contact_name, dept.phone, dept.email = kind, contact_name, phone, email
    session.flush()
    return dept


# --- users -------------------------------------------------------------------------------


def user_out(session: Session, user: User) -> UserOut:
    codes: list[str] = []
    if user.grids:
        codes = list(
            session.scalars(select(Grid.code).where(Grid.id.in_([g.grid_id for g in user.grids])))
        )
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=[Role(r) for r in user.role_names],
        jurisdiction_id=user.jurisdiction_id,
        department_id=user.department_id,
        grid_codes=sorted(codes),
        is_active=user.is_active,
    )


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    roles: Sequence[Role | str],
    jurisdiction: Jurisdiction | None = None,
    department_code: str | None = None,
    grid_codes: Sequence[str] = (),
) -> User:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists", field="username")
    if len(password) < 8:
        raise InvalidInput("password must have at least 8 characters", field="password")
    try:
        role_set = sorted({Role(r) for r in roles})
    except ValueError as exc:
        raise InvalidInput(
            f"{exc}; roles: {', '.join(r.value for r in Role)}", field="roles"
        ) from None
    if not role_set:
        raise InvalidInput("a user needs at least one role", field="roles")
    department = None
    if department_code:
        if jurisdiction is None:
            raise InvalidInput("a department needs a jurisdiction", field="department_code")
        department = get_department_by_code(session, jurisdiction.id, department_code)
    if Role.DEPARTMENT_HANDLER in role_set and department is None:
        raise InvalidInput("a department handler needs a department", field="department_code")
    grids = [get_grid(session, code) for code in grid_codes]
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        jurisdiction_id=jurisdiction.id if jurisdiction else None,
        department_id=department.id if department else None,
        roles=[UserRole(role=r.value) for r in role_set],
        grids=[UserGrid(grid_id=g.id) for g in grids],
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session, jurisdiction_id: int | None = None) -> Sequence[User]:
    stmt = select(User).order_by(User.username)
    if jurisdiction_id is not None:
        stmt = stmt.where(User.jurisdiction_id == jurisdiction_id)
    return session.scalars(stmt).all()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user
