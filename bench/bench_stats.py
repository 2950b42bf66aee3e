"""统计分析 at scale: a year of fact rows, the product's statistics on PostgreSQL vs DuckDB
over the same rows, in the same run.

    uv run python bench/bench_stats.py [--rows 10000000] [--repeat 3] [--keep]

1. Generates ``--rows`` fact records of one local year (2025, Asia/Shanghai) in DuckDB SQL
   (deterministic hashes of the row number: 5 sources, 120 categories, 12 streets × 10
   communities × 10 grids, 40 departments; about 85 % filed, 3 % of those voided, 85 % of
   the dispatched handled within five days against a 1–3 day deadline, 92 % of those
   closed within a day), writes them to CSV and COPYs them into ``eval_case_facts`` of a
   fresh PostgreSQL database (the product's table, created from its model; the secondary
   covering indexes are dropped before loading: a year is every row, read by a sequential
   scan either way). Then ANALYZE.
2. Runs the product's statistics (``stats.service.table``: counts per cell, exact median
   and 90th percentile of the time to close per cell, per row, per column and overall)
   for the year: category × street, and source alone. DuckDB answers the same table with
   one GROUPING SETS statement using its own ``quantile_cont``.
3. Checks that both give the same numbers (counts equal, medians equal, 90th percentiles
   within 1e-6 s) and prints the times and the ratio.

Needs PostgreSQL at ``--url``, else URBANGRID_BENCH_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/postgres. ``--quick`` (the test command runs it):
20,000 rows, one run each; it says ``skipped: PostgreSQL unreachable …`` and exits 0 when
no server answers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import sqlalchemy as sa

from urbangrid.db import make_engine
from urbangrid.evaluation.models import COVERING_INDEXES, EvalCaseFact, covering_index_name
from urbangrid.stats import service
from urbangrid.stats.figures import Dimension, StatsPeriod

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
TZ = "Asia/Shanghai"
PERIOD = StatsPeriod(date(2025, 1, 1), date(2025, 12, 31), TZ)
# The local year 2025 in UTC, as DuckDB's naive timestamps hold it.
START_UTC = "2024-12-31 16:00:00"
YEAR_S = 365 * 86400

COLUMNS = (
    "case_id", "source", "category_id", "category_code", "grid_code", "district_code",
    "street_code", "community_code", "department_id", "reported_at", "filed_at", "voided_at",
    "dispatched_at", "handle_deadline", "handled_at", "closed_at", "returns", "reworks",
    "extensions", "suspensions", "wrong_dispatches", "self_handled", "synced_at",
)  # fmt: skip

GENERATE = f"""
CREATE TABLE facts AS
WITH base AS (
  SELECT i AS case_id,
    (['inspector', 'hotline', 'open311', 'video', 'web'])[1 + (hash(i * 17 + 1) % 5)::BIGINT]
      AS source,
    (1 + hash(i * 17 + 2) % 120)::BIGINT AS category_id,
    '330102' || lpad((1 + hash(i * 17 + 3) % 12)::VARCHAR, 3, '0') AS street_code,
    lpad((1 + hash(i * 17 + 4) % 10)::VARCHAR, 3, '0') AS community,
    lpad((1 + hash(i * 17 + 5) % 10)::VARCHAR, 3, '0') AS grid,
    (1 + hash(i * 17 + 6) % 40)::BIGINT AS department_id,
    TIMESTAMP '{START_UTC}' + to_seconds((hash(i * 17 + 7) % {YEAR_S})::BIGINT) AS reported_at,
    hash(i * 17 + 8) % 100 AS u_filed, hash(i * 17 + 9) % 100 AS u_void,
    hash(i * 17 + 10) % 100 AS u_handled,
    hash(i * 17 + 11) % 100 AS u_closed,
    (hash(i * 17 + 12) % 18000)::BIGINT AS s_file,
    (hash(i * 17 + 13) % 7200)::BIGINT AS s_dispatch,
    (hash(i * 17 + 14) % (5 * 86400))::BIGINT AS s_handle,
    (1 + hash(i * 17 + 15) % 3)::BIGINT AS d_limit,
    (hash(i * 17 + 16) % 86400)::BIGINT AS s_close
  FROM range($n) t(i)
), steps AS (
  SELECT *,
    CASE WHEN u_filed < 85 THEN reported_at + to_seconds(s_file) END AS filed_at
  FROM base
), more AS (
  SELECT *,
    CASE WHEN filed_at IS NOT NULL AND u_void < 3 THEN filed_at + INTERVAL 1 HOUR END
      AS voided_at,
    CASE WHEN filed_at IS NOT NULL AND u_void >= 3 THEN filed_at + to_seconds(s_dispatch) END
      AS dispatched_at
  FROM steps
), handled AS (
  SELECT *,
    dispatched_at + to_days(d_limit) AS handle_deadline,
    CASE WHEN dispatched_at IS NOT NULL AND u_handled < 85
      THEN dispatched_at + to_seconds(s_handle) END AS handled_at
  FROM more
)
SELECT case_id + 1 AS case_id, source, category_id, lpad(category_id::VARCHAR, 5, '0')
    AS category_code,
  street_code || community || grid AS grid_code, '330102' AS district_code, street_code,
  street_code || community AS community_code,
  CASE WHEN dispatched_at IS NOT NULL THEN department_id END AS department_id,
  reported_at, filed_at, voided_at, dispatched_at, handle_deadline, handled_at,
  CASE WHEN handled_at IS NOT NULL AND u_closed < 92 THEN handled_at + to_seconds(s_close) END
    AS closed_at,
  0 AS returns, 0 AS reworks, 0 AS extensions, 0 AS suspensions, 0 AS wrong_dispatches,
  false AS self_handled, TIMESTAMP '2026-01-01 00:00:00' AS synced_at
FROM handled
"""

DUCK_TABLE = """
SELECT {keys},
  grouping({keys}) AS g,
  count(*) AS reported,
  count(*) FILTER (WHERE filed_at IS NOT NULL AND voided_at IS NULL) AS filed,
  count(*) FILTER (WHERE closed_at IS NOT NULL) AS closed,
  count(*) FILTER (WHERE filed_at IS NOT NULL AND voided_at IS NULL AND closed_at IS NULL)
    AS open,
  count(*) FILTER (WHERE handled_at IS NOT NULL AND handle_deadline IS NOT NULL
    AND handled_at <= handle_deadline) AS on_time,
  count(*) FILTER (WHERE handled_at IS NOT NULL AND handle_deadline IS NOT NULL) AS handled,
  quantile_cont(d, 0.5) AS median, quantile_cont(d, 0.9) AS p90
FROM (
  SELECT *, CASE WHEN closed_at IS NOT NULL THEN
    epoch(date_trunc('second', closed_at))::BIGINT
      - epoch(date_trunc('second', reported_at))::BIGINT END AS d
  FROM facts
  WHERE reported_at >= TIMESTAMP '{start}' AND reported_at < TIMESTAMP '{end}'
)
GROUP BY GROUPING SETS ({sets})
"""

DUCK_KEYS = {Dimension.CATEGORY: "category_id", Dimension.STREET: "street_code",
             Dimension.SOURCE: "source", Dimension.DEPARTMENT: "department_id"}  # fmt: skip


def duck_table(duck: Any, rows: Dimension, cols: Dimension | None) -> dict[Any, tuple[Any, ...]]:
    keys = [DUCK_KEYS[rows]] + ([DUCK_KEYS[cols]] if cols else [])
    sets = f"({keys[0]}, {keys[1]}), ({keys[0]}), ({keys[1]}), ()" if cols else f"({keys[0]}), ()"
    start = PERIOD.start.replace(tzinfo=None).isoformat(sep=" ")
    end = PERIOD.end.replace(tzinfo=None).isoformat(sep=" ")
    text = DUCK_TABLE.format(keys=", ".join(keys), sets=sets, start=start, end=end)
    out = {}
    for row in duck.execute(text).fetchall():
        width = len(keys)
        key_values, g = row[:width], row[width]
        key = tuple(
            "*" if g & (1 << (width - 1 - i)) else (None if v is None else str(v))
            for i, v in enumerate(key_values)
        )
        out[key] = tuple(row[width + 1 :])
    return out


def ours_table(conn: Any, rows: Dimension, cols: Dimension | None) -> dict[Any, tuple[Any, ...]]:
    table = service.table(conn, PERIOD, rows, cols)

    def values(f: Any) -> tuple[Any, ...]:
        return (
            f.reported, f.filed, f.closed, f.open, f.on_time, f.handled,
            None if f.median_close_s is None else float(f.median_close_s),
            None if f.p90_close_s is None else float(f.p90_close_s),
        )  # fmt: skip

    out: dict[Any, tuple[Any, ...]] = {}
    if cols:
        for (r, c), f in table.cells.items():
            out[(r, c)] = values(f)
        for c, f in table.column_totals.items():
            out[("*", c)] = values(f)
        for r, f in table.row_totals.items():
            out[(r, "*")] = values(f)
        out[("*", "*")] = values(table.total)
    else:
        for r, f in table.row_totals.items():
            out[(r,)] = values(f)
        out[("*",)] = values(table.total)
    return out


def same(a: dict[Any, tuple[Any, ...]], b: dict[Any, tuple[Any, ...]]) -> bool:
    if a.keys() != b.keys():
        return False
    for key, x in a.items():
        y = b[key]
        if x[:7] != y[:7]:
            return False
        if (x[7] is None) != (y[7] is None) or (x[7] is not None and abs(x[7] - y[7]) > 1e-6):
            return False
    return True


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the database")
    ap.add_argument(
        "--url", help=f"PostgreSQL server (default URBANGRID_BENCH_DATABASE_URL or {PG_DEFAULT})"
    )
    ap.add_argument("--quick", action="store_true", help="20,000 rows, one run (test command)")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.repeat = 20_000, 1
    url = args.url or os.environ.get("URBANGRID_BENCH_DATABASE_URL") or PG_DEFAULT
    base = sa.engine.make_url(url).set(drivername="postgresql")
    try:
        admin = psycopg.connect(base.render_as_string(hide_password=False), autocommit=True)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL unreachable at {base} ({str(exc).strip().splitlines()[0]})"
        if args.quick:
            print(f"skipped: {message}")
            return
        raise SystemExit(message) from None
    name = f"urbangrid_bench_stats_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    pg_url = base.set(database=name).render_as_string(hide_password=False)
    tmp = Path(tempfile.mkdtemp(prefix="bench_stats_"))
    engine = make_engine(pg_url)
    try:
        t0 = time.perf_counter()
        duck = duckdb.connect()
        duck.execute("SET TimeZone = 'UTC'")
        duck.execute(GENERATE, {"n": args.rows})
        t_gen = time.perf_counter() - t0
        csv = tmp / "facts.csv"
        t0 = time.perf_counter()
        duck.execute(f"COPY (SELECT {', '.join(COLUMNS)} FROM facts) TO '{csv}' (HEADER false)")
        EvalCaseFact.__table__.create(engine)  # type: ignore[attr-defined]
        with psycopg.connect(pg_url) as pg, pg.cursor() as cur:
            for anchor in COVERING_INDEXES:
                cur.execute(f"DROP INDEX IF EXISTS {covering_index_name(anchor)}")
            cur.execute("SET TIME ZONE 'UTC'")
            with (
                cur.copy(
                    f"COPY eval_case_facts ({', '.join(COLUMNS)}) FROM STDIN (FORMAT csv)"
                ) as copy,
                csv.open("rb") as fh,
            ):
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
            pg.commit()
            pg.autocommit = True
            cur.execute("VACUUM ANALYZE eval_case_facts")
        t_load = time.perf_counter() - t0
        csv.unlink()
        n = duck.execute("SELECT count(*) FROM facts").fetchone()[0]  # type: ignore[index]
        print(f"rows: {n:,} fact records of one year ({PERIOD.label}, {TZ})")
        print(f"generated in DuckDB {t_gen:.1f} s; CSV + COPY into PostgreSQL + ANALYZE "
              f"{t_load:.1f} s")  # fmt: skip
        print(f"PostgreSQL {admin.info.server_version}, DuckDB {duckdb.__version__}, "
              f"{args.repeat} run(s) each, median time")  # fmt: skip
        totals = [0.0, 0.0]
        for rows, cols in ((Dimension.CATEGORY, Dimension.STREET), (Dimension.SOURCE, None)):
            with engine.connect() as conn:
                t_ours, got = timed(lambda: ours_table(conn, rows, cols), args.repeat)  # noqa: B023
            t_duck, want = timed(lambda: duck_table(duck, rows, cols), args.repeat)  # noqa: B023
            totals[0] += t_ours
            totals[1] += t_duck
            label = f"{rows.value} × {cols.value}" if cols else rows.value
            print(
                f"table {label:<20} groups {len(got):>6,}  ours (PostgreSQL) {t_ours:8.2f} s  "
                f"DuckDB {t_duck:8.2f} s  ratio {t_ours / max(t_duck, 1e-9):8.1f}  "
                f"identical {same(got, want)}"
            )
            assert same(got, want), "the product's statistics differ from DuckDB's"
        print(
            f"both tables  ours {totals[0]:.2f} s  DuckDB {totals[1]:.2f} s  "
            f"ratio {totals[0] / max(totals[1], 1e-9):.1f}"
        )
    finally:
        engine.dispose()
        if not args.keep:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for p in tmp.glob("*"):
            p.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
