"""Public catalogue endpoints (no login needed: citizen apps read them too)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from urbangrid.api.deps import DbSession
from urbangrid.catalog import service
from urbangrid.catalog.directory import Kind
from urbangrid.catalog.schemas import CategoryDetail, CategoryOut, FilingConditionOut

router = APIRouter(prefix="/api/v1/catalog", tags=["catalogue 部件/事项"])


@router.get("/tree", summary="大类 → 小类 tree")
def catalog_tree(db: DbSession) -> list[dict[str, Any]]:
    return service.tree(db)


@router.get("/categories", response_model=list[CategoryOut], summary="Search categories")
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
)
def get_category(kind: Kind, code: str, db: DbSession) -> Any:
    cat = service.get_category(db, kind.value, code)
    active = [FilingConditionOut.model_validate(c) for c in cat.conditions if c.is_active]
    return CategoryDetail(**CategoryOut.model_validate(cat).model_dump(), conditions=active)
