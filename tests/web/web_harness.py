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

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
CHROMIUM = os.environ.get("URBANGRID_CHROMIUM", "/usr/bin/chromium")
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
    deadline = time.monotonic() + 60
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
    raise RuntimeError(f"uvicorn did not answer within 60 s:\n{log.read_text()}")


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


def make_database(path: Path, *, demo: bool = False, synthetic_cases: int = 0) -> str:
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
        from urbangrid.demo.loader import load_demo
        from urbangrid.org.models import Jurisdiction
        from urbangrid.web.loadgen import add_synthetic_cases

        with session_scope(engine) as session:
            load_demo(session, with_cases=False)
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
                jurisdiction = session.scalar(select(Jurisdiction))
                assert jurisdiction is not None
                add_synthetic_cases(session, jurisdiction, synthetic_cases, closed_share=0.2)
    engine.dispose()
    return url


def demo_facts(database_url: str) -> DemoFacts:
    """Centre of the first patrol grid of the demo's ``inspector1``."""
    from sqlalchemy import select

    from urbangrid.db import make_engine, session_scope
    from urbangrid.org.models import Grid, User, UserGrid

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        grid = session.scalar(
            select(Grid)
            .join(UserGrid, UserGrid.grid_id == Grid.id)
            .join(User, User.id == UserGrid.user_id)
            .where(User.username == "inspector1")
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


DEMO_PASSWORD = "Demo@2026"  # documented in urbangrid.demo.loader
