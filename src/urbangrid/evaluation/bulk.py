"""Fast bulk generation for benchmarks and demos: the simulator's fact records written
straight to ``eval_case_facts`` (no case rows, no workflow), in batches."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from urbangrid.evaluation.simulator.generator import City, Generator, demo_city
from urbangrid.evaluation.store import save_facts


def bulk_generate(
    engine: Engine,
    first: date,
    days: int,
    *,
    seed: int = 0,
    per_day: float = 60.0,
    public_per_day: float = 25.0,
    city: City | None = None,
    first_case_id: int | None = None,
    now: datetime | None = None,
    batch: int = 20000,
) -> int:
    """Generate ``days`` days of cases and store their facts; returns the number of cases.
    Case ids continue after the largest one in the table unless ``first_case_id`` is
    given. With ``now``, steps after it are left out (cases still open)."""
    import sqlalchemy as sa

    from urbangrid.evaluation.simulator.generator import truncate_at
    from urbangrid.evaluation.sql import FACTS

    base_city = city or demo_city()
    base_city = City(
        **{**base_city.__dict__, "inspector_per_day": per_day, "public_per_day": public_per_day}
    )
    gen = Generator(base_city, seed=seed)
    with engine.begin() as conn:
        start_id = first_case_id
        if start_id is None:
            start_id = (conn.execute(sa.select(sa.func.max(FACTS.c.case_id))).scalar() or 0) + 1
    gen.next_id = start_id
    n = 0
    chunk = []
    for i in range(days):
        for f in gen.stream(first + timedelta(days=i), 1):
            chunk.append(truncate_at(f, now) if now else f)
        if len(chunk) >= batch or i == days - 1:
            with engine.begin() as conn:
                n += save_facts(conn, chunk, batch=batch)
            chunk = []
    return n
