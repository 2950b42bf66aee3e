"""Base data endpoints: health, jurisdiction, area tree, departments, users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import text

from urbangrid import __version__
from urbangrid.api.deps import CurrentPrincipal, DbSession, require_roles
from urbangrid.auth.principal import Principal
from urbangrid.kit.errors import NotFound
from urbangrid.kit.pagination import Page, PageParams, page_params
from urbangrid.org import service
from urbangrid.org.models import Street
from urbangrid.org.roles import Role
from urbangrid.org.schemas import (
    CommunityOut,
    DepartmentCreate,
    DepartmentOut,
    GridOut,
    JurisdictionOut,
    StreetOut,
    UserCreate,
    UserOut,
)

router = APIRouter(prefix="/api/v1", tags=["base data 基础数据"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


@router.get("/health", tags=["system"], summary="Liveness and database check")
def health(db: DbSession) -> dict[str, Any]:
    db.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": db.get_bind().dialect.name}


@router.get("/org/jurisdiction", response_model=JurisdictionOut)
def jurisdiction(db: DbSession, _: CurrentPrincipal, code: str | None = None) -> Any:
    return service.get_jurisdiction(db, code)


@router.get("/org/streets", response_model=list[StreetOut])
def streets(db: DbSession, _: CurrentPrincipal, jurisdiction: str | None = None) -> Any:
    return service.list_streets(db, service.get_jurisdiction(db, jurisdiction).id)


@router.get("/org/communities", response_model=list[CommunityOut])
def communities(db: DbSession, _: CurrentPrincipal, street_id: int | None = None) -> Any:
    if street_id is not None and db.get(Street, street_id) is None:
        raise NotFound(f"no street {street_id}", field="street_id")
    return service.list_communities(db, street_id)


@router.get("/org/grids", response_model=Page[GridOut])
def grids(
    db: DbSession,
    _: CurrentPrincipal,
    page: Annotated[PageParams, Depends(page_params)],
    community_id: int | None = None,
    jurisdiction: str | None = None,
) -> Any:
    j = service.get_jurisdiction(db, jurisdiction)
    items, total = service.list_grids(db, j.id, community_id, page.offset, page.page_size)
    return Page[GridOut](
        items=[GridOut.model_validate(g) for g in items],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get("/org/grids/{code}", response_model=GridOut)
def grid(code: str, db: DbSession, _: CurrentPrincipal) -> Any:
    return service.get_grid(db, code)


@router.get("/org/departments", response_model=list[DepartmentOut])
def departments(db: DbSession, _: CurrentPrincipal, jurisdiction: str | None = None) -> Any:
    return service.list_departments(db, service.get_jurisdiction(db, jurisdiction).id)


@router.post("/org/departments", response_model=DepartmentOut, status_code=201)
def create_department(body: DepartmentCreate, db: DbSession, principal: Admin) -> Any:
    j = service.get_jurisdiction(db)
    return service.upsert_department(db, j.id, **body.model_dump())


@router.get("/org/users/me", response_model=UserOut, tags=["auth"])
def me(db: DbSession, principal: CurrentPrincipal) -> Any:
    return service.user_out(db, service.get_user(db, principal.user_id))


@router.get("/org/users", response_model=list[UserOut])
def users(
    db: DbSession,
    _: Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.LEADER))],
    role: Role | None = Query(None),
) -> Any:
    out = [service.user_out(db, u) for u in service.list_users(db)]
    return [u for u in out if role is None or role in u.roles]


@router.post("/org/users", response_model=UserOut, status_code=201)
def create_user(body: UserCreate, db: DbSession, principal: Admin) -> Any:
    j = service.get_jurisdiction(db)
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
    return service.user_out(db, user)
