"""Command map (一张图) with many open cases, in headless Chromium.

Run: ``uv run python bench/bench_map.py [--cases 50000] [--quick]``. Needs Debian's
``chromium`` and a built UI (``scripts/build_frontend.sh``); without either it times the map
points API only and says why the browser part was skipped.

Builds a SQLite demo database (the demo district, no generated month) with ``--cases`` open
synthetic cases, starts the app under uvicorn on a free localhost port, logs in as the
leader and opens /map. Prints:

- the server time and size of ``/api/v1/web/map/points`` (all open cases, columns),
- time to first render: navigation start → the map idle with every point clustered,
  as the page records it (``window.__mapStats``), best and median of ``--loads`` loads,
- frame time while panning: a mouse drag across the map, frame intervals recorded by
  ``requestAnimationFrame`` in the page; once with the cases and once with the case layer
  empty (state filter "closed", none exist) — the baseline in the same browser — and the
  ratio of the two.

Headless Chromium here draws WebGL in software (SwiftShader, ``--disable-gpu``), so frame
times are an upper bound of what a desktop with a GPU shows.

``--quick`` (the test command runs it): 2,000 cases, one load, 5 mouse moves each way, the
cheap password hash of the tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))
from web_harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_PASSWORD,
    REPO_ROOT,
    make_database,
    start_server,
)

DIST_INDEX = REPO_ROOT / "src" / "urbangrid" / "web" / "static" / "dist" / "index.html"

RECORD_FRAMES = """() => {
  window.__frames = [];
  let last = performance.now();
  window.__recording = true;
  const tick = (ts) => {
    window.__frames.push(ts - last);
    last = ts;
    if (window.__recording) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
STOP_FRAMES = "() => { window.__recording = false; return window.__frames.slice(1); }"


def drag(page: Any, steps: int) -> list[float]:
    """Drag the map right then left (``steps`` mouse moves each way); frame intervals."""
    box = page.get_by_test_id("command-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(RECORD_FRAMES)
    page.mouse.move(cx - 200, cy)
    page.mouse.down()
    for i in range(steps):
        page.mouse.move(cx - 200 + 400 * (i + 1) / steps, cy + 40 * ((i % 20) - 10) / 10)
    for i in range(steps):
        page.mouse.move(cx + 200 - 400 * (i + 1) / steps, cy)
    page.mouse.up()
    page.wait_for_timeout(300)
    frames: list[float] = page.evaluate(STOP_FRAMES)
    return frames


def summary(frames: list[float]) -> str:
    frames = sorted(frames)
    p95 = frames[int(0.95 * (len(frames) - 1))]
    return (
        f"{len(frames)} frames, median {statistics.median(frames):.1f} ms, "
        f"p95 {p95:.1f} ms, worst {frames[-1]:.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=50_000)
    ap.add_argument("--loads", type=int, default=3)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--quick", action="store_true", help="small sizes (test command)")
    args = ap.parse_args()
    if args.quick:
        args.cases, args.loads, args.steps = 2_000, 1, 5
        # the cheap test hash for the demo's users (set before any settings object is built)
        os.environ.setdefault("URBANGRID_ARGON2_TIME_COST", "1")
        os.environ.setdefault("URBANGRID_ARGON2_MEMORY_KIB", "1024")
    missing = [p for p in (Path(CHROMIUM), DIST_INDEX) if not p.is_file()]
    # Shared 2-core machine: the load average says how far to trust absolute times.
    print("load average at start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    with tempfile.TemporaryDirectory(prefix="bench-map-") as tmp:
        t = time.perf_counter()
        url = make_database(Path(tmp) / "map.db", demo=True)
        from sqlalchemy import select

        from urbangrid.db import make_engine, session_factory
        from urbangrid.demo.loader import DEMO_CODE
        from urbangrid.org.models import Jurisdiction
        from urbangrid.web.loadgen import add_synthetic_cases

        engine = make_engine(url)
        with session_factory(engine)() as s:
            jurisdiction = s.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
            assert jurisdiction is not None
            add_synthetic_cases(s, jurisdiction, args.cases, with_events=False, batch=10_000)
        engine.dispose()
        print(f"demo database with {args.cases:,} open cases built in "
              f"{time.perf_counter() - t:.0f} s")  # fmt: skip
        server = start_server(url, Path(tmp))
        try:
            client = httpx.Client(base_url=server.url, timeout=120)
            client.post("/login", json={"username": "leader", "password": DEMO_PASSWORD})
            client.headers["X-CSRF-Token"] = client.cookies.get("urbangrid_csrf") or ""
            times, size = [], 0
            for _ in range(5):
                t = time.perf_counter()
                res = client.get("/api/v1/web/map/points", params={"open_only": "true"})
                times.append((time.perf_counter() - t) * 1000)
                size = len(res.content)
                points = len(res.json()["points"])
            print(f"map points API: {points:,} points, {size / 1e6:.2f} MB, "
                  f"server time median {statistics.median(times):.0f} ms")  # fmt: skip
            if missing:
                print(f"browser part skipped: {missing[0]} not found")
                return
            from playwright.sync_api import sync_playwright

            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                ctx = browser.new_context(viewport={"width": 1366, "height": 860})
                page = ctx.new_page()
                page.goto(f"{server.url}/login")
                page.get_by_label("用户名").fill("leader")
                page.get_by_label("密码").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="登录").click()
                page.wait_for_url(f"{server.url}/map")
                renders: list[dict[str, float]] = []
                for _ in range(args.loads):
                    page.goto(f"{server.url}/map")
                    page.wait_for_function(  # a function: the page's CSP forbids eval
                        "() => window.__mapStats !== undefined", timeout=300_000
                    )
                    renders.append(page.evaluate("window.__mapStats"))
                assert all(r["points"] == points for r in renders)
                idle = [r["idleAt"] for r in renders]
                fetch = [r["fetchMs"] for r in renders]
                print(
                    f"time to first render (navigation → map idle with {points:,} points): "
                    f"best {min(idle):.0f} ms, median {statistics.median(idle):.0f} ms "
                    f"(points fetch + parse median {statistics.median(fetch):.0f} ms)"
                )
                page.wait_for_timeout(1000)
                with_cases = drag(page, args.steps)
                # Baseline: same map, same drag, no case points (no closed cases exist).
                page.get_by_label("案件状态").select_option("closed")
                page.wait_for_function(
                    "() => document.querySelector('[data-testid=map-points]').textContent === '0'"
                )
                page.wait_for_timeout(1000)
                base_only = drag(page, args.steps)
                print(f"panning with {points:,} cases: {summary(with_cases)}")
                print(f"panning, base layer only:  {summary(base_only)}")
                ratio = statistics.median(with_cases) / statistics.median(base_only)
                print(f"median frame time ratio (cases / base only): {ratio:.2f}")
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
