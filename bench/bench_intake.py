"""Intake figures: historical import throughput (replay vs write), and the cost of the
webhook outbox capture on case changes (with vs without the hook, same process).

    uv run python bench/bench_intake.py [ROWS] [--reports N] [--quick]

Uses ../shared/data/311/la_service_requests_10k.csv and temporary SQLite databases.
``--quick`` (the test command runs it): 1,000 rows and 100 case reports. Without ../shared it
says so and exits 0.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from urbangrid.catalog.service import load_national_directory
from urbangrid.db import make_engine, session_factory
from urbangrid.domains import import_all_models
from urbangrid.migrations.runner import upgrade

import_all_models()

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "311"


def fresh_db(folder: Path, name: str):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    with session_factory(engine)() as s:
        load_national_directory(s)
        s.commit()
    return engine


def bench_import(folder: Path, rows: int) -> None:
    import urbangrid.intake.importer as importer

    src = SHARED / "la_service_requests_10k.csv"
    with src.open(encoding="utf-8") as fh:
        lines = fh.readlines()[: rows + 1]
    part = folder / "part.csv"
    part.write_text("".join(lines), encoding="utf-8")
    engine = fresh_db(folder, "import.db")
    spent = [0.0]
    original = importer.replay

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - t

    importer.replay = timed
    t0, c0 = time.perf_counter(), time.process_time()
    with session_factory(engine)() as s:
        report = importer.import_cases(s, part, "la_myla311")
        s.commit()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    importer.replay = original
    print(f"import: {report.imported} rows in {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(
        f"  {report.imported / cpu:.0f} rows per CPU second; workflow replay "
        f"{spent[0] / cpu:.0%} of the CPU, reading+writing the rest"
    )
    engine.dispose()


def bench_outbox(folder: Path, n: int) -> None:
    from urbangrid.cases import service as cases
    from urbangrid.cases.models import CaseEvent
    from urbangrid.intake.adapters import channel_principal
    from urbangrid.intake.models import _capture_case_event
    from urbangrid.org.models import Jurisdiction

    def run(name: str) -> float:
        engine = fresh_db(folder, name)
        factory = session_factory(engine)
        with factory() as s:
            j = Jurisdiction(code="990001", name="bench", timezone="Asia/Shanghai", settings={})
            s.add(j)
            s.commit()
            who = channel_principal(j, "bench")
            t = time.process_time()
            for i in range(n):
                cases.create_case(
                    s, who, cases.NewCase(source="web", lon=120.0, lat=30.0 + i * 1e-6)
                )
                s.commit()
            spent = time.process_time() - t
        engine.dispose()
        return spent

    with_hook = run("hook.db")
    event.remove(CaseEvent, "after_insert", _capture_case_event)
    try:
        without = run("nohook.db")
    finally:
        event.listen(CaseEvent, "after_insert", _capture_case_event)
    print(
        f"outbox capture: {n} case reports, {with_hook / n * 1000:.2f} ms CPU each with the "
        f"hook, {without / n * 1000:.2f} ms without: ratio {with_hook / without:.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rows", nargs="?", type=int, default=2000, help="rows of the file imported")
    ap.add_argument("--reports", type=int, default=300, help="case reports for the outbox")
    ap.add_argument("--quick", action="store_true", help="a few of everything (test command)")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.reports = 1000, 100
    source = SHARED / "la_service_requests_10k.csv"
    if not source.is_file():
        print(f"skipped: {source} not found (../shared beside the checkout)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_import(folder, args.rows)
        bench_outbox(folder, args.reports)


if __name__ == "__main__":
    main()
