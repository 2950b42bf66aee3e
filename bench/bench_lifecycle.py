"""Full case lifecycle report → 受理 → 立案 → 派遣 → 签收 → 反馈 → 核查 → 结案 through the
service layer, one transaction (commit) per step as the API does it, on SQLite and on
PostgreSQL (``--pg``, default ``URBANGRID_BENCH_DATABASE_URL`` or 127.0.0.1:5432; skipped
if unreachable).

Baseline, measured in the same process: the same lifecycle on the pure workflow alone
(decide + evolve with the real working-time clock, no database), so the ratio shows what
the database round trips cost.

    uv run python bench/bench_lifecycle.py [--cases 300] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

``--quick`` (the test command runs it): 30 cases, on SQLite only unless a PostgreSQL URL is
given (``--pg`` or ``URBANGRID_BENCH_DATABASE_URL``).

The small jurisdiction is the case tests' (``tests/cases/world.py``, which builds on
``tests/worldkit.py``): pytest puts ``tests/`` on the import path, so this script does too.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # tests.cases.world imports worldkit

from tests.cases.world import make_world  # noqa: E402

from urbangrid.cases import service  # noqa: E402
from urbangrid.cases import workflow as wf  # noqa: E402
from urbangrid.db import make_engine, normalise_url, session_factory  # noqa: E402
from urbangrid.domains import import_all_models  # noqa: E402
from urbangrid.migrations.runner import upgrade  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
STEPS: list[tuple[str, wf.Action]] = [
    ("intake", wf.Action.ACCEPT_REPORT),
    ("lead", wf.Action.FILE),
    ("dispatcher", wf.Action.DISPATCH),
    ("hw", wf.Action.DEPARTMENT_ACCEPT),
    ("hw", wf.Action.FEEDBACK),
    ("inspector", wf.Action.CHECK_PASS),
    ("lead", wf.Action.CLOSE),
]


def run_service(engine: Engine, n: int) -> float:
    """Seconds for ``n`` full lifecycles, each step its own transaction."""
    factory = session_factory(engine)
    with factory() as s:
        world = make_world(s, code=f"33{uuid.uuid4().int % 10000:04d}")
        s.commit()
        principals = {name: world.principal(name) for name in world.users}
    dispatch = {"department_id": world.sanitation.id}
    start = time.perf_counter()
    for i in range(n):
        now = T0 + timedelta(minutes=i)
        with factory() as s:
            case = service.create_case(
                s,
                principals["inspector"],
                service.NewCase(
                    source="inspector",
                    lon=world.lon,
                    lat=world.lat,
                    category_id=world.category.id,
                    description=f"bench {i}",
                ),
                now=now,
            )
            s.commit()
            case_id, version = case.id, case.version
        for who, action in STEPS:
            now += timedelta(minutes=3)
            with factory() as s:
                data = dispatch if action is wf.Action.DISPATCH else {}
                case = service.perform_action(
                    s, principals[who], case_id, action, version=version, data=data, now=now
                )
                s.commit()
                version = case.version
    return time.perf_counter() - start


def run_pure(world_ids: tuple[int, int, int], n: int) -> float:
    from urbangrid.cases.worktime import WorkClock

    ctx = wf.Context(wf.WorkflowConfig(), WorkClock())
    department, category, condition = world_ids
    actors = {
        "inspector": wf.Actor(1, frozenset({"inspector"})),
        "intake": wf.Actor(2, frozenset({"intake_operator"})),
        "lead": wf.Actor(3, frozenset({"shift_lead"})),
        "dispatcher": wf.Actor(4, frozenset({"dispatcher"})),
        "hw": wf.Actor(5, frozenset({"department_handler"}), department),
    }
    report = {
        "source": "inspector",
        "category_id": category,
        "filing_condition_id": condition,
        "limit": {"value": "4", "unit": "work_hour"},
    }
    start = time.perf_counter()
    for i in range(n):
        now = T0 + timedelta(minutes=i)
        event = wf.start_case(wf.Command(wf.Action.REPORT, data=report), actors["inspector"],
                              now, ctx)  # fmt: skip
        state = wf.evolve(None, event)
        for who, action in STEPS:
            now += timedelta(minutes=3)
            data = {"department_id": department} if action is wf.Action.DISPATCH else {}
            state, _ = wf.perform(state, wf.Command(action, data=data), actors[who], now, ctx)
        assert state.status is wf.Status.CLOSED
    return time.perf_counter() - start


def with_sqlite(fn: Callable[[Engine], float]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        try:
            return fn(engine)
        finally:
            engine.dispose()


def with_postgres(url: str, fn: Callable[[Engine], float]) -> float | None:
    base = make_url(normalise_url(url))
    admin = make_engine(base.render_as_string(hide_password=False))
    name = f"urbangrid_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        print(f"PostgreSQL unreachable ({exc.orig}); skipped")
        return None
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        return fn(engine)
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--pg", help=f"PostgreSQL server URL (default {PG_DEFAULT})")
    parser.add_argument("--quick", action="store_true", help="30 cases (test command)")
    args = parser.parse_args()
    pg_url = args.pg or os.environ.get("URBANGRID_BENCH_DATABASE_URL")
    if args.quick:
        args.cases = min(args.cases, 30)
    elif pg_url is None:
        pg_url = PG_DEFAULT
    import_all_models()
    n = args.cases
    steps = 1 + len(STEPS)
    run_pure((1, 1, 1), 20)  # warm the clock's tables
    pure = run_pure((1, 1, 1), n)
    print(f"cases: {n}, steps per case: {steps} (each step one transaction)")
    print(f"pure workflow (baseline): {n / pure:9.1f} cases/s  {n * steps / pure:9.1f} steps/s")
    results = {"SQLite": with_sqlite(lambda e: run_service(e, n))}
    if pg_url:
        results["PostgreSQL"] = with_postgres(pg_url, lambda e: run_service(e, n))
    for name, secs in results.items():
        if secs is None:
            continue
        print(
            f"{name:<10} service:  {n / secs:9.1f} cases/s  {n * steps / secs:9.1f} steps/s  "
            f"{secs / n * 1000:7.1f} ms/case  ({secs / pure:5.1f}x the pure workflow)"
        )
    if not pg_url:
        print("PostgreSQL: not run (quick mode without --pg or URBANGRID_BENCH_DATABASE_URL)")


if __name__ == "__main__":
    main()
