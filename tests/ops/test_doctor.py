"""``urbangrid doctor``: each check fails when its condition is broken and passes when not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import Engine

from urbangrid.db import make_engine, session_factory
from urbangrid.ops.doctor import Check, run_checks
from urbangrid.ops.worker import Worker
from urbangrid.settings import Settings

GOOD_KEY = "k" * 40


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_a_migrated_database_with_a_live_worker_passes(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(secret_key=GOOD_KEY, data_dir=tmp_path, embedded_worker=False)
    before = by_name(run_checks(settings, engine))
    assert before["database"].status == "ok"
    assert before["migrations"].status == "ok"
    assert before["secret key"].status == "ok"
    assert before["data directory"].status == "ok"
    assert before["worker"].status == "fail"  # no worker and none in the server
    assert "urbangrid worker" in before["worker"].detail

    runner = Worker(session_factory(engine), [])
    runner.beat()
    assert by_name(run_checks(settings, engine))["worker"].status == "ok"
    runner.finish()  # stopped: no longer alive
    assert by_name(run_checks(settings, engine))["worker"].status == "fail"


def test_broken_settings_fail(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(timezone="Mars/Olympus", data_dir=tmp_path / "nowhere")
    checks = by_name(run_checks(settings, engine))
    assert checks["secret key"].status == "fail"  # the shipped default
    demo = Settings(demo=True, data_dir=tmp_path)
    assert by_name(run_checks(demo, engine))["secret key"].status == "warn"
    assert checks["time zone"].status == "fail"
    assert checks["data directory"].status == "warn"


def test_the_command_exits_1_on_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    make_engine(url).dispose()
    env = {**os.environ, "URBANGRID_DATABASE_URL": url, "URBANGRID_SECRET_KEY": GOOD_KEY}
    done = subprocess.run(
        [sys.executable, "-m", "urbangrid", "doctor"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "empty database: run `urbangrid init`" in done.stdout
