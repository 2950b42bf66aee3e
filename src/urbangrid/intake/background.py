"""Webhook delivery as a background job, run by :mod:`urbangrid.ops.worker` (also alone:
``urbangrid webhooks run``)."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from urbangrid.intake import webhooks
from urbangrid.kit.jobs import Job

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 5.0


def run_once(factory: sessionmaker[Session]) -> int:
    """Fan events out to subscriptions and deliver what is due; returns the work done."""
    result = webhooks.run_once(factory)
    return result.fanned_out + result.delivered + result.failed


def run_forever(
    factory: sessionmaker[Session],
    stop: threading.Event,
    interval: float = DEFAULT_INTERVAL_SECONDS,
) -> None:
    from urbangrid.ops.worker import Worker

    Worker(factory, JOBS, interval_override=interval).run(stop)


JOBS = (Job("webhooks", DEFAULT_INTERVAL_SECONDS, run_once),)
