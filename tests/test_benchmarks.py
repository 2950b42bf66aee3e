"""Every benchmark under bench/ runs in its quick mode, so none of them rots: the test
command runs them all (a few seconds each) and checks they finish and print their figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
# Benchmarks with a --quick mode; the others join as they get one.
QUICK = ["bench_hardening.py"]


@pytest.mark.parametrize("script", QUICK)
def test_benchmark_quick_mode_runs(script: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert any(ch.isdigit() for ch in done.stdout), done.stdout
