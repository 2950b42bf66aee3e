"""Historical import throughput (``urbangrid import cases``): rows per second into SQLite and
into PostgreSQL, with the Los Angeles file and the shipped mapping (``la_myla311``).

Baseline, measured in the same process: reading and replaying the same rows through the
pure workflow with no database (``read_rows`` + ``replay``), so the ratio shows what
writing costs on each database.

    uv run python bench/bench_import.py [--rows 9989] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

``--quick`` (the test command runs it): 1,000 rows, on SQLite only unless a PostgreSQL URL
is given (``--pg`` or ``URBANGRID_BENCH_DATABASE_URL``). Without ../shared it says so and
exits 0; an unreachable PostgreSQL is reported and skipped.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from urbangrid.catalog.service import load_national_directory
from urbangrid.db import make_engine, normalise_url, session_factory
from urbangrid.domains import import_all_models
from urbangrid.migrations.runner import upgrade

SOURCE = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "311" / "la_service_requests_10k.csv"
)
MAPPING = "la_myla311"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def slice_of(folder: Path, rows: int) -> Path:
    with SOURCE.open(encoding="utf-8") as fh:
        lines = fh.readlines()[: rows + 1]
    part = folder / f"la_{rows}.csv"
    part.write_text("".join(lines), encoding="utf-8")
    return part


def baseline(part: Path) -> tuple[int, float]:
    """Rows read and replayed per second, no database."""
    from urbangrid.cases import workflow as wf
    from urbangrid.cases.worktime import WorkClock
    from urbangrid.catalog.models import FilingCondition
    from urbangrid.intake import importer

    mapping = importer.load_mapping(MAPPING)
    start = time.perf_counter()
    good, _, _ = importer.read_rows(part, mapping)
    first, last = mapping.calendar_years
    clock = WorkClock.from_config(
        tz=mapping.jurisdiction.timezone, first_year=first, last_year=last
    )
    ctx = wf.Context(wf.WorkflowConfig(), clock)
    spec = mapping.default_condition
    assert spec is not None
    condition = FilingCondition(
        id=1,
        description=spec.description,
        time_limit_value=spec.limit_value,
        time_limit_unit=spec.limit_unit,
    )
    for row in good:
        importer.replay(
            row,
            category_id=1,
            condition=condition,
            department_id=1 if row.department_code else None,
            ctx=ctx,
            note=f"imported from {part.name} line {row.line}",
            file=part.name,
        )
    return len(good), time.perf_counter() - start


def prepared(engine: Engine) -> Engine:
    upgrade(engine)
    with session_factory(engine)() as s:
        load_national_directory(s)
        s.commit()
    return engine


def timed_import(engine: Engine, part: Path) -> tuple[int, float, int]:
    from urbangrid.intake.importer import import_cases

    factory = session_factory(engine)
    start = time.perf_counter()
    with factory() as s:
        report = import_cases(s, part, MAPPING)
        s.commit()
    return report.imported, time.perf_counter() - start, len(report.skipped)


def on_postgresql(
    url: str, fn: Callable[[Engine], tuple[int, float, int]]
) -> tuple[int, float, int] | None:
    base = make_url(normalise_url(url))
    name = f"urbangrid_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base.render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        reason = " ".join(str(exc.orig).split())
        print(f"skipped: PostgreSQL unreachable ({reason})")
        admin.dispose()
        return None
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    try:
        return fn(prepared(engine))
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def line(label: str, rows: int, seconds: float, base_rate: float, skipped: int) -> None:
    rate = rows / seconds
    print(
        f"{label:<10} import: {rows} rows in {seconds:.2f} s: {rate:,.0f} rows/s "
        f"({rate / base_rate:.2f}x the no-database baseline), {skipped} skipped"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=9989, help="rows of the LA file (max 9,989)")
    parser.add_argument("--pg", default=None, help="PostgreSQL server URL (a database is created)")
    parser.add_argument("--quick", action="store_true", help="1,000 rows (test command)")
    args = parser.parse_args()
    if not SOURCE.is_file():
        print(f"skipped: {SOURCE} not found (../shared beside the checkout)")
        return
    pg_url = args.pg or os.environ.get("URBANGRID_BENCH_DATABASE_URL")
    if args.quick:
        args.rows = min(args.rows, 1000)
    elif pg_url is None:
        pg_url = PG_DEFAULT
    import_all_models()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        part = slice_of(folder, args.rows)
        n, spent = baseline(part)
        base_rate = n / spent
        print(
            f"baseline   read + replay (no database): {n} rows in {spent:.2f} s: "
            f"{base_rate:,.0f} rows/s"
        )
        sqlite = prepared(make_engine(f"sqlite:///{folder / 'import.db'}"))
        try:
            rows, seconds, skipped = timed_import(sqlite, part)
        finally:
            sqlite.dispose()
        line("SQLite", rows, seconds, base_rate, skipped)
        if pg_url:
            result = on_postgresql(pg_url, lambda engine: timed_import(engine, part))
            if result is not None:
                line("PostgreSQL", result[0], result[1], base_rate, result[2])
        else:
            print("PostgreSQL: not run (quick mode without --pg or URBANGRID_BENCH_DATABASE_URL)")


if __name__ == "__main__":
    main()
