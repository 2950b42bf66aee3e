"""The webhook worker as a background job: inside ``urbangrid serve`` (embedded setup) via
``start(app)``, or standalone with ``urbangrid webhooks run``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from urbangrid.intake import webhooks
from urbangrid.settings import get_settings

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 5.0


def run_forever(
    factory: sessionmaker[Session],
    stop: threading.Event,
    interval: float = DEFAULT_INTERVAL_SECONDS,
) -> None:
    while not stop.is_set():
        try:
            result = webhooks.run_once(factory)
            busy = result.fanned_out or result.delivered or result.failed
        except Exception:  # a failed round is retried on the next tick
            log.exception("webhook worker round failed")
            busy = False
        if not busy:
            stop.wait(interval)


def start(app: Any, interval: float = DEFAULT_INTERVAL_SECONDS) -> Callable[[], None]:
    if not get_settings().embedded_worker:
        return lambda: None
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(app.state.session_factory, stop, interval),
        name="webhook-worker",
        daemon=True,
    )
    thread.start()

    def stopper() -> None:
        stop.set()
        thread.join(timeout=10)

    return stopper
