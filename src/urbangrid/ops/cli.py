"""Top-level commands of operations: ``urbangrid worker`` and ``urbangrid doctor``."""

from __future__ import annotations

import json
import signal
import threading
from datetime import datetime
from typing import TYPE_CHECKING

import typer

from urbangrid.cli.common import database_engine, reports_errors

if TYPE_CHECKING:  # (SQLAlchemy: imported when a command runs, not for --help)
    from urbangrid.kit.jobs import Job


@reports_errors
def worker(
    job: list[str] = typer.Option(
        [], "--job", help="run only this job (repeatable); default: every job"
    ),
    interval: float = typer.Option(
        None, help="seconds between rounds of every job (default: each job's own)"
    ),
    once: bool = typer.Option(False, help="one round of each job, then exit"),
) -> None:
    """Run the background jobs (SLA watcher, evaluation sync, webhooks) in this process:
    the service setup beside `urbangrid serve --no-worker`. Several workers may run; each
    job runs in one of them at a time."""
    from urbangrid.db import session_factory
    from urbangrid.ops.worker import Worker, select_jobs

    jobs = select_jobs(job)
    engine = database_engine()

    def report(ran: Job, done: int) -> None:
        if done:
            typer.echo(f"{datetime.now():%H:%M:%S} {ran.name}: {done} done")

    runner = Worker(session_factory(engine), jobs, interval_override=interval, on_round=report)
    try:
        if once:
            for one in jobs:
                done = runner.run_round(one)
                ran = runner.rounds[one.name] > 0
                typer.echo(f"{one.name}: {done} done" if ran else f"{one.name}: held, skipped")
            runner.finish()
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        names = ", ".join(j.name for j in jobs)
        typer.echo(f"worker {runner.worker_id} running: {names} (Ctrl-C stops)")
        try:
            runner.run(stop)
        except KeyboardInterrupt:
            stop.set()
    finally:
        engine.dispose()


def doctor(
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Check this installation: database, migrations, secret key, data directory, free disk,
    time zone, web UI build and the background worker's heartbeat. Exit 1 on any failure."""
    from urbangrid.ops.doctor import run_checks
    from urbangrid.settings import get_settings

    engine = database_engine()
    try:
        checks = run_checks(get_settings(), engine)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps([c.__dict__ for c in checks], ensure_ascii=False, indent=1))
    else:
        colours = {"ok": typer.colors.GREEN, "warn": typer.colors.YELLOW, "fail": typer.colors.RED}
        for c in checks:
            status = typer.style(f"{c.status:<5}", fg=colours[c.status])
            typer.echo(f"{status} {c.name}: {c.detail}")
    if any(c.status == "fail" for c in checks):
        raise typer.Exit(1)


COMMANDS = [worker, doctor]
