"""Shared geo test data (read from ../shared through the ``shared_dir`` fixture)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from urbangrid.geo.crs import gcj02_to_wgs84
from urbangrid.geo.gridgen import GridPlan, generate_grids


def to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.column_stack(gcj02_to_wgs84(c[:, 0], c[:, 1])))


@pytest.fixture(scope="session")
def hailing_wgs84(shared_dir: Path) -> BaseGeometry:
    path = shared_dir / "data/geo/datav2021_321202_hailing.geojson"
    feature = json.loads(path.read_text(encoding="utf-8"))["features"][0]
    return to_wgs84(shape(feature["geometry"]))


@pytest.fixture(scope="session")
def hailing_plan(hailing_wgs84: BaseGeometry) -> GridPlan:
    return generate_grids(hailing_wgs84, "321202", size_m=100)


@pytest.fixture(scope="session")
def la_councils(shared_dir: Path) -> tuple[list[str], list[BaseGeometry]]:
    path = shared_dir / "data/311/la_neighborhood_councils.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return [f["properties"]["name"] for f in features], [shape(f["geometry"]) for f in features]


@pytest.fixture(scope="session")
def la_points(shared_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    path = shared_dir / "data/311/la_service_requests_10k.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    lon = np.array([float(r["longitude"] or "nan") for r in rows])
    lat = np.array([float(r["latitude"] or "nan") for r in rows])
    return lon, lat
