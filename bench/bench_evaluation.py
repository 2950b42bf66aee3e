"""Evaluation at scale: PostgreSQL vs DuckDB over the same rows.

    uv run python bench/bench_evaluation.py [--cases 2000000] [--days 730] [--keep]

1. Generates ``--unique`` cases (two years of one district) with the simulator's
   generator and loads their fact records into ``eval_case_facts`` of a fresh PostgreSQL
   database (COPY). To reach ``--cases`` rows (the issue's figure is 10 M: a large city)
   the district is then replicated server-side into K districts (case ids, grid codes,
   department and user ids shifted per district), because the pure-Python generator makes
   only a few thousand cases per second on this shared machine. Then ANALYZE.
2. Exports the same rows to Parquet (PostgreSQL COPY → CSV → DuckDB → Parquet).
3. Runs the statements of ``evaluation.sql`` (with literal values) on both: one month's
   department evaluation, and the area evaluation of every grid. PostgreSQL runs them as
   ``count_sql`` does (department months cut into one slice per connection, grid
   statements led to the month-and-grid indexes); DuckDB runs the plain statements, whole
   and sliced, serially and concurrently, and its fastest figure counts.
4. Checks that both give identical counts and prints the times and the ratio.

Needs PostgreSQL at ``--url``, else URBANGRID_BENCH_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/postgres: the comparison is PostgreSQL's against
DuckDB's, so there is no SQLite variant. ``--quick`` (the test command runs it): 4,000
generated cases over 90 days replicated into two districts, three runs of each statement
set; it says ``skipped: PostgreSQL unreachable …`` and exits 0 when no server answers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex

from urbangrid.evaluation.engine import Period
from urbangrid.evaluation.indicators import ObjectKind
from urbangrid.evaluation.models import (
    COVERING_INDEXES,
    GRID_MONTH_INDEXES,
    EvalCaseFact,
    covering_index_name,
    grid_month_index_ddl,
)
from urbangrid.evaluation.simulator.generator import Generator, demo_city, truncate_at
from urbangrid.evaluation.sql import FACTS, count_statements, period_parts, run_statements
from urbangrid.evaluation.store import fact_row

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
COLUMNS = [c.name for c in FACTS.columns]


def sql_text(stmt: Any) -> str:
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def timed_together(fns: list[Callable[[], Any]], repeat: int) -> list[tuple[float, Any]]:
    """Median time and last result of each function, run in turns (a, b, c, a, b, c …) so
    that a slow spell of the shared machine (its page cache is small and reclaimed
    eagerly) falls on every side alike instead of on whichever ran during it."""
    times: list[list[float]] = [[] for _ in fns]
    results: list[Any] = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            results[i] = fn()
            times[i].append(time.perf_counter() - t0)
    return [(statistics.median(t), r) for t, r in zip(times, results, strict=True)]


def run_duck(duck: Any, texts: list[str]) -> list[Any]:
    return [duck.execute(t).fetchall() for t in texts]


def run_duck_concurrent(duck: Any, pool: ThreadPoolExecutor, texts: list[str]) -> list[Any]:
    return list(pool.map(lambda text: duck.cursor().execute(text).fetchall(), texts))


def added_up(parts: list[Any], slices: int) -> dict[tuple[int, Any], list[int]]:
    """Each statement's rows added up per (statement group, key), with ``slices``
    consecutive statements per group: the counts as ``count_sql`` would assemble them
    (DuckDB's sums are HUGEINT, PostgreSQL's numeric, so everything becomes int)."""
    out: dict[tuple[int, Any], list[int]] = {}
    for i, rows in enumerate(parts):
        for key, *values in rows:
            total = out.setdefault((i // slices, key), [0] * len(values))
            for j, v in enumerate(values):
                total[j] += int(v or 0)
    return out


def load(pg_url: str, n_cases: int, days: int, first: date, seed: int) -> int:
    # Rates scaled so that `days` days give about n_cases cases (generator's ~85/day at 60+25).
    scale = n_cases / days / 85.0
    n_grids = max(200, int(2000 * min(scale, 10)))
    city = replace(
        demo_city(n_grids, seed=seed), inspector_per_day=60 * scale, public_per_day=25 * scale
    )
    gen = Generator(city, seed=seed)
    # the stream ends "now": steps after the last day have not happened yet
    now = datetime(first.year, first.month, first.day, tzinfo=UTC) + timedelta(days=days)
    n = 0
    t0 = time.perf_counter()
    with psycopg.connect(pg_url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY eval_case_facts ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for f in gen.stream(first, days):
                row = fact_row(truncate_at(f, now))
                copy.write_row([row.get(c) for c in COLUMNS])
                n += 1
                if n % 500_000 == 0:
                    print(f"  {n:,} cases loaded ({time.perf_counter() - t0:.0f} s)", flush=True)
        conn.commit()
    return n


def replicate(pg_url: str, n_unique: int, districts: int) -> int:
    """Copy district 0 into districts 1..K-1 with shifted identities; returns all rows."""
    shift_cols = []
    for c in COLUMNS:
        if c == "case_id":
            shift_cols.append(f"case_id + k * {n_unique * 2}")
        elif c == "jurisdiction_id":
            shift_cols.append("k + 1")
        elif c in ("grid_code", "street_code", "community_code"):
            shift_cols.append(f"(329901 + k)::text || substr({c}, 7)")
        elif c == "department_id":
            shift_cols.append(f"{c} + k * 1000")
        elif c.endswith("_id"):
            shift_cols.append(f"{c} + k * 100000")
        else:
            shift_cols.append(c)
    covering = {covering_index_name(anchor) for anchor in COVERING_INDEXES}
    indexes = [ix for ix in FACTS.indexes if ix.name in covering]
    with psycopg.connect(pg_url) as conn:
        for ix in indexes:  # built once after the load, as the migrations define them
            conn.execute(f"DROP INDEX IF EXISTS {ix.name}")
        conn.execute("UPDATE eval_case_facts SET jurisdiction_id = 1")
        if districts > 1:
            conn.execute(
                f"INSERT INTO eval_case_facts ({', '.join(COLUMNS)}) "
                f"SELECT {', '.join(shift_cols)} FROM eval_case_facts, "
                f"generate_series(1, {districts - 1}) AS k"
            )
        conn.execute("SET maintenance_work_mem = '1GB'")
        for ix in indexes:
            conn.execute(str(CreateIndex(ix).compile(dialect=postgresql.dialect())))
        for anchor in GRID_MONTH_INDEXES:  # as migration 0011 makes them
            conn.execute(grid_month_index_ddl(anchor))
        conn.commit()
        # VACUUM as autovacuum would: sets the visibility map index-only scans rely on
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE eval_case_facts")
        return int(conn.execute("SELECT count(*) FROM eval_case_facts").fetchone()[0])


def export_parquet(pg_url: str, path: Path) -> None:
    csv_path = path.with_suffix(".csv")
    cols = ", ".join(
        f"CASE WHEN {c} THEN 'true' ELSE 'false' END AS {c}" if c == "self_handled" else c
        for c in COLUMNS
    )
    with psycopg.connect(pg_url) as conn, conn.cursor() as cur, csv_path.open("wb") as fh:
        cur.execute("SET TIME ZONE 'UTC'")
        with cur.copy(f"COPY (SELECT {cols} FROM eval_case_facts) TO STDOUT WITH CSV HEADER") as cp:
            for chunk in cp:
                fh.write(chunk)
    types = {}
    for c in FACTS.columns:
        t = c.type
        name = type(t).__name__
        if "DateTime" in name:
            types[c.name] = "TIMESTAMPTZ"
        elif name in ("Boolean",):
            types[c.name] = "BOOLEAN"
        elif name in ("String",):
            types[c.name] = "VARCHAR"
        else:
            types[c.name] = "BIGINT"
    db = duckdb.connect()
    db.execute("SET TimeZone = 'UTC'")
    db.execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}', header=true, columns={types!r}) "
        f"ORDER BY reported_at) TO '{path}' (FORMAT parquet)"
    )
    db.close()
    csv_path.unlink()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000_000, help="rows in the end")
    ap.add_argument("--unique", type=int, default=200_000, help="rows from the generator")
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the database and the Parquet file")
    ap.add_argument(
        "--reuse", help="DBNAME:PARQUET of a kept run: skip generating, loading and exporting"
    )
    ap.add_argument("--jit", action="store_true", help="leave PostgreSQL's JIT on")
    ap.add_argument(
        "--url", help=f"PostgreSQL server (default URBANGRID_BENCH_DATABASE_URL or {PG_DEFAULT})"
    )
    ap.add_argument("--quick", action="store_true", help="small sizes (test command)")
    ap.add_argument(
        "--work-mem",
        default="256MB",
        help="PostgreSQL work_mem of the session (the grid query hashes ~160k groups)",
    )
    args = ap.parse_args()
    if args.quick:
        args.cases, args.unique, args.days, args.repeat = 8_000, 4_000, 90, 3

    period = Period.month(args.month)
    last_day = period.end.date()
    first = last_day - timedelta(days=args.days)
    url = args.url or os.environ.get("URBANGRID_BENCH_DATABASE_URL") or PG_DEFAULT
    base = sa.engine.make_url(url).set(drivername="postgresql")  # libpq's form, for psycopg
    try:
        admin = psycopg.connect(base.render_as_string(hide_password=False), autocommit=True)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL unreachable at {base} ({str(exc).strip().splitlines()[0]})"
        if args.quick:
            print(f"skipped: {message}")
            return
        raise SystemExit(message) from None
    if args.reuse:
        name, parquet_name = args.reuse.split(":", 1)
        parquet = Path(parquet_name)
        tmp = parquet.parent
        args.keep = True
    else:
        name = f"urbangrid_bench_eval_{uuid.uuid4().hex[:8]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        tmp = Path(tempfile.mkdtemp(prefix="bench_eval_"))
        parquet = tmp / "facts.parquet"
    pg_url = base.set(database=name).render_as_string(hide_password=False)
    try:
        if not args.reuse:
            engine = sa.create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
            EvalCaseFact.__table__.create(engine)  # type: ignore[attr-defined]
            engine.dispose()
            t0 = time.perf_counter()
            n_unique = load(pg_url, args.unique, args.days, first, args.seed)
            t_gen = time.perf_counter() - t0
            t0 = time.perf_counter()
            n = replicate(pg_url, n_unique, max(1, round(args.cases / max(n_unique, 1))))
            t_load = time.perf_counter() - t0
            t0 = time.perf_counter()
            export_parquet(pg_url, parquet)
            t_export = time.perf_counter() - t0

        pg = psycopg.connect(pg_url)
        pg.execute("SET TIME ZONE 'UTC'")
        if not args.jit:
            pg.execute("SET jit = off")
        pg.execute(f"SET work_mem = '{args.work_mem}'")
        duck = duckdb.connect()
        duck.execute("SET TimeZone = 'UTC'")
        duck.execute(f"CREATE VIEW eval_case_facts AS SELECT * FROM read_parquet('{parquet}')")

        if args.reuse:
            n = int(pg.execute("SELECT count(*) FROM eval_case_facts").fetchone()[0])
            print(f"rows: {n:,} cases (kept run {name}, {parquet})")
        else:
            print(f"generated {n_unique:,} unique cases over {args.days} days in {t_gen:.0f} s")
            print(
                f"rows: {n:,} cases ({n // max(n_unique, 1)} districts), replicated and "
                f"indexed in {t_load:.0f} s, exported to Parquet "
                f"({parquet.stat().st_size / 1e6:.0f} MB) in {t_export:.0f} s"
            )
        print(
            f"period: {period.label}; "
            f"PostgreSQL {pg.execute('SHOW server_version').fetchone()[0]}, "
            f"DuckDB {duckdb.__version__}; JIT {'on' if args.jit else 'off'}, "
            f"work_mem {args.work_mem}; "
            f"median of {args.repeat} runs"
        )
        # PostgreSQL as the product runs it: evaluation.sql.run_statements, a kind's
        # statements on several connections sharing one snapshot. DuckDB already spreads one
        # statement over every core; it is timed serially and with the same concurrency
        # (a cursor per statement), and the faster of the two is its figure.
        engine = sa.create_engine(
            pg_url.replace("postgresql://", "postgresql+psycopg://"), pool_size=4
        )
        session_settings = ["SET TIME ZONE 'UTC'", f"SET work_mem = '{args.work_mem}'"]
        if not args.jit:
            session_settings.append("SET jit = off")

        @sa.event.listens_for(engine, "connect")
        def _settings(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                for statement in session_settings:
                    cur.execute(statement)
            dbapi_conn.commit()

        pool = ThreadPoolExecutor(max_workers=4)
        total_pg = total_duck = 0.0
        for label, kind in (
            ("department evaluation", ObjectKind.DEPARTMENT),
            ("every grid's area evaluation", ObjectKind.GRID),
        ):
            with engine.connect() as conn:
                parts = period_parts(conn, kind)
            # What count_sql runs on PostgreSQL: the kind's statements, each anchor's month
            # cut into `parts` slices whose counts it adds up (departments; grids are not
            # cut), the grid statements ordered by the month-and-grid indexes. DuckDB gets
            # the plain statements (no month test, no order), whole and sliced.
            ours = [
                sql_text(s)
                for _k, _d, s in count_statements(kind, period, parts=parts, month_index=True)
            ]
            sliced = [sql_text(s) for _k, _d, s in count_statements(kind, period, parts=parts)]
            whole = [sql_text(s) for _k, _d, s in count_statements(kind, period)]

            # Timed: the statements and fetching their rows; adding up the slices and
            # sorting for the comparison happen afterwards, outside the clock.
            def run_pg(texts: list[str] = ours) -> list[Any]:
                with engine.connect() as conn:
                    return run_statements(conn, [sa.text(t) for t in texts])

            # DuckDB gets the whole-month statements and, when PostgreSQL's are sliced, the
            # sliced ones too, each serially and concurrently; its fastest figure counts.
            duck_runs: dict[str, Callable[[], Any]] = {
                "serial": partial(run_duck, duck, whole),
                "concurrent": partial(run_duck_concurrent, duck, pool, whole),
            }
            if parts > 1:
                duck_runs["sliced concurrent"] = partial(run_duck_concurrent, duck, pool, sliced)
            slices = {"serial": 1, "concurrent": 1, "sliced concurrent": parts}
            for fn in (run_pg, *duck_runs.values()):
                fn()  # warm caches on both sides
            (t_pg, r_pg), *duck_timed = timed_together([run_pg, *duck_runs.values()], args.repeat)
            duck_times = {name: t for name, (t, _r) in zip(duck_runs, duck_timed, strict=True)}
            t_duck = min(duck_times.values())
            reference = added_up(r_pg, parts)
            same = all(
                added_up(r, slices[name]) == reference
                for name, (_t, r) in zip(duck_runs, duck_timed, strict=True)
            )
            objects = len({key for _group, key in reference})
            total_pg += t_pg
            total_duck += t_duck
            duck_detail = ", ".join(f"{n} {t * 1000:.0f}" for n, t in duck_times.items())
            print(
                f"{label:30s} objects {objects:7,d}  PostgreSQL {t_pg * 1000:7.1f} ms "
                f"({len(ours)} statements)  DuckDB {t_duck * 1000:6.1f} ms ({duck_detail})  "
                f"ratio {t_pg / t_duck:5.2f}  identical {same}"
            )
            if not same:
                raise SystemExit("results differ between PostgreSQL and DuckDB")
        print(
            f"{'both':30s} {'':15s}PostgreSQL {total_pg * 1000:7.1f} ms  "
            f"DuckDB {total_duck * 1000:6.1f} ms  "
            f"ratio {total_pg / total_duck:5.2f} (goal <= 2)"
        )
        pool.shutdown()
        engine.dispose()
        pg.close()
        duck.close()
    finally:
        if not args.keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for p in tmp.iterdir():
                p.unlink()
            tmp.rmdir()
        else:
            print(f"kept database {name} and {parquet}")
        admin.close()


if __name__ == "__main__":
    main()
