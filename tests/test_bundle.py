"""The offline bundle as an intranet site gets it: built by scripts/bundle.sh, installed into
an empty virtual environment with no package index (and no pip configuration, so no local
wheel directory helps), then the demo loaded and served with the web UI and API docs."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from servekit import get, start_server, stop_server

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{cmd}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def test_offline_bundle_installs_without_an_index_and_serves_the_demo(tmp_path: Path) -> None:
    started = time.monotonic()
    run(
        [
            "bash",
            str(REPO / "scripts" / "bundle.sh"),
            "--python",
            sys.executable,
            "--out",
            str(tmp_path / "out"),
        ]
    )
    built = time.monotonic()
    (bundle,) = (tmp_path / "out").glob("urbangrid-*-offline.tar.gz")
    with tarfile.open(bundle) as tar:
        tar.extractall(tmp_path / "site", filter="data")
    (unpacked,) = (tmp_path / "site").iterdir()

    offline = {
        **os.environ,
        "PIP_CONFIG_FILE": os.devnull,  # no find-links or mirror from this machine's pip.conf
        "PIP_NO_INDEX": "1",
        "PYTHON": sys.executable,
        "PATH": "/usr/bin:/bin",  # no node, no uv
    }
    run([str(unpacked / "install.sh"), str(tmp_path / "venv")], env=offline)
    installed = time.monotonic()
    urbangrid = str(tmp_path / "venv" / "bin" / "urbangrid")
    site = {
        **offline,
        "URBANGRID_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "URBANGRID_DATA_DIR": str(tmp_path / "data"),
        "URBANGRID_SECRET_KEY": "bundle-test-" + "k" * 32,
    }
    demo = run([urbangrid, "demo"], env=site, cwd=tmp_path)
    assert "demo cases" in demo.stdout

    server, base = start_server([urbangrid, "serve"], site, cwd=str(tmp_path))
    try:
        status, page = get(f"{base}/")
        assert status == 200 and b"<script" in page and "尚未构建".encode() not in page
        status, docs = get(f"{base}/docs")
        assert status == 200 and b"cdn.jsdelivr" not in docs and b"unpkg" not in docs
    finally:
        stop_server(server)
    size = bundle.stat().st_size / 1024**2
    print(
        f"bundle {size:.0f} MiB built in {built - started:.0f} s, "
        f"offline install {installed - built:.0f} s"
    )
