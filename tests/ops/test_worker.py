"""The background worker's leases: one holder per job at a time, across threads and
processes, with failover when the holder stops; heartbeats for ``urbangrid doctor``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from urbangrid.db import session_factory
from urbangrid.kit.jobs import Job
from urbangrid.kit.types import utcnow
from urbangrid.ops.models import JobLease, WorkerHeartbeat
from urbangrid.ops.worker import Worker, acquire_lease, all_jobs, release_leases

MINUTE = timedelta(minutes=1)


def test_a_lease_has_one_holder_until_given_up_or_expired(engine: Engine) -> None:
    assert acquire_lease(engine, "job", "a", MINUTE)
    assert not acquire_lease(engine, "job", "b", MINUTE)
    assert acquire_lease(engine, "job", "a", MINUTE)  # the holder renews
    assert acquire_lease(engine, "other", "b", MINUTE)  # leases are per job
    release_leases(engine, "a")
    assert acquire_lease(engine, "job", "b", MINUTE)
    assert not acquire_lease(engine, "job", "a", MINUTE)
    # b dies without giving it up: after the lease runs out, a takes over.
    assert acquire_lease(engine, "job", "a", MINUTE, now=utcnow() + 2 * MINUTE)


def test_every_domain_job_is_found_once() -> None:
    names = [job.name for job in all_jobs()]
    assert {"sla_watcher", "evaluation_sync", "webhooks"} <= set(names)
    assert len(names) == len(set(names))


def test_two_workers_in_threads_never_run_a_job_at_once(engine: Engine) -> None:
    running: list[str] = []
    overlaps: list[str] = []

    def one_round(_factory: object) -> int:
        if running:
            overlaps.append("two at once")
        running.append("x")
        time.sleep(0.01)
        running.pop()
        return 0

    job = Job("probe", 0.0, one_round)
    factory = session_factory(engine)
    first = Worker(factory, [job], interval_override=0.01)
    second = Worker(factory, [job], interval_override=0.01)
    stoppers = {id(first): first.start_thread(), id(second): second.start_thread()}
    assert _wait_for(lambda: first.rounds["probe"] + second.rounds["probe"] > 0)
    holder, standby = (first, second) if first.rounds["probe"] else (second, first)
    time.sleep(0.5)
    assert standby.rounds["probe"] == 0  # stands by while the holder is alive
    stoppers[id(holder)]()  # the holder stops: the other takes over
    assert _wait_for(lambda: standby.rounds["probe"] > 0)
    stoppers[id(standby)]()
    assert not overlaps
    with engine.connect() as conn:
        beats = conn.execute(select(WorkerHeartbeat.__table__)).all()
    assert len(beats) == 2 and all(b.stopped_at is not None for b in beats)


def _start_worker(db_url: str, tmp: str) -> subprocess.Popen[str]:
    env = {**os.environ, "URBANGRID_DATABASE_URL": db_url, "URBANGRID_DATA_DIR": tmp}
    return subprocess.Popen(
        [sys.executable, "-m", "urbangrid", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _heartbeats(engine: Engine) -> dict[int, dict[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(select(WorkerHeartbeat.__table__)).all()
    return {row.pid: dict(row.rounds) for row in rows if row.stopped_at is None}


def _wait_for(predicate, seconds: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_two_worker_processes_split_the_jobs_and_fail_over(
    engine: Engine, db_url: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    workers = [_start_worker(db_url, str(tmp_path)) for _ in range(2)]
    try:
        assert _wait_for(
            lambda: (
                len(beats := _heartbeats(engine)) == 2
                and all(
                    sum(b[name] for b in beats.values()) >= 3 for name in next(iter(beats.values()))
                )
            )
        ), [w.poll() for w in workers]
        beats = _heartbeats(engine)
        for name in ("sla_watcher", "evaluation_sync", "webhooks"):
            ran = [pid for pid, rounds in beats.items() if rounds[name]]
            assert len(ran) == 1, (name, beats)  # each job in one process only
        with engine.connect() as conn:
            holder = conn.execute(
                select(JobLease.holder).where(JobLease.name == "sla_watcher")
            ).scalar_one()
        holder_pid = int(holder.split(":")[1])
        survivor = next(w for w in workers if w.pid != holder_pid)
        os.kill(holder_pid, signal.SIGTERM)  # systemd's stop: leases given up at once
        assert next(w for w in workers if w.pid == holder_pid).wait(timeout=30) == 0
        assert _wait_for(lambda: _heartbeats(engine).get(survivor.pid, {}).get("sla_watcher"))
        assert set(_heartbeats(engine)) == {survivor.pid}
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
                w.wait(timeout=30)
