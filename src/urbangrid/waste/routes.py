"""垃圾分类: drop-point inspections (the registers are under /api/v1/registers/waste.*)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from urbangrid.api.deps import CurrentPrincipal, DbSession, require_roles
from urbangrid.auth.principal import Principal
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.org import service as org
from urbangrid.org.roles import Role
from urbangrid.waste import indicators, ledger, service
from urbangrid.waste.inspection import Checklist
from urbangrid.waste.schemas import (
    CheckBody,
    CheckOut,
    IndicatorOut,
    IndicatorsOut,
    InspectionBody,
    InspectionOut,
    LedgerOut,
    TicketImportOut,
)

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


Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


@router.post(
    "/tickets/import",
    response_model=TicketImportOut,
    responses={422: {"description": "bad lines, each listed; nothing stored"}},
    **scoped(RouteScope.ADMIN),
)
async def import_tickets(request: Request, db: DbSession, principal: Admin) -> Any:
    """Weighbridge tickets (过磅单) as CSV: ``ticket_no,facility,vehicle,category,time,
    gross_kg,tare_kg[,net_kg]`` (facility and vehicle by register code)."""
    j = org.resolve_jurisdiction(db, principal, None)
    # Weighbridge data, not a change of settings: not in the security log.
    return ledger.import_tickets(db, j, await request.body())


@router.get("/ledger", response_model=LedgerOut, **scoped(RouteScope.JURISDICTION))
def daily_ledger(start: datetime, end: datetime, db: DbSession, principal: CurrentPrincipal) -> Any:
    """分类日报: tonnes by category and facility in [start, end)."""
    j = org.resolve_jurisdiction(db, principal, None)
    return ledger.daily_ledger(db, j, ledger.Period(start, end))


@router.get("/indicators", response_model=IndicatorsOut, **scoped(RouteScope.JURISDICTION))
def indicators_of_period(
    start: datetime, end: datetime, db: DbSession, principal: CurrentPrincipal
) -> Any:
    """The waste-sorting indicators and the monthly assessment of your platform for
    [start, end), from the stored tickets, registers and inspections."""
    j = org.resolve_jurisdiction(db, principal, None)
    q = ledger.quantities(db, j, ledger.Period(start, end))
    formulas = indicators.default_formulas()
    scored = formulas.assess(q)
    return IndicatorsOut(
        quantities={k: round(v, 6) for k, v in q.items()},
        indicators=[
            IndicatorOut(
                name=name,
                label_zh=f.label_zh,
                label_en=f.label_en,
                value=None if scored.values[name] is None else float(scored.values[name]),
                score=None if scored.scores.get(name) is None else float(scored.scores[name]),
            )
            for name, f in formulas.formulas.items()
        ],
        assessment=formulas.assessment.name if formulas.assessment else None,
        total=None if scored.total is None else float(scored.total),
        grade=scored.grade,
    )


@router.post("/checks", response_model=CheckOut, **scoped(RouteScope.ADMIN))
def collection_checks(body: CheckBody, db: DbSession, principal: Admin) -> Any:
    """收运监管: run the collection rules over the local days [start, end) of your
    platform; each violation not seen before opens a case. Counts per rule."""
    from urbangrid.waste import checks

    j = org.resolve_jurisdiction(db, principal, None)
    result = checks.run_collection_checks(db, j, body.start, body.end)
    return CheckOut(
        start=result.start,
        end=result.end,
        days_checked=result.days_checked,
        found=result.found,
        opened=result.opened,
        case_numbers=result.case_numbers,
    )
