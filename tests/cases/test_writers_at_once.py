"""The SLA watcher and the API write at once (the embedded set-up on SQLite, and PostgreSQL):
no request fails with "database is locked" or any server error, no watcher round fails, and
every warning and every action is stored exactly once."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from urbangrid.api.app import create_app
from urbangrid.auth.service import issue_token
from urbangrid.cases import background, service
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.db import session_factory
from urbangrid.kit.types import utcnow
from urbangrid.ops.worker import Worker

from .world import make_world

N_CASES = 40


def test_watcher_and_api_write_at_once(engine: Engine, caplog) -> None:  # type: ignore[no-untyped-def]
    factory = session_factory(engine)
    with factory() as s:
        w = make_world(s)
        # Reported at several moments of the last two hours: their 受理 limits run out one
        # after another, so the watcher has warnings to write while the API writes too.
        ids = []
        for n in range(N_CASES):
            made = service.create_case(
                s,
                w.principal("inspector"),
                service.NewCase(source="inspector", lon=w.lon, lat=w.lat, description=f"并发 {n}"),
                now=utcnow() - timedelta(minutes=3 * n),
            )
            ids.append(made.id)
        token = issue_token(s, w.users["lead"]).token
        s.commit()
    stop = threading.Event()
    rounds: list[int] = []
    runner = Worker(
        factory, background.JOBS, interval_override=0.0, on_round=lambda _, n: rounds.append(n)
    )
    watcher = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    statuses: list[int] = []
    caplog.set_level(logging.ERROR)
    with TestClient(create_app(engine)) as client:
        watcher.start()
        h = {"Authorization": f"Bearer {token}"}
        for case_id in ids:
            for _attempt in range(20):
                version = client.get(f"/api/v1/cases/{case_id}", headers=h).json()["version"]
                r = client.post(
                    f"/api/v1/cases/{case_id}/supervise",
                    json={"version": version, "comment": "请加快"},
                    headers=h,
                )
                statuses.append(r.status_code)
                if r.status_code != 409:  # 409: the watcher got there first; reload
                    break
        stop.set()
        watcher.join(timeout=30)
    assert len(rounds) >= 2
    assert all(code in (200, 409) for code in statuses), sorted(set(statuses))
    assert statuses.count(200) == N_CASES
    assert not [r for r in caplog.records if "sla_watcher" in r.getMessage()]
    with factory() as s:
        supervised = s.scalar(
            select(func.count()).where(CaseEvent.action == "supervise", CaseEvent.case_id.in_(ids))
        )
        assert supervised == N_CASES
        # every case is red now, warned once per level (the audit rebuilds the snapshot)
        for case_id in ids:
            assert service.rebuild_case_state(s, case_id) == service.state_of(s.get(Case, case_id))
