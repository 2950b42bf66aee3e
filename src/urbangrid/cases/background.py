"""The SLA watcher (时限预警) as a background job: inside ``urbangrid serve`` for the
embedded setup (``start(app)``), or standalone with ``urbangrid cases worker``.

Each round moves open cases to yellow / red as their time runs out and records a ``warn``
event per change (see :func:`urbangrid.cases.service.sla_scan`), so warnings never depend
on somebody having a page open. Several watchers may run at once: the optimistic lock on
the case makes a second watcher's change a no-op.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from urbangrid.cases.service import sla_scan
from urbangrid.db import writer_session
from urbangrid.settings import get_settings

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 30.0


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


def run_forever(
    factory: sessionmaker[Session],
    stop: threading.Event,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    on_round: Callable[[int], Any] | None = None,
) -> None:
    while not stop.is_set():
        try:
            changed = run_once(factory)
            if on_round is not None:
                on_round(changed)
            if changed:
                log.info("SLA watcher: %d case(s) changed warning level", changed)
        except Exception:  # keep watching: a failed round is retried on the next tick
            log.exception("SLA watcher round failed")
        stop.wait(interval)


def start(app: Any, interval: float = DEFAULT_INTERVAL_SECONDS) -> Callable[[], None]:
    """Run the watcher in a daemon thread of the server; returns the function stopping it."""
    if not get_settings().embedded_worker:
        return lambda: None
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(app.state.session_factory, stop, interval),
        name="urbangrid-sla-watcher",
        daemon=True,
    )
    thread.start()

    def stopper() -> None:
        stop.set()
        thread.join(timeout=10)

    return stopper
