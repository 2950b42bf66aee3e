"""Public catalogue endpoints (no login needed: citizen apps read them too)."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from urbangrid.api.deps import DbSession, require_roles
from urbangrid.auth.principal import Principal
from urbangrid.catalog import service
from urbangrid.catalog.directory import Kind
from urbangrid.catalog.filing_table import parse_table, write_table
from urbangrid.catalog.schemas import CategoryDetail, CategoryOut, FilingConditionOut
from urbangrid.kit.errors import ImportRejected
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.org.roles import Role

router = APIRouter(prefix="/api/v1/catalog", tags=["catalogue 部件/事项"])


@router.get("/tree", summary="大类 → 小类 tree", **scoped(RouteScope.PUBLIC))
def catalog_tree(db: DbSession) -> list[dict[str, Any]]:
    return service.tree(db)


@router.get(
    "/categories",
    response_model=list[CategoryOut],
    summary="Search categories",
    **scoped(RouteScope.PUBLIC),
)
def search_categories(
    db: DbSession,
    q: str = Query("", description="code prefix, name, or pinyin initials (e.g. gsjg)"),
    kind: Kind | None = None,
    limit: int = Query(50, ge=1, le=500),
) -> list[Any]:
    return service.search(db, q, kind, limit)


@router.get(
    "/categories/{kind}/{code}",
    response_model=CategoryDetail,
    responses={404: {"description": "unknown category"}},
    **scoped(RouteScope.PUBLIC),
)
def get_category(kind: Kind, code: str, db: DbSession) -> Any:
    cat = service.get_category(db, kind.value, code)
    active = [FilingConditionOut.model_validate(c) for c in cat.conditions if c.is_active]
    return CategoryDetail(**CategoryOut.model_validate(cat).model_dump(), conditions=active)


Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


@router.post(
    "/filing-conditions/import",
    summary="Import a city's filing-condition table (CSV body, UTF-8)",
    responses={422: {"description": "bad rows, each listed with its line; nothing imported"}},
    **scoped(RouteScope.ADMIN),
)
async def import_filing_conditions(request: Request, db: DbSession, _: Admin) -> dict[str, Any]:
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(
            "the CSV is not UTF-8", [{"line": None, "message": "save the CSV as UTF-8"}]
        ) from None
    summary = service.import_table(db, parse_table(text, source="upload"))
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
def export_filing_conditions(db: DbSession) -> Response:
    out = io.StringIO()
    write_table(service.export_rows(db), out)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
