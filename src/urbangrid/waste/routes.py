"""垃圾分类: drop-point inspections (the registers are under /api/v1/registers/waste.*)."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from urbangrid.api.deps import CurrentPrincipal, DbSession, require_roles
from urbangrid.auth.principal import Principal
from urbangrid.cases.models import Case
from urbangrid.cases.queries import case_scope
from urbangrid.kit.errors import InvalidInput
from urbangrid.kit.pagination import PageParams, page_params
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.types import CalendarDate
from urbangrid.org import service as org
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.waste import checks, exports, indicators, ledger, report, service
from urbangrid.waste.inspection import Checklist
from urbangrid.waste.replay import PointStatus
from urbangrid.waste.schemas import (
    AssessedOut,
    AssessmentOut,
    CaseRefOut,
    CheckBody,
    CheckOut,
    FormulaOut,
    IndicatorOut,
    IndicatorsByLevelOut,
    InspectionBody,
    InspectionOut,
    InspectionSourceOut,
    LedgerByStreetOut,
    ObjectIndicatorsOut,
    PointsStatusOut,
    SourcesOut,
    TermOut,
    TicketImportOut,
    VehicleDayOut,
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
    mine: bool = Query(False, description="only the caller's own inspections"),
) -> Any:
    """Your platform's latest inspections (of one point; your own with ``mine``), with each
    case's progress."""
    j = org.resolve_jurisdiction(db, principal, None)
    who = principal.user_id if mine else None
    return [
        service.inspection_out(db, principal, row, p)
        for row, p in service.list_inspections(db, j, point, limit, inspector_id=who)
    ]


@router.get(
    "/inspections/{inspection_id}", response_model=InspectionOut, **scoped(RouteScope.CASES)
)
def inspection(inspection_id: int, db: DbSession, principal: CurrentPrincipal) -> Any:
    j = org.resolve_jurisdiction(db, principal, None)
    row, point = service.get_inspection(db, j, inspection_id)
    return service.inspection_out(db, principal, row, point)


@router.get("/points/status", response_model=PointsStatusOut, **scoped(RouteScope.CASES))
def points_status(
    db: DbSession,
    principal: CurrentPrincipal,
    jurisdiction: str | None = None,
    street_id: int | None = Query(None, ge=1, lt=2**63),
    community_id: int | None = Query(None, ge=1, lt=2**63),
    status: PointStatus | None = None,
    stale_days: int = Query(30, ge=1, le=365),
) -> Any:
    """投放点地图: every active drop point of the platform with the status of its latest
    inspection (never / open / stale / passed / rectified; cases the caller may not read
    count as not rectified); ``counts`` per status over the area filters."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    return service.points_status(
        db,
        principal,
        j,
        street_id=street_id,
        community_id=community_id,
        status=status,
        stale_days=stale_days,
    )


@router.get("/vehicles/{code}/day", response_model=VehicleDayOut, **scoped(RouteScope.JURISDICTION))
def vehicle_day(
    code: str,
    db: DbSession,
    principal: CurrentPrincipal,
    day: date = Query(alias="date", description="the local day, YYYY-MM-DD"),
    jurisdiction: str | None = None,
) -> Any:
    """车辆轨迹回放: a vehicle's fixes of a day (thinned to at most about 1500, each stop's
    first and last fix kept), its stops at drop points and facilities, its trips and the
    collection rules it broke that day."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    return service.vehicle_day(db, j, code, day)


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


# -- indicators and reports (指标与报表) -----------------------------------------------------

# Who reads the programme's figures: those who read the case evaluation, and admins.
Reader = Annotated[
    Principal, Depends(require_roles(Role.LEADER, Role.SHIFT_LEAD, Role.DISPATCHER, Role.ADMIN))
]
_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "needs the leader, shift lead, dispatcher or admin role"},
    404: {"description": "no such platform or object in your scope"},
    422: {"description": "bad period, level, kind or month"},
}
Jur = Query(None, max_length=19, description="a platform of your subtree (default: yours)")
Format = Query("json", pattern="^(json|xlsx)$", description="json, or xlsx for a download")


def _zone(j: Jurisdiction) -> ZoneInfo:
    return ZoneInfo(j.timezone or "Asia/Shanghai")


def _period(
    j: Jurisdiction,
    start: datetime | None,
    end: datetime | None,
    day_from: date | None,
    day_to: date | None,
) -> ledger.Period:
    """[start, end) instants, or the local days from … to (inclusive) of the platform."""
    if start is not None and end is not None:
        return ledger.Period(start, end)
    if day_from is not None:
        return ledger.Period(*report.day_bounds(day_from, day_to or day_from, _zone(j)))
    raise InvalidInput("give start and end, or from (and to)", field="start")


def _f(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _level_rows(
    db: DbSession, j: Jurisdiction, level: report.Level, period: ledger.Period
) -> tuple[list[report.ObjectRow], float, report.Facts]:
    """The objects of a level; districts are the platform's child platforms (or itself)."""
    facts = report.load_facts(db, j, period.start, period.end)
    if level is not report.Level.DISTRICT:
        rows, unattributed = report.quantities_by(facts, level)
        return rows, unattributed, facts
    children = list(db.scalars(select(Jurisdiction).where(Jurisdiction.parent_id == j.id)))
    rows, unattributed = [], 0.0
    for child in sorted(children, key=lambda c: c.code) or [j]:
        f = facts if child is j else report.load_facts(db, child, period.start, period.end)
        more, lost = report.quantities_by(f, level)
        rows += more
        unattributed += lost
    return rows, unattributed, facts


@router.get(
    "/ledger",
    response_model=LedgerByStreetOut,
    responses=_ERRORS,
    **scoped(RouteScope.JURISDICTION),
)
def daily_ledger(
    db: DbSession,
    principal: Reader,
    start: datetime | None = None,
    end: datetime | None = None,
    day_from: CalendarDate | None = Query(None, alias="from", description="first local day"),
    day_to: CalendarDate | None = Query(None, alias="to", description="last local day"),
    jurisdiction: str | None = Jur,
    format: str = Format,
) -> Any:
    """分类日报: tonnes by category, facility, street (the vehicle's service street) and day
    in [start, end) or the local days from … to."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    period = _period(j, start, end, day_from, day_to)
    facts = report.load_facts(db, j, period.start, period.end)
    out = report.ledger(facts, _zone(j))
    if format == "xlsx":
        return exports.ledger_xlsx(j, period, out, _zone(j))
    return {**out, "start": period.start, "end": period.end}


@router.get(
    "/indicators",
    response_model=IndicatorsByLevelOut,
    responses=_ERRORS,
    **scoped(RouteScope.JURISDICTION),
)
def indicators_of_period(
    db: DbSession,
    principal: Reader,
    start: datetime | None = None,
    end: datetime | None = None,
    day_from: CalendarDate | None = Query(None, alias="from", description="first local day"),
    day_to: CalendarDate | None = Query(None, alias="to", description="last local day"),
    level: str = Query("platform", max_length=16, description="|".join(report.Level)),
    jurisdiction: str | None = Jur,
    format: str = Format,
) -> Any:
    """The waste-sorting indicators for [start, end): the platform's (with its monthly
    assessment, as before) and one row per object of ``level`` (each indicator None when
    its denominator is 0, and the quantities it is computed from)."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    lvl = report.level_of(level)
    period = _period(j, start, end, day_from, day_to)
    formulas = indicators.default_formulas()
    rows, unattributed, facts = _level_rows(db, j, lvl, period)
    platform = report.quantities_by(facts, report.Level.PLATFORM)[0][0].quantities
    if format == "xlsx":
        return exports.indicators_xlsx(j, period, lvl, rows, formulas, unattributed, _zone(j))
    scored = formulas.assess(platform)
    return IndicatorsByLevelOut(
        quantities={k: round(v, 6) for k, v in platform.items()},
        indicators=[
            IndicatorOut(
                name=name,
                label_zh=f.label_zh,
                label_en=f.label_en,
                value=_f(scored.values[name]),
                score=_f(scored.scores.get(name)),
            )
            for name, f in formulas.formulas.items()
        ],
        assessment=formulas.assessment.name if formulas.assessment else None,
        total=_f(scored.total),
        grade=scored.grade,
        level=lvl.value,
        start=period.start,
        end=period.end,
        formulas=[
            FormulaOut(name=n, label_zh=f.label_zh, label_en=f.label_en)
            for n, f in formulas.formulas.items()
        ],
        rows=[
            ObjectIndicatorsOut(
                key=r.key,
                name=r.name,
                values={n: _f(v) for n, v in formulas.values(r.quantities).items()},
                quantities={k: round(v, 6) for k, v in r.quantities.items()},
            )
            for r in rows
        ],
        unattributed_t=round(unattributed, 6),
        tonnage_attributed=lvl in report.TONNAGE_LEVELS,
        inspections_attributed=lvl in report.AREA_LEVELS,
    )


def _assessed(a: report.AssessedRow) -> AssessedOut:
    return AssessedOut(
        key=a.key,
        name=a.name,
        rank=a.rank,
        eligible=a.eligible,
        inspections=int(a.quantities.get("inspections", 0)),
        total=_f(a.scored.total),
        grade=a.scored.grade,
        values={n: _f(v) for n, v in a.scored.values.items()},
        scores={n: _f(v) for n, v in a.scored.scores.items()},
    )


@router.get(
    "/assessment",
    response_model=AssessmentOut,
    responses=_ERRORS,
    **scoped(RouteScope.JURISDICTION),
)
def assessment(
    db: DbSession,
    principal: Reader,
    month: str = Query(max_length=7, description="YYYY-MM, the platform's local month"),
    level: str = Query("street", pattern="^(street|estate)$"),
    size: int | None = Query(None, ge=1, le=50, description="at most this many per list"),
    min_inspections: int | None = Query(
        None, ge=0, le=10000, description="fewer inspections in the month: not ranked"
    ),
    jurisdiction: str | None = Jur,
    format: str = Format,
) -> Any:
    """月度考核 of the streets or estates with the configured weights and grades, and the
    红榜 (best) and 黑榜 (worst) among the objects with enough data."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    lvl = report.level_of(level)
    start, end = report.month_period(month, _zone(j))
    formulas = indicators.default_formulas()
    configured = indicators.default_ranking()
    ranking = report.Ranking(
        size=size if size is not None else configured.size,
        min_inspections=(
            min_inspections if min_inspections is not None else configured.min_inspections
        ),
    )
    facts = report.load_facts(db, j, start, end)
    rows, _ = report.quantities_by(facts, lvl)
    items, red, black = report.assess_rows(rows, formulas, ranking)
    assert formulas.assessment is not None
    out = AssessmentOut(
        month=month,
        level=lvl.value,
        name=formulas.assessment.name,
        terms=[
            TermOut(
                formula=t.formula,
                label_zh=formulas.formulas[t.formula].label_zh,
                label_en=formulas.formulas[t.formula].label_en,
                weight=float(t.weight),
                scoring=t.scoring,
                target=_f(t.target),
            )
            for t in formulas.assessment.terms
        ],
        size=ranking.size,
        min_inspections=ranking.min_inspections,
        items=[_assessed(a) for a in items],
        red=[_assessed(a) for a in red],
        black=[_assessed(a) for a in black],
    )
    if format == "xlsx":
        return exports.assessment_xlsx(j, out, formulas)
    return out


@router.get("/sources", response_model=SourcesOut, responses=_ERRORS, **scoped(RouteScope.CASES))
def sources(
    db: DbSession,
    principal: Reader,
    kind: str = Query(max_length=16, description="tickets | inspections"),
    level: str = Query(max_length=16),
    key: str = Query(max_length=64, description="the object's key as the indicators give it"),
    start: datetime | None = None,
    end: datetime | None = None,
    day_from: CalendarDate | None = Query(None, alias="from"),
    day_to: CalendarDate | None = Query(None, alias="to"),
    jurisdiction: str | None = Jur,
    paging: PageParams = Depends(page_params),
) -> Any:
    """What an object's figure is computed from: the weigh tickets (tonnage) or the
    inspections with their cases (inspection figures) of the period, a page at a time; the
    sums cover every page. A case the caller may not read shows without its number."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    lvl = report.level_of(level)
    if kind not in ("tickets", "inspections"):
        raise InvalidInput(
            f"unknown kind {kind!r}: tickets or inspections",
            field="kind",
            code="waste_source_kind_unknown",
        )
    allowed = report.TONNAGE_LEVELS if kind == "tickets" else report.AREA_LEVELS
    if lvl not in allowed or lvl is report.Level.DISTRICT:
        raise InvalidInput(
            f"no {kind} detail at level {lvl.value}",
            field="level",
            code="waste_level_has_no_source",
            params={"kind": "过磅单" if kind == "tickets" else "检查", "level": lvl.value},
        )
    period = _period(j, start, end, day_from, day_to)
    facts = report.load_facts(db, j, period.start, period.end)
    name = report.object_name(facts, lvl, key)
    lo, hi = paging.offset, paging.offset + paging.page_size
    if kind == "tickets":
        rows = list(report.ticket_sources(facts, lvl, key))
        sums = {"tickets": float(len(rows)), "net_t": round(sum(r["net_t"] for r in rows), 6)}
        for category in ("厨余垃圾", "其他垃圾", "可回收物"):
            sums[category] = round(sum(r["net_t"] for r in rows if r["category"] == category), 6)
        return SourcesOut(
            kind=kind, level=lvl.value, key=key, name=name, total=len(rows),
            page=paging.page, page_size=paging.page_size, sums=sums, tickets=rows[lo:hi],
        )  # fmt: skip
    irows = list(report.inspection_sources(facts, lvl, key))
    all_cases = [c for r in irows for c in r["case_ids"]]
    sums = {
        "inspections": float(len(irows)),
        "inspections_failed": float(sum(r["failed"] for r in irows)),
        "bins_checked": float(sum(r["bins_checked"] for r in irows)),
        "bins_wrong": float(sum(r["bins_wrong"] for r in irows)),
        "rectifications_due": float(len(all_cases)),
        "rectified_on_time": float(sum(facts.cases.get(c, ("", False))[1] for c in all_cases)),
    }
    page = irows[lo:hi]
    ids = [c for r in page for c in r["case_ids"]]
    scope = case_scope(db, principal)
    readable = {c.id for c in db.scalars(select(Case).where(Case.id.in_(ids))) if scope.reads(c)}
    items = []
    for r in page:
        refs = []
        for cid in r["case_ids"]:
            number, on_time = facts.cases.get(cid, ("", False))
            seen = cid in readable
            refs.append(
                CaseRefOut(
                    case_id=cid if seen else None,
                    number=number if seen else None,
                    rectified_on_time=on_time if seen else None,
                )
            )
        items.append(
            InspectionSourceOut(**{k: v for k, v in r.items() if k != "case_ids"}, cases=refs)
        )
    return SourcesOut(
        kind=kind, level=lvl.value, key=key, name=name, total=len(irows),
        page=paging.page, page_size=paging.page_size, sums=sums, inspections=items,
    )  # fmt: skip


@router.post("/checks", response_model=CheckOut, **scoped(RouteScope.ADMIN))
def collection_checks(body: CheckBody, db: DbSession, principal: Admin) -> Any:
    """收运监管: run the collection rules over the local days [start, end) of your
    platform; each violation not seen before opens a case. Counts per rule."""
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
