"""An offline base map from a tile package the bureau supplies (离线底图): an MBTiles file
(a SQLite database with a ``tiles`` table, zoom_level / tile_column / tile_row / tile_data,
and a ``metadata`` name/value table), read-only. MBTiles numbers rows the TMS way (row 0 at
the south); web maps ask for XYZ rows (0 at the north): :func:`tms_row` turns one into the
other. Raster tiles (PNG, JPEG, WebP) are served as they are stored.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from urbangrid.kit.errors import InvalidInput

MAX_ZOOM = 24
MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


def tms_row(z: int, y: int) -> int:
    """The MBTiles (TMS) row of the XYZ row ``y`` at zoom ``z`` (the flip is its own inverse)."""
    return (1 << z) - 1 - y


def check_tile_address(z: int, x: int, y: int) -> None:
    """Refuse a tile address no map can ask for (a 4xx, not a lookup)."""
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidInput(f"z is 0..{MAX_ZOOM}", field="z")
    side = 1 << z
    if not 0 <= x < side:
        raise InvalidInput(f"x is 0..{side - 1} at zoom {z}", field="x")
    if not 0 <= y < side:
        raise InvalidInput(f"y is 0..{side - 1} at zoom {z}", field="y")


def sniff_format(data: bytes) -> str | None:
    """The image format of a tile from its first bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


@dataclass(frozen=True)
class TileInfo:
    """What the map needs to know of the package (from its metadata table)."""

    format: str
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float] | None
    name: str


class MBTiles:
    """One MBTiles file, opened read-only for each lookup (safe from any thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The stored tile at XYZ address z/x/y, or None."""
        check_tile_address(z, x, y)
        with self._connect() as conn:
            row = conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, tms_row(z, y)),
            ).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def info(self) -> TileInfo:
        with self._connect() as conn:
            meta = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
            zooms = conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
            fmt = str(meta.get("format", "")).lower()
            if fmt not in MEDIA_TYPES:
                first = conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
                fmt = (sniff_format(bytes(first[0])) if first else None) or "png"
        bounds: tuple[float, float, float, float] | None = None
        try:
            parts = [float(v) for v in str(meta.get("bounds", "")).split(",")]
            if len(parts) == 4:
                bounds = (parts[0], parts[1], parts[2], parts[3])
        except ValueError:
            bounds = None

        def zoom(key: str, fallback: int | None, default: int) -> int:
            try:
                return int(meta[key])
            except (KeyError, ValueError):
                return fallback if fallback is not None else default

        return TileInfo(
            format="jpg" if fmt == "jpeg" else fmt,
            minzoom=zoom("minzoom", zooms[0], 0),
            maxzoom=zoom("maxzoom", zooms[1], 18),
            bounds=bounds,
            name=str(meta.get("name", self.path.stem)),
        )
