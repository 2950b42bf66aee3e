"""What the demo's month of waste collection adds to ``urbangrid demo``: seconds and rows.

    uv run python bench/bench_waste_demo.py [--quick]

Loads the demo city without cases into a fresh SQLite file, then times the first district's
generated waste month (``waste.demo``: registers, fixes every 30 s, weigh tickets,
inspections, the collection checks opening cases) and counts the rows it added, table by
table; then times the checks over the stored month again (every violation found, none new).
``--quick``: 3 days instead of 30.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text


def rows(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        names = [r[0] for r in c.execute(text("select name from sqlite_master where type='table'"))]
        return {n: int(c.execute(text(f'select count(*) from "{n}"')).scalar() or 0) for n in names}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    days = 3 if args.quick else 30

    from urbangrid.db import make_engine, session_factory
    from urbangrid.demo.loader import DISTRICTS, load_demo
    from urbangrid.kit.types import utcnow
    from urbangrid.migrations.runner import upgrade
    from urbangrid.org.models import Jurisdiction
    from urbangrid.waste import checks
    from urbangrid.waste.demo import generate_demo_waste_month

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
        upgrade(engine)
        t0 = time.perf_counter()
        with session_factory(engine)() as s:
            load_demo(s, with_cases=False, with_waste=False)
            s.commit()
        base_s = time.perf_counter() - t0
        before = rows(engine)
        spec = DISTRICTS[0].spec
        with session_factory(engine)() as s:
            j = s.scalar(select(Jurisdiction).where(Jurisdiction.code == spec.code))
            assert j is not None
            t0 = time.perf_counter()
            report = generate_demo_waste_month(s, j, spec.centre, days=days)
            s.commit()
            waste_s = time.perf_counter() - t0
            after = rows(engine)
            today = utcnow().astimezone(ZoneInfo(j.timezone or "Asia/Shanghai")).date()
            t0 = time.perf_counter()
            again = checks.run_collection_checks(s, j, today - timedelta(days=days), today)
            check_s = time.perf_counter() - t0
        added = {n: after[n] - before.get(n, 0) for n in after if after[n] != before.get(n, 0)}
        print(f"demo without cases: {base_s:.1f} s, {sum(before.values()):,} rows")
        print(
            f"waste month of {days} days: {waste_s:.1f} s, {sum(added.values()):,} rows added "
            f"({added.get('fleet_positions', 0):,} fixes)"
        )
        for line in report:
            print(f"  {line}")
        print(
            f"checks again over the stored month: {check_s:.1f} s, "
            f"{sum(again.found.values())} violations found, {sum(again.opened.values())} opened"
        )


if __name__ == "__main__":
    main()
