"""Geo API: coordinate conversion, point → grid, map data, addresses, components."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.api.deps import CurrentPrincipal, DbSession, require_roles
from urbangrid.auth.principal import Principal
from urbangrid.geo import addresses, components, locator, service
from urbangrid.geo.crs import Crs, convert
from urbangrid.geo.features import parse_geojson
from urbangrid.geo.mbtiles import MEDIA_TYPES, MBTiles, check_tile_address, sniff_format
from urbangrid.kit.errors import InvalidInput, NotFound, PayloadTooLarge
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.text import is_digits
from urbangrid.org import service as org
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.settings import get_settings

router = APIRouter(prefix="/api/v1/geo", tags=["geo 地理编码 / 基础数据"])

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "not found (problem+json)"},
    422: {"description": "invalid input, e.g. a point outside the jurisdiction"},
}
CrsName = Literal["wgs84", "gcj02", "bd09"]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


class Point(BaseModel):
    lon: float
    lat: float


class Location(BaseModel):
    grid_id: int
    grid_code: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str
    snapped_m: float
    lon: float  # the point in WGS-84
    lat: float


class ComponentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    condition: str | None = Field(None, max_length=10)
    owner_department: str | None = Field(None, max_length=32)
    note: str | None = Field(None, max_length=1000)


def _jurisdiction(db: Session, code: str | None, principal: Principal | None) -> Jurisdiction:
    """The one resolver (``org.service.resolve_jurisdiction``): a platform of the caller's
    subtree by code, or the caller's own; 404 outside."""
    return org.resolve_jurisdiction(db, principal, code)


def _owner(db: Session, code: str, wanted: str | None, principal: Principal) -> Jurisdiction:
    """The platform of a component: the one named, else the one its 17-digit id starts with
    (a city user reads its districts' components by id alone)."""
    if wanted is None and len(code) == 17 and is_digits(code[:6]):
        return _jurisdiction(db, code[:6], principal)
    return _jurisdiction(db, wanted, principal)


def _below(db: Session, j: Jurisdiction) -> frozenset[int]:
    return org.jurisdiction_subtree(db, j.id)


async def _read(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"files up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    return data


def _crs(value: str) -> Crs:
    try:
        return Crs.parse(value)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="crs") from None


@router.get(
    "/convert",
    response_model=Point,
    summary="WGS-84 ↔ GCJ-02 ↔ BD-09",
    **scoped(RouteScope.PUBLIC),
)
def convert_point(
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    from_: Annotated[CrsName, Query(alias="from")] = "wgs84",
    to: CrsName = "gcj02",
) -> Point:
    x, y = convert(lon, lat, from_, to)
    return Point(lon=float(x), lat=float(y))


@router.get(
    "/locate",
    response_model=Location,
    responses=_ERRORS,
    summary="Point → unit grid",
    **scoped(RouteScope.JURISDICTION),
)
def locate(
    db: DbSession,
    principal: CurrentPrincipal,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    crs: CrsName = "wgs84",
    jurisdiction: Annotated[str | None, Query(description="6-digit code")] = None,
) -> Location:
    j = _jurisdiction(db, jurisdiction, principal)
    x, y = convert(lon, lat, crs, Crs.WGS84)
    loc = locator.locate_point(db, j.id, float(x), float(y))
    return Location(
        grid_id=loc.grid_id,
        grid_code=loc.grid_code,
        community_code=loc.community_code,
        community_name=loc.community_name,
        street_code=loc.street_code,
        street_name=loc.street_name,
        snapped_m=loc.snapped_m,
        lon=float(x),
        lat=float(y),
    )


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        parts = tuple(float(v) for v in value.split(","))
    except ValueError:
        raise InvalidInput("bbox must be minlon,minlat,maxlon,maxlat", field="bbox") from None
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise InvalidInput("bbox must be minlon,minlat,maxlon,maxlat", field="bbox")
    return parts  # type: ignore[return-value]


@router.get(
    "/grids.geojson",
    summary="Unit grids as GeoJSON, simplified for a map zoom",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
    **scoped(RouteScope.JURISDICTION),
)
def grids_geojson(
    db: DbSession,
    principal: CurrentPrincipal,
    zoom: Annotated[int | None, Query(ge=0, le=24)] = None,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    jurisdiction: str | None = None,
) -> Response:
    j = _jurisdiction(db, jurisdiction, principal)
    text = service.grids_geojson_text(db, j, zoom=zoom, bbox=_bbox(bbox), below=_below(db, j))
    return Response(text, media_type="application/geo+json")


@router.get(
    "/boundaries.geojson",
    summary="District / street / community boundaries",
    **scoped(RouteScope.JURISDICTION),
)
def boundaries_geojson(
    db: DbSession,
    principal: CurrentPrincipal,
    level: Literal["district", "street", "community"] = "district",
    zoom: Annotated[int | None, Query(ge=0, le=24)] = None,
    jurisdiction: str | None = None,
) -> dict[str, Any]:
    j = _jurisdiction(db, jurisdiction, principal)
    return service.boundaries_geojson(db, j, level=level, zoom=zoom, below=_below(db, j))


# ------------------------------------------------------------------ offline base map (离线底图)


def tile_package() -> MBTiles | None:
    """The configured MBTiles file (URBANGRID_MAP_TILES_PATH), or None."""
    path = get_settings().map_tiles_path
    return MBTiles(path) if path is not None and path.is_file() else None


@router.get(
    "/tiles/{z}/{x}/{y}.{ext}",
    summary="A base-map tile from the configured MBTiles package (204: no tile there)",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}, "image/jpeg": {}, "image/webp": {}}},
        204: {"description": "the package holds no tile at this address"},
        404: {"description": "no tile package is configured"},
        422: {"description": "z/x/y outside the tile pyramid, or an unknown format"},
    },
    **scoped(RouteScope.AUTHENTICATED),
)
def get_tile(z: int, x: int, y: int, ext: str, principal: CurrentPrincipal) -> Response:
    if ext not in MEDIA_TYPES:
        raise InvalidInput(f"a tile is one of {', '.join(MEDIA_TYPES)}", field="ext")
    check_tile_address(z, x, y)
    package = tile_package()
    if package is None:
        raise NotFound("no offline tile package is configured (URBANGRID_MAP_TILES_PATH)")
    data = package.tile(z, x, y)
    if data is None:
        return Response(status_code=204, headers={"Cache-Control": "private, max-age=3600"})
    kind = sniff_format(data) or ext
    return Response(
        data,
        media_type=MEDIA_TYPES[kind],
        headers={"Cache-Control": "private, max-age=86400"},
    )


# ------------------------------------------------------------------ boundaries and grids (admin)


@router.post(
    "/boundaries/import",
    responses=_ERRORS,
    summary="Import boundaries (GeoJSON)",
    **scoped(RouteScope.ADMIN),
)
async def import_boundaries(
    db: DbSession,
    principal: Admin,
    file: Annotated[UploadFile, File()],
    crs: Annotated[str, Form()] = "gcj02",
    level: Annotated[Literal["district", "street", "community"], Form()] = "district",
    code: Annotated[str | None, Form()] = None,
    name: Annotated[str | None, Form()] = None,
    street: Annotated[str | None, Form()] = None,
    jurisdiction: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    features = parse_geojson(await _read(file))
    new_district = None
    if level != "district":
        # Streets and communities go into a platform of the admin's subtree.
        jurisdiction = _jurisdiction(db, jurisdiction, principal).code
    elif principal.jurisdiction_id is not None:
        # An admin bound to a platform outlines it (the default) or a platform below it, or
        # adds a new district below it (named by ``code``); the root admin imports any.
        code = code or _jurisdiction(db, None, principal).code
        exists = db.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code))
        if exists is not None:
            _jurisdiction(db, code, principal)
        else:
            new_district = code
    summary = service.import_boundary(
        db,
        features,
        _crs(crs),
        level=level,
        code=code,
        name=name,
        jurisdiction_code=jurisdiction,
        street_code=street,
    )
    if new_district is not None:
        child = db.scalar(select(Jurisdiction).where(Jurisdiction.code == new_district))
        parent = db.get(Jurisdiction, principal.jurisdiction_id)
        if child is not None:
            org.set_parent_jurisdiction(db, child, parent)
    return _summary(summary)


@router.post(
    "/grids/generate",
    responses=_ERRORS,
    summary="Generate the unit grids",
    **scoped(RouteScope.ADMIN),
)
def generate_grids(
    db: DbSession,
    principal: Admin,
    size: Annotated[float, Query(ge=20, le=2000, description="cell side in metres")] = 100.0,
    jurisdiction: str | None = None,
) -> dict[str, Any]:
    j = _jurisdiction(db, jurisdiction, principal)
    return _summary(service.make_grids(db, j.code, size_m=size))


@router.post(
    "/grids/import",
    responses=_ERRORS,
    summary="Import a grid layer with its codes",
    **scoped(RouteScope.ADMIN),
)
async def import_grid_layer(
    db: DbSession,
    principal: Admin,
    file: Annotated[UploadFile, File()],
    crs: Annotated[str, Form()] = "wgs84",
    code_property: Annotated[str, Form()] = "code",
    jurisdiction: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    j = _jurisdiction(db, jurisdiction, principal)
    features = parse_geojson(await _read(file))
    summary = service.import_grids(
        db, features, _crs(crs), jurisdiction_code=j.code, code_property=code_property
    )
    return _summary(summary)


def _summary(summary: service.Summary) -> dict[str, Any]:
    return {
        "created": summary.created,
        "updated": summary.updated,
        "deleted": summary.deleted,
        "notes": summary.notes,
        **summary.extra,
    }


# ------------------------------------------------------------------ addresses


@router.get(
    "/addresses/search",
    summary="门牌地址 search: prefix, pinyin initials, fuzzy",
    **scoped(RouteScope.JURISDICTION),
)
def search_addresses(
    db: DbSession,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    jurisdiction: str | None = None,
) -> list[dict[str, Any]]:
    j = _jurisdiction(db, jurisdiction, principal)
    return [h.as_dict() for h in addresses.search(db, j, q, limit)]


@router.get(
    "/addresses/reverse",
    responses=_ERRORS,
    summary="Point → nearest address",
    **scoped(RouteScope.JURISDICTION),
)
def reverse_address(
    db: DbSession,
    principal: CurrentPrincipal,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    radius: Annotated[float, Query(gt=0, le=addresses.MAX_RADIUS_M)] = 50.0,
    crs: CrsName = "wgs84",
    jurisdiction: str | None = None,
) -> dict[str, Any]:
    j = _jurisdiction(db, jurisdiction, principal)
    x, y = convert(lon, lat, crs, Crs.WGS84)
    return addresses.reverse(db, j, float(x), float(y), radius).as_dict()


@router.post(
    "/addresses/import",
    responses=_ERRORS,
    summary="Import addresses (CSV/GeoJSON)",
    **scoped(RouteScope.ADMIN),
)
async def import_addresses(
    db: DbSession,
    principal: Admin,
    file: Annotated[UploadFile, File()],
    crs: Annotated[str, Form()] = "wgs84",
    jurisdiction: Annotated[str | None, Form()] = None,
) -> dict[str, int]:
    j = _jurisdiction(db, jurisdiction, principal)
    rows = addresses.parse_address_rows(await _read(file), file.filename or "upload.csv")
    return addresses.import_addresses(db, j, rows, _crs(crs))


# ------------------------------------------------------------------ components


@router.get(
    "/components",
    summary="部件 inventory (filter by class, condition, grid, text)",
    **scoped(RouteScope.JURISDICTION),
)
def list_components(
    db: DbSession,
    principal: CurrentPrincipal,
    class_code: str | None = None,
    condition: str | None = None,
    grid: str | None = None,
    q: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    jurisdiction: str | None = None,
) -> list[dict[str, Any]]:
    j = _jurisdiction(db, jurisdiction, principal)
    return components.list_components(
        db,
        j,
        class_code=class_code,
        condition=condition,
        grid_code=grid,
        q=q,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/components/export",
    summary="Export the inventory as GeoJSON or CSV",
    **scoped(RouteScope.JURISDICTION),
)
def export_components(
    db: DbSession,
    principal: CurrentPrincipal,
    format: Literal["geojson", "csv"] = "geojson",
    jurisdiction: str | None = None,
) -> Response:
    j = _jurisdiction(db, jurisdiction, principal)
    body = components.export_components(db, j, format)
    media = "application/geo+json" if format == "geojson" else "text/csv; charset=utf-8"
    name = f"components_{j.code}.{format}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/components/{code}",
    responses=_ERRORS,
    summary="One component by 17-digit id",
    **scoped(RouteScope.JURISDICTION),
)
def get_component(
    code: str, db: DbSession, principal: CurrentPrincipal, jurisdiction: str | None = None
) -> dict[str, Any]:
    j = _owner(db, code, jurisdiction, principal)
    return components.get_component(db, j, code)


@router.patch(
    "/components/{code}",
    responses=_ERRORS,
    summary="Change condition / owner / note",
    **scoped(RouteScope.JURISDICTION),
)
def patch_component(
    code: str,
    body: ComponentPatch,
    db: DbSession,
    principal: Annotated[
        Principal, Depends(require_roles(Role.ADMIN, Role.INSPECTOR, Role.DEPARTMENT_HANDLER))
    ],
    jurisdiction: str | None = None,
) -> dict[str, Any]:
    j = _owner(db, code, jurisdiction, principal)
    if body.owner_department is not None and not principal.is_admin:
        raise InvalidInput("only an admin changes the owner department", field="owner_department")
    return components.update_component(
        db,
        j,
        code,
        condition=body.condition,
        owner_department=body.owner_department,
        note=body.note,
        editor=principal,
    )


@router.post(
    "/components/import",
    responses=_ERRORS,
    summary="Import components (CSV/GeoJSON)",
    **scoped(RouteScope.ADMIN),
)
async def import_components(
    db: DbSession,
    principal: Admin,
    file: Annotated[UploadFile, File()],
    crs: Annotated[str, Form()] = "wgs84",
    jurisdiction: Annotated[str | None, Form()] = None,
) -> dict[str, int]:
    j = _jurisdiction(db, jurisdiction, principal)
    rows = components.parse_component_rows(await _read(file), file.filename or "upload.csv")
    return components.import_components(db, j, rows, _crs(crs))
