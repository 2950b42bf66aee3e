"""Geo services: boundaries, unit grids (generated or imported), with the database.

Every import validates the whole input first and writes only when nothing is wrong, inside
the caller's transaction (the API / CLI session commits at the end or rolls back).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel
from sqlalchemy import String, cast, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from urbangrid.geo import locator
from urbangrid.geo.codes import CodeError, parse_grid_code, validate_district_code
from urbangrid.geo.crs import Crs
from urbangrid.geo.features import Feature, check_layer
from urbangrid.geo.gridgen import CommunityArea, GridPlanError, generate_grids
from urbangrid.geo.projection import LocalEqualArea
from urbangrid.kit.errors import Conflict, ImportRejected, InvalidInput, NotFound
from urbangrid.kit.text import is_digits
from urbangrid.org.models import Community, Grid, Jurisdiction, Street

LEVELS = ("district", "street", "community")
# Imported grids may overlap by this much (digitising noise) before it counts as an overlap.
OVERLAP_TOLERANCE_M2 = 1.0


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"created {self.created}, updated {self.updated}, deleted {self.deleted}"]
        out += [f"{k}: {v}" for k, v in self.extra.items()]
        return out + self.notes


def get_jurisdiction(session: Session, code: str | None = None) -> Jurisdiction:
    """By 6-digit code; without one, the only jurisdiction there is."""
    if code:
        j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
        if j is None:
            raise NotFound(f"no jurisdiction with code {code}")
        return j
    all_j = session.scalars(select(Jurisdiction).limit(2)).all()
    if len(all_j) != 1:
        raise InvalidInput(
            "say which jurisdiction (its 6-digit code)"
            if all_j
            else "no jurisdiction yet: import a district boundary first"
        )
    return all_j[0]


def _prop(props: dict[str, Any], *names: str) -> str | None:
    for n in names:
        for key, value in props.items():
            if key.lower() == n and value not in (None, ""):
                return str(value).strip()
    return None


def _geojson(geom: BaseGeometry) -> dict[str, Any]:
    return dict(mapping(geom))


def _bump_grids_version(j: Jurisdiction, raster: dict[str, Any] | None = None) -> None:
    settings = dict(j.settings or {})
    geo = dict(settings.get("geo", {}))
    geo["grids_version"] = int(geo.get("grids_version", 0)) + 1
    if raster is not None:
        geo["raster"] = raster
        geo["raster_grids_version"] = geo["grids_version"]
    settings["geo"] = geo
    j.settings = settings  # a new dict, so the JSON column is seen as changed
    locator.invalidate(j.id)


# ------------------------------------------------------------------ boundaries


def _upsert_district(
    session: Session,
    code: str | None,
    name: str | None,
    members: list[Feature],
    crs: Crs | str,
    summary: Summary,
) -> None:
    name = name or _prop(members[0].properties, "name", "district_name")
    if not code or not name:
        raise InvalidInput("the file names no district code / name: give --code and --name")
    try:
        validate_district_code(code)
    except CodeError as exc:
        raise InvalidInput(str(exc)) from None
    geom = shapely.union_all([f.geometry for f in members])
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if j is None:
        j = Jurisdiction(code=code, name=name, source_crs=Crs.parse(str(crs)).value)
        session.add(j)
        summary.created += 1
    else:
        j.name = name
        summary.updated += 1
    j.geometry = _geojson(geom)
    session.flush()
    area = round(LocalEqualArea.around(geom).area_m2(geom) / 1e6, 3)
    summary.notes.append(f"jurisdiction {code} {name}: {area} km²")
    summary.extra.setdefault("jurisdiction", f"{code} {name}")
    summary.extra.setdefault("area_km2", area)


def import_boundary(
    session: Session,
    features: list[Feature],
    crs: Crs | str,
    *,
    level: str = "district",
    code: str | None = None,
    name: str | None = None,
    jurisdiction_code: str | None = None,
    street_code: str | None = None,
) -> Summary:
    """Import district / street / community boundaries.

    district: one jurisdiction from the (single, or unioned) features; code and name from
    ``--code`` / ``--name`` or the file's properties (``adcode`` / ``code``, ``name``).
    street: each feature a street of the jurisdiction (properties ``code``, ``name``).
    community: each feature a community (properties ``street_code`` or ``--street``,
    ``code``, ``name``).
    """
    if level not in LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(LEVELS)}")
    summary = Summary()
    if level == "district":
        layer = check_layer(features, crs)
        summary.notes += layer.notes
        # group features by their own district code: a multi-district file (e.g. a city's
        # DataV file) gives one jurisdiction per code; --code picks one of them
        groups: dict[str | None, list[Feature]] = {}
        for f in layer.features:
            groups.setdefault(_prop(f.properties, "adcode", "code", "district_code"), []).append(f)
        if code and code in groups:
            groups = {code: groups[code]}
        elif code or len(groups) == 1:
            groups = {code or next(iter(groups)): layer.features}
        elif name:
            raise InvalidInput(f"the file holds {len(groups)} districts: give --code to pick one")
        for file_code, members in groups.items():
            _upsert_district(session, file_code, name, members, crs, summary)
        return summary

    j = get_jurisdiction(session, jurisdiction_code)
    area = shape(j.geometry) if j.geometry else None
    layer = check_layer(features, crs, expected_area=area, area_name=j.name)
    summary.notes += layer.notes
    errors: list[dict[str, Any]] = []
    rows: list[tuple[str, str, str, BaseGeometry]] = []  # (street, code, name, geometry)
    for i, f in enumerate(layer.features):
        n = f.index + 1
        if level == "street":
            c = code if (code and len(layer.features) == 1) else _prop(f.properties, "code")
            s = c or ""
        else:
            c = code if (code and len(layer.features) == 1) else _prop(f.properties, "code")
            s = street_code or _prop(f.properties, "street_code", "street") or ""
        nm = (name if name and len(layer.features) == 1 else None) or _prop(f.properties, "name")
        if not c or not is_digits(c) or len(c) != 3 or c == "000":
            errors.append({"line": n, "message": f"feature {n}: code must be 3 digits, got {c}"})
            continue
        if level == "community" and (not is_digits(s) or len(s) != 3):
            errors.append({"line": n, "message": f"feature {n}: street code must be 3 digits"})
            continue
        rows.append((s, c, nm or f"{level} {c}", f.geometry))
        del i
    keys = Counter((r[0], r[1]) for r in rows)
    errors += [
        {"line": None, "message": f"code {s}{c} appears {k} times"}
        for (s, c), k in keys.items()
        if k > 1
    ]
    if errors:
        raise ImportRejected("bad boundary features; nothing was imported", errors)
    streets = {
        s.code: s
        for s in session.scalars(select(Street).where(Street.jurisdiction_id == j.id)).all()
    }
    for s_code, c, nm, geom in rows:
        if level == "street":
            street = streets.get(c)
            if street is None:
                street = Street(jurisdiction_id=j.id, code=c, name=nm)
                session.add(street)
                streets[c] = street
                summary.created += 1
            else:
                street.name = nm
                summary.updated += 1
            street.is_placeholder = False
            street.geometry = _geojson(geom)
            continue
        street = streets.get(s_code)
        if street is None:
            street = Street(jurisdiction_id=j.id, code=s_code, name=f"街道{s_code}")
            street.is_placeholder = True
            session.add(street)
            session.flush()
            streets[s_code] = street
            summary.notes.append(f"street {s_code} created as a placeholder (no boundary)")
        com = session.scalar(
            select(Community).where(Community.street_id == street.id, Community.code == c)
        )
        if com is None:
            com = Community(street_id=street.id, code=c, name=nm)
            session.add(com)
            summary.created += 1
        else:
            com.name = nm
            summary.updated += 1
        com.is_placeholder = False
        com.geometry = _geojson(geom)
    session.flush()
    return summary


# ------------------------------------------------------------------ unit grids


def _upsert_grids(
    session: Session,
    j: Jurisdiction,
    grids: list[tuple[str, int, BaseGeometry, float, tuple[float, float]]],
    summary: Summary,
) -> None:
    """Replace the jurisdiction's grids by ``grids`` (code, community id, geometry, area,
    centroid), keeping the rows (and ids) of codes that stay."""
    existing = {
        g.code: g for g in session.scalars(select(Grid).where(Grid.jurisdiction_id == j.id))
    }
    keep = set()
    # GEOS writes the GeoJSON in bulk (coordinates round-trip exactly)
    texts = shapely.to_geojson(np.asarray([g[2] for g in grids], dtype=object)) if grids else []
    new_rows: list[dict[str, Any]] = []
    for (code, community_id, _geom, area, (cx, cy)), text in zip(grids, texts, strict=True):
        values = {
            "community_id": community_id,
            "geometry": json.loads(text),
            "area_m2": round(area, 3),
            "centroid_lon": cx,
            "centroid_lat": cy,
        }
        keep.add(code)
        row = existing.get(code)
        if row is None:
            new_rows.append({"jurisdiction_id": j.id, "code": code, **values})
            continue
        summary.updated += 1
        for key, value in values.items():
            setattr(row, key, value)
    stale = [g for code, g in existing.items() if code not in keep]
    for g in stale:
        session.delete(g)
    summary.deleted += len(stale)
    try:
        session.flush()
        if new_rows:  # one multi-row INSERT instead of an ORM object per grid
            session.execute(insert(Grid), new_rows)
            summary.created += len(new_rows)
    except IntegrityError:
        raise Conflict(
            f"{len(stale)} old grid(s) are still referenced (cases or other records); "
            "nothing was changed"
        ) from None


def relink_points(session: Session, j: Jurisdiction) -> int:
    """Re-derive the grid of every address and component after the grids changed."""
    from urbangrid.geo.models import Address, Component

    changed = 0
    for model in (Address, Component):
        rows = list(session.scalars(select(model).where(model.jurisdiction_id == j.id)))
        if not rows:
            continue
        ids = locator.locate_many(
            session, j.id, [r.lon for r in rows], [r.lat for r in rows]
        ).tolist()
        for r, gid in zip(rows, ids, strict=True):
            new = gid if gid >= 0 else None
            if r.grid_id != new:
                r.grid_id = new
                changed += 1
    session.flush()
    return changed


def make_grids(
    session: Session, jurisdiction_code: str | None = None, *, size_m: float = 100.0
) -> Summary:
    """Generate (or regenerate) the unit grids of a jurisdiction from its boundary and the
    communities that have boundaries; placeholder streets / communities elsewhere."""
    j = get_jurisdiction(session, jurisdiction_code)
    if not j.geometry:
        raise InvalidInput(f"{j.name} has no boundary: import one first (geo import-boundary)")
    boundary = shape(j.geometry)
    coms = session.execute(
        select(Community, Street)
        .join(Street, Street.id == Community.street_id)
        .where(
            Street.jurisdiction_id == j.id,
            Community.geometry.is_not(None),
            Community.is_placeholder.is_(False),
        )
    ).all()
    areas = [CommunityArea(s.code, c.code, c.name, shape(c.geometry), s.name) for c, s in coms]
    try:
        plan = generate_grids(boundary, j.code, size_m=size_m, communities=areas or None)
    except GridPlanError as exc:
        raise InvalidInput(str(exc)) from None
    summary = Summary(notes=list(plan.notes))
    streets = {
        s.code: s for s in session.scalars(select(Street).where(Street.jurisdiction_id == j.id))
    }
    for ps in plan.streets:
        st = streets.get(ps.code)
        if st is None:
            st = Street(jurisdiction_id=j.id, code=ps.code, name=ps.name)
            st.is_placeholder = ps.is_placeholder
            session.add(st)
            streets[ps.code] = st
        if st.is_placeholder:
            st.geometry = _geojson(ps.geometry)
    session.flush()
    community_ids: dict[tuple[str, str], int] = {}
    for pc in plan.communities:
        st = streets[pc.street_code]
        com = session.scalar(
            select(Community).where(Community.street_id == st.id, Community.code == pc.code)
        )
        if com is None:
            com = Community(street_id=st.id, code=pc.code, name=pc.name)
            com.is_placeholder = pc.is_placeholder
            session.add(com)
            session.flush()
        if com.is_placeholder:
            com.geometry = _geojson(pc.geometry)
        community_ids[(pc.street_code, pc.code)] = com.id
    _upsert_grids(
        session,
        j,
        [
            (
                g.code,
                community_ids[(g.street_code, g.community_code)],
                g.geometry,
                g.area_m2,
                g.centroid,
            )
            for g in plan.grids
        ],
        summary,
    )
    r = plan.raster
    _bump_grids_version(j, raster=r.as_dict())
    # the stored raster must reproduce the generator's edges bit for bit, else go without
    xs, ys = locator.raster_edges(r.as_dict())
    if not (np.array_equal(xs, r.xs) and np.array_equal(ys, r.ys)):
        j.settings = {**j.settings, "geo": {**j.settings["geo"], "raster": None}}
    session.flush()
    summary.extra["points_relinked"] = relink_points(session, j)
    summary.extra.update(
        grids=len(plan.grids),
        area_km2=round(plan.total_area_m2 / 1e6, 3),
        boundary_km2=round(plan.boundary_area_m2 / 1e6, 3),
        streets=len(plan.streets),
        communities=len(plan.communities),
    )
    return summary


def import_grids(
    session: Session,
    features: list[Feature],
    crs: Crs | str,
    *,
    jurisdiction_code: str | None = None,
    code_property: str = "code",
) -> Summary:
    """Import an existing grid layer with its own 15-digit codes (replacing the current
    grids). Rejected as a whole, with a report, on bad / duplicate / foreign codes,
    overlapping grids or unrepairable polygons."""
    j = get_jurisdiction(session, jurisdiction_code)
    area = shape(j.geometry) if j.geometry else None
    layer = check_layer(features, crs, expected_area=area, area_name=j.name)
    errors: list[dict[str, Any]] = []
    codes: list[str] = []
    for f in layer.features:
        n = f.index + 1
        code = _prop(f.properties, code_property.lower(), "bgid", "grid_code") or ""
        try:
            parsed = parse_grid_code(code)
            if parsed.district != j.code:
                raise CodeError(f"district {parsed.district} is not {j.code}")
        except CodeError as exc:
            errors.append({"line": n, "message": f"feature {n}: {exc}"})
        codes.append(code)
    first_seen: dict[str, int] = {}
    for f, code in zip(layer.features, codes, strict=True):
        if code in first_seen:
            errors.append(
                {
                    "line": f.index + 1,
                    "message": f"feature {f.index + 1}: duplicate code {code} "
                    f"(also feature {first_seen[code]})",
                }
            )
        else:
            first_seen[code] = f.index + 1
    geoms = np.asarray([f.geometry for f in layer.features], dtype=object)
    proj = LocalEqualArea.around(shapely.union_all(geoms))
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    pairs = a < b
    a, b = a[pairs], b[pairs]
    if len(a):
        inter = proj.area_m2(shapely.intersection(geoms[a], geoms[b]))
        for i, k, m2 in zip(a.tolist(), b.tolist(), inter.tolist(), strict=True):
            if m2 > OVERLAP_TOLERANCE_M2:
                fi, fk = layer.features[i].index + 1, layer.features[k].index + 1
                errors.append(
                    {"line": fk, "message": f"features {fi} and {fk} overlap by {m2:,.1f} m²"}
                )
    if errors:
        raise ImportRejected(
            f"{len(errors)} problem(s) in the grid layer; nothing imported", errors
        )
    summary = Summary(notes=list(layer.notes))
    streets = {
        s.code: s for s in session.scalars(select(Street).where(Street.jurisdiction_id == j.id))
    }
    community_ids: dict[tuple[str, str], int] = {}
    for code in codes:
        s_code, c_code = code[6:9], code[9:12]
        if (s_code, c_code) in community_ids:
            continue
        st = streets.get(s_code)
        if st is None:
            st = Street(jurisdiction_id=j.id, code=s_code, name=f"街道{s_code}")
            st.is_placeholder = True
            session.add(st)
            session.flush()
            streets[s_code] = st
        com = session.scalar(
            select(Community).where(Community.street_id == st.id, Community.code == c_code)
        )
        if com is None:
            com = Community(street_id=st.id, code=c_code, name=f"社区{s_code}{c_code}")
            com.is_placeholder = True
            session.add(com)
            session.flush()
            summary.notes.append(f"community {s_code}{c_code} created (no boundary, from codes)")
        community_ids[(s_code, c_code)] = com.id
    areas = proj.area_m2(geoms)
    cents = shapely.centroid(geoms)
    _upsert_grids(
        session,
        j,
        [
            (
                code,
                community_ids[(code[6:9], code[9:12])],
                g,
                float(ar),
                (float(c.x), float(c.y)),
            )
            for code, g, ar, c in zip(codes, geoms, areas, cents, strict=True)
        ],
        summary,
    )
    _bump_grids_version(j)
    session.flush()
    summary.extra["points_relinked"] = relink_points(session, j)
    summary.extra["grids"] = len(codes)
    summary.extra["area_km2"] = round(float(areas.sum()) / 1e6, 3)
    return summary


# ------------------------------------------------------------------ map data


def _tolerance_deg(zoom: int | None) -> float:
    """About a quarter of a screen pixel at that web-map zoom (0 = no simplification)."""
    if zoom is None or zoom >= 18:
        return 0.0
    return 360.0 / (256 * 2**zoom) / 4


def grids_geojson_text(
    session: Session,
    j: Jurisdiction,
    *,
    zoom: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    below: Iterable[int] = (),
) -> str:
    """The jurisdiction's grids (and those of the platforms ``below`` it: a city's
    districts) as a GeoJSON FeatureCollection (text), optionally cut to a bounding box and
    simplified to about a quarter pixel at a web-map ``zoom``."""
    ids = sorted({j.id, *below})
    rows = session.execute(
        select(
            Grid.id,
            Grid.code,
            cast(Grid.geometry, String),
            Grid.area_m2,
            Community.name,
            Street.name,
            Community.id,
        )
        .join(Community, Community.id == Grid.community_id)
        .join(Street, Street.id == Community.street_id)
        .where(Grid.jurisdiction_id.in_(ids), Grid.geometry.is_not(None))
        .order_by(Grid.code)
    ).all()
    # GEOS parses and writes the geometry JSON in bulk; only properties go through Python
    geoms = shapely.from_geojson(np.asarray([r[2] for r in rows], dtype=object))
    keep = np.ones(len(rows), bool)
    if bbox is not None and len(geoms):
        keep = shapely.intersects(geoms, shapely.box(*bbox))
    tol = _tolerance_deg(zoom)
    if tol and len(geoms):
        geoms = shapely.simplify(geoms, tol, preserve_topology=True)
    texts = shapely.to_geojson(geoms) if len(geoms) else []
    parts = []
    for r, t, k in zip(rows, texts, keep, strict=True):
        if not k:
            continue
        props = json.dumps(
            {
                "code": r[1],
                "area_m2": r[3],
                "community": r[4],
                "street": r[5],
                "community_id": r[6],
            },
            ensure_ascii=False,
        )
        parts.append(f'{{"type":"Feature","id":{int(r[0])},"geometry":{t},"properties":{props}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def grids_geojson(
    session: Session,
    j: Jurisdiction,
    *,
    zoom: int | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(grids_geojson_text(session, j, zoom=zoom, bbox=bbox))
    return result


def label_point(g: BaseGeometry) -> list[float]:
    """A point well inside an area for its name on the map (标注点): the pole of
    inaccessibility of its largest part, which, unlike the centroid, is never outside."""
    parts = list(getattr(g, "geoms", [g]))
    polygons = [p for p in parts if isinstance(p, Polygon)]
    if not polygons:
        p = g.representative_point()
        return [round(p.x, 6), round(p.y, 6)]
    largest = max(polygons, key=lambda p: p.area)
    span = max(largest.bounds[2] - largest.bounds[0], largest.bounds[3] - largest.bounds[1])
    p = polylabel(largest, tolerance=max(span / 200, 1e-7))
    return [round(p.x, 6), round(p.y, 6)]


def boundaries_geojson(
    session: Session,
    j: Jurisdiction,
    *,
    level: str = "district",
    zoom: int | None = None,
    below: Iterable[int] = (),
) -> dict[str, Any]:
    """Boundaries of the jurisdiction and of the platforms ``below`` it (a city's
    districts): ``district`` gives each platform's outline, ``street`` and ``community``
    their areas."""
    tol = _tolerance_deg(zoom)
    platforms = {
        p.id: p
        for p in session.scalars(
            select(Jurisdiction).where(Jurisdiction.id.in_(sorted({j.id, *below})))
        )
    }
    items: list[tuple[dict[str, Any] | None, dict[str, Any]]] = []
    if level == "district":
        for p in sorted(platforms.values(), key=lambda p: p.code):
            items.append((p.geometry, {"code": p.code, "name": p.name, "level": p.level}))
    elif level == "street":
        for s in session.scalars(
            select(Street)
            .where(Street.jurisdiction_id.in_(sorted(platforms)))
            .order_by(Street.jurisdiction_id, Street.code)
        ):
            items.append(
                (
                    s.geometry,
                    {
                        "id": s.id,
                        "code": s.code,
                        "name": s.name,
                        "placeholder": s.is_placeholder,
                        "district": platforms[s.jurisdiction_id].code,
                    },
                )
            )
    elif level == "community":
        for c, s in session.execute(
            select(Community, Street)
            .join(Street, Street.id == Community.street_id)
            .where(Street.jurisdiction_id.in_(sorted(platforms)))
            .order_by(Street.jurisdiction_id, Street.code, Community.code)
        ).all():
            items.append(
                (
                    c.geometry,
                    {
                        "id": c.id,
                        "street_id": s.id,
                        "code": f"{platforms[s.jurisdiction_id].code}{s.code}{c.code}",
                        "name": c.name,
                        "street": s.name,
                        "placeholder": c.is_placeholder,
                    },
                )
            )
    else:
        raise InvalidInput(f"level must be one of {', '.join(LEVELS)}")
    features = []
    for geometry, props in items:
        if not geometry:
            continue
        g = shape(geometry)
        if level != "district" and not g.is_empty:
            props["label"] = label_point(g)  # where the map writes the name
        if tol:
            g = shapely.simplify(g, tol, preserve_topology=True)
        features.append({"type": "Feature", "geometry": mapping(g), "properties": props})
    return {"type": "FeatureCollection", "features": features}
