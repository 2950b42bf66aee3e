"""Synthetic cases for load-testing the screens (command map, work lists).

Rows are bulk-inserted straight into ``cases`` — far faster than the workflow service, and
only meant for benchmarks: each case gets a plausible snapshot (state, deadlines, grid,
category) and, optionally, its 上报 event, not a full audit trail. Numbers carry an ``L``
(``2026-L0000001``) so they never collide with real ones.
"""

from __future__ import annotations

import json
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
from urbangrid.org.models import Community, Department, Grid, Jurisdiction, Street

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
# Words for the descriptions, so that free-text search meets realistic selectivity: a
# category name matches about 1/N of the cases, a detail word a few percent, a street or
# grid code fewer (a single repeated text would make every search match every row).
_DETAILS = (
    "破损",
    "缺失",
    "堵塞",
    "占道",
    "乱堆",
    "污损",
    "倾斜",
    "积水",
    "噪音",
    "异味",
    "私搭乱建",
    "夜间施工",
    "无人清理",
    "影响通行",
    "多次反映",
    "存在安全隐患",
)
_PLACES = ("路口", "人行道", "小区门口", "公交站旁", "学校附近", "菜市场", "桥下", "绿化带")


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
    category_names = dict(session.execute(select(Category.id, Category.name)).all())
    street_names = dict(
        session.execute(
            select(Street.id, Street.name).where(Street.jurisdiction_id == jurisdiction.id)
        ).all()
    )
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
    # Open cases go to the last 30 days first, the older ones only when they cannot hold
    # the whole open share.
    recent_days = min(30, spread_days)
    recent = recent_days / spread_days if spread_days else 1.0
    open_share = 1 - closed_share
    open_recent = min(1.0, open_share / recent)
    open_older = max(0.0, open_share - recent) / (1 - recent) if recent < 1 else 0.0
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
            # Oldest first, as a real table fills, and open cases are recent ones: the
            # physical order then matches the one a bureau's database has.
            age = spread_days * (1 - (i + rng.random()) / n)
            reported = now - timedelta(days=age)
            closed = rng.random() >= (open_recent if age <= recent_days else open_older)
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
                "address": f"{street_names.get(g.street_id, '')}{rng.choice(_PLACES)} {g.code}",
                "description": (
                    f"{category_names.get(cond.category_id, '') if cond else ''}"
                    f"{rng.choice(_DETAILS)}，{rng.choice(_DETAILS)}（压测案件 synthetic）"
                ),
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
        if not with_events and session.get_bind().dialect.name == "postgresql":
            _copy_rows(session, rows)
        else:
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


def _copy_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY of a batch: about ten times faster than an INSERT of the same rows,
    which matters when a benchmark loads a million cases."""
    # COPY skips the model's Python-side defaults: the scalar ones are filled in here.
    defaults = {
        c.name: c.default.arg
        for c in Case.__table__.columns
        if c.name not in rows[0] and c.default is not None and c.default.is_scalar
    }
    rows = [{**defaults, **row} for row in rows]
    columns = list(rows[0])
    json_columns = {"departments", "pauses"}
    raw = session.connection().connection.driver_connection
    statement = f"COPY cases ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c in json_columns else row[c] for c in columns])
