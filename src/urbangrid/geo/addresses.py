"""门牌地址: import addresses with points, search by text (prefix, fuzzy, pinyin initials),
reverse geocoding (point → nearest address within a radius)."""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.geo import locator
from urbangrid.geo.crs import Crs, to_wgs84
from urbangrid.geo.features import parse_geojson
from urbangrid.kit.errors import ImportRejected, InvalidInput, NotFound
from urbangrid.kit.text import pinyin_initials
from urbangrid.org.models import Jurisdiction

from .models import Address

MAX_RADIUS_M = 5_000.0
FUZZY_CUTOFF = 60.0

_TEXT_COLUMNS = ("address", "text", "name", "地址", "门牌地址")
_LON_COLUMNS = ("lon", "lng", "longitude", "x", "经度")
_LAT_COLUMNS = ("lat", "latitude", "y", "纬度")


def normalise(text: str) -> str:
    """Search form: NFKC (full-width → half-width), no blanks, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class AddressHit:
    id: int
    text: str
    lon: float
    lat: float
    grid_id: int | None
    score: float
    match: str  # prefix | contains | pinyin | fuzzy
    distance_m: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class AddressRow:
    line: int
    text: str
    lon: float
    lat: float


def _pick(row: dict[str, Any], names: tuple[str, ...]) -> Any:
    lower = {str(k).strip().lower(): v for k, v in row.items()}
    for n in names:
        if n in lower and lower[n] not in (None, ""):
            return lower[n]
    return None


def parse_address_rows(data: bytes, filename: str) -> list[AddressRow]:
    """CSV (columns address/地址, lon/经度, lat/纬度) or GeoJSON points (property address)."""
    rows: list[AddressRow] = []
    errors: list[dict[str, Any]] = []
    if filename.lower().endswith((".geojson", ".json")):
        for f in parse_geojson(data):
            n = f.index + 1
            text = _pick(f.properties, _TEXT_COLUMNS)
            if f.geometry.geom_type != "Point" or not text:
                errors.append({"line": n, "message": f"feature {n}: needs a Point and an address"})
                continue
            rows.append(AddressRow(n, str(text).strip(), f.geometry.x, f.geometry.y))
    else:
        try:
            reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        except UnicodeDecodeError:
            raise InvalidInput("the CSV is not UTF-8") from None
        for n, rec in enumerate(reader, start=2):
            text, lon, lat = (
                _pick(rec, _TEXT_COLUMNS),
                _pick(rec, _LON_COLUMNS),
                _pick(rec, _LAT_COLUMNS),
            )
            try:
                lon_f, lat_f = float(lon), float(lat)
            except (TypeError, ValueError):
                errors.append({"line": n, "message": f"bad or missing lon/lat ({lon}, {lat})"})
                continue
            if not text:
                errors.append({"line": n, "message": "no address text"})
                continue
            rows.append(AddressRow(n, str(text).strip(), lon_f, lat_f))
    if errors:
        raise ImportRejected(f"{len(errors)} bad address row(s); nothing imported", errors)
    return rows


def import_addresses(
    session: Session, j: Jurisdiction, rows: list[AddressRow], crs: Crs | str = Crs.WGS84
) -> dict[str, int]:
    """All rows or none: every point must lie in the jurisdiction's grids, texts unique."""
    if not rows:
        raise InvalidInput("no addresses in the file")
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for r in rows:
        if len(r.text) > 255:
            errors.append({"line": r.line, "message": "address longer than 255 characters"})
        if r.text in seen:
            errors.append({"line": r.line, "message": f"duplicate of line {seen[r.text]}"})
        seen.setdefault(r.text, r.line)
    lon, lat = to_wgs84([r.lon for r in rows], [r.lat for r in rows], crs)
    lon, lat = np.atleast_1d(lon), np.atleast_1d(lat)
    grid_ids = locator.locate_many(session, j.id, lon, lat)
    for r, gid in zip(rows, grid_ids.tolist(), strict=True):
        if gid < 0:
            errors.append({"line": r.line, "message": f"({r.lon}, {r.lat}) is outside {j.name}"})
    if errors:
        raise ImportRejected(f"{len(errors)} bad address row(s); nothing imported", errors)
    existing = {
        a.text: a for a in session.scalars(select(Address).where(Address.jurisdiction_id == j.id))
    }
    created = updated = 0
    for r, x, y, gid in zip(rows, lon.tolist(), lat.tolist(), grid_ids.tolist(), strict=True):
        a = existing.get(r.text)
        if a is None:
            a = Address(jurisdiction_id=j.id, text=r.text)
            session.add(a)
            created += 1
        else:
            updated += 1
        a.norm = normalise(r.text)
        a.pinyin = pinyin_initials(a.norm)[:255]
        a.lon, a.lat, a.grid_id = x, y, gid
    session.flush()
    return {"created": created, "updated": updated}


def _hit(a: Address, score: float, match: str) -> AddressHit:
    return AddressHit(a.id, a.text, a.lon, a.lat, a.grid_id, round(score, 1), match)


def search(session: Session, j: Jurisdiction, q: str, limit: int = 10) -> list[AddressHit]:
    """Prefix matches first, then substring, pinyin initials (``zsl`` → 中山路), then fuzzy
    matches (typos, missing characters) scored by rapidfuzz."""
    query = normalise(q)
    if not query:
        raise InvalidInput("empty search text", field="q")
    limit = max(1, min(limit, 100))
    hits: list[AddressHit] = []
    seen: set[int] = set()

    def take(rows: list[Address], score: float, match: str) -> None:
        for a in rows:
            if a.id not in seen and len(hits) < limit:
                seen.add(a.id)
                hits.append(_hit(a, score, match))

    base = select(Address).where(Address.jurisdiction_id == j.id)
    like = _escape_like(query)
    take(
        list(
            session.scalars(
                base.where(Address.norm.like(f"{like}%", escape="\\"))
                .order_by(Address.norm)
                .limit(limit)
            )
        ),
        100.0,
        "prefix",
    )
    if len(hits) < limit:
        take(
            list(
                session.scalars(
                    base.where(Address.norm.like(f"%{like}%", escape="\\"))
                    .order_by(Address.norm)
                    .limit(limit)
                )
            ),
            95.0,
            "contains",
        )
    if len(hits) < limit and query.isascii() and query.isalpha():
        take(
            list(
                session.scalars(
                    base.where(Address.pinyin.like(f"{like}%", escape="\\"))
                    .order_by(Address.norm)
                    .limit(limit)
                )
            ),
            90.0,
            "pinyin",
        )
    if len(hits) < limit:
        rows = session.execute(
            select(Address.id, Address.norm).where(Address.jurisdiction_id == j.id)
        ).all()
        choices = {r[0]: r[1] for r in rows if r[0] not in seen}
        found = process.extract(
            query, choices, scorer=fuzz.WRatio, limit=limit - len(hits), score_cutoff=FUZZY_CUTOFF
        )
        if found:
            by_id = {
                a.id: a
                for a in session.scalars(
                    select(Address).where(Address.id.in_([k for _, _, k in found]))
                )
            }
            for _, score, key in found:
                seen.add(key)
                hits.append(_hit(by_id[key], float(score) * 0.85, "fuzzy"))
    return hits


def reverse(
    session: Session, j: Jurisdiction, lon: float, lat: float, radius_m: float = 50.0
) -> AddressHit:
    """The nearest address within ``radius_m`` of a WGS-84 point."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput("lon and lat must be finite numbers", field="lon/lat")
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise InvalidInput(f"radius must be in (0, {MAX_RADIUS_M:.0f}] m", field="radius")
    dlat = radius_m / 110_540.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 1e-6))
    rows = list(
        session.scalars(
            select(Address).where(
                Address.jurisdiction_id == j.id,
                Address.lat.between(lat - dlat, lat + dlat),
                Address.lon.between(lon - dlon, lon + dlon),
            )
        )
    )
    best: tuple[float, Address] | None = None
    for a in rows:
        d = _metres(lon, lat, a.lon, a.lat)
        if d <= radius_m and (best is None or d < best[0]):
            best = (d, a)
    if best is None:
        raise NotFound(f"no address within {radius_m:.0f} m of ({lon}, {lat})")
    hit = _hit(best[1], 100.0, "nearest")
    return AddressHit(**{**hit.__dict__, "distance_m": round(best[0], 1)})


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine on the mean Earth radius (plenty for a few kilometres)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))
