"""The background worker: runs every domain's jobs (SLA watcher, evaluation fact sync,
webhook delivery ...) in one loop, either as the standalone ``urbangrid worker`` process
(service setup, beside ``urbangrid serve --workers N --no-worker``) or in a thread of the
server (embedded setup).

Invariants:
- a job runs only while its runner holds the job's lease (``job_leases``): taking or renewing
  the lease is one conditional UPDATE, so of two workers (threads, processes or machines) at
  most one gets it, and the other stands by until the lease is given up or expires;
- a lease outlives the pause between two rounds (three intervals, at least ``MIN_LEASE``),
  so a live holder keeps it, and a worker that died loses it after that time;
- a worker that stops gives up its leases at once and marks its heartbeat stopped;
- every worker writes a heartbeat (``worker_heartbeats``) with its rounds per job, which
  ``urbangrid doctor`` reads.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from urbangrid.domains import domain_modules
from urbangrid.kit.jobs import Job
from urbangrid.kit.types import utcnow
from urbangrid.ops.models import JobLease, WorkerHeartbeat

log = logging.getLogger(__name__)

MIN_LEASE = timedelta(seconds=60)
HEARTBEAT_SECONDS = 10.0


def all_jobs() -> list[Job]:
    """Every domain's jobs (``JOBS`` in ``urbangrid.<domain>.background``)."""
    jobs: list[Job] = []
    for module in domain_modules("background"):
        jobs.extend(getattr(module, "JOBS", ()))
    return jobs


def select_jobs(names: Iterable[str] | None) -> list[Job]:
    """The jobs with these names (all when ``names`` is empty); an unknown name is an
    error naming the known ones."""
    from urbangrid.kit.errors import InvalidInput

    jobs = all_jobs()
    wanted = list(names or [])
    if not wanted:
        return jobs
    known = {job.name: job for job in jobs}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise InvalidInput(
            f"unknown job {', '.join(unknown)}; the jobs are: {', '.join(sorted(known))}"
        )
    return [known[name] for name in wanted]


def lease_length(job: Job) -> timedelta:
    return max(MIN_LEASE, timedelta(seconds=3 * job.interval_seconds))


def _insert_ignoring_conflict(conn: Connection, table: Any, values: dict[str, Any]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


def acquire_lease(
    engine: Engine, job: str, holder: str, length: timedelta, now: datetime | None = None
) -> bool:
    """Take or renew the lease on ``job`` for ``holder``; False while another holds it."""
    now = now or utcnow()
    table = JobLease.__table__
    with engine.begin() as conn:
        _insert_ignoring_conflict(
            conn, table, {"name": job, "holder": holder, "expires_at": now + length}
        )
        taken = conn.execute(
            update(table)
            .where(
                and_(
                    table.c.name == job,
                    or_(table.c.holder == holder, table.c.expires_at < now),
                )
            )
            .values(holder=holder, expires_at=now + length)
        )
    return taken.rowcount == 1


def record_round(engine: Engine, job: str, holder: str, result: int, error: str | None) -> None:
    table = JobLease.__table__
    with engine.begin() as conn:
        conn.execute(
            update(table)
            .where(and_(table.c.name == job, table.c.holder == holder))
            .values(last_run_at=utcnow(), last_result=result, last_error=error)
        )


def release_leases(engine: Engine, holder: str) -> None:
    table = JobLease.__table__
    with engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.holder == holder)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


class Worker:
    """Runs ``jobs`` until ``stop`` is set (see the module's invariants)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        jobs: Sequence[Job] | None = None,
        *,
        embedded: bool = False,
        interval_override: float | None = None,
        on_round: Callable[[Job, int], Any] | None = None,
    ) -> None:
        self.factory = factory
        self.engine: Engine = factory.kw["bind"]
        self.jobs = list(all_jobs() if jobs is None else jobs)
        self.embedded = embedded
        self.interval_override = interval_override
        self.on_round = on_round
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.started_at = utcnow()
        self.rounds: dict[str, int] = {job.name: 0 for job in self.jobs}
        # With short rounds (tests, a busy site), report as often as the rounds run.
        self.heartbeat_seconds = min(HEARTBEAT_SECONDS, interval_override or HEARTBEAT_SECONDS)

    def interval(self, job: Job) -> float:
        return job.interval_seconds if self.interval_override is None else self.interval_override

    def run(self, stop: threading.Event) -> None:
        due = {job.name: 0.0 for job in self.jobs}
        next_beat = 0.0
        try:
            while not stop.is_set():
                now = time.monotonic()
                if now >= next_beat:
                    self.beat()
                    next_beat = now + self.heartbeat_seconds
                for job in self.jobs:
                    if stop.is_set():
                        break
                    if time.monotonic() >= due[job.name]:
                        did = self.run_round(job)
                        due[job.name] = time.monotonic() + (0.0 if did else self.interval(job))
                pause = min([*due.values(), next_beat]) - time.monotonic()
                if pause > 0:
                    stop.wait(pause)
        finally:
            self.finish()

    def run_round(self, job: Job) -> int:
        """One round of ``job`` if this worker holds its lease; returns the work done."""
        try:
            if not acquire_lease(self.engine, job.name, self.worker_id, lease_length(job)):
                return 0
        except Exception:  # the database is away; try again on the next tick
            log.exception("worker: could not take the lease of %s", job.name)
            return 0
        error: str | None = None
        done = 0
        try:
            done = job.run(self.factory)
        except Exception as exc:  # a failed round is retried on the next tick
            log.exception("background job %s failed", job.name)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        self.rounds[job.name] += 1
        try:
            record_round(self.engine, job.name, self.worker_id, done, error)
        except Exception:
            log.exception("worker: could not record the round of %s", job.name)
        if done:
            log.info("%s: %d done", job.name, done)
        if self.on_round is not None:
            self.on_round(job, done)
        return done

    def beat(self, stopped: bool = False) -> None:
        now = utcnow()
        values = {
            "worker_id": self.worker_id,
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "embedded": self.embedded,
            "started_at": self.started_at,
            "beat_at": now,
            "stopped_at": now if stopped else None,
            "rounds": dict(self.rounds),
        }
        table = WorkerHeartbeat.__table__
        try:
            with self.engine.begin() as conn:
                _insert_ignoring_conflict(conn, table, values)
                conn.execute(
                    update(table).where(table.c.worker_id == self.worker_id).values(**values)
                )
        except Exception:
            log.exception("worker: heartbeat not written")

    def finish(self) -> None:
        """Give up this worker's leases and mark its heartbeat stopped."""
        try:
            release_leases(self.engine, self.worker_id)
        except Exception:
            log.exception("worker: leases not released (they expire on their own)")
        self.beat(stopped=True)

    def start_thread(self) -> Callable[[], None]:
        """Run in a daemon thread; returns the function that stops it."""
        stop = threading.Event()
        thread = threading.Thread(
            target=self.run, args=(stop,), name="urbangrid-worker", daemon=True
        )
        thread.start()

        def stopper() -> None:
            stop.set()
            thread.join(timeout=30)

        return stopper


def start_embedded(app: Any) -> Callable[[], None]:
    """The embedded setup: every job in a thread of the server (same leases as a
    standalone worker, so a server and a worker, or several servers, never double up)."""
    return Worker(app.state.session_factory, embedded=True).start_thread()
