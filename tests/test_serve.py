"""``urbangrid serve`` as an operator starts it: a real process on a free port, one server
process with the jobs inside, or several beside a separate worker (no database fixture: it
also runs as the smoke test on every supported Python)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from servekit import get, start_server, stop_server

SECRET = "s" * 40


def urbangrid(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "urbangrid", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "URBANGRID_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "URBANGRID_DATA_DIR": str(tmp_path / "data"),
        "URBANGRID_SECRET_KEY": SECRET,
    }
    done = urbangrid(env, "init")
    assert done.returncode == 0, done.stderr
    return env


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_and_stops_cleanly(env: dict[str, str], workers: int) -> None:
    server, base = start_server(
        [sys.executable, "-m", "urbangrid", "serve", f"--workers={workers}"], env
    )
    try:
        status, body = get(f"{base}/api/v1/health")
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, body = get(f"{base}/openapi.json")
        assert status == 200 and "/api/v1/cases" in json.loads(body)["paths"]
    finally:
        out = stop_server(server)
    # uvicorn shuts down gracefully, then re-raises the signal (exit -15 is a clean stop).
    assert server.returncode in (0, -signal.SIGTERM), out[-3000:]
    assert "Application shutdown complete" in out or "Finished server process" in out
    if workers > 1:
        assert "run `urbangrid worker` beside it" in out
    doctor = urbangrid(env, "doctor", "--json")
    worker_check = next(c for c in json.loads(doctor.stdout) if c["name"] == "worker")
    # One process: the jobs ran in the server, and it said so; several: nobody ran them.
    ran_inside = "no worker has ever run" not in worker_check["detail"]
    assert ran_inside == (workers == 1), worker_check
