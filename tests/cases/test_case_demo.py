"""The demo month: produced through the service, every open state present, audit-exact."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.cases import service
from urbangrid.cases.demo import generate_demo_month
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.workflow import TERMINAL, Status
from urbangrid.settings import get_settings

from .world import make_world

END = datetime(2026, 10, 12, 9, 0, tzinfo=UTC)  # just after the National Day holiday


def test_demo_month(session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    world = make_world(session)
    lines = generate_demo_month(
        session, world.jurisdiction, days=4, cases_per_day=6, end=END, strict=True
    )
    session.commit()
    assert "demo cases" in lines[0]
    cases = session.scalars(select(Case)).all()
    states = {c.status for c in cases}
    assert {s.value for s in Status} - {s.value for s in TERMINAL} <= states
    assert Status.CLOSED.value in states
    for case in cases:
        assert service.rebuild_case_state(session, case.id) == service.state_of(case)
    latest = session.scalar(select(func.max(CaseEvent.at)))
    assert latest is not None and latest <= END
    # Running again adds nothing.
    again = generate_demo_month(session, world.jurisdiction, days=4, end=END)
    assert "already present" in again[0]
    assert session.scalar(select(func.count(Case.id))) == len(cases)
