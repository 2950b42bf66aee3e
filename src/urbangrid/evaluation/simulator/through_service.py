"""``urbangrid simulate`` through the real case service layer.

The case lifecycle with every side path (verification, returns, extensions, suspensions,
reworks, self-handling, photos) is driven by the case domain's own demo driver
(``urbangrid.cases.demo.generate_demo_month``), which calls the same service functions as
the API; this module sizes it from the simulator's arrival rates, then refreshes the
evaluation's fact table. (The calibrated handling-time model of ``generator`` is used by
the bulk path, which writes fact records directly.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from urbangrid.db import session_scope
from urbangrid.kit.errors import InvalidInput


def simulate_through_service(
    engine: Engine,
    first: date,
    days: int,
    *,
    seed: int = 0,
    per_day: float = 60.0,
    public_per_day: float = 25.0,
    jurisdiction_code: str | None = None,
) -> int:
    from urbangrid.cases.demo import generate_demo_month
    from urbangrid.cases.models import Case
    from urbangrid.evaluation.adapter import sync_facts
    from urbangrid.org.models import Jurisdiction

    with session_scope(engine) as session:
        stmt = sa.select(Jurisdiction).order_by(Jurisdiction.id)
        if jurisdiction_code:
            stmt = stmt.where(Jurisdiction.code == jurisdiction_code)
        j = session.scalars(stmt).first()
        if j is None:
            raise InvalidInput("no jurisdiction to simulate in: run 'urbangrid demo' first")
        before = session.scalar(
            sa.select(sa.func.count(Case.id)).where(Case.jurisdiction_id == j.id)
        )
        if before:
            raise InvalidInput(
                f"jurisdiction {j.code} already has {before} cases; the service-layer "
                "simulation fills an empty one (use --bulk to add fact records)"
            )
        end = datetime(first.year, first.month, first.day, tzinfo=UTC) + timedelta(days=days)
        # 5/7 working days at the inspector rate, weekends at half of it (as the generator)
        mean_per_day = per_day * (5 + 2 * 0.5) / 7 + public_per_day
        for line in generate_demo_month(
            session,
            j,
            days=days,
            cases_per_day=mean_per_day,
            seed=seed,
            end=min(end, datetime.now(UTC)),
        ):
            print(line)
        made = session.scalar(sa.select(sa.func.count(Case.id)).where(Case.jurisdiction_id == j.id))
    sync_facts(engine)
    return int(made or 0)
