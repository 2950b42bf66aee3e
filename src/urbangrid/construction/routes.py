"""违法建设: change-patch batches and their 核查, enforcement steps of the register's records
(the register itself is /api/v1/registers/construction.buildings)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from urbangrid.api.deps import CurrentPrincipal, DbSession, require_roles
from urbangrid.api.downloads import xlsx_download
from urbangrid.auth import audit
from urbangrid.auth.principal import Principal
from urbangrid.construction import procedure as proc
from urbangrid.construction import service
from urbangrid.construction.accounting import PATCH_MEASURES
from urbangrid.construction.models import Patch, PatchBatch
from urbangrid.construction.registers import BUILDINGS
from urbangrid.construction.schemas import (
    BatchFiguresOut,
    BatchOut,
    IndicatorRowOut,
    PatchOut,
    ProcedureStepOut,
    RankingOut,
    RecordRowOut,
    SourcesOut,
    StepBody,
    StepOut,
    StepsOut,
    VerdictBody,
)
from urbangrid.kit.errors import PayloadTooLarge
from urbangrid.kit.pagination import Page, PageParams, page_params
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.xlsx import XLSX_MEDIA_TYPE, Column, Sheet
from urbangrid.org import service as org
from urbangrid.org.roles import Role
from urbangrid.registers import service as registers
from urbangrid.registers.models import RegisterRecord

router = APIRouter(prefix="/api/v1/construction", tags=["construction 违法建设"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
Verifier = Annotated[Principal, Depends(require_roles(Role.INSPECTOR, Role.ADMIN))]
# Who records enforcement steps: the enforcement team (a department) and the centre.
Enforcer = Annotated[
    Principal,
    Depends(require_roles(Role.DEPARTMENT_HANDLER, Role.DISPATCHER, Role.SHIFT_LEAD, Role.ADMIN)),
]
MAX_BATCH_BYTES = 100 * 1024 * 1024


def _batch_out(db: DbSession, batch: PatchBatch) -> BatchOut:
    figures = service.batch_figures(db, batch)
    return BatchOut(
        id=batch.id,
        name=batch.name,
        source=batch.source,
        imported_at=batch.imported_at,
        notes=list(batch.notes or []),
        thresholds=dict(batch.thresholds or {}),
        figures=BatchFiguresOut(**figures.__dict__),
    )


@router.get("/procedure", response_model=list[ProcedureStepOut], **scoped(RouteScope.AUTHENTICATED))
def procedure(principal: CurrentPrincipal) -> Any:
    """The enforcement procedure's steps in order (制止 … 销号)."""
    return [
        ProcedureStepOut(
            code=s.code,
            zh=s.zh,
            en=s.en,
            after=list(s.after),
            applies_to=sorted(k.value for k in s.applies_to),
            document=s.document,
            sets_party_deadline=s.sets_party_deadline,
            demolition=s.demolition,
            terminal=s.terminal,
        )
        for s in proc.default_procedure().steps
    ]


@router.post(
    "/batches",
    response_model=BatchOut,
    status_code=201,
    responses={422: {"description": "bad features, each listed; nothing imported"}},
    **scoped(RouteScope.ADMIN),
)
async def import_batch(
    request: Request,
    db: DbSession,
    principal: Admin,
    name: str = Query(max_length=100),
    source: str = Query("satellite", description="satellite | drone | model"),
    filename: str = Query("batch.geojson", max_length=200, description=".geojson or .zip"),
    crs: str = "wgs84",
    jurisdiction: str | None = None,
) -> Any:
    """Import a batch of change patches (图斑) and match it against the register."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    data = await request.body()
    if len(data) > MAX_BATCH_BYTES:
        raise PayloadTooLarge(f"a batch file holds at most {MAX_BATCH_BYTES // 2**20} MB")
    batch = service.import_batch(
        db, principal, j, name=name, source=source, data=data, filename=filename, crs=crs
    )
    out = _batch_out(db, batch)
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={
            "change": "patch_batch_import",
            "jurisdiction": j.code,
            "batch": batch.name,
            "patches": out.figures.patches,
        },
    )
    return out


@router.get("/batches", response_model=list[BatchOut], **scoped(RouteScope.JURISDICTION))
def batches(db: DbSession, principal: CurrentPrincipal, jurisdiction: str | None = None) -> Any:
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    rows = db.scalars(
        select(PatchBatch).where(PatchBatch.jurisdiction_id == j.id).order_by(PatchBatch.id.desc())
    )
    return [_batch_out(db, b) for b in rows]


@router.get("/batches/{batch_id}", response_model=BatchOut, **scoped(RouteScope.JURISDICTION))
def batch(
    batch_id: int, db: DbSession, principal: CurrentPrincipal, jurisdiction: str | None = None
) -> Any:
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    return _batch_out(db, service.get_batch(db, j, batch_id))


@router.get(
    "/batches/{batch_id}/patches", response_model=Page[PatchOut], **scoped(RouteScope.JURISDICTION)
)
def batch_patches(
    batch_id: int,
    db: DbSession,
    principal: CurrentPrincipal,
    page: Annotated[PageParams, Depends(page_params)],
    match: str | None = Query(None, max_length=16),
    jurisdiction: str | None = None,
) -> Any:
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    b = service.get_batch(db, j, batch_id)
    stmt = select(Patch).where(Patch.batch_id == b.id)
    if match:
        stmt = stmt.where(Patch.match == match)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.order_by(Patch.id).offset(page.offset).limit(page.page_size))
    return Page[PatchOut](
        items=[PatchOut.model_validate(p, from_attributes=True) for p in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get("/batches/{batch_id}/verdicts.geojson", **scoped(RouteScope.JURISDICTION))
def verdicts_geojson(
    batch_id: int, db: DbSession, principal: CurrentPrincipal, jurisdiction: str | None = None
) -> Response:
    """The batch's patches with their 核查 verdicts, for the provincial platform."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    b = service.get_batch(db, j, batch_id)
    body = service.verdicts_geojson(db, b)
    return Response(
        body,
        media_type="application/geo+json",
        headers={"Content-Disposition": f'attachment; filename="verdicts-{b.id}.geojson"'},
    )


@router.get("/tasks", response_model=Page[PatchOut], **scoped(RouteScope.JURISDICTION))
def tasks(
    db: DbSession,
    principal: CurrentPrincipal,
    page: Annotated[PageParams, Depends(page_params)],
    jurisdiction: str | None = None,
) -> Any:
    """Patches waiting for 核查 (an inspector's: those in the grids they patrol)."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    stmt = service.tasks_query(principal, j)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.scalars(stmt.offset(page.offset).limit(page.page_size))
    return Page[PatchOut](
        items=[PatchOut.model_validate(p, from_attributes=True) for p in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get("/patches/{patch_id}", response_model=PatchOut, **scoped(RouteScope.JURISDICTION))
def patch(
    patch_id: int, db: DbSession, principal: CurrentPrincipal, jurisdiction: str | None = None
) -> Any:
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    return PatchOut.model_validate(
        service.get_patch(db, principal, j, patch_id), from_attributes=True
    )


@router.post(
    "/patches/{patch_id}/verdict", response_model=PatchOut, **scoped(RouteScope.JURISDICTION)
)
def verdict(
    patch_id: int,
    body: VerdictBody,
    db: DbSession,
    principal: Verifier,
    jurisdiction: str | None = None,
) -> Any:
    """Record the 核查 verdict; an illegal building gets a register record and a case."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    row = service.record_verdict(
        db,
        principal,
        j,
        patch_id,
        service.Verdict(
            verdict=body.verdict,
            permit_no=body.permit_no,
            note=body.note,
            party=body.party,
            type=body.type,
            structure=body.structure,
            floors=body.floors,
            photos=tuple(body.attachments),
        ),
    )
    return PatchOut.model_validate(row, from_attributes=True)


@router.get("/records", response_model=Page[RecordRowOut], **scoped(RouteScope.JURISDICTION))
def records(
    db: DbSession,
    principal: CurrentPrincipal,
    page: Annotated[PageParams, Depends(page_params)],
    status: str | None = Query(None, max_length=8, description="在查 / 已拆除 / 已销号 / 已补办"),
    overdue: bool | None = None,
    q: str | None = Query(None, max_length=100),
    jurisdiction: str | None = None,
) -> Any:
    """The register with each record's status and next step (overdue or not), by code."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    rows = service.record_rows(db, j, status=status, overdue=overdue, q=q)
    items = [
        RecordRowOut(
            id=row.record.id,
            code=row.record.code,
            name=row.record.name,
            status=row.status,
            kind=row.kind,
            address=str((row.record.attributes or {}).get("address") or ""),
            area_m2=round(service.building_area(row.record), 1),
            geometry=row.record.geometry,
            lon=row.record.lon,
            lat=row.record.lat,
            next_step=row.next_step,
            next_due=row.next_due,
            overdue=row.overdue,
        )
        for row in rows[page.offset : page.offset + page.page_size]
    ]
    return Page[RecordRowOut](
        items=items, total=len(rows), page=page.page, page_size=page.page_size
    )


def _steps_out(view: dict[str, Any]) -> StepsOut:
    return StepsOut(
        record_code=view["record_code"],
        kind=view["kind"],
        discovered=view["discovered"],
        taken=[StepOut.model_validate(s, from_attributes=True) for s in view["taken"]],
        pending=[p.__dict__ for p in view["pending"]],
        next_due=view["next_due"].__dict__ if view["next_due"] else None,
        overdue=view["overdue"],
    )


@router.get("/records/{code}/steps", response_model=StepsOut, **scoped(RouteScope.JURISDICTION))
def record_steps(
    code: str, db: DbSession, principal: CurrentPrincipal, jurisdiction: str | None = None
) -> Any:
    """The steps taken on an illegal building, what may come next and by when."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    record = registers.get_record(db, j, BUILDINGS, code)
    return _steps_out(service.steps_view(db, j, record))


@router.post(
    "/records/{code}/steps",
    response_model=StepsOut,
    status_code=201,
    responses={422: {"description": "out of order, too early, missing document …"}},
    **scoped(RouteScope.JURISDICTION),
)
def add_step(
    code: str,
    body: StepBody,
    db: DbSession,
    principal: Enforcer,
    jurisdiction: str | None = None,
) -> Any:
    """Record a step of the procedure; refused with every reason when the law does not
    allow it yet (order, minimum days, documents)."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    step = service.take_step(
        db,
        principal,
        j,
        code,
        service.NewStep(
            code=body.code,
            day=body.day,
            document_no=body.document_no,
            party_deadline=body.party_deadline,
            area_m2=body.area_m2,
            note=body.note,
            photos=tuple(body.attachments),
        ),
    )
    record = db.get(RegisterRecord, step.record_id)  # loaded by take_step already
    assert record is not None
    return _steps_out(service.steps_view(db, j, record))


INDICATOR_COLUMNS = (
    ("name", "区域", "text"),
    ("records", "违建总数", "int"),
    ("open", "在查", "int"),
    ("new_found", "新增发现", "int"),
    ("new_stopped", "新增制止", "int"),
    ("new_stopped_share", "新增制止率", "percent"),
    ("new_demolished_share", "新增拆除率", "percent"),
    ("days_to_stop_median", "发现到制止(天,中位数)", "number"),
    ("stock", "存量(处)", "int"),
    ("stock_area_m2", "存量面积(㎡)", "number"),
    ("stock_reduced_m2", "存量消减(㎡)", "number"),
    ("stock_reduced_share", "存量消减率", "percent"),
    ("demolished_self_m2", "自行拆除(㎡)", "number"),
    ("demolished_forced_m2", "强制拆除(㎡)", "number"),
    ("patches_tasks", "核查图斑", "int"),
    ("patches_verified_share", "图斑核查率", "percent"),
    ("days_to_verify_median", "核查用时(天,中位数)", "number"),
    ("patches_confirmed_share", "图斑确认率", "percent"),
    ("rebuild_rate", "复建率", "percent"),
    ("clean", "无违建", "text"),
)


def _cell(key: str) -> Any:
    """The column's value: 无违建 as 是/否, the rest as they are."""
    return (lambda row: "是" if row["clean"] else "否") if key == "clean" else key


@router.get(
    "/indicators",
    response_model=list[IndicatorRowOut],
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}},
    **scoped(RouteScope.JURISDICTION),
)
def indicators(
    db: DbSession,
    principal: CurrentPrincipal,
    start: date,
    end: date,
    level: str = Query("street", description="community | street | district"),
    format: str = Query("json", pattern="^(json|xlsx)$"),
    jurisdiction: str | None = None,
) -> Any:
    """零增长, stock reduction, m² demolished, patch verification, rebuilds and 无违建 by
    community, street or district for the period (dates inclusive); ``format=xlsx`` for a
    workbook."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    rows = service.indicator_rows(db, j, start, end, level)
    if format == "xlsx":
        sheet = Sheet(
            title="违法建设治理指标",
            columns=[Column(_cell(key), title, kind) for key, title, kind in INDICATOR_COLUMNS],
            rows=rows,
            preamble=[f"{j.name} 违法建设治理指标 {start} 至 {end}"],
        )
        return xlsx_download([sheet], f"违法建设指标-{start}-{end}.xlsx", tz=ZoneInfo(j.timezone))
    return rows


@router.get("/indicators/sources", response_model=SourcesOut, **scoped(RouteScope.JURISDICTION))
def indicator_sources(
    db: DbSession,
    principal: CurrentPrincipal,
    start: date,
    end: date,
    measure: str = Query(max_length=32),
    level: str = Query("street"),
    key: int | None = None,
    jurisdiction: str | None = None,
) -> Any:
    """The records (or patches) behind one figure of /indicators."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    ids = service.indicator_sources(db, j, start, end, level, key, measure)
    if measure in PATCH_MEASURES:
        codes = list(db.scalars(select(Patch.ref).where(Patch.id.in_(ids)).order_by(Patch.id)))
        return SourcesOut(measure=measure, kind="patches", ids=ids, codes=codes)
    codes = list(
        db.scalars(
            select(RegisterRecord.code)
            .where(RegisterRecord.id.in_(ids))
            .order_by(RegisterRecord.id)
        )
    )
    return SourcesOut(measure=measure, kind="records", ids=ids, codes=codes)


@router.get("/ranking", response_model=RankingOut, **scoped(RouteScope.JURISDICTION))
def street_ranking(
    db: DbSession,
    principal: CurrentPrincipal,
    start: date,
    end: date,
    jurisdiction: str | None = None,
) -> Any:
    """The streets' 红黑榜 for the period: a score from the platform's weighted shares
    (stock reduction, new builds stopped, patches verified by default)."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    return service.street_ranking(db, j, start, end)
