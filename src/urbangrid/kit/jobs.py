"""The shape of a background job, shared by the domains that have one (SLA watcher, fact
sync, webhook delivery) and the worker that runs them (:mod:`urbangrid.ops.worker`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class Job:
    """One background job. ``run`` does one round in its own transaction(s) and returns how
    much work it did; a round that did work is followed at once by another (a backlog
    drains without waiting), an idle one waits ``interval_seconds``."""

    name: str
    interval_seconds: float
    run: Callable[[sessionmaker[Session]], int]
