"""Administration of a platform's organisation (机构管理): the department tree with its street
offices, inspectors' grids (监督员网格) and the platform's own settings.

Every function takes the administrator's principal and keeps to its subtree (a city admin
also administers its districts): an object outside is answered as one that does not exist
(404). Refusals a user may meet carry a precise code (``kit.errors.CODES``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.kit.errors import Conflict, InvalidInput, NotFound
from urbangrid.org import service
from urbangrid.org.models import (
    Community,
    Department,
    Grid,
    Jurisdiction,
    Street,
    User,
    UserGrid,
)
from urbangrid.org.roles import Role

SOURCE_CRS = ("wgs84", "gcj02", "bd09")


def _readable(session: Session, principal: Principal) -> frozenset[int] | None:
    return service.readable_jurisdictions(session, principal)


def _in(readable: frozenset[int] | None, jurisdiction_id: int | None) -> bool:
    return readable is None or jurisdiction_id in readable


# --- departments (部门树) ------------------------------------------------------------------


def managed_department(
    session: Session, principal: Principal, department_id: int, *, field: str = "department_id"
) -> Department:
    """A department of the admin's subtree; any other is 404."""
    dept = session.get(Department, department_id) if 0 < department_id < 2**63 else None
    if dept is None or not _in(_readable(session, principal), dept.jurisdiction_id):
        raise NotFound(f"no department {department_id}", field=field)
    return dept


def department_rows(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Every department of the admin's subtree with its users and its open cases (held by
    the department itself, counted through the one visibility policy)."""
    from urbangrid.cases.models import Case  # cases imports org: import here
    from urbangrid.cases.queries import open_condition, visible_condition

    readable = service.resolve_jurisdiction(session, principal, None)
    ids = service.jurisdiction_subtree(session, readable.id)
    departments = service.list_departments(session, ids)
    users = dict(
        session.execute(
            select(User.department_id, func.count())
            .where(User.department_id.is_not(None), User.jurisdiction_id.in_(sorted(ids)))
            .group_by(User.department_id)
        ).all()
    )
    cases = dict(
        session.execute(
            select(Case.department_id, func.count())
            .where(
                Case.department_id.is_not(None),
                open_condition(),
                visible_condition(session, principal),
            )
            .group_by(Case.department_id)
        ).all()
    )
    return [
        {
            "department": d,
            "users_count": int(users.get(d.id, 0)),
            "open_cases_count": int(cases.get(d.id, 0)),
        }
        for d in departments
    ]


def _street_of(session: Session, dept: Department, street_id: int) -> Street:
    """A street of the department's own platform; any other is 404."""
    street = session.get(Street, street_id) if 0 < street_id < 2**63 else None
    if street is None or street.jurisdiction_id != dept.jurisdiction_id:
        raise NotFound(f"no street {street_id}", field="street_id")
    return street


def update_department(
    session: Session, principal: Principal, department_id: int, changes: dict[str, Any]
) -> tuple[Department, dict[str, Any]]:
    """Rename, move under another parent (``parent_id``; None: a top unit), set or clear the
    street (``street_id``), disable / enable (``is_active``). Everything is checked before
    anything is changed. Returns the department and what changed (old → new)."""
    dept = managed_department(session, principal, department_id)
    before: dict[str, Any] = {
        "name": dept.name,
        "parent_id": dept.parent_id,
        "street_id": dept.street_id,
        "is_active": dept.is_active,
    }
    if "parent_id" in changes and changes["parent_id"] is not None:
        parent = managed_department(session, principal, changes["parent_id"], field="parent_id")
        # Departments never span platforms: a parent of another platform is none at all.
        if parent.jurisdiction_id != dept.jurisdiction_id:
            raise NotFound(f"no department {parent.id}", field="parent_id")
        if parent.id in service.department_subtree(session, dept.id):
            raise InvalidInput(
                f"{parent.name} is {dept.name} or lies below it",
                code="department_cycle",
                field="parent_id",
                params={"department": dept.name, "parent": parent.name},
            )
    if "street_id" in changes and changes["street_id"] is not None:
        _street_of(session, dept, changes["street_id"])
    if "name" in changes and changes["name"] is not None:
        dept.name = changes["name"]
    for key in ("parent_id", "street_id"):
        if key in changes:
            setattr(dept, key, changes[key])
    if "is_active" in changes and changes["is_active"] is not None:
        dept.is_active = changes["is_active"]
    session.flush()
    after = {k: getattr(dept, k) for k in before}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    # the log names the parent and the street, not only their ids
    for key, model in (("parent_id", Department), ("street_id", Street)):
        if key in changed:
            changed[key.removesuffix("_id")] = [
                session.get(model, i).name if i is not None else None  # type: ignore[union-attr]
                for i in changed[key]
            ]
    return dept, changed


def delete_department(session: Session, principal: Principal, department_id: int) -> Department:
    """Delete a department nobody depends on: no sub-unit, no user, no case (open or in the
    record: disable it instead), no routing rule or component naming it."""
    from urbangrid.cases.models import Case, RoutingRule  # cases imports org
    from urbangrid.cases.queries import open_condition
    from urbangrid.geo.models import Component

    dept = managed_department(session, principal, department_id)

    def count(stmt: Any) -> int:
        return int(session.scalar(stmt) or 0)

    params = {"department": dept.name}
    n = count(select(func.count()).where(Case.department_id == dept.id, open_condition()))
    if n:
        raise Conflict(
            f"{dept.name} holds {n} open cases",
            code="department_has_open_cases",
            params={**params, "count": n},
        )
    n = count(select(func.count()).where(Department.parent_id == dept.id))
    if n:
        raise Conflict(
            f"{dept.name} has {n} sub-units",
            code="department_has_children",
            params={**params, "count": n},
        )
    n = count(select(func.count()).where(User.department_id == dept.id))
    if n:
        raise Conflict(
            f"{dept.name} has {n} users",
            code="department_has_users",
            params={**params, "count": n},
        )
    n = count(select(func.count()).where(Case.department_id == dept.id))
    if n:
        raise Conflict(
            f"{dept.name} handled {n} cases: disable it instead",
            code="department_has_cases",
            params={**params, "count": n},
        )
    n = count(select(func.count()).where(RoutingRule.department_id == dept.id)) + count(
        select(func.count()).where(Component.owner_department_id == dept.id)
    )
    if n:
        raise Conflict(
            f"{n} routing rules or components name {dept.name}",
            code="department_in_use",
            params={**params, "count": n},
        )
    session.delete(dept)
    session.flush()
    return dept


def check_department_create(session: Session, jurisdiction: Jurisdiction, code: str) -> None:
    """A new department's code is free on its platform (creating never overwrites)."""
    taken = session.scalar(
        select(Department.id).where(
            Department.jurisdiction_id == jurisdiction.id, Department.code == code
        )
    )
    if taken is not None:
        raise Conflict(
            f"department code {code!r} is taken",
            code="department_exists",
            field="code",
            params={"code": code},
        )


# --- inspectors' grids (监督员网格) --------------------------------------------------------


def coverage(session: Session, principal: Principal, wanted: str | None) -> dict[str, Any]:
    """The grids of one platform (the admin's own, or one below it) with the inspectors that
    patrol each, and the platform's inspectors. A grid nobody patrols is a gap: its tasks go
    to the shift lead's pool (``cases.tasks``)."""
    j = service.resolve_jurisdiction(session, principal, wanted)
    rows = session.execute(
        select(Grid.id, Grid.code, Grid.community_id, Community.street_id)
        .join(Community, Community.id == Grid.community_id)
        .where(Grid.jurisdiction_id == j.id)
        .order_by(Grid.code)
    ).all()
    inspectors = [
        u
        for u in service.list_users(session, [j.id])
        if Role.INSPECTOR.value in u.role_names and u.is_active
    ]
    by_grid: dict[int, list[int]] = {}
    for user_id, grid_id in session.execute(
        select(UserGrid.user_id, UserGrid.grid_id)
        .join(User, User.id == UserGrid.user_id)
        .where(User.jurisdiction_id == j.id, User.is_active.is_(True))
    ):
        if any(u.id == user_id for u in inspectors):
            by_grid.setdefault(grid_id, []).append(user_id)
    grids = [
        {
            "code": code,
            "community_id": community_id,
            "street_id": street_id,
            "inspector_ids": sorted(by_grid.get(gid, [])),
        }
        for gid, code, community_id, street_id in rows
    ]
    return {
        "jurisdiction": j.code,
        "total": len(grids),
        "uncovered": sum(1 for g in grids if not g["inspector_ids"]),
        "grids": grids,
        "inspectors": [service.user_out(session, u) for u in inspectors],
    }


def set_inspector_grids(
    session: Session, principal: Principal, user_id: int, codes: Sequence[str]
) -> tuple[User, list[str], list[str]]:
    """Replace an inspector's grids with ``codes`` (grids of the inspector's own platform;
    any other is 404). Returns the user and the codes added and removed."""
    user = service.managed_user(session, principal, user_id)
    if Role.INSPECTOR.value not in user.role_names:
        raise InvalidInput(
            f"{user.username} is not an inspector",
            code="not_inspector",
            field="user_id",
            params={"username": user.username},
        )
    wanted = sorted(set(codes))
    for code in wanted:
        service.validate_grid_code(code)
    found = dict(
        session.execute(
            select(Grid.code, Grid.id).where(
                Grid.code.in_(wanted), Grid.jurisdiction_id == user.jurisdiction_id
            )
        ).all()
    )
    missing = [c for c in wanted if c not in found]
    if missing:
        raise NotFound(f"no grid {missing[0]}", field="grid_codes", params={"code": missing[0]})
    old_ids = {g.grid_id for g in user.grids}
    old = set(session.scalars(select(Grid.code).where(Grid.id.in_(sorted(old_ids)))))
    user.grids = [UserGrid(grid_id=found[c]) for c in wanted]
    session.flush()
    return user, sorted(set(wanted) - old), sorted(old - set(wanted))


# --- the platform's settings (平台设置) ----------------------------------------------------


def check_timezone(name: str) -> str:
    """An IANA time zone name (Asia/Shanghai); anything else is a field error."""
    text = name.strip()
    if text not in available_timezones():
        raise InvalidInput(
            f"{name!r} is not an IANA time zone",
            code="unknown_timezone",
            field="timezone",
            params={"timezone": name},
        )
    return text


def update_jurisdiction(
    session: Session,
    principal: Principal,
    code: str,
    *,
    name: str | None,
    timezone: str | None,
    source_crs: str | None,
) -> tuple[Jurisdiction, dict[str, Any]]:
    """Name, time zone and source coordinate system of a platform of the admin's subtree
    (a city admin also its districts). Everything is checked before anything is changed."""
    j = service.resolve_jurisdiction(session, principal, code, field="code")
    tz = check_timezone(timezone) if timezone is not None else None
    if source_crs is not None and source_crs not in SOURCE_CRS:
        raise InvalidInput("source_crs must be wgs84, gcj02 or bd09", field="source_crs")
    before = {"name": j.name, "timezone": j.timezone, "source_crs": j.source_crs}
    if name is not None:
        j.name = name.strip()
    if tz is not None:
        j.timezone = tz
    if source_crs is not None:
        j.source_crs = source_crs
    session.flush()
    after = {"name": j.name, "timezone": j.timezone, "source_crs": j.source_crs}
    return j, {k: [before[k], after[k]] for k in before if before[k] != after[k]}


def create_department(
    session: Session,
    principal: Principal,
    *,
    jurisdiction: str | None,
    code: str,
    name: str,
    parent_id: int | None,
    street_id: int | None,
    kind: str | None,
) -> Department:
    """A new department (a street office with ``street_id``) of a platform of the admin's
    subtree; its parent and street are of the same platform (any other is 404)."""
    j = service.resolve_jurisdiction(session, principal, jurisdiction)
    check_department_create(session, j, code)
    parent = None
    if parent_id is not None:
        parent = managed_department(session, principal, parent_id, field="parent_id")
        if parent.jurisdiction_id != j.id:
            raise NotFound(f"no department {parent_id}", field="parent_id")
    street = None
    if street_id is not None:
        street = session.get(Street, street_id) if street_id < 2**63 else None
        if street is None or street.jurisdiction_id != j.id:
            raise NotFound(f"no street {street_id}", field="street_id")
    dept = Department(
        jurisdiction_id=j.id,
        code=code,
        name=name,
        kind=kind,
        parent_id=parent.id if parent else None,
        street_id=street.id if street else None,
    )
    session.add(dept)
    session.flush()
    return dept
