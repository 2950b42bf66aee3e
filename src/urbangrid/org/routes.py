"""Base data endpoints: health, jurisdictions, area tree, departments, users.

Every platform-bound answer goes through the one jurisdiction resolver
(``service.resolve_jurisdiction``): a caller names a platform of its own subtree or gets its
own; one outside is 404. Without a named platform, lists cover the caller's whole subtree (a
city user sees its districts' streets, grids and departments)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from urbangrid import __version__
from urbangrid.api.deps import CurrentPrincipal, DbSession, client_address, require_roles
from urbangrid.auth import audit
from urbangrid.auth.limits import Limiter
from urbangrid.auth.principal import Principal
from urbangrid.auth.service import account_key, locked_accounts
from urbangrid.kit.errors import NotFound
from urbangrid.kit.pagination import Page, PageParams, page_params
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.org import admin, service
from urbangrid.org.models import Jurisdiction, Street
from urbangrid.org.roles import Role
from urbangrid.org.schemas import (
    ActiveBody,
    CommunityOut,
    CoverageOut,
    DepartmentAdminCreate,
    DepartmentAdminOut,
    DepartmentCreate,
    DepartmentOut,
    DepartmentPatch,
    GridOut,
    GridsBody,
    JurisdictionOut,
    JurisdictionPatch,
    OnLeaveBody,
    PasswordReset,
    RolesBody,
    StreetOut,
    UserCreate,
    UserOut,
)

router = APIRouter(prefix="/api/v1", tags=["base data 基础数据"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


def _subtree(db: Session, principal: Principal, wanted: str | None) -> frozenset[int]:
    """The named platform (or the caller's own) and the platforms below it."""
    j = service.resolve_jurisdiction(db, principal, wanted)
    return service.jurisdiction_subtree(db, j.id)


@router.get(
    "/health", tags=["system"], summary="Liveness and database check", **scoped(RouteScope.PUBLIC)
)
def health(db: DbSession) -> dict[str, Any]:
    db.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": db.get_bind().dialect.name}


@router.get("/org/jurisdiction", response_model=JurisdictionOut, **scoped(RouteScope.JURISDICTION))
def jurisdiction(db: DbSession, principal: CurrentPrincipal, code: str | None = None) -> Any:
    """Your platform, or one below it by its 6-digit code."""
    return service.resolve_jurisdiction(db, principal, code, field="code")


@router.get(
    "/org/jurisdictions",
    response_model=list[JurisdictionOut],
    **scoped(RouteScope.JURISDICTION),
)
def jurisdictions(db: DbSession, principal: CurrentPrincipal) -> Any:
    """The platforms you read: yours and those below it (a city and its districts)."""
    readable = service.readable_jurisdictions(db, principal)
    stmt = select(Jurisdiction).order_by(Jurisdiction.code)
    if readable is not None:
        stmt = stmt.where(Jurisdiction.id.in_(sorted(readable)))
    return db.scalars(stmt).all()


@router.get("/org/streets", response_model=list[StreetOut], **scoped(RouteScope.JURISDICTION))
def streets(db: DbSession, principal: CurrentPrincipal, jurisdiction: str | None = None) -> Any:
    return service.list_streets(db, _subtree(db, principal, jurisdiction))


@router.get(
    "/org/communities", response_model=list[CommunityOut], **scoped(RouteScope.JURISDICTION)
)
def communities(db: DbSession, principal: CurrentPrincipal, street_id: int | None = None) -> Any:
    readable = _subtree(db, principal, None)
    if street_id is not None:
        street = db.get(Street, street_id) if 0 < street_id < 2**63 else None
        if street is None or street.jurisdiction_id not in readable:
            raise NotFound(f"no street {street_id}", field="street_id")
    return service.list_communities(db, readable, street_id)


@router.get("/org/grids", response_model=Page[GridOut], **scoped(RouteScope.JURISDICTION))
def grids(
    db: DbSession,
    principal: CurrentPrincipal,
    page: Annotated[PageParams, Depends(page_params)],
    community_id: int | None = None,
    jurisdiction: str | None = None,
) -> Any:
    items, total = service.list_grids(
        db, _subtree(db, principal, jurisdiction), community_id, page.offset, page.page_size
    )
    return Page[GridOut](
        items=[GridOut.model_validate(g) for g in items],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get("/org/grids/{code}", response_model=GridOut, **scoped(RouteScope.JURISDICTION))
def grid(code: str, db: DbSession, principal: CurrentPrincipal) -> Any:
    return service.get_grid(db, code, _subtree(db, principal, None))


@router.get(
    "/org/departments", response_model=list[DepartmentOut], **scoped(RouteScope.JURISDICTION)
)
def departments(db: DbSession, principal: CurrentPrincipal, jurisdiction: str | None = None) -> Any:
    return service.list_departments(db, _subtree(db, principal, jurisdiction))


@router.post(
    "/org/departments",
    response_model=DepartmentOut,
    status_code=201,
    **scoped(RouteScope.ADMIN),
)
def create_department(body: DepartmentCreate, db: DbSession, principal: Admin) -> Any:
    """A department (or a street office, with ``street_code``) of your platform, or of a
    platform below it named by ``jurisdiction``."""
    j = service.resolve_jurisdiction(db, principal, body.jurisdiction)
    department = service.upsert_department(db, j.id, **body.model_dump(exclude={"jurisdiction"}))
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={"change": "department", "code": body.code, "jurisdiction": j.code},
    )
    return department


@router.get(
    "/org/users/me", response_model=UserOut, tags=["auth"], **scoped(RouteScope.AUTHENTICATED)
)
def me(db: DbSession, principal: CurrentPrincipal) -> Any:
    return service.user_out(db, service.get_user(db, principal.user_id))


@router.get("/org/users", response_model=list[UserOut], **scoped(RouteScope.JURISDICTION))
def users(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.LEADER))],
    role: Role | None = Query(None),
) -> Any:
    """The users of your platform and the platforms below it."""
    readable = service.readable_jurisdictions(db, principal)
    out = [service.user_out(db, u) for u in service.list_users(db, readable)]
    if Role.ADMIN in principal.roles:
        locked = locked_accounts(request.app.state.engine)
        for u in out:
            u.locked = u.username.strip().lower() in locked
    return [u for u in out if role is None or role in u.roles]


@router.get("/org/inspectors", response_model=list[UserOut], **scoped(RouteScope.JURISDICTION))
def inspectors(
    db: DbSession,
    principal: Annotated[
        Principal,
        Depends(require_roles(Role.INTAKE_OPERATOR, Role.SHIFT_LEAD, Role.DISPATCHER, Role.LEADER)),
    ],
) -> Any:
    """The inspectors of your own platform with their grids: whom a 核实 / 核查 task can be
    sent to (派发)."""
    own = service.resolve_jurisdiction(db, principal, None)
    return [
        service.user_out(db, u)
        for u in service.list_users(db, [own.id])
        if u.is_active and Role.INSPECTOR.value in u.role_names
    ]


@router.put("/org/users/{user_id}/on-leave", response_model=UserOut, **scoped(RouteScope.ADMIN))
def set_on_leave(
    user_id: int,
    body: OnLeaveBody,
    db: DbSession,
    principal: Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.SHIFT_LEAD))],
) -> Any:
    """请假 / 销假: an absent inspector gets no 核实 / 核查 task; its grids' tasks go to the
    shift lead's pool (待派发). An admin for the users of its subtree, a shift lead for those
    of its own platform; another platform's user is 404."""
    user = service.set_on_leave(db, principal, user_id, body.on_leave)
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={"change": "on leave" if body.on_leave else "back on duty", "user": user.username},
    )
    return service.user_out(db, user)


@router.post("/org/users", response_model=UserOut, status_code=201, **scoped(RouteScope.ADMIN))
def create_user(body: UserCreate, db: DbSession, principal: Admin) -> Any:
    """A user of your platform, or of a platform below it named by ``jurisdiction``."""
    j = service.resolve_jurisdiction(db, principal, body.jurisdiction)
    user = service.create_user(
        db,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        roles=body.roles,
        jurisdiction=j,
        department_code=body.department_code,
        grid_codes=body.grid_codes,
    )
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={
            "change": "user created",
            "username": body.username,
            "roles": [r.value for r in body.roles],
            "jurisdiction": j.code,
        },
    )
    return service.user_out(db, user)


@router.put("/org/users/{user_id}/active", response_model=UserOut, **scoped(RouteScope.ADMIN))
def set_active(
    user_id: int, body: ActiveBody, db: DbSession, principal: Admin, request: Request
) -> Any:
    """启用 / 停用 a user of your subtree (another platform's is 404). A disabled user
    cannot log in and its sessions end; the last active admin of a platform stays."""
    user = service.set_active(db, principal, user_id, body.active)
    audit.add(
        db,
        "admin",
        principal=principal,
        address=client_address(request),
        detail={
            "change": "user enabled" if body.active else "user disabled",
            "user": user.username,
        },
    )
    return service.user_out(db, user)


@router.put("/org/users/{user_id}/roles", response_model=UserOut, **scoped(RouteScope.ADMIN))
def set_roles(
    user_id: int, body: RolesBody, db: DbSession, principal: Admin, request: Request
) -> Any:
    """A user's roles (and department, of the user's own platform). The last active admin of
    a platform keeps the admin role."""
    user = service.set_roles(db, principal, user_id, body.roles, body.department_code)
    audit.add(
        db,
        "admin",
        principal=principal,
        address=client_address(request),
        detail={
            "change": "roles",
            "user": user.username,
            "roles": sorted(r.value for r in body.roles),
            "department_code": body.department_code,
        },
    )
    return service.user_out(db, user)


@router.post("/org/users/{user_id}/password", status_code=204, **scoped(RouteScope.ADMIN))
def reset_password(
    user_id: int, body: PasswordReset, db: DbSession, principal: Admin, request: Request
) -> None:
    """重置密码: set a new password for a user of your subtree; its sessions and tokens end."""
    user = service.reset_password(db, principal, user_id, body.password)
    audit.add(
        db,
        "admin",
        principal=principal,
        address=client_address(request),
        detail={"change": "password reset", "user": user.username},
    )


@router.post("/org/users/{user_id}/unlock", status_code=204, **scoped(RouteScope.ADMIN))
def unlock_user(user_id: int, db: DbSession, principal: Admin, request: Request) -> None:
    """解锁: lift the lockout of a user of your subtree after too many failed logins."""
    user = service.managed_user(db, principal, user_id)
    Limiter(request.app.state.engine).clear(account_key(user.username))
    audit.add(
        db,
        "unlock",
        principal=principal,
        address=client_address(request),
        detail={"username": user.username},
    )


# --- administration screens (机构管理): departments, inspectors' grids, platform settings ---


def _department_out(row: dict[str, Any]) -> DepartmentAdminOut:
    base = DepartmentOut.model_validate(row["department"]).model_dump()
    return DepartmentAdminOut(
        **base, users_count=row["users_count"], open_cases_count=row["open_cases_count"]
    )


@router.get(
    "/org/admin/departments",
    response_model=list[DepartmentAdminOut],
    **scoped(RouteScope.ADMIN),
)
def admin_departments(db: DbSession, principal: Admin) -> Any:
    """The departments of your platform and those below it, each with its users and its
    open cases (部门树: bureau → unit → team, and street offices)."""
    return [_department_out(r) for r in admin.department_rows(db, principal)]


def _department_row(db: Session, principal: Principal, department_id: int) -> DepartmentAdminOut:
    rows = admin.department_rows(db, principal)
    return _department_out(next(r for r in rows if r["department"].id == department_id))


@router.post(
    "/org/admin/departments",
    response_model=DepartmentAdminOut,
    status_code=201,
    **scoped(RouteScope.ADMIN),
)
def admin_create_department(
    body: DepartmentAdminCreate, db: DbSession, principal: Admin, request: Request
) -> Any:
    """A new department or street office; its code is free on its platform."""
    dept = admin.create_department(db, principal, **body.model_dump())
    audit.add(
        db,
        "admin",
        principal=principal,
        address=client_address(request),
        detail={
            "change": "department created",
            "department": dept.code,
            "name": dept.name,
            "parent_id": dept.parent_id,
            "street_id": dept.street_id,
            "jurisdiction_id": dept.jurisdiction_id,
        },
    )
    return _department_row(db, principal, dept.id)


@router.patch(
    "/org/admin/departments/{department_id}",
    response_model=DepartmentAdminOut,
    **scoped(RouteScope.ADMIN),
)
def admin_update_department(
    department_id: int,
    body: DepartmentPatch,
    db: DbSession,
    principal: Admin,
    request: Request,
) -> Any:
    """Rename, move under another parent (no cycles), set / clear the street, disable /
    enable. A parent or street of another platform is 404."""
    changes = body.model_dump(include=body.model_fields_set)
    dept, changed = admin.update_department(db, principal, department_id, changes)
    if changed:
        audit.add(
            db,
            "admin",
            principal=principal,
            address=client_address(request),
            detail={"change": "department", "department": dept.code, "changes": changed},
        )
    return _department_row(db, principal, dept.id)


@router.delete(
    "/org/admin/departments/{department_id}", status_code=204, **scoped(RouteScope.ADMIN)
)
def admin_delete_department(
    department_id: int, db: DbSession, principal: Admin, request: Request
) -> None:
    """Delete a department without sub-units, users, cases or rules naming it."""
    dept = admin.delete_department(db, principal, department_id)
    audit.add(
        db,
        "admin",
        principal=principal,
        address=client_address(request),
        detail={"change": "department deleted", "department": dept.code, "name": dept.name},
    )


@router.get("/org/admin/grid-coverage", response_model=CoverageOut, **scoped(RouteScope.ADMIN))
def admin_grid_coverage(db: DbSession, principal: Admin, jurisdiction: str | None = None) -> Any:
    """The grids of your platform (or one below it) with who patrols each; the gaps (grids
    with no inspector) send their tasks to the shift lead's pool."""
    return admin.coverage(db, principal, jurisdiction)


@router.put("/org/users/{user_id}/grids", response_model=UserOut, **scoped(RouteScope.ADMIN))
def set_user_grids(
    user_id: int, body: GridsBody, db: DbSession, principal: Admin, request: Request
) -> Any:
    """Replace an inspector's grids (监督员网格) in one go; grids of its own platform."""
    user, added, removed = admin.set_inspector_grids(db, principal, user_id, body.grid_codes)
    audit.add(
        db,
        "admin",
        principal=principal,
        address=client_address(request),
        detail={
            "change": "inspector grids",
            "user": user.username,
            "added": added,
            "removed": removed,
            "count": len(body.grid_codes),
        },
    )
    return service.user_out(db, user)


@router.patch(
    "/org/jurisdictions/{code}", response_model=JurisdictionOut, **scoped(RouteScope.ADMIN)
)
def update_jurisdiction(
    code: str, body: JurisdictionPatch, db: DbSession, principal: Admin, request: Request
) -> Any:
    """Name, time zone (IANA) and source coordinate system of your platform or of one below
    it (a city admin also its districts')."""
    j, changed = admin.update_jurisdiction(db, principal, code, **body.model_dump())
    if changed:
        audit.add(
            db,
            "admin",
            principal=principal,
            address=client_address(request),
            detail={"change": "jurisdiction", "jurisdiction": j.code, "changes": changed},
        )
    return j
