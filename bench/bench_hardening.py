"""What the hardening costs and what it buys, measured in one process on one database.

Run: ``uv run python bench/bench_hardening.py [--requests 600] [--quick]``.

1. Case API requests per second through the whole app with the protective middleware (body
   limits, security headers, the SQLite retry) and without it — same app, same database,
   alternating rounds — and the ratio.
2. A wrong password for a known account against one for an unknown account, at the
   production argon2 cost: the two should take the same time (no user enumeration).
3. Failed logins in a row until the lockout answers 429, and the time a refused login takes.

``--quick`` (the test command runs it) uses few requests and the cheap test hash.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=600, help="requests per round and setting")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--logins", type=int, default=8, help="timed logins per kind (< the lockout)")
    ap.add_argument("--quick", action="store_true", help="a few of everything (test command)")
    args = ap.parse_args()
    if args.quick:
        args.requests, args.rounds, args.logins = 40, 2, 3
        os.environ.setdefault("URBANGRID_ARGON2_TIME_COST", "1")
        os.environ.setdefault("URBANGRID_ARGON2_MEMORY_KIB", "1024")
    tmp = Path(tempfile.mkdtemp(prefix="bench-hardening-"))
    atexit.register(shutil.rmtree, tmp, True)  # the test command runs this on every pass
    os.environ["URBANGRID_DATA_DIR"] = str(tmp / "data")

    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from urbangrid.api.app import create_app
    from urbangrid.auth.service import issue_token
    from urbangrid.cases.demo import generate_demo_month
    from urbangrid.db import make_engine, session_scope
    from urbangrid.demo.loader import DEMO_CODE, DEMO_PASSWORD, load_demo
    from urbangrid.migrations.runner import upgrade
    from urbangrid.org.models import Jurisdiction, User

    engine = make_engine(f"sqlite:///{tmp / 'bench.db'}")
    upgrade(engine)
    with session_scope(engine) as s:
        load_demo(s, with_cases=False)
        district = s.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
        assert district is not None
        generate_demo_month(s, district, days=3 if args.quick else 10, cases_per_day=20)
        lead = s.scalar(select(User).where(User.username == "shiftlead"))
        assert lead is not None
        token = issue_token(s, lead).token

    protected = create_app(engine)
    bare = create_app(engine)
    bare.user_middleware = []  # the same routes without the protective middleware
    headers = {"Authorization": f"Bearer {token}"}
    paths = ["/api/v1/cases?page_size=50", "/api/v1/web/worklists/all", "/api/v1/health"]

    def rate(client: TestClient) -> float:
        started = time.perf_counter()
        for i in range(args.requests):
            client.get(paths[i % len(paths)], headers=headers).raise_for_status()
        return args.requests / (time.perf_counter() - started)

    on: list[float] = []
    off: list[float] = []
    with TestClient(protected) as a, TestClient(bare) as b:
        rate(a), rate(b)  # warm both
        for _ in range(args.rounds):
            on.append(rate(a))
            off.append(rate(b))
        print("1. case API, requests/s (median of rounds, alternating)")
        print(f"   with the limits and headers   {statistics.median(on):8.1f}")
        print(f"   without                       {statistics.median(off):8.1f}")
        ratio = statistics.median(on) / statistics.median(off)
        print(f"   ratio with / without          {ratio:8.3f}")
        assert "Content-Security-Policy" in a.get("/api/v1/health").headers

        def login_ms(name: str) -> float:
            t = time.perf_counter()
            r = a.post("/api/v1/auth/login", json={"username": name, "password": "wrong-password"})
            assert r.status_code in (401, 429), r.text
            return (time.perf_counter() - t) * 1000

        known = [login_ms("intake") for _ in range(args.logins)]
        a.post("/api/v1/auth/unlock", json={"username": "intake"},
               headers={"Authorization": f"Bearer {_admin_token(engine)}"})  # fmt: skip
        unknown = [login_ms(f"nobody{i}") for i in range(args.logins)]
        k, u = statistics.median(known), statistics.median(unknown)
        print("2. wrong password, median ms")
        print(f"   known account {k:8.1f}   unknown account {u:8.1f}   ratio {k / u:6.2f}")

        wrong = {"username": "dispatcher", "password": "x"}
        codes = [a.post("/api/v1/auth/login", json=wrong).status_code for _ in range(12)]
        first = codes.index(429) + 1 if 429 in codes else None
        t = time.perf_counter()
        a.post("/api/v1/auth/login", json={"username": "dispatcher", "password": DEMO_PASSWORD})
        refused_ms = (time.perf_counter() - t) * 1000
        print(f"3. lockout: attempt {first} of 12 answered 429; a refused login takes "
              f"{refused_ms:.1f} ms")  # fmt: skip
        if first is None:
            sys.exit("no lockout")


def _admin_token(engine: object) -> str:
    from sqlalchemy import select

    from urbangrid.auth.service import issue_token
    from urbangrid.db import session_scope
    from urbangrid.org.models import User

    with session_scope(engine) as s:  # type: ignore[arg-type]
        admin = s.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        return issue_token(s, admin).token


if __name__ == "__main__":
    main()
