"""Keep ``eval_case_facts`` fresh inside ``urbangrid serve`` (embedded setup): every round
syncs the cases whose version moved since their fact row was built, so the evaluation API
and dashboards are at most one interval behind the case tables."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine

from urbangrid.settings import get_settings

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 60.0


def run_forever(engine: Engine, stop: threading.Event, interval: float) -> None:
    from urbangrid.evaluation.adapter import sync_facts

    while not stop.is_set():
        try:
            n = sync_facts(engine)
            if n:
                log.info("evaluation: %d case(s) synced to the fact table", n)
        except Exception:  # retried on the next tick
            log.exception("evaluation fact sync failed")
        stop.wait(interval)


def start(app: Any, interval: float = DEFAULT_INTERVAL_SECONDS) -> Callable[[], None]:
    if not get_settings().embedded_worker:
        return lambda: None
    engine = app.state.session_factory.kw["bind"]
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(engine, stop, interval),
        name="urbangrid-evaluation-sync",
        daemon=True,
    )
    thread.start()

    def stopper() -> None:
        stop.set()
        thread.join(timeout=10)

    return stopper
