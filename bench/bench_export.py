"""Export of a case list to xlsx (案件查询导出): seconds and peak memory for 100,000 cases.

Run: ``uv run python bench/bench_export.py [--cases 100000] [--reuse DB] [--quick]``.

Builds a temporary SQLite database with the demo district and ``--cases`` synthetic cases
(80 % closed, over a year), or reuses one (``--reuse path/to/bench.db``), then measures in a
fresh process each:

- the export through the real route (``GET /api/v1/web/worklists/all/export`` in process
  with TestClient: auth, the visibility policy, the filters, the one xlsx writer, the
  streamed response), its rows counted in the workbook;
- the baseline: the same rows (the export's own statement) written as CSV with the ``csv``
  module to a file, the plainest format there is.

Seconds are wall time; memory is the growth of the process's peak resident size
(``resource.getrusage``) over the run, measured in a process of its own so the loading does
not hide it. ``--quick`` (the test command): 2,000 cases.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from urbangrid.api.app import create_app
from urbangrid.auth.service import issue_token, principal_for
from urbangrid.cases.models import Case
from urbangrid.cases.queries import CaseFilters
from urbangrid.db import make_engine, session_factory, session_scope
from urbangrid.demo.loader import DEMO_CODE, load_demo
from urbangrid.kit.types import utcnow
from urbangrid.migrations.runner import upgrade
from urbangrid.org.models import Jurisdiction, User
from urbangrid.web.case_export import export_statement
from urbangrid.web.loadgen import add_synthetic_cases

USER = "shiftlead"


def peak_rss_mb() -> float:
    """The process's peak resident size so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(mode: str, db: str) -> None:
    """One measurement in this fresh process; prints ``seconds rows peak_growth_mb bytes``."""
    engine = make_engine(f"sqlite:///{db}")
    with session_factory(engine)() as s:
        user = s.scalar(select(User).where(User.username == USER))
        assert user is not None
        token = issue_token(s, user).token
        principal = principal_for(user)
        s.commit()
    if mode == "xlsx":
        with TestClient(create_app(engine)) as client:
            headers = {"Authorization": f"Bearer {token}"}
            client.get("/api/v1/web/worklists/all", headers=headers)  # warm the process
            before = peak_rss_mb()
            t = time.perf_counter()
            with client.stream("GET", "/api/v1/web/worklists/all/export", headers=headers) as r:
                r.raise_for_status()
                length = int(r.headers["content-length"])
                body = io.BytesIO()
                for chunk in r.iter_bytes():
                    body.write(chunk)
            seconds = time.perf_counter() - t
        assert body.tell() == length
        with zipfile.ZipFile(body) as z:
            rows = z.read("xl/worksheets/sheet1.xml").count(b"<row ") - 1  # the header
    else:
        out = Path(db).with_suffix(".csv")
        with session_factory(engine)() as s:
            before = peak_rss_mb()
            t = time.perf_counter()
            statement = export_statement(s, principal, "all", CaseFilters(), None, utcnow())
            rows = 0
            with out.open("w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                for row in s.execute(statement.execution_options(yield_per=2_000)):
                    writer.writerow(row)
                    rows += 1
            seconds = time.perf_counter() - t
        length = out.stat().st_size
    print(f"{seconds} {rows} {peak_rss_mb() - before} {length}")
    engine.dispose()


def measure(mode: str, db: str) -> tuple[float, int, float, int]:
    res = subprocess.run(
        [sys.executable, __file__, "--worker", mode, "--reuse", db],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, rows, peak, size = res.stdout.split()[-4:]
    return float(seconds), int(rows), float(peak), int(size)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--reuse", metavar="DB", help="a database of an earlier run (its cases)")
    ap.add_argument("--worker", choices=["xlsx", "csv"], help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="2,000 cases (test command)")
    args = ap.parse_args()
    if args.quick:
        args.cases = 2_000
    # the cheap test hash for the demo's users (set before any settings object is built)
    os.environ.setdefault("URBANGRID_ARGON2_TIME_COST", "1")
    os.environ.setdefault("URBANGRID_ARGON2_MEMORY_KIB", "1024")
    if args.worker:
        worker(args.worker, args.reuse)
        return
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    db = args.reuse or str(Path(tempfile.mkdtemp(prefix="bench-export-")) / "bench.db")
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    if not args.reuse:
        t = time.perf_counter()
        with session_scope(engine) as s:
            load_demo(s, with_cases=False)
        with session_factory(engine)() as s:
            jurisdiction = s.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
            assert jurisdiction is not None
            add_synthetic_cases(
                s,
                jurisdiction,
                args.cases,
                closed_share=0.8,
                spread_days=365,
                with_events=False,
                batch=20_000,
            )
        print(f"cases: {args.cases:,} loaded in {time.perf_counter() - t:.1f} s (SQLite)")
    with session_factory(engine)() as s:
        cases = int(s.scalar(select(func.count(Case.id))) or 0)
    engine.dispose()
    print(f"database: {db} ({cases:,} cases)")
    x_seconds, xlsx_rows, x_peak, x_size = measure("xlsx", db)
    c_seconds, csv_rows, c_peak, c_size = measure("csv", db)
    assert xlsx_rows == csv_rows == cases, (xlsx_rows, csv_rows, cases)
    print(f"rows: {xlsx_rows:,} in the workbook, {csv_rows:,} in the CSV")
    print(
        f"xlsx export (route): {x_seconds:.2f} s, {xlsx_rows / x_seconds:,.0f} rows/s, "
        f"peak memory +{x_peak:.1f} MB, file {x_size / 1e6:.1f} MB"
    )
    print(
        f"csv baseline (same rows): {c_seconds:.2f} s, {csv_rows / c_seconds:,.0f} rows/s, "
        f"peak memory +{c_peak:.1f} MB, file {c_size / 1e6:.1f} MB"
    )
    print(f"ratio xlsx / csv: time {x_seconds / c_seconds:.1f}")
    print("load average at end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
