"""Work-list server time with many cases in PostgreSQL.

Run: ``uv run python bench/bench_worklists.py [--cases 1000000] [--open-share 0.05]
[--url postgresql://postgres@127.0.0.1:5432/postgres] [--keep]``.

Builds a scratch database ``urbangrid_bench_web`` (the demo district, no generated month),
then grows it in two steps — a tenth of ``--cases`` first, the rest after — and at each size
times, through the real FastAPI app in process (TestClient: routing, auth, query, JSON):

- the first page of every work list of the role that owns it (受理 … 核查, 案件查询),
- a filtered page (warning level red), and a deep page (page 20),
- the map grid counts and the queue counters, the menu's unread counts and the bell,

printing the median and the worst of ``--repeat`` calls, and the ratio of the large size to
the small one (how the time grows with the table). The target is < 200 ms per page.

The server URL defaults to ``URBANGRID_BENCH_DATABASE_URL``, else the one above. ``--quick``
(the test command runs it): 2,000 cases, two calls per probe, the cheap password hash of the
tests, on a temporary SQLite database unless a URL is given (``--url`` or
``URBANGRID_BENCH_DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

from urbangrid.api.app import create_app
from urbangrid.auth.service import issue_token
from urbangrid.cases.models import Case
from urbangrid.db import make_engine, normalise_url, session_factory, session_scope
from urbangrid.demo.loader import DEMO_CODE, load_demo
from urbangrid.kit.types import utcnow
from urbangrid.migrations.runner import upgrade
from urbangrid.notify.models import WorklistMark
from urbangrid.org.models import Jurisdiction, User
from urbangrid.web.loadgen import add_synthetic_cases

DB_NAME = "urbangrid_bench_web"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"

# (label, user, path)
PROBES: list[tuple[str, str, str]] = [
    ("受理 intake", "intake", "/api/v1/web/worklists/intake"),
    ("立案 filing", "shiftlead", "/api/v1/web/worklists/filing"),
    ("派遣 dispatch", "dispatcher", "/api/v1/web/worklists/dispatch"),
    ("部门 department", "h_hw", "/api/v1/web/worklists/department"),
    ("审批 approvals", "shiftlead", "/api/v1/web/worklists/approvals"),
    ("核查 checks", "inspector1", "/api/v1/web/worklists/checks"),
    ("dispatch, red only", "dispatcher", "/api/v1/web/worklists/dispatch?warning_level=red"),
    ("department page 20", "h_hw", "/api/v1/web/worklists/department?page=20&page_size=30"),
    ("案件查询 all", "shiftlead", "/api/v1/web/worklists/all"),
    ("all, case number", "shiftlead", "/api/v1/web/worklists/all?q=2026-L0000123"),
    # free text (loadgen's descriptions): a two-character word in ~12 % of the cases, a
    # longer phrase, an address part, a partial case number, and two words in no case —
    # the worst case for an index, since nothing stops the search early.
    ("all, 2-char word", "shiftlead", "/api/v1/web/worklists/all?q=破损"),
    ("open, phrase", "shiftlead", "/api/v1/web/worklists/open?q=存在安全隐患"),
    ("all, address", "shiftlead", "/api/v1/web/worklists/all?q=小区门口"),
    ("all, number part", "shiftlead", "/api/v1/web/worklists/all?q=L00012"),
    ("all, 2-char no hit", "shiftlead", "/api/v1/web/worklists/all?q=龙虾"),
    ("all, 4-char no hit", "shiftlead", "/api/v1/web/worklists/all?q=龙虾外卖"),
    ("queue counters", "shiftlead", "/api/v1/web/worklists"),
    # The menu's unread counts (notify): cases that arrived in each list since the user's
    # mark (set below for these two users), and the bell.
    ("unread, dispatcher", "dispatcher", "/api/v1/notifications/worklists"),
    ("unread, department", "h_hw", "/api/v1/notifications/worklists"),
    ("bell", "h_hw", "/api/v1/notifications"),
    ("map grid counts", "leader", "/api/v1/web/map/grids?open_only=true"),
    # The visibility policy's other shapes: a department with sub-units (IN over its
    # tree), a sub-unit, the case API as a handler (free text ANDed to the scope), and the
    # city platform over its districts (IN over the jurisdiction subtree).
    ("部门 sub-unit", "h_hw1", "/api/v1/web/worklists/department"),
    ("case API, handler", "h_hw", "/api/v1/cases?page_size=50"),
    ("case API, handler q", "h_hw", "/api/v1/cases?q=破损"),
    ("city 案件查询 all", "city_leader", "/api/v1/web/worklists/all"),
    ("city counters", "city_leader", "/api/v1/web/worklists"),
    ("city map grid counts", "city_leader", "/api/v1/web/map/grids?open_only=true"),
]


def time_probes(client: TestClient, tokens: dict[str, str], repeat: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for label, user, path in PROBES:
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        client.get(path, headers=headers).raise_for_status()  # warm caches and plans
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            res = client.get(path, headers=headers)
            times.append((time.perf_counter() - t) * 1000)
            res.raise_for_status()
        out[label] = times
    return out


def report(label: str, timings: dict[str, list[float]]) -> None:
    print(f"\n{label}")
    print(f"{'probe':<22}{'median ms':>11}{'worst ms':>10}")
    for probe, times in timings.items():
        print(f"{probe:<22}{statistics.median(times):>11.1f}{max(times):>10.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--open-share", type=float, default=0.05)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--url", help=f"PostgreSQL server (default {PG_DEFAULT})")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    ap.add_argument("--reuse", metavar="DBNAME", help="time a kept database again, no loading")
    ap.add_argument("--quick", action="store_true", help="small sizes, SQLite (test command)")
    args = ap.parse_args()
    args.url = args.url or os.environ.get("URBANGRID_BENCH_DATABASE_URL")
    if args.quick:
        args.cases, args.repeat = 2_000, 2
        # the cheap test hash for the demo's users (set before any settings object is built)
        os.environ.setdefault("URBANGRID_ARGON2_TIME_COST", "1")
        os.environ.setdefault("URBANGRID_ARGON2_MEMORY_KIB", "1024")
    if args.url is None and (args.reuse or not args.quick):
        args.url = PG_DEFAULT
    # Shared 2-core machine: the load average says how far to trust absolute times.
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))

    admin = None
    if args.url:
        base = make_url(normalise_url(args.url))
        admin = make_engine(base.render_as_string(hide_password=False))
        name = args.reuse or f"{DB_NAME}_{uuid.uuid4().hex[:6]}"
        if not args.reuse:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
    else:  # quick mode without a server
        name = str(Path(tempfile.mkdtemp(prefix="bench-worklists-")) / "bench.db")
        url = f"sqlite:///{name}"
    print(f"database: {engine_kind(url)}")
    engine = make_engine(url)
    try:
        upgrade(engine)  # a kept database (--reuse) gets the migrations added since
        if not args.reuse:
            with session_scope(engine) as s:
                load_demo(s, with_cases=False)
        with session_factory(engine)() as s:
            tokens = {
                u.username: issue_token(s, u).token
                for u in s.scalars(select(User).where(User.username.in_({p[1] for p in PROBES})))
            }
            # Marks a month old: the unread counts take the "arrived since" path.
            month_ago = utcnow() - timedelta(days=30)
            for user in s.scalars(select(User).where(User.username.in_({"dispatcher", "h_hw"}))):
                for queue in ("dispatch", "approvals", "department"):
                    if s.get(WorklistMark, (user.id, queue)) is None:
                        s.add(WorklistMark(user_id=user.id, queue=queue, seen_at=month_ago))
            s.commit()
            present = s.scalar(select(sa.func.count()).select_from(Case)) or 0
        app = create_app(engine)
        results: dict[int, dict[str, list[float]]] = {}
        inserted = present
        targets = [] if args.reuse else [args.cases // 10, args.cases]
        for target in targets or [present]:
            t = time.perf_counter()
            if target > inserted:
                with session_factory(engine)() as s:
                    jurisdiction = s.scalar(
                        select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE)
                    )
                    assert jurisdiction is not None
                    inserted += add_synthetic_cases(
                        s,
                        jurisdiction,
                        target - inserted,
                        closed_share=1 - args.open_share,
                        seed=target,
                        spread_days=365,
                        with_events=False,
                        batch=20_000,
                    )
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    analyze = "VACUUM ANALYZE cases" if admin is not None else "ANALYZE cases"
                    conn.execute(sa.text(analyze))
                print(f"\n{inserted:,} cases ({args.open_share:.0%} open) loaded in "
                      f"{time.perf_counter() - t:.0f} s")  # fmt: skip
            with TestClient(app) as client:
                time_probes(client, tokens, 1)  # a first pass warms the process and the plans
                results[inserted] = time_probes(client, tokens, args.repeat)
            report(f"{inserted:,} cases", results[inserted])
        largest = max(results)
        if len(results) > 1:
            small = min(results)
            print(f"\nmedian ratio {largest:,} / {small:,} cases (1.0 = flat):")
            for label in results[largest]:
                a = statistics.median(results[small][label])
                b = statistics.median(results[largest][label])
                print(f"  {label:<22}{b / a:>6.2f}")
        worst = max(statistics.median(t) for t in results[largest].values())
        verdict = "under" if worst < 200 else "OVER"
        print(f"\nslowest median at {largest:,} cases: {worst:.1f} ms ({verdict} 200 ms)")
    finally:
        engine.dispose()
        if args.keep or args.reuse:
            print(f"kept database {name}")
        elif admin is not None:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            shutil.rmtree(Path(name).parent)
        if admin is not None:
            admin.dispose()


def engine_kind(url: str) -> str:
    parsed = make_url(url)
    return "SQLite" if parsed.get_backend_name() == "sqlite" else f"PostgreSQL {parsed.host}"


if __name__ == "__main__":
    main()
