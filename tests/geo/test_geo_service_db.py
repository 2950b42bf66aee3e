"""Geo services on the database: boundaries, grids, locator, bad input leaves nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.geo import locator, service
from urbangrid.geo.crs import wgs84_to_gcj02
from urbangrid.geo.features import Feature, parse_geojson
from urbangrid.kit.errors import ImportRejected, InvalidInput
from urbangrid.org.models import Community, Grid, Jurisdiction


def _hailing(session: Session, shared_dir: Path, size: float = 500.0) -> Jurisdiction:
    path = shared_dir / "data/geo/datav2021_321202_hailing.geojson"
    summary = service.import_boundary(session, parse_geojson(path.read_bytes()), "gcj02")
    assert summary.created == 1
    service.make_grids(session, "321202", size_m=size)
    session.commit()
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "321202"))
    assert j is not None and j.name == "海陵区"
    return j


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count(Grid.id))) or 0)


def test_boundary_grids_and_locate(session: Session, shared_dir: Path) -> None:
    j = _hailing(session, shared_dir)
    n = _count(session)
    assert 1_400 < n < 1_700  # ≈ 388 km² / 0.25 km²
    # a grid's own interior point is located to it, from GCJ-02 input too
    g = session.scalars(select(Grid).order_by(Grid.code).offset(n // 2)).first()
    assert g is not None and g.geometry is not None
    p = shapely.point_on_surface(shape(g.geometry))
    assert locator.grid_code_for_point(session, j.id, p.x, p.y) == g.code
    gx, gy = wgs84_to_gcj02(p.x, p.y)
    assert locator.locate_point(session, j.id, float(gx), float(gy), "gcj02").grid_id == g.id
    # outside: the error says how far
    with pytest.raises(InvalidInput, match=r"[\d,]+ m outside") as err:
        locator.locate_point(session, j.id, 119.0, 32.5)
    assert err.value.extra["distance_m"] > 50_000
    # regenerating with another size invalidates the cached index
    service.make_grids(session, "321202", size_m=1000)
    session.commit()
    assert _count(session) < n / 3
    loc = locator.locate_point(session, j.id, p.x, p.y)
    row = session.get(Grid, loc.grid_id)
    assert row is not None and shape(row.geometry).covers(p)


def test_bad_polygons_are_repaired_or_rejected(session: Session) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[120, 32], [120.1, 32.1], [120.1, 32], [120, 32.1], [120, 32]]],
    }
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"adcode": "321299", "name": "测试区"},
                "geometry": bowtie,
            }
        ],
    }
    summary = service.import_boundary(session, parse_geojson(json.dumps(doc)), "wgs84")
    assert any("repaired" in note for note in summary.notes)
    flat = {"type": "Polygon", "coordinates": [[[120, 32], [120.1, 32], [120.2, 32], [120, 32]]]}
    doc["features"].append({"type": "Feature", "properties": {}, "geometry": flat})
    with pytest.raises(ImportRejected) as err:
        service.import_boundary(
            session, parse_geojson(json.dumps(doc)), "wgs84", code="321298", name="x"
        )
    assert "feature 2" in str(err.value)
    assert session.scalar(select(Jurisdiction).where(Jurisdiction.code == "321298")) is None


def test_wrong_crs_is_detected(session: Session, shared_dir: Path) -> None:
    la = parse_geojson((shared_dir / "data/311/la_neighborhood_councils.geojson").read_bytes())
    with pytest.raises(InvalidInput, match="outside China"):
        service.import_boundary(session, la[:1], "gcj02", code="900001", name="LA")
    swapped = [Feature(0, shapely.transform(la[0].geometry, lambda c: c[:, ::-1]), {})]
    with pytest.raises(InvalidInput, match="swap"):
        service.import_boundary(session, swapped, "wgs84", code="900001", name="LA")
    assert session.scalar(select(func.count(Jurisdiction.id))) == 0


def test_communities_and_la_as_second_jurisdiction(
    session: Session, shared_dir: Path, la_points: tuple[np.ndarray, np.ndarray]
) -> None:
    """LA neighborhood councils as communities of a non-Chinese jurisdiction."""
    la = parse_geojson((shared_dir / "data/311/la_neighborhood_councils.geojson").read_bytes())
    union = shapely.union_all(shapely.make_valid([f.geometry for f in la]))
    boundary = Feature(0, union, {})
    service.import_boundary(session, [boundary], "wgs84", code="900001", name="Los Angeles")
    # 12 councils in one street, each a community (kept small to stay fast)
    coms = [
        Feature(
            i,
            f.geometry,
            {"street_code": "001", "code": f"{i + 1:03d}", "name": f.properties["name"]},
        )
        for i, f in enumerate(la[:12])
    ]
    summary = service.import_boundary(
        session, coms, "wgs84", level="community", jurisdiction_code="900001"
    )
    assert summary.created == 12
    assert session.scalar(select(func.count(Community.id))) == 12
    made = service.make_grids(session, "900001", size_m=2000)
    session.commit()
    assert made.extra["grids"] > 100
    # 311 points: a point inside exactly one of the 12 councils lands in that community
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "900001"))
    assert j is not None
    lon, lat = la_points
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    ids = locator.locate_many(session, j.id, lon, lat)
    grid_community = dict(session.execute(select(Grid.id, Community.name).join(Community)).all())
    polys = shapely.make_valid(np.asarray([f.geometry for f in la[:12]], dtype=object))
    inside = np.stack([shapely.contains_xy(p, lon, lat) for p in polys])
    single = inside.sum(axis=0) == 1
    assert single.sum() > 300
    expected = [la[int(k)].properties["name"] for k in inside[:, single].argmax(axis=0)]
    got = [grid_community.get(int(g)) for g in ids[single]]
    assert got == expected


def test_grid_layer_import_validates_everything(session: Session, shared_dir: Path) -> None:
    j = _hailing(session, shared_dir, size=1000)
    before = {g.code for g in session.scalars(select(Grid))}
    grids = service.grids_geojson(session, j)["features"]
    feats = [
        Feature(i, shape(f["geometry"]), {"code": f["properties"]["code"]})
        for i, f in enumerate(grids)
    ]
    # overlapping + duplicate + foreign-district codes: rejected as a whole
    bad = list(feats)
    bad[1] = Feature(
        1, shapely.buffer(feats[1].geometry, 0.001), {"code": feats[1].properties["code"]}
    )
    bad[2] = Feature(2, feats[2].geometry, {"code": feats[3].properties["code"]})
    bad[4] = Feature(4, feats[4].geometry, {"code": "320000001001001"})
    with pytest.raises(ImportRejected) as err:
        service.import_grids(session, bad, "wgs84", jurisdiction_code="321202")
    text = str(err.value)
    assert "overlap" in text and "duplicate code" in text and "feature 5" in text
    session.rollback()
    assert {g.code for g in session.scalars(select(Grid))} == before
    # a clean layer (the same grids) imports, and the locator then works without a raster
    summary = service.import_grids(session, feats, "wgs84", jurisdiction_code="321202")
    session.commit()
    assert summary.extra["grids"] == len(feats) and summary.created == 0
    p = shapely.point_on_surface(feats[7].geometry)
    assert locator.grid_code_for_point(session, j.id, p.x, p.y) == feats[7].properties["code"]


def test_multi_district_file(session: Session, shared_dir: Path) -> None:
    """泰州市's file holds six districts: one jurisdiction each, or the one --code picks."""
    feats = parse_geojson((shared_dir / "data/geo/datav2021_321200_full.geojson").read_bytes())
    picked = service.import_boundary(session, feats, "gcj02", code="321202")
    assert picked.created == 1 and picked.extra["jurisdiction"] == "321202 海陵区"
    every = service.import_boundary(session, feats, "gcj02")
    assert (every.created, every.updated) == (5, 1)
    names = set(session.scalars(select(Jurisdiction.name)))
    assert {"海陵区", "高港区", "兴化市"} <= names
    with pytest.raises(InvalidInput, match="give --code"):
        service.import_boundary(session, feats, "gcj02", name="某区")
