"""Public catalogue endpoints (no login needed: citizen apps read them too).

Each answers for one platform's catalogue — the shared directory with that platform's own
categories and 立案条件 in place of the shared ones (``service.categories_in``): the platform
named by ``jurisdiction`` (6-digit code), else the logged-in caller's own, else the shared
directory alone."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.api.deps import DbSession, OptionalPrincipal, require_roles
from urbangrid.auth import audit
from urbangrid.auth.principal import Principal
from urbangrid.catalog import admin, service
from urbangrid.catalog.directory import Kind
from urbangrid.catalog.filing_table import parse_table, write_table
from urbangrid.catalog.models import Category
from urbangrid.catalog.schemas import (
    CategoryChange,
    CategoryDetail,
    CategoryOut,
    ConditionChange,
    FilingConditionOut,
)
from urbangrid.kit.errors import ImportRejected, NotFound, PayloadTooLarge
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.org import service as org
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.settings import get_settings

router = APIRouter(prefix="/api/v1/catalog", tags=["catalogue 部件/事项"])

PlatformCode = Annotated[
    str | None, Query(pattern=r"^\d{6}$", description="the platform's catalogue (6 digits)")
]


def _platform(db: Session, principal: Principal | None, code: str | None) -> int | None:
    """Whose catalogue: the named platform (any: catalogues are public), else the caller's."""
    if code is not None:
        found = db.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code))
        if found is None:
            raise NotFound(f"no jurisdiction {code}", field="jurisdiction")
        return found
    return principal.jurisdiction_id if principal is not None else None


@router.get("/tree", summary="大类 → 小类 tree", **scoped(RouteScope.PUBLIC))
def catalog_tree(
    db: DbSession, principal: OptionalPrincipal, jurisdiction: PlatformCode = None
) -> list[dict[str, Any]]:
    return service.tree(db, _platform(db, principal, jurisdiction))


@router.get(
    "/categories",
    response_model=list[CategoryOut],
    summary="Search categories",
    **scoped(RouteScope.PUBLIC),
)
def search_categories(
    db: DbSession,
    principal: OptionalPrincipal,
    q: str = Query("", max_length=100, description="code prefix, name, or pinyin (e.g. gsjg)"),
    kind: Kind | None = None,
    limit: int = Query(50, ge=1, le=500),
    jurisdiction: PlatformCode = None,
) -> list[Any]:
    return service.search(db, q, kind, limit, _platform(db, principal, jurisdiction))


@router.get(
    "/categories/{kind}/{code}",
    response_model=CategoryDetail,
    responses={404: {"description": "unknown category"}},
    **scoped(RouteScope.PUBLIC),
)
def get_category(
    kind: Kind,
    code: str,
    db: DbSession,
    principal: OptionalPrincipal,
    jurisdiction: PlatformCode = None,
) -> Any:
    cat = service.get_category(db, kind.value, code, _platform(db, principal, jurisdiction))
    return _detail(cat)


def _detail(cat: Category) -> CategoryDetail:
    active = [FilingConditionOut.model_validate(c) for c in cat.conditions if c.is_active]
    return CategoryDetail(**CategoryOut.model_validate(cat).model_dump(), conditions=active)


Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


@router.put(
    "/categories/{kind}/{code}",
    response_model=CategoryDetail,
    summary="Change a category of your platform: local name, default department, 启用/停用",
    **scoped(RouteScope.ADMIN),
)
def change_category(
    kind: Kind,
    code: str,
    body: CategoryChange,
    db: DbSession,
    principal: Admin,
    jurisdiction: PlatformCode = None,
) -> CategoryDetail:
    """The platform's own version is changed (made from the shared one when needed)."""
    platform = org.resolve_jurisdiction(db, principal, jurisdiction)
    cat = admin.update_category(
        db, principal, platform, kind.value, code, body.model_dump(exclude_unset=True)
    )
    return _detail(cat)


@router.put(
    "/filing-conditions/{condition_id}",
    response_model=CategoryDetail,
    summary="Change one 立案条件 of your platform (text, time limit, 结案条件, department)",
    **scoped(RouteScope.ADMIN),
)
def change_condition(
    condition_id: int,
    body: ConditionChange,
    db: DbSession,
    principal: Admin,
    jurisdiction: PlatformCode = None,
) -> CategoryDetail:
    """Answers the category with its conditions (ids change when the platform's own
    version is made)."""
    platform = org.resolve_jurisdiction(db, principal, jurisdiction)
    cat, _ = admin.update_condition(
        db, principal, platform, condition_id, body.model_dump(exclude_unset=True)
    )
    return _detail(cat)


@router.post(
    "/filing-conditions/import",
    summary="Import a city's filing-condition table (CSV body, UTF-8)",
    responses={422: {"description": "bad rows, each listed with its line; nothing imported"}},
    **scoped(RouteScope.ADMIN),
)
async def import_filing_conditions(
    request: Request, db: DbSession, principal: Admin, jurisdiction: PlatformCode = None
) -> dict[str, Any]:
    """The table becomes the catalogue of your platform (or of one below it, named by
    ``jurisdiction``); an admin bound to no platform writes the shared directory."""
    raw = await request.body()
    limit = get_settings().max_upload_bytes
    if len(raw) > limit:
        raise PayloadTooLarge(f"the CSV is larger than {limit} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(
            "the CSV is not UTF-8",
            [{"line": None, "message": "save the CSV as UTF-8", "code": "not_utf8", "params": {}}],
        ) from None
    target = None
    if jurisdiction is not None or principal.jurisdiction_id is not None:
        target = org.resolve_jurisdiction(db, principal, jurisdiction).id
    summary = service.import_table(db, parse_table(text, source="upload"), target)
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={
            "change": "catalogue imported",
            "jurisdiction_id": target,
            "conditions_created": summary.conditions_created,
        },
    )
    return {
        "categories_created": summary.categories_created,
        "categories_updated": summary.categories_updated,
        "conditions_created": summary.conditions_created,
        "conditions_updated": summary.conditions_updated,
        "conditions_retired": summary.conditions_retired,
        "warnings": summary.warnings,
    }


@router.get(
    "/filing-conditions/export.csv",
    summary="The active filing conditions as CSV",
    **scoped(RouteScope.PUBLIC),
)
def export_filing_conditions(
    db: DbSession, principal: OptionalPrincipal, jurisdiction: PlatformCode = None
) -> Response:
    out = io.StringIO()
    write_table(service.export_rows(db, _platform(db, principal, jurisdiction)), out)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
