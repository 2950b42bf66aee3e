"""The offline base map (离线底图): tiles from an MBTiles file the test writes itself (a few
PNG tiles made with Pillow), served at /api/v1/geo/tiles/{z}/{x}/{y}.png with the TMS row
flip; a missing tile is 204, a bad address 422, no package 404."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy.orm import Session

from urbangrid.auth.service import issue_token
from urbangrid.geo.mbtiles import MBTiles, check_tile_address, sniff_format, tms_row
from urbangrid.kit.errors import InvalidInput
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.settings import get_settings
from worldkit import add_users


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, format="PNG")
    return out.getvalue()


def make_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], **meta: str) -> Path:
    """An MBTiles file holding ``tiles`` at XYZ addresses (stored with TMS rows)."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name text, value text)")
        conn.execute(
            "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, "
            "tile_data blob)"
        )
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
        conn.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()],
        )
    conn.close()
    return path


@given(st.integers(0, 24).flatmap(lambda z: st.tuples(st.just(z), st.integers(0, (1 << z) - 1))))
def test_tms_row_flips_within_the_zoom_and_is_its_own_inverse(zy: tuple[int, int]) -> None:
    z, y = zy
    row = tms_row(z, y)
    assert 0 <= row < 1 << z
    assert tms_row(z, row) == y


def test_bad_addresses_and_formats() -> None:
    for z, x, y in ((-1, 0, 0), (25, 0, 0), (3, 8, 0), (3, 0, 8), (0, -1, 0)):
        with pytest.raises(InvalidInput):
            check_tile_address(z, x, y)
    check_tile_address(3, 7, 7)
    assert sniff_format(png((1, 2, 3))) == "png"
    assert sniff_format(b"\xff\xd8\xff\xe0rest") == "jpg"
    assert sniff_format(b"GIF89a") is None


RED, BLUE = png((200, 30, 30)), png((30, 30, 200))


@pytest.fixture
def package(tmp_path: Path) -> Path:
    # z=1: two tiles in the same column, north (y=0) red and south (y=1) blue.
    return make_mbtiles(
        tmp_path / "base.mbtiles",
        {(1, 1, 0): RED, (1, 1, 1): BLUE, (2, 3, 1): RED},
        name="测试底图",
        format="png",
        minzoom="1",
        maxzoom="2",
        bounds="121.9,32.1,122.1,32.2",
    )


def test_package_info(package: Path) -> None:
    info = MBTiles(package).info()
    assert (info.format, info.minzoom, info.maxzoom) == ("png", 1, 2)
    assert info.bounds == (121.9, 32.1, 122.1, 32.2)
    assert MBTiles(package).tile(1, 1, 0) == RED
    assert MBTiles(package).tile(1, 1, 1) == BLUE
    # Without metadata the zooms come from the tiles and the format from the bytes.
    bare = make_mbtiles(package.with_name("bare.mbtiles"), {(3, 2, 5): BLUE})
    info = MBTiles(bare).info()
    assert (info.format, info.minzoom, info.maxzoom, info.bounds) == ("png", 3, 3, None)


@pytest.fixture
def header(session: Session) -> dict[str, str]:
    j = Jurisdiction(code="329904", name="底图区", timezone="Asia/Shanghai", settings={})
    session.add(j)
    session.flush()
    user = add_users(session, j, [("leader", Role.LEADER, None)])["leader"]
    token = issue_token(session, user).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_tile_route(
    client: TestClient, header: dict[str, str], package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No package configured: 404, and the session offers no tile URL.
    monkeypatch.setattr(get_settings(), "map_tiles_path", None)
    monkeypatch.setattr(get_settings(), "map_tile_url", None)
    assert client.get("/api/v1/geo/tiles/1/1/0.png", headers=header).status_code == 404
    assert client.get("/api/v1/geo/tiles/1/2/0.png", headers=header).status_code == 422
    assert client.get("/api/v1/web/session", headers=header).json()["map_tile_url"] is None

    monkeypatch.setattr(get_settings(), "map_tiles_path", package)
    north = client.get("/api/v1/geo/tiles/1/1/0.png", headers=header)
    assert north.status_code == 200 and north.headers["content-type"] == "image/png"
    assert north.content == RED
    south = client.get("/api/v1/geo/tiles/1/1/1.png", headers=header)
    assert south.content == BLUE  # the row is flipped: XYZ y=1 is TMS row 0
    missing = client.get("/api/v1/geo/tiles/2/0/0.png", headers=header)
    assert missing.status_code == 204 and missing.content == b""
    for bad in ("25/0/0.png", "1/2/0.png", "1/0/2.png", "x/0/0.png", "1/0/0.gif", "1/-1/0.png"):
        r = client.get(f"/api/v1/geo/tiles/{bad}", headers=header)
        assert 400 <= r.status_code < 500 and r.status_code != 404, (bad, r.status_code)
    assert client.get("/api/v1/geo/tiles/1/1/0.png").status_code == 401

    session_info = client.get("/api/v1/web/session", headers=header).json()
    assert session_info["map_tile_url"] == "/api/v1/geo/tiles/{z}/{x}/{y}.png"
    assert (session_info["map_tile_minzoom"], session_info["map_tile_maxzoom"]) == (1, 2)
    assert session_info["map_tile_bounds"] == [121.9, 32.1, 122.1, 32.2]
    # An online tile server, when configured, wins.
    monkeypatch.setattr(get_settings(), "map_tile_url", "https://tiles.example/{z}/{x}/{y}.png")
    online = client.get("/api/v1/web/session", headers=header).json()
    assert online["map_tile_url"].startswith("https://tiles.example/")
