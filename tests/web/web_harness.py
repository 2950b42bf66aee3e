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


def make_database(path: Path, *, demo: bool = False) -> str:
    """A migrated SQLite database at ``path`` (with the demo jurisdiction if asked)."""
    from urbangrid.db import make_engine
    from urbangrid.migrations.runner import upgrade

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    if demo:
        from urbangrid.db import session_scope
        from urbangrid.demo.loader import load_demo

        with session_scope(engine) as session:
            load_demo(session)
    engine.dispose()
    return url
