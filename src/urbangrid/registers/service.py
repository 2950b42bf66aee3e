"""Registers (台账) in the database: import (all or nothing, line-numbered errors), export,
list, read, edit and retire records of any declared register.

Registers are declared by the domain packages (``urbangrid.<domain>.registers.SPECS``, found
through ``domains.DOMAINS``). Records belong to one jurisdiction; callers read the records
of their jurisdiction's subtree and change those of a jurisdiction they administer (the
routes resolve it with ``org.service.resolve_jurisdiction``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely import wkt
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from urbangrid.domains import domain_modules
from urbangrid.geo import locator
from urbangrid.geo.crs import Crs, to_wgs84
from urbangrid.geo.features import parse_geojson, read_zipped_shapefile, write_zipped_shapefile
from urbangrid.kit.errors import Conflict, ImportRejected, InvalidInput, NotFound
from urbangrid.kit.spreadsheet import safe_cell, unescape_cell
from urbangrid.org.models import Community, Grid, Jurisdiction, Street
from urbangrid.registers.models import RegisterRecord
from urbangrid.registers.spec import ParsedRow, RegisterSpec, format_row, parse_row

MAX_ROWS = 100_000
LON_KEYS = ("lon", "lng", "longitude", "经度")
LAT_KEYS = ("lat", "latitude", "纬度")


@lru_cache(maxsize=1)
def all_specs() -> dict[str, RegisterSpec]:
    specs: dict[str, RegisterSpec] = {}
    for module in domain_modules("registers"):
        for spec in getattr(module, "SPECS", ()):
            if spec.name in specs:
                raise RuntimeError(f"register {spec.name} is declared twice")
            specs[spec.name] = spec
    for spec in specs.values():
        for f, target in spec.refs.items():
            if target not in specs:
                raise RuntimeError(f"{spec.name}.{f} refers to an unknown register {target}")
    return specs


def spec_of(name: str) -> RegisterSpec:
    spec = all_specs().get(name)
    if spec is None:
        raise NotFound(f"no register {name!r}", code="register_not_found", params={"name": name})
    return spec


# -- reading files ---------------------------------------------------------------------------


@dataclass
class InputRow:
    line: int  # CSV line (the header is line 1) or GeoJSON feature number
    cells: dict[str, Any]
    geometry: BaseGeometry | None  # as given, in the file's coordinate system
    problems: list[str]


def _geometry_from_cells(spec: RegisterSpec, low: Mapping[str, Any]) -> BaseGeometry | None:
    lon = next((low[k] for k in LON_KEYS if str(low.get(k) or "").strip()), None)
    lat = next((low[k] for k in LAT_KEYS if str(low.get(k) or "").strip()), None)
    if lon is not None or lat is not None:
        try:
            point = shapely.Point(float(lon), float(lat))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"lon/lat {lon!r}, {lat!r} are not numbers") from None
        if not (np.isfinite(point.x) and np.isfinite(point.y)):
            raise ValueError("lon/lat must be finite")
        return point
    text = str(low.get("geometry") or low.get("wkt") or "").strip()
    if not text:
        return None
    try:
        return shape(json.loads(text)) if text.startswith("{") else wkt.loads(text)
    except Exception:  # shapely and json raise several types for a malformed geometry
        raise ValueError("geometry is neither WKT nor GeoJSON") from None


def read_rows(spec: RegisterSpec, data: bytes, filename: str) -> list[InputRow]:
    """The rows of a CSV (UTF-8; a point in lon/lat columns, a polygon as WKT or GeoJSON in
    a ``geometry`` column) or a GeoJSON file. Unreadable files are refused whole."""
    rows: list[InputRow] = []
    if filename.lower().endswith((".geojson", ".json")):
        for f in parse_geojson(data):
            rows.append(InputRow(f.index + 1, dict(f.properties), f.geometry, []))
    elif filename.lower().endswith(".zip"):
        # A zipped shapefile: dBASE cuts field names to 10 bytes, so they map back here.
        names = {short: full for full, short in shapefile_names(spec).items()}
        for f in read_zipped_shapefile(data):
            props = {names.get(k, k): v for k, v in f.properties.items()}
            rows.append(InputRow(f.index + 1, props, f.geometry, []))
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("the CSV is not UTF-8", field="file", code="file_not_utf8") from None
        for n, rec in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            rec = {
                k: unescape_cell(v) if isinstance(v, str) else v
                for k, v in rec.items()
                if k is not None
            }
            low = {str(k).strip().lower(): v for k, v in rec.items()}
            problems: list[str] = []
            geom = None
            try:
                geom = _geometry_from_cells(spec, low)
            except ValueError as exc:
                problems.append(str(exc))
            rows.append(InputRow(n, dict(rec), geom, problems))
    if not rows:
        raise InvalidInput("the file holds no records", field="file", code="file_empty")
    if len(rows) > MAX_ROWS:
        raise InvalidInput(
            f"at most {MAX_ROWS} records in one file", field="file", code="file_too_many_rows"
        )
    return rows


# -- importing -------------------------------------------------------------------------------


@dataclass
class Located:
    geometry: dict[str, Any] | None
    lon: float | None
    lat: float | None
    grid_id: int | None
    community_id: int | None
    street_id: int | None


def _check_geometry(spec: RegisterSpec, geom: BaseGeometry | None) -> str | None:
    if geom is None:
        return "a location is required" if spec.geometry_required else None
    if spec.geometry == "none":
        return None
    kinds = ("Point",) if spec.geometry == "point" else ("Polygon", "MultiPolygon")
    if geom.geom_type not in kinds:
        return f"expected a {spec.geometry}, got a {geom.geom_type}"
    if spec.geometry == "polygon" and not geom.is_valid:
        return "the polygon is invalid (self-intersecting or unclosed)"
    return None


def locate(
    session: Session,
    j: Jurisdiction,
    spec: RegisterSpec,
    geometries: list[BaseGeometry | None],
    crs: Crs | str,
) -> tuple[list[Located], list[str | None]]:
    """WGS-84 geometry, representative point, grid, community and street of each geometry;
    with a problem per geometry (outside the grids where that is not allowed)."""
    wgs: list[BaseGeometry | None] = []
    for g in geometries:
        if g is None or spec.geometry == "none":
            wgs.append(None)
            continue

        def convert(coords: np.ndarray) -> np.ndarray:
            x, y = to_wgs84(coords[:, 0], coords[:, 1], crs)
            return np.column_stack([x, y])

        wgs.append(shapely.transform(g, convert))
    points = [shapely.point_on_surface(g) if g is not None else None for g in wgs]
    have = [i for i, p in enumerate(points) if p is not None]
    grid_ids = np.full(len(points), -1, dtype=np.int64)
    if have:
        xs = [points[i].x for i in have]  # type: ignore[union-attr]
        ys = [points[i].y for i in have]  # type: ignore[union-attr]
        grid_ids[have] = locator.locate_many(session, j.id, xs, ys)
    wanted = sorted({int(g) for g in grid_ids.tolist() if g >= 0})
    area = {
        gid: (cid, sid)
        for gid, cid, sid in session.execute(
            select(Grid.id, Grid.community_id, Community.street_id)
            .join(Community, Community.id == Grid.community_id)
            .where(Grid.id.in_(wanted))
        )
    }
    out: list[Located] = []
    problems: list[str | None] = []
    for g, p, gid in zip(wgs, points, grid_ids.tolist(), strict=True):
        problem = None
        if p is not None and gid < 0 and not spec.outside_allowed:
            problem = f"({p.x:.6f}, {p.y:.6f}) is outside the grids of {j.name}"
        cid, sid = area.get(gid, (None, None))
        out.append(
            Located(
                geometry=mapping(g) if g is not None else None,
                lon=p.x if p is not None else None,
                lat=p.y if p is not None else None,
                grid_id=gid if gid >= 0 else None,
                community_id=cid,
                street_id=sid,
            )
        )
        problems.append(problem)
    return out, problems


def _existing(session: Session, j: Jurisdiction, register: str) -> dict[str, RegisterRecord]:
    return {
        r.code: r
        for r in session.scalars(
            select(RegisterRecord).where(
                RegisterRecord.jurisdiction_id == j.id, RegisterRecord.register == register
            )
        )
    }


def _ref_codes(session: Session, j: Jurisdiction, register: str) -> set[str]:
    return set(
        session.scalars(
            select(RegisterRecord.code).where(
                RegisterRecord.jurisdiction_id == j.id,
                RegisterRecord.register == register,
                RegisterRecord.is_active.is_(True),
            )
        )
    )


def _check_refs(
    session: Session, j: Jurisdiction, spec: RegisterSpec, parsed: Iterable[ParsedRow]
) -> dict[int, list[str]]:
    """Problems per row index: references to records that do not exist (active)."""
    rows = list(parsed)
    out: dict[int, list[str]] = {}
    for name, target in spec.refs.items():
        known = _ref_codes(session, j, target)
        if target == spec.name:  # a register referring to itself may name rows of the file
            known |= {r.code for r in rows}
        for i, r in enumerate(rows):
            value = r.attributes.get(name)
            if value and value not in known:
                out.setdefault(i, []).append(f"{name}: no {target} record {value!r}")
    return out


def import_records(
    session: Session, j: Jurisdiction, spec: RegisterSpec, rows: list[InputRow], crs: Crs | str
) -> dict[str, Any]:
    """Create or update (by code) every row; nothing is written if any row is bad."""
    try:
        Crs(crs)
    except ValueError:
        raise InvalidInput(f"unknown coordinate system {crs!r}", field="crs") from None
    parsed = [parse_row(spec, r.cells) for r in rows]
    geometry_problems = [_check_geometry(spec, r.geometry) for r in rows]
    located, locate_problems = locate(
        session,
        j,
        spec,
        [r.geometry if gp is None else None for r, gp in zip(rows, geometry_problems, strict=True)],
        crs,
    )
    ref_problems = _check_refs(session, j, spec, parsed)
    errors: list[dict[str, Any]] = []
    first_line: dict[str, int] = {}
    choice_fields = [f.name for f in spec.fields if f.type in ("choice", "multi")]
    for i, (row, p) in enumerate(zip(rows, parsed, strict=True)):
        problems = [*row.problems, *p.problems, *ref_problems.get(i, [])]
        # the precise refusals of the line (kit.errors.CODES), beside the message
        codes = ["register_unknown_reference"] if ref_problems.get(i) else []
        if any(x.startswith(f"{name}: ") for name in choice_fields for x in p.problems):
            codes.append("register_bad_choice")
        if locate_problems[i]:
            codes.append("register_outside_grids")
        for extra in (geometry_problems[i], locate_problems[i]):
            if extra:
                problems.append(extra)
        if p.code:
            if p.code in first_line:
                problems.append(f"code {p.code} repeats line {first_line[p.code]}")
                codes.append("register_duplicate_code")
            first_line.setdefault(p.code, row.line)
        if problems:
            errors.append({"line": row.line, "message": "; ".join(problems), "codes": codes})
    if errors:
        raise ImportRejected(f"{len(errors)} bad row(s) in the {spec.label_en} file", errors)
    existing = _existing(session, j, spec.name)
    created = updated = 0
    for p, loc in zip(parsed, located, strict=True):
        record = existing.get(p.code)
        if record is None:
            record = RegisterRecord(jurisdiction_id=j.id, register=spec.name, code=p.code)
            session.add(record)
            created += 1
        else:
            updated += 1
        _fill(record, p, loc)
    session.flush()
    return {"register": spec.name, "created": created, "updated": updated, "rows": len(rows)}


def _fill(record: RegisterRecord, p: ParsedRow, loc: Located | None) -> None:
    record.name = p.name
    record.attributes = p.attributes
    record.is_active = True
    if loc is not None:
        record.geometry = loc.geometry
        record.lon, record.lat = loc.lon, loc.lat
        record.grid_id, record.community_id = loc.grid_id, loc.community_id
        record.street_id = loc.street_id


# -- reading ---------------------------------------------------------------------------------


def _query(jurisdiction_ids: Iterable[int], register: str):  # type: ignore[no-untyped-def]
    return select(RegisterRecord).where(
        RegisterRecord.register == register,
        RegisterRecord.jurisdiction_id.in_(sorted(jurisdiction_ids)),
    )


def list_records(
    session: Session,
    jurisdiction_ids: Iterable[int],
    spec: RegisterSpec,
    *,
    q: str | None = None,
    street_id: int | None = None,
    community_id: int | None = None,
    include_retired: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[RegisterRecord], int]:
    stmt = _query(jurisdiction_ids, spec.name)
    if not include_retired:
        stmt = stmt.where(RegisterRecord.is_active.is_(True))
    if street_id is not None:
        stmt = stmt.where(RegisterRecord.street_id == street_id)
    if community_id is not None:
        stmt = stmt.where(RegisterRecord.community_id == community_id)
    for word in (q or "").split():
        like = f"%{word}%"
        stmt = stmt.where(or_(RegisterRecord.code.like(like), RegisterRecord.name.like(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(
        stmt.order_by(RegisterRecord.code, RegisterRecord.id).offset(offset).limit(limit)
    ).all()
    return list(items), int(total)


def get_record(session: Session, j: Jurisdiction, spec: RegisterSpec, code: str) -> RegisterRecord:
    record = session.scalar(_query([j.id], spec.name).where(RegisterRecord.code == code))
    if record is None:
        raise NotFound(
            f"no {spec.label_en} record {code!r}",
            code="register_record_not_found",
            params={"code": code},
        )
    return record


def area_names(session: Session, records: Iterable[RegisterRecord]) -> dict[str, dict[int, str]]:
    """Grid codes, community and street names of the records, for their answers."""
    rs = list(records)
    grids = {r.grid_id for r in rs if r.grid_id}
    coms = {r.community_id for r in rs if r.community_id}
    streets = {r.street_id for r in rs if r.street_id}
    return {
        "grid": dict(session.execute(select(Grid.id, Grid.code).where(Grid.id.in_(grids))).all()),
        "community": dict(
            session.execute(
                select(Community.id, Community.name).where(Community.id.in_(coms))
            ).all()
        ),
        "street": dict(
            session.execute(select(Street.id, Street.name).where(Street.id.in_(streets))).all()
        ),
    }


def record_out(record: RegisterRecord, names: Mapping[str, Mapping[int, str]]) -> dict[str, Any]:
    return {
        "code": record.code,
        "name": record.name,
        "attributes": record.attributes or {},
        "geometry": record.geometry,
        "lon": record.lon,
        "lat": record.lat,
        "grid_code": names["grid"].get(record.grid_id) if record.grid_id else None,
        "community": names["community"].get(record.community_id) if record.community_id else None,
        "street": names["street"].get(record.street_id) if record.street_id else None,
        "active": record.is_active,
        "updated_at": record.updated_at,
    }


def check_subject(session: Session, jurisdiction_id: int, record_id: int) -> RegisterRecord:
    """The active record a new case of the jurisdiction is about; 422 otherwise."""
    record = session.get(RegisterRecord, record_id) if 0 < record_id < 2**63 else None
    if record is None or record.jurisdiction_id != jurisdiction_id or not record.is_active:
        raise InvalidInput(f"no register record {record_id}", field="subject_record_id")
    return record


def responsible_department_code(session: Session, record_id: int) -> str | None:
    """The 责任单位 department code of a record, if its register names one."""
    record = session.get(RegisterRecord, record_id)
    if record is None:
        return None
    spec = all_specs().get(record.register)
    if spec is None or spec.department_field is None:
        return None
    code = (record.attributes or {}).get(spec.department_field)
    return str(code) if code else None


# -- changing one record ---------------------------------------------------------------------


def save_record(
    session: Session,
    j: Jurisdiction,
    spec: RegisterSpec,
    code: str,
    cells: Mapping[str, Any],
    geometry: Mapping[str, Any] | None,
    crs: Crs | str = Crs.WGS84,
) -> tuple[RegisterRecord, bool]:
    """Create or replace one record from form cells (the same checks as an import row);
    (record, created). Problems come back as one 422 listing them."""
    row_geom: BaseGeometry | None = None
    problems: list[str] = []
    if geometry is not None:
        try:
            row_geom = shape(geometry)
        except Exception:  # shapely raises several types for a malformed geometry
            problems.append("geometry is not GeoJSON")
    parsed = parse_row(spec, {**cells, "code": code})
    problems += parsed.problems
    gp = _check_geometry(spec, row_geom) if not problems else None
    if gp:
        problems.append(gp)
    problems += _check_refs(session, j, spec, [parsed]).get(0, [])
    located, where = locate(session, j, spec, [row_geom if not problems else None], crs)
    if where[0]:
        problems.append(where[0])
    if problems:
        raise InvalidInput("; ".join(problems), field="record", problems=problems)
    record = session.scalar(_query([j.id], spec.name).where(RegisterRecord.code == code))
    created = record is None
    if record is None:
        record = RegisterRecord(jurisdiction_id=j.id, register=spec.name, code=code)
        session.add(record)
    _fill(record, parsed, located[0] if row_geom is not None else None)
    session.flush()
    return record, created


def retire(session: Session, j: Jurisdiction, spec: RegisterSpec, code: str) -> RegisterRecord:
    """Retire (注销) a record; refused while active records of another register refer to it."""
    record = get_record(session, j, spec, code)
    users = 0
    for other in all_specs().values():
        for name, target in other.refs.items():
            if target != spec.name:
                continue
            for r in session.scalars(
                _query([j.id], other.name).where(RegisterRecord.is_active.is_(True))
            ):
                if (r.attributes or {}).get(name) == code:
                    users += 1
    if users:
        raise Conflict(
            f"{users} active record(s) refer to {code}",
            code="register_record_in_use",
            params={"code": code, "count": users},
        )
    record.is_active = False
    session.flush()
    return record


# -- exporting -------------------------------------------------------------------------------


def shapefile_names(spec: RegisterSpec) -> dict[str, str]:
    """Column name → its dBASE field name (at most 10 bytes, unique) in a shapefile."""
    out: dict[str, str] = {}
    for n, name in enumerate(["code", "name", *[f.name for f in spec.fields]]):
        short = name[:10]
        if short in out.values():
            short = f"{name[:7]}_{n:02d}"
        out[name] = short
    return out


def export_shapefile(session: Session, j: Jurisdiction, spec: RegisterSpec) -> bytes:
    """Active records as a zipped shapefile (WGS-84); imports again unchanged."""
    if spec.geometry == "none":
        raise InvalidInput(
            f"register {spec.name} has no geometry: export it as CSV",
            field="format",
            code="register_no_geometry",
        )
    names = shapefile_names(spec)
    records = session.scalars(
        _query([j.id], spec.name)
        .where(RegisterRecord.is_active.is_(True))
        .order_by(RegisterRecord.code)
    ).all()
    rows = []
    for r in records:
        values = format_row(spec, r.code, r.name, r.attributes or {})
        rows.append(
            (
                shape(r.geometry) if r.geometry else None,
                {names[k]: "" if v is None else str(v) for k, v in values.items() if k in names},
            )
        )
    return write_zipped_shapefile(
        spec.name.replace(".", "_"), spec.geometry, list(names.values()), rows
    )


def export_records(session: Session, j: Jurisdiction, spec: RegisterSpec, fmt: str) -> str:
    """Active records as CSV (geometry as lon/lat for points, WKT otherwise) or GeoJSON;
    what is exported imports again unchanged."""
    records = session.scalars(
        _query([j.id], spec.name)
        .where(RegisterRecord.is_active.is_(True))
        .order_by(RegisterRecord.code)
    ).all()
    if fmt == "geojson":
        features = [
            {
                "type": "Feature",
                "geometry": r.geometry,
                "properties": format_row(spec, r.code, r.name, r.attributes or {}),
            }
            for r in records
        ]
        return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    if fmt != "csv":
        raise InvalidInput("format is csv or geojson", field="format")
    buf = io.StringIO()
    columns = ["code", "name", *[f.name for f in spec.fields]]
    columns += ["lon", "lat"] if spec.geometry == "point" else ["geometry"]
    writer = csv.DictWriter(buf, fieldnames=columns)
    writer.writeheader()
    for r in records:
        row = format_row(spec, r.code, r.name, r.attributes or {})
        if spec.geometry == "point":
            row["lon"] = "" if r.lon is None else repr(r.lon)
            row["lat"] = "" if r.lat is None else repr(r.lat)
        else:
            row["geometry"] = shape(r.geometry).wkt if r.geometry else ""
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return buf.getvalue()
