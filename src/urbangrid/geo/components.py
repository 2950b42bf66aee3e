"""部件普查: the components inventory — import / export (GeoJSON, CSV), 17-digit ids,
condition, owner department, grid derived from the point.

Case routing calls :func:`component_owner_department` to send a case about a component to
the component's 主管部门.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.catalog.directory import Kind, national_directory
from urbangrid.catalog.models import Category
from urbangrid.geo import locator
from urbangrid.geo.codes import CodeError, make_component_id, parse_component_id
from urbangrid.geo.crs import Crs, to_wgs84
from urbangrid.geo.features import parse_geojson
from urbangrid.kit.errors import Forbidden, ImportRejected, InvalidInput, NotFound
from urbangrid.kit.spreadsheet import safe_cell
from urbangrid.kit.text import is_digits
from urbangrid.org import service as org
from urbangrid.org.models import Department, Grid, Jurisdiction
from urbangrid.org.roles import Role

from .models import Component

# 状态 (GB/T 47678.5 Table 2 and the 2013-era ObjState values)
CONDITIONS = ("完好", "破损", "丢失", "占用", "废弃", "移除")
DATA_SOURCES = ("实测", "地形图", "调绘", "其它")

EXPORT_FIELDS = (
    "code",
    "class_code",
    "name",
    "condition",
    "owner_department_code",
    "owner_department",
    "owner_unit",
    "maintainer",
    "grid_code",
    "lon",
    "lat",
    "initial_date",
    "changed_date",
    "data_source",
    "note",
)


def component_owner_department(session: Session, component_id: int) -> Department | None:
    """The 主管部门 of a component (by database id), or None when it has none.
    Raises NotFound for an unknown component."""
    comp = session.get(Component, component_id)
    if comp is None:
        raise NotFound(f"no component with id {component_id}")
    if comp.owner_department_id is None:
        return None
    return session.get(Department, comp.owner_department_id)


@dataclass
class ComponentInput:
    line: int
    code: str | None
    class_code: str | None
    name: str | None
    condition: str | None
    owner_department: str | None  # department code or name
    owner_unit: str | None
    maintainer: str | None
    lon: float
    lat: float
    initial_date: date | None
    data_source: str | None
    note: str | None


def _s(v: Any) -> str | None:
    if v is None:
        return None
    text = str(v).strip()
    return text or None


def _date(v: Any) -> date:
    text = str(v).strip().replace("-", "").replace("/", "")
    if len(text) != 8 or not is_digits(text):
        raise ValueError(f"date must be YYYYMMDD or YYYY-MM-DD, got {v!r}")
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def _record(line: int, rec: dict[str, Any], lon: Any, lat: Any) -> ComponentInput:
    low = {str(k).strip().lower(): v for k, v in rec.items()}
    lon_f, lat_f = float(lon), float(lat)
    if not (math.isfinite(lon_f) and math.isfinite(lat_f)):
        raise ValueError("lon/lat must be finite")
    d = _s(low.get("initial_date"))
    return ComponentInput(
        line=line,
        code=_s(low.get("code") or low.get("objid")),
        class_code=_s(low.get("class_code")),
        name=_s(low.get("name") or low.get("objname")),
        condition=_s(low.get("condition") or low.get("objstate")),
        owner_department=_s(
            low.get("owner_department_code") or low.get("owner_department") or low.get("deptcode1")
        ),
        owner_unit=_s(low.get("owner_unit")),
        maintainer=_s(low.get("maintainer")),
        lon=lon_f,
        lat=lat_f,
        initial_date=_date(d) if d else None,
        data_source=_s(low.get("data_source")),
        note=_s(low.get("note")),
    )


def parse_component_rows(data: bytes, filename: str) -> list[ComponentInput]:
    """CSV with columns as EXPORT_FIELDS (lon, lat required) or GeoJSON Point features."""
    out: list[ComponentInput] = []
    errors: list[dict[str, Any]] = []
    if filename.lower().endswith((".geojson", ".json")):
        for f in parse_geojson(data):
            n = f.index + 1
            if f.geometry.geom_type != "Point":
                errors.append({"line": n, "message": f"feature {n}: not a Point"})
                continue
            try:
                out.append(_record(n, f.properties, f.geometry.x, f.geometry.y))
            except ValueError as exc:
                errors.append({"line": n, "message": f"feature {n}: {exc}"})
    else:
        try:
            reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        except UnicodeDecodeError:
            raise InvalidInput("the CSV is not UTF-8") from None
        for n, rec in enumerate(reader, start=2):
            low = {str(k).strip().lower(): v for k, v in rec.items()}
            lon = next((low[k] for k in ("lon", "lng", "longitude", "经度") if low.get(k)), None)
            lat = next((low[k] for k in ("lat", "latitude", "纬度") if low.get(k)), None)
            try:
                out.append(_record(n, rec, lon, lat))
            except (TypeError, ValueError) as exc:
                errors.append({"line": n, "message": str(exc)})
    if errors:
        raise ImportRejected(f"{len(errors)} bad component row(s); nothing imported", errors)
    if not out:
        raise InvalidInput("no components in the file")
    return out


def _class_names(session: Session) -> dict[str, str]:
    names = {
        code: name
        for code, name in session.execute(
            select(Category.code, Category.name).where(Category.kind == Kind.COMPONENT.value)
        )
    }
    if not names:  # catalogue not loaded yet: the national directory shipped with the code
        names = {
            e.code: e.name for (k, _c), e in national_directory().items() if k == Kind.COMPONENT
        }
    return names


def _departments(session: Session, j: Jurisdiction) -> dict[str, Department]:
    by: dict[str, Department] = {}
    for d in session.scalars(select(Department).where(Department.jurisdiction_id == j.id)):
        by.setdefault(d.code, d)
        by.setdefault(d.name, d)
    return by


def _next_serials(session: Session, j: Jurisdiction) -> dict[str, int]:
    """Highest serial in use per class code."""
    rows = session.execute(
        select(Component.class_code, func.max(Component.code))
        .where(Component.jurisdiction_id == j.id)
        .group_by(Component.class_code)
    ).all()
    return {c: int(code[-6:]) for c, code in rows}


def import_components(
    session: Session, j: Jurisdiction, rows: list[ComponentInput], crs: Crs | str = Crs.WGS84
) -> dict[str, int]:
    """Validate every row, then create / update (by code). Rows without a code get the next
    free serial of their class. Nothing is written if any row is bad."""
    names = _class_names(session)
    depts = _departments(session, j)
    errors: list[dict[str, Any]] = []
    lon, lat = to_wgs84([r.lon for r in rows], [r.lat for r in rows], crs)
    lon, lat = np.atleast_1d(lon), np.atleast_1d(lat)
    grid_ids = locator.locate_many(session, j.id, lon, lat)
    seen: dict[str, int] = {}
    resolved: list[tuple[ComponentInput, str | None, str, str, Department | None]] = []
    for r, gid in zip(rows, grid_ids.tolist(), strict=True):
        problems: list[str] = []
        class_code = r.class_code
        if r.code:
            try:
                parsed = parse_component_id(r.code)
                if parsed.district != j.code:
                    problems.append(f"id {r.code} is not of district {j.code}")
                if class_code and class_code != parsed.class_code:
                    problems.append(f"id {r.code} does not match class {class_code}")
                class_code = parsed.class_code
            except CodeError as exc:
                problems.append(str(exc))
            if r.code in seen:
                problems.append(f"duplicate id {r.code} (also line {seen[r.code]})")
            seen.setdefault(r.code, r.line)
        if not class_code:
            problems.append("needs class_code (5 digits) or a 17-digit code")
        elif class_code not in names:
            problems.append(f"unknown component class {class_code}")
        condition = r.condition or "完好"
        if condition not in CONDITIONS:
            problems.append(f"condition must be one of {'/'.join(CONDITIONS)}, got {condition}")
        dept = None
        if r.owner_department:
            dept = depts.get(r.owner_department)
            if dept is None:
                problems.append(f"unknown owner department {r.owner_department}")
        if gid < 0:
            problems.append(f"({r.lon}, {r.lat}) is outside the grids of {j.name}")
        if problems:
            errors.append({"line": r.line, "message": "; ".join(problems)})
        else:
            resolved.append((r, r.code, class_code or "", condition, dept))
    if errors:
        raise ImportRejected(f"{len(errors)} bad component row(s); nothing imported", errors)
    # ids carry the district code, so an id of this file can only exist in this jurisdiction
    existing = {
        c.code: c
        for c in session.scalars(select(Component).where(Component.jurisdiction_id == j.id))
    }
    serials = _next_serials(session, j)
    for _r, code, cls, _cond, _d in resolved:
        if code:
            serials[cls] = max(serials.get(cls, 0), int(code[-6:]))
    created = updated = 0
    gid_by_line = {r.line: g for r, g in zip(rows, grid_ids.tolist(), strict=True)}
    xy_by_line = {r.line: (x, y) for r, x, y in zip(rows, lon.tolist(), lat.tolist(), strict=True)}
    for r, code, cls, cond, dept in resolved:
        if code is None:
            serials[cls] = serials.get(cls, 0) + 1
            try:
                code = make_component_id(j.code, cls, serials[cls])
            except CodeError as exc:
                raise InvalidInput(f"line {r.line}: {exc}") from None
        comp = existing.get(code)
        if comp is None:
            comp = Component(jurisdiction_id=j.id, code=code)
            session.add(comp)
            created += 1
        else:
            if comp.jurisdiction_id != j.id:
                raise InvalidInput(f"line {r.line}: id {code} belongs to another jurisdiction")
            updated += 1
            if comp.condition != cond:
                comp.changed_date = date.today()
        comp.class_code = cls
        comp.name = r.name or names[cls]
        comp.condition = cond
        comp.owner_department_id = dept.id if dept else None
        comp.owner_unit = r.owner_unit
        comp.maintainer = r.maintainer
        comp.lon, comp.lat = xy_by_line[r.line]
        comp.grid_id = gid_by_line[r.line]
        comp.initial_date = r.initial_date or comp.initial_date or date.today()
        comp.data_source = r.data_source
        comp.note = r.note
    session.flush()
    return {"created": created, "updated": updated}


def list_components(
    session: Session,
    j: Jurisdiction,
    *,
    class_code: str | None = None,
    condition: str | None = None,
    grid_code: str | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    stmt = (
        select(Component, Grid.code, Department.code, Department.name)
        .outerjoin(Grid, Grid.id == Component.grid_id)
        .outerjoin(Department, Department.id == Component.owner_department_id)
        .where(Component.jurisdiction_id == j.id)
        .order_by(Component.code)
    )
    if class_code:
        stmt = stmt.where(Component.class_code.startswith(class_code))
    if condition:
        stmt = stmt.where(Component.condition == condition)
    if grid_code:
        stmt = stmt.where(Grid.code == grid_code)
    if q:
        stmt = stmt.where(or_(Component.code.startswith(q), Component.name.contains(q)))
    rows = session.execute(stmt.limit(limit).offset(offset)).all()
    return [_as_dict(c, g, dc, dn) for c, g, dc, dn in rows]


def get_component(session: Session, j: Jurisdiction, code: str) -> dict[str, Any]:
    rows = list_components(session, j, q=code, limit=1)
    if not rows or rows[0]["code"] != code:
        raise NotFound(f"no component {code}")
    return rows[0]


def _as_dict(
    c: Component, grid_code: str | None, dcode: str | None, dname: str | None
) -> dict[str, Any]:
    return {
        "id": c.id,
        "code": c.code,
        "class_code": c.class_code,
        "name": c.name,
        "condition": c.condition,
        "owner_department_code": dcode,
        "owner_department": dname,
        "owner_unit": c.owner_unit,
        "maintainer": c.maintainer,
        "grid_code": grid_code,
        "lon": c.lon,
        "lat": c.lat,
        "initial_date": c.initial_date.isoformat() if c.initial_date else None,
        "changed_date": c.changed_date.isoformat() if c.changed_date else None,
        "data_source": c.data_source,
        "note": c.note,
    }


def export_components(session: Session, j: Jurisdiction, fmt: str = "geojson") -> str:
    rows = list_components(session, j, limit=10_000_000)
    if fmt == "geojson":
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {k: v for k, v in r.items() if k not in {"id", "lon", "lat"}},
            }
            for r in rows
        ]
        return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(EXPORT_FIELDS), extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "" if r[k] is None else safe_cell(r[k]) for k in EXPORT_FIELDS})
        return buf.getvalue()
    raise InvalidInput("format must be geojson or csv", field="format")


def may_edit(session: Session, principal: Principal, comp: Component) -> bool:
    """Who changes a component (部件) record: an admin; an inspector for the components in
    its patrol grids; a department handler for those its department (or a sub-unit) owns.
    Always on the editor's own platform."""
    if principal.jurisdiction_id is not None and comp.jurisdiction_id != principal.jurisdiction_id:
        return principal.is_admin and comp.jurisdiction_id in org.jurisdiction_subtree(
            session, principal.jurisdiction_id
        )
    if principal.is_admin:
        return True
    if Role.INSPECTOR in principal.roles and comp.grid_id in principal.grid_ids:
        return True
    return (
        Role.DEPARTMENT_HANDLER in principal.roles
        and principal.department_id is not None
        and comp.owner_department_id is not None
        and comp.owner_department_id in org.department_subtree(session, principal.department_id)
    )


def update_component(
    session: Session,
    j: Jurisdiction,
    code: str,
    *,
    condition: str | None = None,
    owner_department: str | None = None,
    note: str | None = None,
    editor: Principal | None = None,
) -> dict[str, Any]:
    """Change a component; ``editor`` (None: a tool acting for the installation) must be
    one who may (:func:`may_edit`), else 403: the record is readable, not theirs."""
    comp = session.scalar(
        select(Component).where(Component.jurisdiction_id == j.id, Component.code == code)
    )
    if comp is None:
        raise NotFound(f"no component {code}")
    if editor is not None and not may_edit(session, editor, comp):
        raise Forbidden(f"component {code} is outside your grids or department", field="code")
    if condition is not None:
        if condition not in CONDITIONS:
            raise InvalidInput(
                f"condition must be one of {'/'.join(CONDITIONS)}", field="condition"
            )
        if condition != comp.condition:
            comp.condition = condition
            comp.changed_date = date.today()
    if owner_department is not None:
        dept = _departments(session, j).get(owner_department)
        if dept is None:
            raise InvalidInput(f"unknown department {owner_department}", field="owner_department")
        comp.owner_department_id = dept.id
    if note is not None:
        comp.note = note
    session.flush()
    return get_component(session, j, code)
