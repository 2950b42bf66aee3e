"""Position ingest into the store: fixes per second on SQLite and PostgreSQL, against a plain
bulk load of the same rows in the same run.

    uv run python bench/bench_fleet_ingest.py [--fixes N] [--url postgresql://…] [--quick]

The fixes are a generated fleet (``fleet.simulate``: 50 vehicles every 30 s) as the CSV a
gateway posts. Ours: ``fleet.service.read_csv`` + ``ingest`` (parse, check every line,
convert, store with resends kept once: unique index, ``ON CONFLICT DO NOTHING``). The
baseline on the same rows: SQLite ``executemany`` of a prepared INSERT into a table without
the unique index; PostgreSQL a plain ``COPY`` into such a table. Each database is a scratch
one (a temporary SQLite file; a new PostgreSQL database, dropped afterwards). PostgreSQL is
``--url``, else ``URBANGRID_BENCH_DATABASE_URL``, else 127.0.0.1:5432 (not in quick mode);
unreachable → said so. ``--quick`` (the test command): 20,000 fixes.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from urbangrid.db import make_engine, normalise_url, session_scope
from urbangrid.fleet import service
from urbangrid.fleet.simulate import Leg, drive
from urbangrid.migrations.runner import upgrade
from urbangrid.org.models import Jurisdiction

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def make_csv(n: int, seed: int = 3) -> bytes:
    rng = np.random.default_rng(seed)
    sx, sy = rng.uniform(0, 5000, 200), rng.uniform(0, 5000, 200)
    lines = ["terminal,time,lon,lat,speed,heading"]
    vehicle = 0
    start = int(datetime(2026, 11, 2, 22, tzinfo=UTC).timestamp())
    while len(lines) - 1 < n:
        route = [Leg(int(p), int(rng.integers(60, 300))) for p in rng.choice(200, 60)]
        track = drive(sx, sy, route, start_s=start, noise_m=20.0, rng=rng)
        lon = 120.0 + track.x / 96_000.0
        lat = 30.0 + track.y / 111_000.0
        for t, x, y in zip(track.t.tolist(), lon.tolist(), lat.tolist(), strict=True):
            lines.append(f"1390000{vehicle:04d},{t},{x:.6f},{y:.6f},25.0,90")
        vehicle += 1
    return ("\n".join(lines[: n + 1]) + "\n").encode()


def run_ours(url: str, data: bytes) -> tuple[float, int]:
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as s:
        j = Jurisdiction(code="329901", name="bench")
        s.add(j)
        s.flush()
        jid = j.id
    t0 = time.perf_counter()
    with session_scope(engine) as s:
        summary = service.ingest(s, jid, service.read_csv(data), "wgs84")
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed, summary["stored"]


def run_baseline(url: str, data: bytes) -> float:
    rows = [line.split(",") for line in data.decode().splitlines()[1:]]
    engine = make_engine(url)
    ddl = (
        "CREATE TABLE plain_positions (terminal varchar(20), t bigint, lon float, lat float, "
        "speed float, heading int)"
    )
    with engine.begin() as conn:
        conn.exec_driver_sql(ddl)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy("COPY plain_positions FROM STDIN") as copy:
                copy.write(io.StringIO(data.decode().split("\n", 1)[1]).read().replace(",", "\t"))
        else:
            conn.exec_driver_sql(
                "INSERT INTO plain_positions VALUES (?, ?, ?, ?, ?, ?)",
                [tuple(r) for r in rows],
            )
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed


def pg_database(url: str) -> tuple[str, sa.Engine] | None:
    try:
        base = make_url(normalise_url(url))
        admin = make_engine(base.render_as_string(hide_password=False))
        name = f"urbangrid_bench_fleet_{uuid.uuid4().hex[:6]}"
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        return None
    return base.set(database=name).render_as_string(hide_password=False), admin


def drop(admin: sa.Engine, url: str) -> None:
    name = make_url(url).database
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixes", type=int, default=1_000_000)
    ap.add_argument("--url")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.fixes = 20_000
    url = args.url or os.environ.get("URBANGRID_BENCH_DATABASE_URL")
    if url is None and not args.quick:  # quick mode touches PostgreSQL only when given one
        url = PG_DEFAULT
    data = make_csv(args.fixes)
    print(f"fixes: {args.fixes:,} ({len(data) / 1e6:.1f} MB of CSV)")

    tmp = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    targets = [("SQLite", f"sqlite:///{tmp / 'ours.db'}", f"sqlite:///{tmp / 'plain.db'}")]
    made = [pg_database(url), pg_database(url)] if url else [None, None]
    if made[0] and made[1]:
        targets.append(("PostgreSQL", made[0][0], made[1][0]))
    for name, ours_url, plain_url in targets:
        ours, stored = run_ours(ours_url, data)
        plain = run_baseline(plain_url, data)
        print(
            f"{name:<10} ours {args.fixes / ours:>10,.0f} fixes/s ({stored:,} stored)   "
            f"plain bulk load {args.fixes / plain:>10,.0f} fixes/s   "
            f"time ours / plain {ours / plain:.2f}"
        )
    if not (made[0] and made[1]):
        print(f"PostgreSQL not measured: {'unreachable' if url else 'no server given'}")
    for m in made:
        if m:
            drop(m[1], m[0])


if __name__ == "__main__":
    main()
