"""The daily collection checks (收运监管) as a background job, run by :mod:`urbangrid.ops.worker`:
once a day per platform with registered vehicles, yesterday (local) is checked and its
violations open cases. A run again opens nothing (the violation keys), so a restarted worker
checking the day a second time is harmless."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from urbangrid.kit.jobs import Job
from urbangrid.kit.types import utcnow

log = logging.getLogger(__name__)
_done: set[tuple[int, str]] = set()  # (jurisdiction, day) checked by this process


def run_once(factory: sessionmaker[Session]) -> int:
    """Check yesterday on every platform that has waste vehicles; returns the platforms
    checked this round (0 once the day is done)."""
    from urbangrid.org.models import Jurisdiction
    from urbangrid.registers.models import RegisterRecord
    from urbangrid.waste.checks import run_collection_checks
    from urbangrid.waste.registers import VEHICLES

    checked = 0
    with factory() as session:
        ids = list(
            session.scalars(
                select(RegisterRecord.jurisdiction_id)
                .where(RegisterRecord.register == VEHICLES.name)
                .distinct()
            )
        )
    for jid in ids:
        with factory() as session:
            j = session.get(Jurisdiction, jid)
            if j is None:
                continue
            today = utcnow().astimezone(ZoneInfo(j.timezone or "Asia/Shanghai")).date()
            day = today - timedelta(days=1)
            if (jid, day.isoformat()) in _done:
                continue
            result = run_collection_checks(session, j, day, today)
            session.commit()
            _done.add((jid, day.isoformat()))
            checked += 1
            log.info("waste checks %s %s: opened %s", j.code, day, result.opened)
    return checked


JOBS = (Job("waste_checks", 3600.0, run_once),)
