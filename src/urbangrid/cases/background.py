"""The SLA watcher (时限预警) as a background job, run by :mod:`urbangrid.ops.worker` (the
``urbangrid worker`` process, or a thread of ``urbangrid serve`` in the embedded setup).

Each round moves open cases to yellow / red as their time runs out and records a ``warn``
event per change (see :func:`urbangrid.cases.service.sla_scan`), so warnings never depend
on somebody having a page open. The worker's lease lets one watcher run at a time; should two
ever overlap, the optimistic lock on the case makes the second one's change a no-op.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from urbangrid.cases.service import sla_scan
from urbangrid.db import writer_session
from urbangrid.kit.jobs import Job


def run_once(factory: sessionmaker[Session]) -> int:
    """One scan in its own transaction (a writer from the start: on SQLite it waits for the
    write lock instead of failing on a stale snapshot); returns the number of cases that
    changed level."""
    with writer_session(factory) as session:
        try:
            changed = sla_scan(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return changed


JOBS = (Job("sla_watcher", 30.0, run_once),)
