"""垃圾分类: drop-point inspections (the registers are under /api/v1/registers/waste.*)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from urbangrid.api.deps import CurrentPrincipal, DbSession, require_roles
from urbangrid.auth.principal import Principal
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.org import service as org
from urbangrid.org.roles import Role
from urbangrid.waste import service
from urbangrid.waste.inspection import Checklist
from urbangrid.waste.schemas import InspectionBody, InspectionOut

router = APIRouter(prefix="/api/v1/waste", tags=["waste 垃圾分类"])
Inspector = Annotated[Principal, Depends(require_roles(Role.INSPECTOR))]


@router.post(
    "/inspections", response_model=InspectionOut, status_code=201, **scoped(RouteScope.CASES)
)
def inspect(body: InspectionBody, db: DbSession, principal: Inspector) -> Any:
    """Record a checklist at a drop point of your platform; each failed item opens a case."""
    j = org.resolve_jurisdiction(db, principal, None)
    checklist = Checklist(
        bins_checked=body.bins_checked,
        bins_wrong=body.bins_wrong,
        overflow=body.overflow,
        signage_ok=body.signage_ok,
        clean=body.clean,
        supervisor_present=body.supervisor_present,
    )
    row = service.record_inspection(
        db, principal, j, body.point, checklist, note=body.note, photos=tuple(body.attachments)
    )
    point = db.get(service.RegisterRecord, row.point_id)
    assert point is not None
    return service.inspection_out(db, principal, row, point)


@router.get("/inspections", response_model=list[InspectionOut], **scoped(RouteScope.CASES))
def inspections(
    db: DbSession,
    principal: CurrentPrincipal,
    point: str | None = Query(None, max_length=64),
    limit: int = Query(50, ge=1, le=500),
) -> Any:
    """Your platform's latest inspections (of one point), with each case's progress."""
    j = org.resolve_jurisdiction(db, principal, None)
    return [
        service.inspection_out(db, principal, row, p)
        for row, p in service.list_inspections(db, j, point, limit)
    ]


@router.get(
    "/inspections/{inspection_id}", response_model=InspectionOut, **scoped(RouteScope.CASES)
)
def inspection(inspection_id: int, db: DbSession, principal: CurrentPrincipal) -> Any:
    j = org.resolve_jurisdiction(db, principal, None)
    row, point = service.get_inspection(db, j, inspection_id)
    return service.inspection_out(db, principal, row, point)
