"""Requests per second of the case API with 1 and with 4 server processes
(``urbangrid serve --workers N``), on one database, in the same run.

Run: ``uv run python bench/bench_serve_workers.py [--database-url URL] [--seconds 15] [--quick]``.

The database is PostgreSQL (a throwaway database created on the server of ``--database-url``
or ``URBANGRID_BENCH_DATABASE_URL``, default the local one, and dropped at the end); SQLite
when ``--database-url sqlite``, and in quick mode unless a server is given or none answers.
The data: the demo district with generated cases.
The load: ``--clients`` threads, each with its own connection, alternating the work list
(``GET /api/v1/cases``) and one case (``GET /api/v1/cases/{id}``) as a dispatcher, for a fixed
time per setting, after a warm-up. Each setting runs twice, interleaved (1, 4, 1, 4), and the
better round counts, so a disturbance of the shared machine hurts neither side alone.

``--quick`` (the test command runs it): 1 and 2 processes, one round of 2 s each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from servekit import start_server, stop_server  # noqa: E402


def make_database(url: str | None, quick: bool, tmp: Path) -> tuple[str, Callable[[], None]]:
    """A fresh database URL and the function dropping it."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from urbangrid.db import make_engine, normalise_url

    if url != "sqlite":
        base = url or "postgresql://postgres@127.0.0.1:5432/postgres"
        try:
            admin = make_engine(base)
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                name = f"urbangrid_bench_{uuid.uuid4().hex[:8]}"
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            if not quick:
                raise
            print(f"PostgreSQL not available ({type(exc).__name__}); quick run on SQLite")
        else:

            def drop() -> None:
                with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()

            made = make_url(normalise_url(base)).set(database=name)
            return made.render_as_string(hide_password=False), drop
    return f"sqlite:///{tmp / 'bench.db'}", lambda: None


def load(url: str, days: int) -> tuple[str, list[int]]:
    """Demo district, generated cases, a dispatcher's token; returns (token, case ids)."""
    from sqlalchemy import select

    from urbangrid.auth.service import issue_token
    from urbangrid.cases.demo import generate_demo_month
    from urbangrid.cases.models import Case
    from urbangrid.db import make_engine, session_scope
    from urbangrid.demo.loader import DEMO_CODE, load_demo
    from urbangrid.migrations.runner import upgrade
    from urbangrid.org.models import Jurisdiction, User

    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as s:
        load_demo(s, with_cases=False)
        district = s.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
        assert district is not None
        generate_demo_month(s, district, days=days, cases_per_day=20)
        user = s.scalar(select(User).where(User.username == "dispatcher"))
        assert user is not None
        token = issue_token(s, user).token
        ids = list(s.scalars(select(Case.id).where(Case.jurisdiction_id == district.id)))
    engine.dispose()
    return token, ids


def measure(base: str, token: str, ids: list[int], clients: int, seconds: float) -> float:
    """Successful requests per second over ``seconds`` with ``clients`` threads."""
    counts = [0] * clients
    failures: list[str] = []
    stop_at = time.monotonic() + seconds

    def client(n: int) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            i = n
            while time.monotonic() < stop_at:
                if i % 2:
                    r = http.get("/api/v1/cases", params={"limit": 20})
                else:
                    r = http.get(f"/api/v1/cases/{ids[i % len(ids)]}")
                if r.status_code == 200:
                    counts[n] += 1
                else:
                    failures.append(f"{r.status_code} {r.text[:200]}")
                i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{len(failures)} failed requests, e.g. {failures[0]}")
    return sum(counts) / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", help="PostgreSQL server URL (a database is made there)")
    ap.add_argument("--seconds", type=float, default=15.0, help="load time per round")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=4, help="the multi-process setting")
    ap.add_argument("--days", type=int, default=30, help="days of generated cases (20 a day)")
    ap.add_argument("--quick", action="store_true", help="seconds, not minutes (test command)")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.clients, args.workers, args.days = 2.0, 4, 2, 2
        # The tests' cheap password hash: the demo's users otherwise take 10-20 s to hash.
        os.environ.setdefault("URBANGRID_ARGON2_TIME_COST", "1")
        os.environ.setdefault("URBANGRID_ARGON2_MEMORY_KIB", "1024")
    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    # The test command hands its PostgreSQL server over in URBANGRID_BENCH_DATABASE_URL; a
    # quick run without it stays on SQLite.
    given = args.database_url or os.environ.get("URBANGRID_BENCH_DATABASE_URL")
    url, drop = make_database(given or ("sqlite" if args.quick else None), args.quick, tmp)
    try:
        started = time.monotonic()
        token, ids = load(url, args.days)
        print(f"loaded in {time.monotonic() - started:.0f} s")
        env = {
            **os.environ,
            "URBANGRID_DATABASE_URL": url,
            "URBANGRID_DATA_DIR": str(tmp / "data"),
            "URBANGRID_SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
            "URBANGRID_EMBEDDED_WORKER": "0",
        }
        dialect = url.split(":", 1)[0]
        print(f"{dialect}, {len(ids)} cases, {args.clients} clients, {args.seconds:g} s a round")
        best: dict[int, float] = {}
        order = (1, args.workers) if args.quick else (1, args.workers, 1, args.workers)
        for workers in order:
            server, base = start_server(
                [sys.executable, "-m", "urbangrid", "serve", f"--workers={workers}"],
                env,
                quiet=True,
                seconds=120,
            )
            try:
                measure(base, token, ids, args.clients, min(2.0, args.seconds / 3))  # warm-up
                rate = measure(base, token, ids, args.clients, args.seconds)
            finally:
                stop_server(server)
            print(f"  round: {workers} process(es) {rate:7.1f} req/s")
            best[workers] = max(best.get(workers, 0.0), rate)
        print(f"1 process:   {best[1]:.1f} req/s")
        print(f"{args.workers} processes: {best[args.workers]:.1f} req/s")
        ratio = best[args.workers] / best[1]
        print(f"ratio {args.workers}/1: {ratio:.2f} (on {os.cpu_count()} cores)")
    finally:
        drop()


if __name__ == "__main__":
    main()
