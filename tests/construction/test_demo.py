"""The 违法建设 demo data: made through the services on the demo district."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.construction.demo import load_construction_demo
from urbangrid.construction.models import EnforcementStep, Patch, PatchBatch
from urbangrid.construction.registers import BUILDINGS
from urbangrid.construction.service import record_rows
from urbangrid.demo.loader import DEMO_CODE, load_demo
from urbangrid.org.models import Jurisdiction
from urbangrid.registers.models import RegisterRecord

pytestmark = pytest.mark.db


def test_demo_makes_records_batches_and_tasks(session: Session) -> None:
    started = time.perf_counter()
    report = load_demo(session, with_cases=False, with_construction=True)
    total = time.perf_counter() - started
    line = next(r for r in report if "违法建设" in r)
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
    assert j is not None
    statuses = [
        (r.attributes or {}).get("status")
        for r in session.scalars(
            select(RegisterRecord).where(
                RegisterRecord.jurisdiction_id == j.id, RegisterRecord.register == BUILDINGS.name
            )
        )
    ]
    # stock and new records plus the two made by illegal verdicts
    assert len(statuses) >= 40
    assert {"在查", "已拆除", "已销号", "已补办"} <= set(statuses)
    batches = list(session.scalars(select(PatchBatch).where(PatchBatch.jurisdiction_id == j.id)))
    assert len(batches) == 2
    matches = set(session.scalars(select(Patch.match)))
    assert {"known", "rebuilt", "new", "duplicate"} <= matches, matches
    assert session.scalar(select(func.count()).select_from(EnforcementStep)) >= 8
    waiting = session.scalar(
        select(func.count()).where(Patch.verdict.is_(None), Patch.match.in_(("new", "rebuilt")))
    )
    assert waiting and waiting > 0
    verdicts = set(session.scalars(select(Patch.verdict).where(Patch.verdict.is_not(None))))
    assert verdicts == {"illegal", "legal", "not_building"}
    assert all(
        p.case_id is not None
        for p in session.scalars(select(Patch).where(Patch.verdict == "illegal"))
    )
    # one stock and one new record are overdue; the rest of 在查 are on time
    late = [r.record.code for r in record_rows(session, j, overdue=True)]
    assert len(late) == 2 and any(c.startswith("XZ") for c in late), late
    # loading again adds nothing
    assert "already" in load_construction_demo(session, j)[0]
    print(f"\n{line}; load_demo without cases took {total:.1f} s")
