"""Helpers for the browser tests: the real app under uvicorn on a free localhost port, against a
temporary SQLite database, driven by Playwright through Debian's ``chromium``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
CHROMIUM = os.environ.get("URBANGRID_CHROMIUM", "/usr/bin/chromium")
DEMO_PASSWORD = "Demo@2026"  # documented in urbangrid.demo.loader
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    database_url: str, data_dir: Path, env: dict[str, str] | None = None
) -> LiveServer:
    """Start ``uvicorn`` with the app factory; wait until it answers."""
    port = free_port()
    log = data_dir / f"uvicorn-{port}.log"
    full_env = {
        **os.environ,
        "URBANGRID_DATABASE_URL": database_url,
        "URBANGRID_DATA_DIR": str(data_dir),
        "URBANGRID_EMBEDDED_WORKER": "false",
        **(env or {}),
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "urbangrid.api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded 2-core machine imports slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/login", timeout=1).status_code in (200, 503):
                return LiveServer(url, database_url, proc, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"uvicorn did not answer within 180 s:\n{log.read_text()}")


# Filing conditions the demo directory lacks (the city's table is not shipped): enough
# for a report to be filed and dispatched. (kind, code, description, value, unit, closing)
TEST_CONDITIONS = (
    ("component", "01001", "井盖破损、缺失，存在安全隐患", "4", "work_hour", "更换或修复"),
    ("component", "01001", "井盖移位、弹跳有声", "2", "work_day", "复位或修复"),
)


@dataclass(frozen=True)
class DemoFacts:
    """What the browser tests need to know about the demo database."""

    inspector_grid: str
    inspector_lon: float
    inspector_lat: float


def make_demo_with_cases(path: Path) -> str:
    """A migrated SQLite database at ``path`` with the whole demo — its month of cases and
    the programmes' data — and the evaluation facts synced (for the pages that count)."""
    from urbangrid.db import make_engine, session_scope
    from urbangrid.demo.loader import load_demo
    from urbangrid.evaluation.adapter import sync_facts
    from urbangrid.migrations.runner import upgrade

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load_demo(session)
    assert sync_facts(engine) > 0
    engine.dispose()
    return url


def make_database(
    path: Path, *, demo: bool = False, synthetic_cases: int = 0, construction: bool = False
) -> str:
    """A migrated SQLite database at ``path``; with ``demo`` the demo jurisdiction (no
    generated month of cases), test filing conditions and ``synthetic_cases`` load cases."""
    from urbangrid.db import make_engine, session_scope
    from urbangrid.migrations.runner import upgrade

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    if demo:
        from decimal import Decimal

        from sqlalchemy import select

        from urbangrid.catalog.models import Category, FilingCondition
        from urbangrid.demo.loader import DEMO_CODE, load_demo
        from urbangrid.org.models import Jurisdiction
        from urbangrid.web.loadgen import add_synthetic_cases

        with session_scope(engine) as session:
            load_demo(session, with_cases=False, with_construction=construction)
            for seq, (kind, code, text, value, unit, closing) in enumerate(TEST_CONDITIONS, 1):
                cat = session.scalar(
                    select(Category).where(Category.kind == kind, Category.code == code)
                )
                assert cat is not None
                session.add(
                    FilingCondition(
                        category_id=cat.id,
                        seq=seq,
                        description=text,
                        time_limit_value=Decimal(value),
                        time_limit_unit=unit,
                        closing_condition=closing,
                    )
                )
        if synthetic_cases:
            with session_scope(engine) as session:
                jurisdiction = session.scalar(
                    select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE)
                )
                assert jurisdiction is not None
                add_synthetic_cases(session, jurisdiction, synthetic_cases, closed_share=0.2)
    engine.dispose()
    return url


def demo_facts(database_url: str, username: str = "inspector1") -> DemoFacts:
    """Centre of the first patrol grid of a demo inspector."""
    from sqlalchemy import select

    from urbangrid.db import make_engine, session_scope
    from urbangrid.org.models import Grid, User, UserGrid

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        grid = session.scalar(
            select(Grid)
            .join(UserGrid, UserGrid.grid_id == Grid.id)
            .join(User, User.id == UserGrid.user_id)
            .where(User.username == username)
            .order_by(Grid.code)
            .limit(1)
        )
        assert grid is not None and grid.geometry is not None
        ring = grid.geometry["coordinates"][0]
        lon = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
        lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
        facts = DemoFacts(grid.code, lon, lat)
    engine.dispose()
    return facts


def tiny_png(
    width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (40, 120, 200)
) -> bytes:
    """A valid PNG made from scratch (no imaging library needed)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


class ApiUser:
    """A demo user talking to the live server's API with a bearer token (test set-up
    steps and "another user acts meanwhile" in the browser tests)."""

    def __init__(self, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)
        res = self.client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        res.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {res.json()['access_token']}"
        # The API commits a request's transaction after sending the response: wait until
        # the new token is visible before using it.
        for _ in range(50):
            if self.client.get("/api/v1/web/session").status_code == 200:
                break
            time.sleep(0.05)

    def get(self, path: str, **params: Any) -> Any:
        res = self.client.get(path, params=params)
        res.raise_for_status()
        return res.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        res = self.client.post(path, json=body)
        if res.status_code >= 400:
            raise AssertionError(f"POST {path} -> {res.status_code}: {res.text}")
        out = res.json()
        if path == "/api/v1/cases":
            for _ in range(50):
                if self.client.get(f"/api/v1/cases/{out['id']}").status_code == 200:
                    break
                time.sleep(0.05)
        return out

    def act(self, case: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.post(
            f"/api/v1/cases/{case['id']}/{action}", {"version": case["version"], **body}
        )
        self.wait_version(result)
        return result

    def wait_version(self, case: dict[str, Any]) -> None:
        """Wait until the case's new version is committed (see the note in __init__)."""
        for _ in range(50):
            if self.get(f"/api/v1/cases/{case['id']}")["version"] >= case["version"]:
                return
            time.sleep(0.05)

    def close(self) -> None:
        self.client.close()


def condition_id(user: ApiUser, kind: str = "component", code: str = "01001") -> int:
    detail = user.get(f"/api/v1/catalog/categories/{kind}/{code}")
    return int(detail["conditions"][0]["id"])


def log_in(
    page: Any, base_url: str, username: str, landing: str, *, via_next: bool = False
) -> None:
    """Log in through the login form and wait for ``landing``: the user's own landing page,
    or with ``via_next`` the page asked for with ``/login?next=``."""
    page.goto(f"{base_url}/login" + (f"?next={landing}" if via_next else ""))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base_url}{landing}")


# Browser contexts: the desk screens and the inspector's phone page (/m).
DESK: dict[str, Any] = {"viewport": {"width": 1366, "height": 900}}
# The admin screens with long forms (routing rules, time limits, the catalogue).
DESK_TALL: dict[str, Any] = {"viewport": {"width": 1366, "height": 1000}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def open_as(
    browser: Any,
    base_url: str,
    username: str,
    landing: str,
    *,
    accept_dialogs: bool = False,
    **context_args: Any,
) -> Any:
    """A page in a new browser context (``DESK`` unless ``context_args`` say otherwise, e.g.
    ``**PHONE`` or ``viewport=...``), logged in as ``username`` and at ``landing``;
    ``page.js_errors`` collects the page's uncaught errors; with ``accept_dialogs`` every
    ``confirm()`` is answered yes. Close it with ``page.context.close()`` (the ``login``
    fixture of conftest.py closes its pages itself; a failed log-in closes the context)."""
    ctx = browser.new_context(**{**DESK, **context_args})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    if accept_dialogs:
        page.on("dialog", lambda dialog: dialog.accept())
    try:
        log_in(page, base_url, username, landing)
    except BaseException:
        ctx.close()
        raise
    return page


def wait_text(page: Any, testid: str, text: str) -> None:
    """Wait until the element with ``data-testid`` shows ``text`` (function form: the CSP
    forbids eval)."""
    page.wait_for_function(
        "([id, text]) => document.querySelector(`[data-testid=${id}]`)?.textContent.includes(text)",
        arg=[testid, text],
    )
