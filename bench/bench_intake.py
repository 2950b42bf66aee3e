"""Intake figures: historical import throughput (replay vs write), and the cost of the
webhook outbox capture on case changes (with vs without the hook, same process).

    uv run python bench/bench_intake.py [ROWS]

Uses ../shared/data/311/la_service_requests_10k.csv and temporary SQLite databases.
"""

from __future__ import annotations

import sys
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
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    if not (SHARED / "la_service_requests_10k.csv").exists():
        sys.exit("needs ../shared/data/311/la_service_requests_10k.csv")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_import(folder, rows)
        bench_outbox(folder, 300)


if __name__ == "__main__":
    main()
