"""Base data service: jurisdictions, the area tree, departments and users."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from urbangrid.auth.passwords import check_password, hash_password, verify_password
from urbangrid.auth.principal import Principal
from urbangrid.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from urbangrid.kit.text import is_digits
from urbangrid.kit.types import utcnow
from urbangrid.org import tree
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
from urbangrid.settings import get_settings

GRID_CODE = re.compile(r"^\d{15}$")
ADMIN_CODE = re.compile(r"^\d{6}$")


def validate_grid_code(code: str) -> str:
    if not GRID_CODE.match(code):
        raise InvalidInput(f"grid code {code!r} must be 15 digits (6 + 3 + 3 + 3)", field="code")
    return code


def get_jurisdiction(session: Session, code: str | None = None) -> Jurisdiction:
    """The jurisdiction with ``code``, or the first one when no code is given. For tools
    that act on the whole installation (CLI, demo); a request resolves its jurisdiction
    with :func:`resolve_jurisdiction`, which keeps to the caller's subtree."""
    stmt = select(Jurisdiction).order_by(Jurisdiction.id)
    if code is not None:
        stmt = stmt.where(Jurisdiction.code == code)
    j = session.scalars(stmt).first()
    if j is None:
        raise NotFound(
            f"no jurisdiction {code}" if code else "no jurisdiction yet: run `urbangrid demo`"
        )
    return j


# --- the jurisdiction tree and the one resolver ------------------------------------------


def jurisdiction_parents(session: Session) -> dict[int, int | None]:
    """id → parent id of every jurisdiction (a few rows: one per platform)."""
    return {jid: parent for jid, parent in session.execute(
        select(Jurisdiction.id, Jurisdiction.parent_id)
    )}  # fmt: skip


def jurisdiction_subtree(session: Session, jurisdiction_id: int) -> frozenset[int]:
    """The jurisdiction and every platform below it (a city's districts)."""
    return tree.subtree(jurisdiction_parents(session), jurisdiction_id)


def jurisdiction_chain(session: Session, jurisdiction_id: int) -> list[int]:
    """The jurisdiction and the platforms above it, nearest first (whose reference data
    applies to it)."""
    return tree.ancestors(jurisdiction_parents(session), jurisdiction_id)


def readable_jurisdictions(session: Session, principal: Principal | None) -> frozenset[int] | None:
    """The jurisdictions a caller reads: the subtree of its own; None for a caller at the
    root (bound to no jurisdiction) or the system, meaning every one."""
    if principal is None or principal.jurisdiction_id is None:
        return None
    return jurisdiction_subtree(session, principal.jurisdiction_id)


def resolve_jurisdiction(
    session: Session,
    principal: Principal | None,
    wanted: int | str | None = None,
    *,
    field: str = "jurisdiction",
) -> Jurisdiction:
    """The jurisdiction a request is about — the one resolver every route uses.

    ``wanted`` is an id or a 6-digit code. It must lie in the caller's subtree: one outside
    is answered exactly like one that does not exist (404), so a caller learns nothing about
    other platforms. Without ``wanted``: the caller's own jurisdiction; for a caller at the
    root, the only top-level jurisdiction (422 when there are several: name one)."""
    readable = readable_jurisdictions(session, principal)
    if wanted is not None and str(wanted).strip() != "":
        text = str(wanted).strip()
        if is_digits(text) and len(text) == 6:
            found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == text))
        elif is_digits(text) and len(text) < 19:
            found = session.get(Jurisdiction, int(text))
        else:
            found = None
        if found is None or (readable is not None and found.id not in readable):
            raise NotFound(f"no jurisdiction {text}", field=field)
        return found
    if principal is not None and principal.jurisdiction_id is not None:
        own = session.get(Jurisdiction, principal.jurisdiction_id)
        if own is None:
            raise NotFound(f"no jurisdiction {principal.jurisdiction_id}", field=field)
        return own
    tops = session.scalars(
        select(Jurisdiction).where(Jurisdiction.parent_id.is_(None)).order_by(Jurisdiction.id)
    ).all()
    if not tops:
        raise NotFound("no jurisdiction yet: run `urbangrid demo`", field=field)
    if len(tops) > 1:
        codes = ", ".join(j.code for j in tops)
        raise InvalidInput(f"name the jurisdiction (one of {codes})", field=field)
    return tops[0]


def set_parent_jurisdiction(
    session: Session, child: Jurisdiction, parent: Jurisdiction | None
) -> Jurisdiction:
    """Put a district platform under a city platform (or take it out with None). The tree
    stays a tree: a platform cannot be put under itself or one of its own districts."""
    if parent is not None:
        if parent.id in jurisdiction_subtree(session, child.id):
            raise InvalidInput(f"{parent.name} is {child.name} or lies below it", field="parent")
        parent.level = "city"
    child.parent_id = parent.id if parent is not None else None
    session.flush()
    return child


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


def _ids(jurisdiction_ids: int | Iterable[int]) -> list[int]:
    return [jurisdiction_ids] if isinstance(jurisdiction_ids, int) else sorted(jurisdiction_ids)


def list_streets(session: Session, jurisdiction_ids: int | Iterable[int]) -> Sequence[Street]:
    """The streets of one jurisdiction or several (a city's districts)."""
    return session.scalars(
        select(Street)
        .where(Street.jurisdiction_id.in_(_ids(jurisdiction_ids)))
        .order_by(Street.jurisdiction_id, Street.code)
    ).all()


def list_communities(
    session: Session, jurisdiction_ids: int | Iterable[int], street_id: int | None = None
) -> Sequence[Community]:
    stmt = (
        select(Community)
        .join(Street, Street.id == Community.street_id)
        .where(Street.jurisdiction_id.in_(_ids(jurisdiction_ids)))
        .order_by(Community.street_id, Community.code)
    )
    if street_id is not None:
        stmt = stmt.where(Community.street_id == street_id)
    return session.scalars(stmt).all()


def list_grids(
    session: Session,
    jurisdiction_ids: int | Iterable[int],
    community_id: int | None,
    offset: int,
    limit: int,
) -> tuple[Sequence[Grid], int]:
    stmt = select(Grid).where(Grid.jurisdiction_id.in_(_ids(jurisdiction_ids)))
    if community_id is not None:
        stmt = stmt.where(Grid.community_id == community_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(stmt.order_by(Grid.code).offset(offset).limit(limit)).all()
    return items, total


def get_grid(session: Session, code: str, jurisdiction_ids: Iterable[int] | None = None) -> Grid:
    """The grid with ``code``; 404 also for one outside ``jurisdiction_ids`` (None: any)."""
    grid = session.scalar(select(Grid).where(Grid.code == validate_grid_code(code)))
    if grid is None or (
        jurisdiction_ids is not None and grid.jurisdiction_id not in set(jurisdiction_ids)
    ):
        raise NotFound(f"no grid {code}")
    return grid


# --- departments -------------------------------------------------------------------------


def list_departments(
    session: Session, jurisdiction_ids: int | Iterable[int]
) -> Sequence[Department]:
    return session.scalars(
        select(Department)
        .where(Department.jurisdiction_id.in_(_ids(jurisdiction_ids)))
        .order_by(Department.jurisdiction_id, Department.code)
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
    street_code: str | None = None,
) -> Department:
    """Create or update a department of the jurisdiction; with ``street_code`` it is that
    street's office (街道, 属地管理)."""
    parent = get_department_by_code(session, jurisdiction_id, parent_code) if parent_code else None
    street = None
    if street_code is not None:
        street = session.scalar(
            select(Street).where(
                Street.jurisdiction_id == jurisdiction_id, Street.code == street_code
            )
        )
        if street is None:
            raise InvalidInput(f"no street {street_code} here", field="street_code")
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
    dept.street_id = street.id if street else None
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
        on_leave=user.on_leave,
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
        raise Conflict(
            f"user {username!r} already exists",
            code="user_exists",
            field="username",
            params={"username": username},
        )
    check_password(password, username)
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
    # An inspector patrols grids of its own platform only.
    grids = [
        get_grid(session, code, [jurisdiction.id] if jurisdiction is not None else None)
        for code in grid_codes
    ]
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


def list_users(session: Session, jurisdiction_ids: Iterable[int] | None = None) -> Sequence[User]:
    """Users of the given jurisdictions (None: every user)."""
    stmt = select(User).order_by(User.username)
    if jurisdiction_ids is not None:
        stmt = stmt.where(User.jurisdiction_id.in_(sorted(jurisdiction_ids)))
    return session.scalars(stmt).all()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def department_subtree(session: Session, department_id: int) -> frozenset[int]:
    """The department and its sub-units (环卫处 → 环卫一所, 环卫二所 …), within its
    jurisdiction (departments never span platforms)."""
    jid = session.scalar(select(Department.jurisdiction_id).where(Department.id == department_id))
    if jid is None:
        return frozenset()
    parents = {d: p for d, p in session.execute(
        select(Department.id, Department.parent_id).where(Department.jurisdiction_id == jid)
    )}  # fmt: skip
    return tree.subtree(parents, department_id)


def jurisdiction_timezone(session: Session, principal: Principal | None) -> str:
    """The time zone the caller's local days are counted in: its own platform's, else the
    installation default (``URBANGRID_TIMEZONE``)."""
    if principal is not None and principal.jurisdiction_id is not None:
        tz = session.scalar(
            select(Jurisdiction.timezone).where(Jurisdiction.id == principal.jurisdiction_id)
        )
        if tz:
            return tz
    return get_settings().timezone


def set_on_leave(session: Session, principal: Principal, user_id: int, on_leave: bool) -> User:
    """请假 / 销假: an admin for the users of its subtree, a shift lead (值班长) for those of
    its own platform. A user outside is answered as one that does not exist (404)."""
    user = session.get(User, user_id) if 0 < user_id < 2**63 else None
    if Role.ADMIN in principal.roles:
        readable = readable_jurisdictions(session, principal)
    elif Role.SHIFT_LEAD in principal.roles:
        readable = (
            None if principal.jurisdiction_id is None else frozenset({principal.jurisdiction_id})
        )
    else:
        raise Forbidden("setting a user on leave needs one of the roles: admin, shift_lead")
    if user is None or (readable is not None and user.jurisdiction_id not in readable):
        raise NotFound(f"no user {user_id}")
    user.on_leave = on_leave
    session.flush()
    return user


# --- administration of users (用户管理) and passwords ---------------------------------------


def managed_user(session: Session, principal: Principal, user_id: int) -> User:
    """A user an administrator manages: one of its subtree's platforms. Any other (another
    platform's, or none at all) is answered as one that does not exist (404)."""
    user = session.get(User, user_id) if 0 < user_id < 2**63 else None
    readable = readable_jurisdictions(session, principal)
    if user is None or (readable is not None and user.jurisdiction_id not in readable):
        raise NotFound(f"no user {user_id}")
    return user


# pg_advisory_xact_lock(namespace, key): the namespace of "a platform's admins change".
ADMIN_LOCK_NAMESPACE = 7101


def _refuse_last_admin(session: Session, user: User) -> None:
    """An active admin who is the last active admin of its platform stays one: nobody could
    administer the platform otherwise."""
    if not user.is_active or Role.ADMIN.value not in user.role_names:
        return
    # Two admins disabling each other at the same moment would each still see the other:
    # on PostgreSQL the removals of a platform's admins take turns (a transaction lock per
    # platform), so the second counts after the first has committed. SQLite writes one
    # transaction at a time already.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
            {"namespace": ADMIN_LOCK_NAMESPACE, "key": user.jurisdiction_id or 0},
        )
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.id != user.id,
            User.is_active.is_(True),
            UserRole.role == Role.ADMIN.value,
            User.jurisdiction_id.is_(None)
            if user.jurisdiction_id is None
            else User.jurisdiction_id == user.jurisdiction_id,
        )
    )
    if not others:
        j = session.get(Jurisdiction, user.jurisdiction_id) if user.jurisdiction_id else None
        code = j.code if j is not None else ""
        raise Conflict(
            f"{user.username} is the last active administrator of its platform",
            code="last_admin",
            params={"jurisdiction": code},
        )


def revoke_user_tokens(session: Session, user_id: int, *, keep_hash: str | None = None) -> int:
    """End every session and bearer token of the user (but ``keep_hash``'s)."""
    from urbangrid.auth.models import ApiToken  # auth imports org: import here

    stmt = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if keep_hash is not None:
        stmt = stmt.where(ApiToken.token_hash != keep_hash)
    return session.execute(stmt.values(revoked_at=utcnow())).rowcount or 0


def set_active(session: Session, principal: Principal, user_id: int, active: bool) -> User:
    """停用 / 启用 a user of the admin's subtree. A disabled user cannot log in and its
    sessions and tokens end; the last active admin of a platform is not disabled."""
    user = managed_user(session, principal, user_id)
    if not active:
        _refuse_last_admin(session, user)
        revoke_user_tokens(session, user.id)
    user.is_active = active
    session.flush()
    return user


def set_roles(
    session: Session,
    principal: Principal,
    user_id: int,
    roles: Sequence[Role],
    department_code: str | None,
) -> User:
    """Replace a user's roles (and department). The department is one of the user's own
    platform (another platform's is 404); the last active admin keeps the admin role."""
    user = managed_user(session, principal, user_id)
    role_set = sorted(set(roles))
    if not role_set:
        raise InvalidInput("a user needs at least one role", field="roles")
    if Role.ADMIN not in role_set:
        _refuse_last_admin(session, user)
    department = None
    if department_code:
        if user.jurisdiction_id is None:
            raise InvalidInput("a department needs a jurisdiction", field="department_code")
        department = get_department_by_code(session, user.jurisdiction_id, department_code)
    if Role.DEPARTMENT_HANDLER in role_set and department is None:
        raise InvalidInput("a department handler needs a department", field="department_code")
    user.roles = [UserRole(role=r.value) for r in role_set]
    user.department_id = department.id if department else None
    session.flush()
    return user


def reset_password(session: Session, principal: Principal, user_id: int, password: str) -> User:
    """An administrator sets a new password (重置密码): the user's sessions and tokens end."""
    return set_password(session, managed_user(session, principal, user_id), password)


def set_password(session: Session, user: User, password: str) -> User:
    """A new password by the rules of every password; the user's sessions and tokens end
    (an administrator's reset, or ``urbangrid users reset-password`` on the server)."""
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    revoke_user_tokens(session, user.id)
    session.flush()
    return user


def change_own_password(
    session: Session,
    user_id: int,
    current: str,
    new: str,
    *,
    keep_hash: str | None = None,
) -> User:
    """A user's own change (修改密码): the current password is checked, the new one follows
    the rules of every password. The user's other sessions and tokens end."""
    user = get_user(session, user_id)
    if not verify_password(user.password_hash, current):
        raise InvalidInput(
            "the current password is wrong", code="wrong_password", field="current_password"
        )
    check_password(new, user.username, field="new_password")
    if new == current:
        raise InvalidInput(
            "the new password is the current one",
            code="weak_password",
            field="new_password",
            params={"min_length": 8},
        )
    user.password_hash = hash_password(new)
    revoke_user_tokens(session, user.id, keep_hash=keep_hash)
    session.flush()
    return user
