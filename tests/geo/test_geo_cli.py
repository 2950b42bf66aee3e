"""``urbangrid geo ...`` commands: a full round from boundary file to located point, and
bad input reported with a non-zero exit and nothing stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapefile  # pyshp
from shapely.geometry import mapping
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from urbangrid.cli.main import app
from urbangrid.geo.demo_area import make_demo_area
from urbangrid.org.models import Grid, Jurisdiction
from urbangrid.settings import get_settings

runner = CliRunner()


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("URBANGRID_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["geo", *args])
    return result.exit_code, result.output


def test_boundary_to_grids_to_locate(cli_db: str, session: Session, tmp_path: Path) -> None:
    area = make_demo_area()
    path = tmp_path / "district.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": area.boundary,
                        "properties": {"adcode": 329901, "name": "滨江示范区"},
                    }
                ],
            }
        )
    )
    code, out = _run("import-boundary", str(path), "--crs", "wgs84")
    assert code == 0, out
    assert "329901 滨江示范区" in out
    code, out = _run("make-grids", "--size", "200")
    assert code == 0, out
    assert "placeholder" in out
    n = session.scalar(select(func.count(Grid.id)))
    assert n is not None and 150 < n < 250
    code, out = _run("locate", "121.98", "32.16")  # the centre of the demo district
    assert code == 0, out
    assert out.startswith("329901")
    code, out = _run("locate", "122.5", "32.16")
    assert code == 1 and "outside" in out
    code, out = _run("convert", "121.98", "32.16", "--to", "bd09")
    assert code == 0 and len(out.split()) == 2


def test_shapefile_and_bad_input(cli_db: str, session: Session, tmp_path: Path) -> None:
    shp = tmp_path / "district.shp"
    with shapefile.Writer(str(shp), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        w.field("adcode", "C", size=6)
        w.field("name", "C", size=50)
        w.shape(mapping(make_demo_area().plan.index.coverage))
        w.record("329901", "滨江示范区")
    code, out = _run("import-boundary", str(shp), "--crs", "wgs84")
    assert code == 0, out
    # wrong coordinate system declared: refused, nothing changed
    before = session.scalar(select(Jurisdiction.geometry))
    code, out = _run(
        "import-boundary", str(shp), "--crs", "gcj02", "--code", "329902", "--name", "x"
    )
    assert code == 0  # inside China: GCJ-02 is plausible, so this one is accepted …
    la_like = tmp_path / "la.geojson"
    la_like.write_text(
        json.dumps(
            {
                "type": "Polygon",
                "coordinates": [[[-118, 34], [-118.1, 34], [-118.1, 34.1], [-118, 34]]],
            }
        )
    )
    code, out = _run(
        "import-boundary", str(la_like), "--crs", "gcj02", "--code", "329903", "--name", "y"
    )
    assert code == 1 and "outside China" in out
    assert session.scalar(select(func.count(Jurisdiction.id))) == 2
    assert (
        session.scalar(select(Jurisdiction.geometry).where(Jurisdiction.code == "329901")) == before
    )
    code, out = _run("import-boundary", str(tmp_path / "missing.geojson"))
    assert code == 1 and "no such file" in out
    (tmp_path / "x.txt").write_text("hello")
    code, out = _run("import-boundary", str(tmp_path / "x.txt"))
    assert code == 1 and "GeoJSON" in out
