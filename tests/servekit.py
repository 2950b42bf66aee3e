"""Starting real server processes in tests and benchmarks: a free port, the ``urbangrid serve``
process answering on it, a GET, a clean stop."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def wait_until_up(url: str, server: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log = server.stdout or server.stderr
            pytest.fail(f"server exited {server.returncode}: {log.read()[-3000:] if log else ''}")
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail("server did not answer")


def start_server(
    command: list[str],
    env: dict[str, str],
    *,
    cwd: str | None = None,
    quiet: bool = False,
    seconds: float = 60,
) -> tuple[subprocess.Popen[str], str]:
    """Run ``command`` (an ``urbangrid serve`` command line) on a free port until it answers
    ``/api/v1/health``; returns the process and its base URL. ``quiet`` drops the access log
    (a long load would fill the pipe) and keeps only stderr."""
    port = free_port()
    server = subprocess.Popen(
        [*command, f"--port={port}"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL if quiet else subprocess.PIPE,
        stderr=subprocess.PIPE if quiet else subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(f"{base}/api/v1/health", server, seconds)
    return server, base


def stop_server(server: subprocess.Popen[str]) -> str:
    """SIGTERM, as systemd stops it; returns what the server printed."""
    server.send_signal(signal.SIGTERM)
    out, err = server.communicate(timeout=60)
    return (out or "") + (err or "")
