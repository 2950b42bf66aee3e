"""Starting real server processes in tests: a free port, a GET, waiting for the answer."""

from __future__ import annotations

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
            pytest.fail(f"server exited {server.returncode}: {server.stdout.read()[-3000:]}")  # type: ignore[union-attr]
        try:
            get(url)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail("server did not answer")
