"""A patch batch is checked whole: repaired where safe and said so, otherwise refused with
every bad feature listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapefile
from shapely.geometry import box, mapping

from urbangrid.construction.patches import check_batch
from urbangrid.geo.features import parse_geojson, read_shapefile
from urbangrid.kit.errors import ImportRejected, InvalidInput

AREA = box(120.00, 30.00, 120.10, 30.10)


def feature(geom: dict, **props: object) -> dict:
    return {"type": "Feature", "geometry": geom, "properties": props}


def square(x: float, y: float, d: float = 0.0005) -> dict:
    return mapping(box(x, y, x + d, y + d))


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[120.05, 30.05], [120.051, 30.051], [120.051, 30.05], [120.05, 30.051], [120.05, 30.05]]
    ],
}


def collection(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_good_batch_with_repairs_and_notes() -> None:
    data = collection(
        feature(
            square(120.02, 30.02),
            图斑编号="TB-1",
            前时相="2026-01-01",
            后时相="20260301",
            置信度=87,
        ),
        feature(BOWTIE, ref="TB-2", confidence=0.4, image_before="http://img/1a.png"),
        feature(square(120.0998, 30.05, 0.0004), ref="TB-3"),
    )
    batch = check_batch(parse_geojson(data), "wgs84", AREA, "示范区")
    assert batch.errors == []
    assert [p.ref for p in batch.patches] == ["TB-1", "TB-2", "TB-3"]
    first = batch.patches[0]
    assert (first.t1.isoformat(), first.t2.isoformat(), first.confidence) == (
        "2026-01-01",
        "2026-03-01",
        0.87,
    )
    assert (
        batch.patches[1].geometry.is_valid and batch.patches[1].image_before == "http://img/1a.png"
    )
    assert any("feature 2: invalid polygon" in n and "repaired" in n for n in batch.notes)
    assert any("feature 3: partly outside 示范区" in n for n in batch.notes)


def test_every_bad_feature_listed() -> None:
    data = collection(
        feature(square(120.02, 30.02), ref="A"),
        feature(square(120.50, 30.50), ref="B"),  # wholly outside
        feature(square(120.03, 30.03), ref="A"),  # repeated number
        feature(square(120.04, 30.04), ref="C", t1="2026-05-01", t2="2026-04-01"),
        feature(square(120.05, 30.05), ref="D", confidence=150, t1="yesterday"),
        feature({"type": "LineString", "coordinates": [[120.01, 30.01], [120.02, 30.02]]}, ref="E"),
    )
    with pytest.raises(ImportRejected) as info:
        check_batch(parse_geojson(data), "wgs84", AREA, "示范区")
    lines = {e["line"]: e["message"] for e in info.value.errors}
    assert sorted(lines) == [6]  # the layer check stops at the non-polygon first
    data = collection(*[f for f in json.loads(data)["features"] if f["properties"]["ref"] != "E"])
    with pytest.raises(ImportRejected) as info:
        check_batch(parse_geojson(data), "wgs84", AREA, "示范区").raise_for_errors()
    lines = {e["line"]: e["message"] for e in info.value.errors}
    assert sorted(lines) == [2, 3, 4, 5]
    assert "outside 示范区" in lines[2] and "repeats feature 1" in lines[3]
    assert "before t1" in lines[4]
    assert "confidence" in lines[5] and "not a date" in lines[5]


def test_wrong_coordinate_system_refused() -> None:
    far = collection(feature(square(2.35, 48.85), ref="P"))  # Paris, declared GCJ-02
    with pytest.raises(InvalidInput):
        check_batch(parse_geojson(far), "gcj02", AREA, "示范区")
    projected = collection(feature(mapping(box(500000, 3300000, 500100, 3300100)), ref="Q"))
    with pytest.raises(InvalidInput):
        check_batch(parse_geojson(projected), "wgs84", AREA, "示范区")


def test_shapefile_batch(tmp_path: Path) -> None:
    path = tmp_path / "patches.shp"
    with shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        w.field("编号", "C", 20)  # DBF names hold 10 bytes: 图斑编号 would be cut
        w.field("置信度", "N", 6, 2)
        w.poly(
            [
                [
                    [120.02, 30.02],
                    [120.021, 30.02],
                    [120.021, 30.021],
                    [120.02, 30.021],
                    [120.02, 30.02],
                ]
            ]
        )
        w.record("S-1", 0.9)
    batch = check_batch(read_shapefile(path), "wgs84", AREA, "示范区")
    assert [(p.ref, p.confidence) for p in batch.patches] == [("S-1", 0.9)]
