"""Case rows and events → fact records, through the real case service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from urbangrid.auth.service import principal_for
from urbangrid.cases import service
from urbangrid.cases.models import Case
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.db import session_factory
from urbangrid.evaluation.adapter import sync_facts
from urbangrid.evaluation.engine import Period, count
from urbangrid.evaluation.indicators import ObjectKind
from urbangrid.evaluation.sql import count_sql
from urbangrid.evaluation.store import load_facts
from urbangrid.org.models import (
    Community,
    Department,
    Grid,
    Jurisdiction,
    Street,
    User,
    UserGrid,
    UserRole,
)
from urbangrid.org.roles import Role

T0 = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[120.0, 30.0], [120.001, 30.0], [120.001, 30.001], [120.0, 30.001], [120.0, 30.0]]
    ],
}


class W:
    pass


def make(session: Session) -> W:
    w = W()
    j = Jurisdiction(code="330102", name="测试区")
    session.add(j)
    session.flush()
    st = Street(jurisdiction_id=j.id, code="001", name="一街道")
    session.add(st)
    session.flush()
    cm = Community(street_id=st.id, code="001", name="一社区")
    session.add(cm)
    session.flush()
    w.grid = Grid(jurisdiction_id=j.id, community_id=cm.id, code="330102001001001", geometry=SQUARE)
    session.add(w.grid)
    w.hw = Department(jurisdiction_id=j.id, code="HW", name="环卫所")
    w.sz = Department(jurisdiction_id=j.id, code="SZ", name="市政所")
    session.add_all([w.hw, w.sz])
    cat = Category(
        kind="matter",
        code="06010",
        big_code="06",
        big_name="市容环境类",
        name="暴露垃圾",
        default_department_code="HW",
    )
    session.add(cat)
    session.flush()
    w.cat = cat
    session.add(
        FilingCondition(
            category_id=cat.id,
            seq=1,
            description="公共场所未入容器的生活垃圾",
            time_limit_value=Decimal(4),
            time_limit_unit="work_hour",
            closing_condition="清理",
        )
    )
    w.users = {}
    for name, role, dep in (
        ("inspector", Role.INSPECTOR, None),
        ("intake", Role.INTAKE_OPERATOR, None),
        ("lead", Role.SHIFT_LEAD, None),
        ("dispatcher", Role.DISPATCHER, None),
        ("hw", Role.DEPARTMENT_HANDLER, w.hw.id),
        ("sz", Role.DEPARTMENT_HANDLER, w.sz.id),
        ("leader", Role.LEADER, None),
    ):
        u = User(
            username=name,
            display_name=name,
            password_hash="x",
            jurisdiction_id=j.id,
            department_id=dep,
        )
        u.roles.append(UserRole(role=role.value))
        session.add(u)
        w.users[name] = u
    session.flush()
    session.add(UserGrid(user_id=w.users["inspector"].id, grid_id=w.grid.id))
    session.flush()
    return w


def act(s: Session, w: W, case: Case, who: str, action: str, minutes: int = 5, **kw) -> Case:
    now = case.updated_at + timedelta(minutes=minutes)
    return service.perform_action(
        s, principal_for(w.users[who]), case.id, action, version=case.version, now=now, **kw
    )


@pytest.fixture
def cases(engine: Engine) -> tuple[W, Case, Case]:
    with session_factory(engine)() as s:
        w = make(s)
        s.commit()
        new = service.NewCase(source="inspector", lon=120.0005, lat=30.0005, category_id=w.cat.id)
        a = service.create_case(s, principal_for(w.users["inspector"]), new, now=T0)
        act(s, w, a, "intake", "accept_report")
        act(s, w, a, "lead", "file")
        act(s, w, a, "dispatcher", "dispatch")
        act(s, w, a, "hw", "department_accept")
        act(s, w, a, "hw", "feedback", minutes=60)
        act(s, w, a, "inspector", "check_pass")
        act(s, w, a, "lead", "close")
        hot = service.NewCase(source="hotline", lon=120.0005, lat=30.0005, category_id=w.cat.id)
        b = service.create_case(s, principal_for(w.users["intake"]), hot, now=T0)
        act(s, w, b, "intake", "accept_report", data={"verify": True})
        if b.status == "pending_verify":
            act(s, w, b, "inspector", "verify", data={"confirmed": True})
        act(s, w, b, "lead", "file")
        act(s, w, b, "dispatcher", "dispatch", data={"department_id": w.sz.id})
        act(s, w, b, "sz", "return", comment="非本单位")
        act(s, w, b, "dispatcher", "dispatch", data={"department_id": w.hw.id})
        act(s, w, b, "hw", "department_accept")
        act(s, w, b, "hw", "feedback", minutes=30)
        act(s, w, b, "inspector", "check_fail", comment="未清理干净")
        act(s, w, b, "hw", "department_accept")
        act(s, w, b, "hw", "feedback", minutes=600)  # past the 4 work-hour limit
        act(s, w, b, "inspector", "check_pass")
        s.commit()
        return w, a, b


def test_facts_follow_the_case_history(engine: Engine, cases) -> None:
    w, a, b = cases
    assert sync_facts(engine) == 2
    with engine.connect() as conn:
        facts = {f.case_id: f for f in load_facts(conn)}
    fa, fb = facts[a.id], facts[b.id]
    # times and actors of each step come from the case and its events
    assert (fa.reported_at, fa.accepted_at, fa.filed_at) == (
        a.reported_at,
        a.accepted_at,
        a.filed_at,
    )
    assert (fa.dispatched_at, fa.handled_at, fa.checked_at, fa.closed_at) == (
        a.first_dispatched_at,
        a.handled_at,
        a.checked_at,
        a.closed_at,
    )
    ids = {k: u.id for k, u in w.users.items()}
    assert (fa.reporter_id, fa.intake_operator_id, fa.filer_id) == (
        ids["inspector"],
        ids["intake"],
        ids["lead"],
    )
    assert (fa.dispatcher_id, fa.checker_id, fa.closer_id) == (
        ids["dispatcher"],
        ids["inspector"],
        ids["lead"],
    )
    assert fa.department_id == w.hw.id and fa.category_code == "06010"
    assert fa.grid_code == "330102001001001" and fa.patrol_inspector_id == ids["inspector"]
    assert fa.handle_deadline == a.disposal_deadline or fa.handle_deadline is not None
    assert fa.handled_at <= fa.handle_deadline
    assert fa.file_deadline is not None and fa.close_deadline is not None
    # the hotline case: returned once, re-dispatched elsewhere, reworked, handled late
    assert fb.source == "hotline" and fb.reporter_id is None
    assert (fb.returns, fb.wrong_dispatches, fb.reworks) == (1, 1, 1)
    assert fb.department_id == w.hw.id
    assert fb.handled_at == b.handled_at and fb.handled_at > fb.handle_deadline
    assert fb.closed_at is None and fb.checked_at == b.checked_at
    # the evaluation of the month from these facts, in SQL and in Python
    oct_ = Period.month("2026-10")
    with engine.connect() as conn:
        sql = count_sql(conn, ObjectKind.DEPARTMENT, oct_)
    pure = count(facts.values(), ObjectKind.DEPARTMENT, oct_)
    assert {k: v.counts for k, v in sql.items()} == {k: v.counts for k, v in pure.items()}
    hw = pure[w.hw.id].counts
    assert (hw["dispatched"], hw["handled_on_time"], hw["handled_late"], hw["reworked"]) == (
        2,
        1,
        1,
        1,
    )
    assert (hw["closed"], hw["returned"]) == (1, 1)


def test_sync_is_incremental_and_idempotent(engine: Engine, cases) -> None:
    w, _a, b = cases
    assert sync_facts(engine) == 2
    assert sync_facts(engine) == 0  # nothing changed
    assert sync_facts(engine, full=True) == 2
    with session_factory(engine)() as s:
        case = s.get(Case, b.id)
        act(s, w, case, "lead", "close")
        s.commit()
    assert sync_facts(engine) == 1  # only the changed case
    with engine.connect() as conn:
        facts = {f.case_id: f for f in load_facts(conn)}
    assert len(facts) == 2 and facts[b.id].closed_at is not None


def test_simulate_through_the_case_service(engine: Engine) -> None:
    from datetime import date

    from urbangrid.catalog.service import load_national_directory
    from urbangrid.evaluation.simulator.through_service import simulate_through_service
    from urbangrid.kit.errors import InvalidInput

    with session_factory(engine)() as s:
        make(s)
        load_national_directory(s)
        s.commit()
    n = simulate_through_service(engine, date(2026, 10, 1), 3, seed=1, per_day=4, public_per_day=2)
    assert n > 5
    with engine.connect() as conn:
        facts = list(load_facts(conn))
    assert len(facts) == n
    assert any(f.dispatched_at for f in facts) and any(f.filed_at is None for f in facts)
    with pytest.raises(InvalidInput):  # a second run would mix two simulations
        simulate_through_service(engine, date(2026, 10, 1), 3)


def test_background_sync_fills_the_fact_table(engine: Engine, cases) -> None:
    import time

    from urbangrid.evaluation.background import JOBS
    from urbangrid.ops.worker import Worker

    stop = Worker(session_factory(engine), JOBS, interval_override=0.2).start_thread()
    try:
        deadline = time.monotonic() + 20
        n = 0
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                n = len(list(load_facts(conn)))
            if n == 2:
                break
            time.sleep(0.1)
    finally:
        stop()
    assert n == 2
