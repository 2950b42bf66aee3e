"""Registers (台账): the declared registers, their records (read in the caller's subtree),
import / export of a jurisdiction's records and single-record edits (admins)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from urbangrid.api.deps import CurrentPrincipal, DbSession, require_roles
from urbangrid.auth import audit
from urbangrid.auth.principal import Principal
from urbangrid.kit.pagination import Page, PageParams, page_params
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.org import service as org
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.registers import service
from urbangrid.registers.models import RegisterRecord
from urbangrid.registers.schemas import (
    FieldOut,
    ImportSummary,
    RecordBody,
    RecordOut,
    RegisterOut,
)
from urbangrid.registers.spec import RegisterSpec

router = APIRouter(prefix="/api/v1/registers", tags=["registers 台账"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
MAX_UPLOAD = 50 * 1024 * 1024


def _target(
    db: Session, principal: Principal, register: str, jurisdiction: str | None
) -> tuple[RegisterSpec, Jurisdiction]:
    """The register named in the path and the platform (the caller's, or one of its subtree
    named by ``jurisdiction``; another is 404)."""
    return service.spec_of(register), org.resolve_jurisdiction(db, principal, jurisdiction)


def _one(db: Session, record: RegisterRecord) -> RecordOut:
    return RecordOut(**service.record_out(record, service.area_names(db, [record])))


def _register_out(name: str) -> RegisterOut:
    spec = service.spec_of(name)
    return RegisterOut(
        name=spec.name,
        label_zh=spec.label_zh,
        label_en=spec.label_en,
        geometry=spec.geometry,
        outside_allowed=spec.outside_allowed,
        fields=[
            FieldOut(
                name=f.name,
                label_zh=f.label_zh,
                label_en=f.label_en,
                type=f.type,
                required=f.required,
                choices=list(f.choices),
                ref=f.ref,
            )
            for f in spec.fields
        ],
    )


@router.get("", response_model=list[RegisterOut], **scoped(RouteScope.AUTHENTICATED))
def registers(principal: CurrentPrincipal) -> Any:
    """Every register the programmes declare, with its fields."""
    return [_register_out(name) for name in sorted(service.all_specs())]


@router.get(
    "/{register}/records", response_model=Page[RecordOut], **scoped(RouteScope.JURISDICTION)
)
def records(
    register: str,
    db: DbSession,
    principal: CurrentPrincipal,
    page: Annotated[PageParams, Depends(page_params)],
    q: str | None = Query(None, max_length=100),
    street_id: int | None = None,
    community_id: int | None = None,
    retired: bool = False,
    jurisdiction: str | None = None,
) -> Any:
    """Records of your platform's subtree (or of the platform named), by code."""
    spec, j = _target(db, principal, register, jurisdiction)
    items, total = service.list_records(
        db,
        org.jurisdiction_subtree(db, j.id),
        spec,
        q=q,
        street_id=street_id,
        community_id=community_id,
        include_retired=retired,
        offset=page.offset,
        limit=page.page_size,
    )
    names = service.area_names(db, items)
    return Page[RecordOut](
        items=[RecordOut(**service.record_out(r, names)) for r in items],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get(
    "/{register}/records/{code}", response_model=RecordOut, **scoped(RouteScope.JURISDICTION)
)
def record(
    register: str,
    code: str,
    db: DbSession,
    principal: CurrentPrincipal,
    jurisdiction: str | None = None,
) -> Any:
    spec, j = _target(db, principal, register, jurisdiction)
    r = service.get_record(db, j, spec, code)
    return _one(db, r)


@router.get("/{register}/export", **scoped(RouteScope.JURISDICTION))
def export(
    register: str,
    db: DbSession,
    principal: CurrentPrincipal,
    format: Literal["csv", "geojson", "shp"] = "csv",
    jurisdiction: str | None = None,
) -> Response:
    """The active records of one platform as CSV (UTF-8 with BOM, for Excel), GeoJSON or a
    zipped shapefile; the file imports again unchanged."""
    spec, j = _target(db, principal, register, jurisdiction)
    if format == "shp":
        return Response(
            service.export_shapefile(db, j, spec),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{spec.name}-{j.code}.zip"'},
        )
    text = service.export_records(db, j, spec, format)
    name = f"{spec.name}-{j.code}.{format}"
    if format == "csv":
        return Response(
            "\ufeff" + text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return Response(
        text,
        media_type="application/geo+json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/{register}/import",
    response_model=ImportSummary,
    responses={422: {"description": "bad rows, each listed with its line; nothing imported"}},
    **scoped(RouteScope.ADMIN),
)
async def import_file(
    register: str,
    request: Request,
    db: DbSession,
    principal: Admin,
    format: Literal["csv", "geojson", "shp"] = "csv",
    crs: str = "wgs84",
    jurisdiction: str | None = None,
) -> Any:
    """Create or update records from a CSV, GeoJSON or zipped-shapefile body; every bad row
    is listed with its line (feature) number and nothing is imported."""
    spec, j = _target(db, principal, register, jurisdiction)
    data = await request.body()
    rows = service.read_rows(spec, data, "upload.zip" if format == "shp" else f"upload.{format}")
    summary = service.import_records(db, j, spec, rows, crs)
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={"change": "register_import", "jurisdiction": j.code, **summary},
    )
    return summary


@router.put("/{register}/records/{code}", response_model=RecordOut, **scoped(RouteScope.ADMIN))
def put_record(
    register: str,
    code: str,
    body: RecordBody,
    db: DbSession,
    principal: Admin,
    jurisdiction: str | None = None,
) -> Any:
    """Create or replace one record (the same checks as an import row)."""
    spec, j = _target(db, principal, register, jurisdiction)
    r, created = service.save_record(
        db, j, spec, code, {**body.cells, "name": body.name}, body.geometry, body.crs
    )
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={
            "change": "register_record",
            "register": spec.name,
            "code": code,
            "jurisdiction": j.code,
            "created": created,
        },
    )
    return _one(db, r)


@router.delete("/{register}/records/{code}", response_model=RecordOut, **scoped(RouteScope.ADMIN))
def retire_record(
    register: str,
    code: str,
    db: DbSession,
    principal: Admin,
    jurisdiction: str | None = None,
) -> Any:
    """Retire (注销) a record: it stays in the history, leaves the lists and exports."""
    spec, j = _target(db, principal, register, jurisdiction)
    r = service.retire(db, j, spec, code)
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={
            "change": "register_retire",
            "register": spec.name,
            "code": code,
            "jurisdiction": j.code,
        },
    )
    return _one(db, r)
