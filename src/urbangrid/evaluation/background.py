"""Keep ``eval_case_facts`` fresh: every round syncs the cases whose version moved since
their fact row was built, so the evaluation API and dashboards are at most one interval
behind the case tables. Run by :mod:`urbangrid.ops.worker`."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from urbangrid.kit.jobs import Job


def run_once(factory: sessionmaker[Session]) -> int:
    """Sync the fact rows of changed cases; returns how many were synced."""
    from urbangrid.evaluation.adapter import sync_facts

    return sync_facts(factory.kw["bind"])


JOBS = (Job("evaluation_sync", 60.0, run_once),)
