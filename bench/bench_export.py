"""Export of a case list to xlsx (案件查询导出): seconds and peak memory for 100,000 cases.

Run: ``uv run python bench/bench_export.py [--cases 100000] [--quick]``.

Builds a temporary SQLite database with the demo district and ``--cases`` synthetic cases
(80 % closed, over a year), then exports every case through the real route
(``GET /api/v1/web/worklists/all/export`` in process with TestClient: auth, the visibility
policy, the filters, the one xlsx writer, the streamed response) and reads the workbook back
to count its rows. The baseline in the same run writes the same rows (the export's own
statement) as CSV with the ``csv`` module: the cost of the format against the plainest one.

Each is run twice: once timed, once under ``tracemalloc`` for the peak of Python memory
(tracemalloc slows the run, so the times come from the first). ``--quick`` (the test
command): 2,000 cases.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from urbangrid.api.app import create_app
from urbangrid.auth.service import issue_token, principal_for
from urbangrid.cases.queries import CaseFilters
from urbangrid.db import make_engine, session_factory, session_scope
from urbangrid.demo.loader import DEMO_CODE, load_demo
from urbangrid.kit.types import utcnow
from urbangrid.migrations.runner import upgrade
from urbangrid.org.models import Jurisdiction, User
from urbangrid.web.case_export import export_statement
from urbangrid.web.loadgen import add_synthetic_cases

USER = "shiftlead"


def measure(run: Callable[[], Any]) -> tuple[float, float, Any]:
    """(seconds, peak Python MB, result): timed once plainly, once under tracemalloc."""
    t = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - t
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 1e6, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true", help="2,000 cases (test command)")
    args = ap.parse_args()
    if args.quick:
        args.cases = 2_000
        os.environ.setdefault("URBANGRID_ARGON2_TIME_COST", "1")
        os.environ.setdefault("URBANGRID_ARGON2_MEMORY_KIB", "1024")
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    upgrade(engine)
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
        user = s.scalar(select(User).where(User.username == USER))
        assert user is not None
        token = issue_token(s, user).token
        principal = principal_for(user)
        s.commit()
    print(f"cases: {args.cases:,} loaded in {time.perf_counter() - t:.1f} s (SQLite)")

    app = create_app(engine)
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {token}"}

        def export() -> bytes:
            r = client.get("/api/v1/web/worklists/all/export", headers=headers)
            r.raise_for_status()
            assert int(r.headers["content-length"]) == len(r.content)
            return r.content

        client.get("/api/v1/web/worklists/all", headers=headers)  # warm the process
        x_seconds, x_peak, body = measure(export)

    def baseline() -> int:
        with session_factory(engine)() as s:
            statement = export_statement(s, principal, "all", CaseFilters(), None, utcnow())
            out = io.StringIO()
            writer = csv.writer(out)
            n = 0
            for row in s.execute(statement.execution_options(yield_per=2_000)):
                writer.writerow(row)
                n += 1
            return n

    c_seconds, c_peak, csv_rows = measure(baseline)

    with zipfile.ZipFile(io.BytesIO(body)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    xlsx_rows = sheet.count(b"<row ") - 1  # the header
    assert xlsx_rows == csv_rows == args.cases, (xlsx_rows, csv_rows, args.cases)
    print(f"rows: {xlsx_rows:,} in the workbook, {csv_rows:,} in the CSV")
    print(
        f"xlsx export (route): {x_seconds:.2f} s, {xlsx_rows / x_seconds:,.0f} rows/s, "
        f"peak Python memory {x_peak:.1f} MB, file {len(body) / 1e6:.1f} MB"
    )
    print(
        f"csv baseline (same rows): {c_seconds:.2f} s, {csv_rows / c_seconds:,.0f} rows/s, "
        f"peak Python memory {c_peak:.1f} MB"
    )
    print(f"ratio xlsx / csv: time {x_seconds / c_seconds:.1f}, memory {x_peak / c_peak:.1f}")
    engine.dispose()


if __name__ == "__main__":
    main()
