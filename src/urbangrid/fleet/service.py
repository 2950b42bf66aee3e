"""Storing vehicle positions in bulk and reading a vehicle's track back.

Fixes arrive by the thousand from gateways: a CSV (``terminal,time,lon,lat[,speed,heading]``)
or a captured JT/T 808 stream. A file is checked whole first (every bad line listed, nothing
stored), converted to WGS-84, then stored in one statement per batch: on PostgreSQL a COPY
into a temporary table and one ``INSERT … SELECT … ON CONFLICT DO NOTHING``, on SQLite a
multi-row ``INSERT OR IGNORE``; a fix resent by a terminal (same terminal and second) is kept
once either way.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.fleet import jt808
from urbangrid.fleet.models import VehiclePosition
from urbangrid.geo.crs import Crs, to_wgs84
from urbangrid.kit.errors import ImportRejected, InvalidInput

T = VehiclePosition.__table__
BATCH = 20_000
MAX_ERRORS_LISTED = 200


@dataclass
class Fixes:
    terminal: list[str]
    t: np.ndarray  # epoch seconds, int64
    lon: np.ndarray
    lat: np.ndarray
    speed: np.ndarray
    heading: np.ndarray
    alarm: np.ndarray
    # where each fix came from (CSV line, JT/T 808 frame number), for the refusals
    line: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.terminal)


def from_positions(positions: list[jt808.Position]) -> Fixes:
    return Fixes(
        terminal=[p.phone for p in positions],
        t=np.array([int(p.time.timestamp()) for p in positions], dtype=np.int64),
        lon=np.array([p.lon for p in positions], dtype=np.float64),
        lat=np.array([p.lat for p in positions], dtype=np.float64),
        speed=np.array([p.speed_kmh for p in positions], dtype=np.float64),
        heading=np.array([p.heading for p in positions], dtype=np.int64),
        alarm=np.array([p.alarm for p in positions], dtype=np.int64),
        line=list(range(1, len(positions) + 1)),
    )


def _time(text_value: str) -> int:
    value = text_value.strip()
    if value.isdigit():
        return int(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"time {value!r} has no zone (add +08:00 or Z)")
    return int(moment.timestamp())


def read_csv(data: bytes) -> Fixes:
    """Fixes from a CSV; every bad line is listed (up to 200) and nothing is read."""
    try:
        reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    except UnicodeDecodeError:
        raise InvalidInput("the CSV is not UTF-8", field="file", code="file_not_utf8") from None
    header = [h.strip().lower() for h in next(reader, [])]

    def column(*names: str) -> int | None:
        return next((header.index(n) for n in names if n in header), None)

    i_term, i_time = column("terminal", "vehicle"), column("time", "t")
    i_lon, i_lat = column("lon", "lng", "longitude"), column("lat", "latitude")
    i_speed, i_head = column("speed"), column("heading")
    if None in (i_term, i_time, i_lon, i_lat):
        raise InvalidInput("the CSV needs the columns terminal, time, lon and lat", field="file")
    terminals: list[str] = []
    times: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    speeds: list[float] = []
    headings: list[int] = []
    lines: list[int] = []
    errors: list[dict[str, Any]] = []
    bad = 0
    width = len(header)
    for n, row in enumerate(reader, start=2):
        if not row:
            continue
        try:
            if len(row) < width:
                row = row + [""] * (width - len(row))
            terminal = row[i_term].strip()  # type: ignore[index]
            if not terminal or len(terminal) > 20:
                raise ValueError("terminal is required (at most 20 characters)")
            t = _time(row[i_time])  # type: ignore[index]
            lon, lat = float(row[i_lon]), float(row[i_lat])  # type: ignore[index]
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(f"({lon}, {lat}) is not a WGS-84 / GCJ-02 position")
            speed = float(row[i_speed] or 0) if i_speed is not None else 0.0
            heading = int(float(row[i_head] or 0)) % 360 if i_head is not None else 0
        except ValueError as exc:
            bad += 1
            if len(errors) < MAX_ERRORS_LISTED:
                errors.append({"line": n, "message": str(exc)})
            continue
        terminals.append(terminal)
        times.append(t)
        lons.append(lon)
        lats.append(lat)
        speeds.append(speed)
        headings.append(heading)
        lines.append(n)
    if errors:
        raise ImportRejected(f"{bad} bad position line(s); nothing stored", errors)
    if not terminals:
        raise InvalidInput("the file holds no positions", field="file", code="file_empty")
    return Fixes(
        terminal=terminals,
        t=np.array(times, dtype=np.int64),
        lon=np.array(lons, dtype=np.float64),
        lat=np.array(lats, dtype=np.float64),
        speed=np.array(speeds, dtype=np.float64),
        heading=np.array(headings, dtype=np.int64),
        alarm=np.zeros(len(terminals), dtype=np.int64),
        line=lines,
    )


def read_jt808(data: bytes) -> Fixes:
    """Fixes from a captured JT/T 808 stream; a bad frame rejects the file with its number."""
    result = jt808.decode_stream(data)
    if result.errors:
        raise ImportRejected(
            f"{len(result.errors)} bad JT/T 808 frame(s); nothing stored",
            [{"line": i + 1, "message": f"frame {i + 1}: {why}"} for i, why in result.errors],
        )
    if not result.positions:
        raise InvalidInput("the stream holds no position reports", field="file", code="file_empty")
    return from_positions(result.positions)


# A fix older than this, or later than now by more than the clock slack, is refused.
MAX_AGE = timedelta(days=366)
CLOCK_SLACK = timedelta(minutes=10)


def known_terminals(session: Session, jurisdiction_id: int) -> set[str]:
    """The GPS terminals of the platform's active register records (any register with a
    ``terminal`` field: waste vehicles, muck trucks …)."""
    from urbangrid.registers.models import RegisterRecord
    from urbangrid.registers.service import all_specs

    registers = [
        spec.name for spec in all_specs().values() if any(f.name == "terminal" for f in spec.fields)
    ]
    rows = session.scalars(
        select(RegisterRecord).where(
            RegisterRecord.jurisdiction_id == jurisdiction_id,
            RegisterRecord.register.in_(registers),
            RegisterRecord.is_active.is_(True),
        )
    )
    return {str(r.attributes["terminal"]) for r in rows if (r.attributes or {}).get("terminal")}


def screen(session: Session, jurisdiction_id: int, fixes: Fixes, now: datetime) -> None:
    """Refuse the batch, each bad fix listed with its reason and the count per reason, when
    a fix lies outside WGS-84 degrees, is timed in the future or more than a year ago, or
    comes from a terminal no register of the platform names. Nothing is stored then."""
    known = known_terminals(session, jurisdiction_id)
    latest = int((now + CLOCK_SLACK).timestamp())
    earliest = int((now - MAX_AGE).timestamp())
    errors: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for i in range(len(fixes)):
        lon, lat, t = float(fixes.lon[i]), float(fixes.lat[i]), int(fixes.t[i])
        terminal = fixes.terminal[i]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            code, params = "fix_out_of_range", {"lon": lon, "lat": lat}
            message = f"({lon}, {lat}) is not a WGS-84 position"
        elif t > latest:
            code, params = "fix_in_future", {"time": _utc_text(np.array([t]))[0]}
            message = f"the fix is timed in the future ({params['time']} UTC)"
        elif t < earliest:
            code, params = "fix_too_old", {"time": _utc_text(np.array([t]))[0]}
            message = f"the fix is more than a year old ({params['time']} UTC)"
        elif terminal not in known:
            code, params = "unknown_terminal", {"terminal": terminal}
            message = f"no vehicle of the registers has the terminal {terminal}"
        else:
            continue
        counts[code] = counts.get(code, 0) + 1
        if len(errors) < MAX_ERRORS_LISTED:
            line = fixes.line[i] if i < len(fixes.line) else i + 1
            errors.append({"line": line, "message": message, "code": code, "params": params})
    if errors:
        summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        raise ImportRejected(
            f"{sum(counts.values())} fix(es) refused ({summary}); nothing stored", errors
        )


def ingest(session: Session, jurisdiction_id: int, fixes: Fixes, crs: Crs | str) -> dict[str, int]:
    """Store the fixes (converted to WGS-84); resent fixes are kept once. Returns how many
    were received and newly stored."""
    lon, lat = to_wgs84(fixes.lon, fixes.lat, crs)
    lon, lat = np.atleast_1d(lon), np.atleast_1d(lat)
    stored = 0
    dialect = session.get_bind().dialect.name
    for start in range(0, len(fixes), BATCH):
        end = min(start + BATCH, len(fixes))
        if dialect == "postgresql":
            stored += _copy_batch(session, jurisdiction_id, fixes, lon, lat, start, end)
        else:
            stored += _insert_batch_sqlite(session, jurisdiction_id, fixes, lon, lat, start, end)
    return {"received": len(fixes), "stored": stored, "duplicates": len(fixes) - stored}


def _utc_text(epoch_s: np.ndarray) -> list[str]:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC, the text form both stores read."""
    text = np.datetime_as_string(epoch_s.astype("datetime64[s]").astype("datetime64[us]"))
    return [s.replace("T", " ") for s in text.tolist()]


def _insert_batch_sqlite(
    session: Session,
    jurisdiction_id: int,
    fixes: Fixes,
    lon: np.ndarray,
    lat: np.ndarray,
    start: int,
    end: int,
) -> int:
    # Straight to the driver: the UTCDateTime column stores naive UTC text on SQLite, which
    # is what _utc_text writes (the ORM's per-value conversion would cost most of the time).
    stamps = _utc_text(fixes.t[start:end])
    rows = [
        (
            jurisdiction_id,
            fixes.terminal[i],
            stamps[i - start],
            float(lon[i]),
            float(lat[i]),
            float(fixes.speed[i]),
            int(fixes.heading[i]),
            int(fixes.alarm[i]),
        )
        for i in range(start, end)
    ]
    before = session.connection().exec_driver_sql("SELECT total_changes()").scalar() or 0
    session.connection().exec_driver_sql(
        "INSERT OR IGNORE INTO fleet_positions "
        "(jurisdiction_id, terminal, t, lon, lat, speed_kmh, heading, alarm) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    after = session.connection().exec_driver_sql("SELECT total_changes()").scalar() or 0
    return int(after - before)


def _copy_text(value: str) -> str:
    """A value in COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _copy_batch(
    session: Session,
    jurisdiction_id: int,
    fixes: Fixes,
    lon: np.ndarray,
    lat: np.ndarray,
    start: int,
    end: int,
) -> int:
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS fleet_positions_in "
            "(terminal text, t timestamptz, lon float8, lat float8, speed_kmh float8, "
            "heading int2, alarm int8) ON COMMIT DELETE ROWS"
        )
        cur.execute("TRUNCATE fleet_positions_in")
        stamps = _utc_text(fixes.t[start:end])
        cols = zip(
            fixes.terminal[start:end],
            stamps,
            lon[start:end].tolist(),
            lat[start:end].tolist(),
            fixes.speed[start:end].tolist(),
            fixes.heading[start:end].tolist(),
            fixes.alarm[start:end].tolist(),
            strict=True,
        )
        lines = [
            f"{_copy_text(term)}\t{t}+00\t{x!r}\t{y!r}\t{v!r}\t{h}\t{a}\n"
            for term, t, x, y, v, h, a in cols
        ]
        with cur.copy(
            "COPY fleet_positions_in (terminal, t, lon, lat, speed_kmh, heading, alarm) FROM STDIN"
        ) as copy:
            copy.write("".join(lines))
        # On the raw cursor: SQLAlchemy reports no row count for INSERT … SELECT here.
        cur.execute(
            "INSERT INTO fleet_positions "
            "(jurisdiction_id, terminal, t, lon, lat, speed_kmh, heading, alarm) "
            "SELECT %s, terminal, t, lon, lat, speed_kmh, heading, alarm "
            "FROM fleet_positions_in ON CONFLICT DO NOTHING",
            (jurisdiction_id,),
        )
        return max(cur.rowcount, 0)


def track(
    session: Session, jurisdiction_id: int, terminal: str, start: datetime, end: datetime
) -> list[VehiclePosition]:
    """One terminal's fixes in [start, end), in time order (a day's replay)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("give times with a zone (e.g. …+08:00)", field="start")
    if end <= start:
        raise InvalidInput("the end comes before the start", field="end")
    return list(
        session.scalars(
            select(VehiclePosition)
            .where(
                VehiclePosition.jurisdiction_id == jurisdiction_id,
                VehiclePosition.terminal == terminal,
                VehiclePosition.t >= start,
                VehiclePosition.t < end,
            )
            .order_by(VehiclePosition.t)
        )
    )
