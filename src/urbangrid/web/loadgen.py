"""Synthetic cases for load-testing the screens (command map, work lists).

Rows are bulk-inserted straight into ``cases`` — far faster than the workflow service, and
only meant for benchmarks: each case gets a plausible snapshot (state, deadlines, grid,
category) and, optionally, its 上报 event, not a full audit trail. Numbers carry an ``L``
(``2026-L0000001``) so they never collide with real ones.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.workflow import Status
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Community, Department, Grid, Jurisdiction

# Share of open cases per state, roughly what a busy centre holds at a time.
OPEN_MIX: tuple[tuple[Status, float], ...] = (
    (Status.PENDING_INTAKE, 0.05),
    (Status.PENDING_VERIFY, 0.03),
    (Status.PENDING_FILING, 0.05),
    (Status.PENDING_DISPATCH, 0.05),
    (Status.DISPATCHED, 0.08),
    (Status.HANDLING, 0.50),
    (Status.EXTENSION_PENDING, 0.03),
    (Status.SUSPENSION_PENDING, 0.02),
    (Status.SUSPENDED, 0.05),
    (Status.PENDING_CHECK, 0.09),
    (Status.PENDING_CLOSE, 0.05),
)
_DEPARTMENT_STATES = {
    Status.DISPATCHED,
    Status.HANDLING,
    Status.EXTENSION_PENDING,
    Status.SUSPENSION_PENDING,
    Status.SUSPENDED,
    Status.PENDING_CHECK,
    Status.PENDING_CLOSE,
}
_BEFORE_FILING = {Status.PENDING_INTAKE, Status.PENDING_VERIFY, Status.PENDING_FILING}
_SOURCES = ("inspector",) * 6 + ("hotline",) * 3 + ("web", "video")


@dataclass(frozen=True)
class _NoCondition:
    category_id: int
    default_department_code: str | None
    id: None = None


def _batches(n: int, size: int) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(n, start + size))


def add_synthetic_cases(
    session: Session,
    jurisdiction: Jurisdiction,
    n: int,
    *,
    closed_share: float = 0.0,
    seed: int = 1,
    now: datetime | None = None,
    spread_days: int = 30,
    with_events: bool = True,
    batch: int = 5000,
) -> int:
    """Insert ``n`` cases of ``jurisdiction`` (``closed_share`` of them closed), reported
    over the last ``spread_days``; returns how many were inserted. Commits per batch."""
    rng = random.Random(seed)
    now = now or utcnow()
    grids: Sequence[Any] = session.execute(
        select(Grid.id, Grid.code, Grid.community_id, Community.street_id, Grid.geometry)
        .join(Community, Community.id == Grid.community_id)
        .where(Grid.jurisdiction_id == jurisdiction.id, Grid.geometry.is_not(None))
    ).all()
    if not grids:
        raise ValueError(f"jurisdiction {jurisdiction.code} has no grids: load the demo first")
    boxes = []
    for g in grids:
        ring = g.geometry["coordinates"][0]
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        boxes.append((min(xs), min(ys), max(xs), max(ys)))
    conditions: Sequence[Any] = session.execute(
        select(FilingCondition.id, FilingCondition.category_id, Category.default_department_code)
        .join(Category, Category.id == FilingCondition.category_id)
        .where(FilingCondition.is_active.is_(True))
    ).all()
    if not conditions:
        # A directory without the city's filing table: categories alone, no time limit.
        conditions = [
            _NoCondition(cid, code)
            for cid, code in session.execute(select(Category.id, Category.default_department_code))
        ]
    departments = dict(
        session.execute(
            select(Department.code, Department.id).where(
                Department.jurisdiction_id == jurisdiction.id
            )
        ).all()
    )
    dep_ids = list(departments.values())
    first = (session.scalar(select(func.count(Case.id))) or 0) + 1
    states = [s for s, _ in OPEN_MIX]
    weights = [w for _, w in OPEN_MIX]
    year = now.year
    inserted = 0
    for chunk in _batches(n, batch):
        rows: list[dict[str, Any]] = []
        for i in chunk:
            gi = rng.randrange(len(grids))
            g = grids[gi]
            x0, y0, x1, y1 = boxes[gi]
            lon = x0 + (x1 - x0) * rng.uniform(0.1, 0.9)
            lat = y0 + (y1 - y0) * rng.uniform(0.1, 0.9)
            reported = now - timedelta(seconds=rng.uniform(0, spread_days * 86400))
            closed = rng.random() < closed_share
            status = Status.CLOSED if closed else rng.choices(states, weights)[0]
            cond = conditions[rng.randrange(len(conditions))] if conditions else None
            filed = closed or status not in _BEFORE_FILING
            dispatched = closed or status in _DEPARTMENT_STATES
            dep = None
            if status in _DEPARTMENT_STATES or closed:
                dep = departments.get(cond.default_department_code) if cond else None
                dep = dep or (rng.choice(dep_ids) if dep_ids else None)
            # Deadlines around now, so every light shows up.
            due = now + timedelta(hours=rng.uniform(-72, 120))
            warn = due - timedelta(hours=rng.uniform(1, 24))
            level = "red" if due <= now else ("yellow" if warn <= now else "green")
            row: dict[str, Any] = {
                "jurisdiction_id": jurisdiction.id,
                "number": f"{year}-L{first + i:07d}",
                "year": year,
                "source": rng.choice(_SOURCES),
                "category_id": cond.category_id if cond else None,
                "filing_condition_id": cond.id if cond and cond.id else None,
                "lon": lon,
                "lat": lat,
                "grid_id": g.id,
                "grid_code": g.code,
                "street_id": g.street_id,
                "community_id": g.community_id,
                "address": f"{g.code} 附近",
                "description": "压测案件 synthetic load case",
                "urgency": "normal",
                "status": status.value,
                "version": 1,
                "department_id": dep,
                "departments": [dep] if dep else [],
                "pauses": [],
                "due_at": None if closed or status is Status.SUSPENDED else due,
                "warn_at": None if closed or status is Status.SUSPENDED else warn,
                "warning_level": "green" if closed else level,
                "reported_at": reported,
                "filed_at": reported + timedelta(minutes=20) if filed else None,
                "dispatched_at": reported + timedelta(minutes=40) if dispatched else None,
                "first_dispatched_at": reported + timedelta(minutes=40) if dispatched else None,
                "closed_at": reported + timedelta(hours=rng.uniform(2, 96)) if closed else None,
                "closing_type": "normal" if closed else None,
                "created_at": reported,
                "updated_at": reported,
            }
            rows.append(row)
        session.execute(insert(Case), rows)
        if with_events:
            numbers = [r["number"] for r in rows]
            ids = dict(
                session.execute(
                    select(Case.number, Case.id).where(
                        Case.jurisdiction_id == jurisdiction.id, Case.number.in_(numbers)
                    )
                ).all()
            )
            session.execute(
                insert(CaseEvent),
                [
                    {
                        "case_id": ids[r["number"]],
                        "jurisdiction_id": jurisdiction.id,
                        "seq": 1,
                        "action": "report",
                        "actor_id": None,
                        "actor_role": "system",
                        "at": r["reported_at"],
                        "from_state": None,
                        "to_state": r["status"],
                        "comment": "synthetic",
                        "data": {"source": r["source"], "synthetic": True},
                        "attachments": [],
                    }
                    for r in rows
                ],
            )
        session.commit()
        inserted += len(rows)
    return inserted
