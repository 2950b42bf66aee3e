"""Reading and checking polygon layers (pure apart from reading the given file).

GeoJSON (FeatureCollection, Feature or bare geometry) or an ESRI shapefile (via pyshp).
Checks: geometry type, coordinate ranges, declared coordinate system plausibility, invalid
or self-intersecting polygons (repaired where ``make_valid`` yields a polygon, and said so;
otherwise rejected with the feature index).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from urbangrid.geo.crs import (
    CHINA_LAT_MAX,
    CHINA_LAT_MIN,
    CHINA_LON_MAX,
    CHINA_LON_MIN,
    Crs,
    to_wgs84,
)
from urbangrid.kit.errors import ImportRejected, InvalidInput, UnsupportedMediaType


@dataclass
class Feature:
    index: int  # position in the file, 0-based (reported 1-based as "feature N")
    geometry: BaseGeometry
    properties: dict[str, Any]


@dataclass
class CheckedLayer:
    features: list[Feature]  # geometries in WGS-84, valid, polygonal
    notes: list[str] = field(default_factory=list)


def parse_geojson(data: str | bytes | dict[str, Any]) -> list[Feature]:
    try:
        doc = json.loads(data) if isinstance(data, str | bytes) else data
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or "type" not in doc:
        raise InvalidInput("not a GeoJSON object (no 'type')")
    if doc["type"] == "FeatureCollection":
        raw = doc.get("features") or []
    elif doc["type"] == "Feature":
        raw = [doc]
    else:
        raw = [{"type": "Feature", "geometry": doc, "properties": {}}]
    features: list[Feature] = []
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        try:
            geom = shape(item.get("geometry")) if item.get("geometry") else None
        except Exception as exc:  # shapely raises several types for malformed geometry
            errors.append({"line": i + 1, "message": f"feature {i + 1}: bad geometry ({exc})"})
            continue
        if geom is None or geom.is_empty:
            errors.append({"line": i + 1, "message": f"feature {i + 1}: no geometry"})
            continue
        features.append(Feature(i, geom, dict(item.get("properties") or {})))
    if errors:
        raise ImportRejected("the GeoJSON has bad features; nothing was imported", errors)
    return features


def read_shapefile(path: Path) -> list[Feature]:
    import shapefile  # pyshp

    try:
        reader = shapefile.Reader(str(path), encoding="utf-8", encodingErrors="replace")
    except shapefile.ShapefileException as exc:
        raise InvalidInput(f"cannot read shapefile {path.name}: {exc}") from None
    with reader:
        names = [f[0] for f in reader.fields[1:]]
        features = []
        for i, sr in enumerate(reader.iterShapeRecords()):
            geom = shape(sr.shape.__geo_interface__)
            features.append(Feature(i, geom, dict(zip(names, list(sr.record), strict=False))))
    prj = path.with_suffix(".prj")
    if prj.exists() and "PROJCS" in prj.read_text(errors="replace").upper():
        raise InvalidInput(
            f"{path.name} is in a projected coordinate system ({prj.name}); "
            "export it as longitude / latitude (WGS-84, GCJ-02 or BD-09)"
        )
    return features


def read_zipped_shapefile(data: bytes) -> list[Feature]:
    """The features of a zip holding one shapefile (.shp with its .dbf, .shx, .prj)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidInput("the file is not a zip archive", code="shapefile_zip_invalid") from None
    shp = [n for n in archive.namelist() if n.lower().endswith(".shp")]
    if len(shp) != 1:
        raise InvalidInput(
            "a zipped shapefile holds exactly one .shp (with its .dbf and .shx)",
            code="shapefile_zip_invalid",
        )
    stem = shp[0][:-4]
    with tempfile.TemporaryDirectory() as tmp:
        for member in archive.namelist():
            if member.startswith(stem) and "/" not in member[len(stem) :]:
                (Path(tmp) / Path(member).name).write_bytes(archive.read(member))
        return read_shapefile(Path(tmp) / Path(shp[0]).name)


WGS84_PRJ = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)


def write_zipped_shapefile(
    stem: str,
    kind: str,
    fields: list[str],
    records: list[tuple[BaseGeometry | None, dict[str, str]]],
) -> bytes:
    """A zip of one shapefile (``kind`` point or polygon, WGS-84, UTF-8 text fields named
    ``fields`` — at most 10 bytes each, as dBASE allows)."""
    import shapefile  # pyshp

    shape_type = shapefile.POINT if kind == "point" else shapefile.POLYGON
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / stem
        with shapefile.Writer(str(base), shapeType=shape_type, encoding="utf-8") as writer:
            for name in fields:
                writer.field(name, "C", size=254)
            for geom, values in records:
                if geom is None or geom.is_empty:
                    writer.null()
                elif kind == "point":
                    writer.point(geom.x, geom.y)
                else:
                    writer.shape(mapping(geom))
                writer.record(*[values.get(name, "") for name in fields])
        base.with_suffix(".prj").write_text(WGS84_PRJ)
        base.with_suffix(".cpg").write_text("UTF-8")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                archive.write(base.with_suffix(suffix), f"{stem}{suffix}")
        return out.getvalue()


def read_features(path: Path) -> list[Feature]:
    suffix = path.suffix.lower()
    if suffix in {".geojson", ".json"}:
        return parse_geojson(path.read_bytes())
    if suffix == ".shp":
        return read_shapefile(path)
    raise UnsupportedMediaType(f"{path.name}: use a GeoJSON (.geojson/.json) or shapefile (.shp)")


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal part of a geometry (make_valid may add lines or points)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    if not parts:
        return Polygon()
    return shapely.union_all(parts)


def check_layer(
    features: list[Feature],
    crs: Crs | str,
    *,
    expected_area: BaseGeometry | None = None,
    area_name: str = "",
) -> CheckedLayer:
    """Convert to WGS-84 and check a polygon layer; raise ImportRejected listing every bad
    feature, or InvalidInput when the coordinate system looks wrong."""
    src = crs if isinstance(crs, Crs) else Crs.parse(crs)
    if not features:
        raise InvalidInput("the file has no features")
    errors: list[dict[str, Any]] = []
    notes: list[str] = []
    coords = np.concatenate([shapely.get_coordinates(f.geometry) for f in features])
    _check_coordinates(coords, src)
    out: list[Feature] = []
    for f in features:
        n = f.index + 1
        if f.geometry.geom_type not in {"Polygon", "MultiPolygon"}:
            errors.append(
                {"line": n, "message": f"feature {n}: {f.geometry.geom_type}, not a polygon"}
            )
            continue
        geom = shapely.transform(
            f.geometry, lambda c: np.column_stack(to_wgs84(c[:, 0], c[:, 1], src))
        )
        if not geom.is_valid:
            reason = explain_validity(geom)
            fixed = _polygonal(shapely.make_valid(geom))
            if fixed.is_empty or fixed.area == 0:
                errors.append(
                    {"line": n, "message": f"feature {n}: invalid polygon ({reason}), unrepairable"}
                )
                continue
            notes.append(f"feature {n}: invalid polygon ({reason}) repaired")
            geom = fixed
        out.append(Feature(f.index, geom, f.properties))
    if errors:
        raise ImportRejected(f"{len(errors)} bad feature(s); nothing was imported", errors)
    if expected_area is not None and not expected_area.is_empty:
        _check_inside(out, expected_area, src, area_name)
    return CheckedLayer(out, notes)


def _check_coordinates(coords: np.ndarray, src: Crs) -> None:
    if not len(coords):
        raise InvalidInput("the file has no coordinates")
    lon, lat = coords[:, 0], coords[:, 1]
    if np.any(np.abs(lon) > 180) or np.any(np.abs(lat) > 90):
        if np.all(np.abs(lat) <= 180) and np.all(np.abs(lon) <= 90):
            raise InvalidInput("coordinates look like (latitude, longitude): swap the order")
        raise InvalidInput(
            "coordinates are not longitude / latitude degrees (a projected coordinate system?)"
        )
    if src in (Crs.GCJ02, Crs.BD09):
        in_china = (
            (lon >= CHINA_LON_MIN)
            & (lon <= CHINA_LON_MAX)
            & (lat >= CHINA_LAT_MIN)
            & (lat <= CHINA_LAT_MAX)
        )
        share = float(in_china.mean())
        if share < 0.5:
            raise InvalidInput(
                f"declared {src.value}, but {100 * (1 - share):.0f} % of the points lie outside "
                "China, where that coordinate system is defined: wrong --crs?"
            )


def _check_inside(features: list[Feature], area: BaseGeometry, src: Crs, area_name: str) -> None:
    """Most of the layer must fall inside the area it belongs to (a wrong coordinate
    system shifts GCJ-02 / BD-09 data by hundreds of metres, other mistakes by far more)."""
    geoms = np.asarray([f.geometry for f in features], dtype=object)
    total = float(shapely.area(geoms).sum())
    if total == 0:
        return
    inside = float(shapely.area(shapely.intersection(geoms, area)).sum())
    share_out = 1 - inside / total
    if share_out > 0.5:
        raise InvalidInput(
            f"{100 * share_out:.0f} % of the layer's area lies outside {area_name or 'its area'} "
            f"(declared {src.value}): wrong coordinate system or wrong file?"
        )
