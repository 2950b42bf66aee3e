"""The SLA watcher runs inside the server process (embedded setup) and records warnings."""

from __future__ import annotations

import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from urbangrid.api.app import create_app
from urbangrid.cases import service
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.db import session_factory
from urbangrid.kit.types import utcnow

from .world import make_world


def test_embedded_watcher_turns_an_overdue_case_red(engine: Engine) -> None:
    factory = session_factory(engine)
    with factory() as s:
        w = make_world(s)
        new = service.NewCase(source="inspector", lon=w.lon, lat=w.lat)
        # Reported an hour ago: the 15-minute 受理 limit has run out.
        an_hour_ago = utcnow() - timedelta(hours=1)
        case = service.create_case(s, w.principal("inspector"), new, now=an_hour_ago)
        s.commit()
        case_id = case.id
    with TestClient(create_app(engine, background=True)):
        deadline = time.monotonic() + 20
        level = "green"
        while time.monotonic() < deadline and level != "red":
            time.sleep(0.2)
            with factory() as s:
                level = s.scalar(select(Case.warning_level).where(Case.id == case_id)) or ""
    assert level == "red"
    with factory() as s:
        actions = s.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case_id)).all()
    assert list(actions) == ["report", "warn"]
