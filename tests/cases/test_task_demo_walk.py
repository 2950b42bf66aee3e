"""Every grid of the demo: a 核实 or 核查 task there goes to an inspector or to the pool a
shift lead of its platform sees — never to nobody (issue 15: 647 of 767 grids had no one).

The demo is loaded as the browser tests load it (``demo.loader.load_demo`` without the
generated month); one task per grid is written straight into ``cases`` (the walk is about
who holds it, not about how it got there), plus one real hotline report through the service.
The SQL work lists (我的任务, 待派发) and the pure rule (``cases.tasks``) must agree."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import principal_for
from urbangrid.cases import service
from urbangrid.cases.models import Case
from urbangrid.demo.loader import load_demo
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Grid, Jurisdiction, User
from urbangrid.org.roles import Role
from urbangrid.web.queries import _queue_base

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _users(session: Session, role: Role) -> list[User]:
    return [u for u in session.scalars(select(User).order_by(User.id)) if role in u.role_names]


def _queue(session: Session, principal: Principal, name: str) -> set[int]:
    q = _queue_base(session, principal, name).where(
        Case.status.in_(["pending_verify", "pending_check"])
    )
    return set(session.scalars(q.with_only_columns(Case.id)))


def _walk(session: Session, cases: dict[int, Case]) -> dict[int, str]:
    """Who holds each task: ``inspector <username>`` or ``pool <platform code>``; fails
    for a task nobody holds or when the lists and the rule disagree."""
    session.expire_all()
    inspectors = _users(session, Role.INSPECTOR)
    leads = _users(session, Role.SHIFT_LEAD)
    mine = {u.id: _queue(session, principal_for(u), "checks") for u in inspectors}
    pools = {u.id: _queue(session, principal_for(u), "pool") for u in leads}
    codes = dict(session.execute(select(Jurisdiction.id, Jurisdiction.code)).all())
    users = {u.id: u for u in inspectors + leads}
    out: dict[int, str] = {}
    for case_id, case in cases.items():
        holders = sorted(users[i].username for i, ids in mine.items() if case_id in ids)
        pooled = sorted(users[i].username for i, ids in pools.items() if case_id in ids)
        assert holders or pooled, f"the task of grid {case.grid_code} goes to nobody"
        rule = service.task_holder_of(session, case)
        assert rule is not None
        assert sorted(users[i].username for i in rule.inspector_ids) == holders, case.grid_code
        assert rule.pooled == bool(pooled), case.grid_code
        for i in rule.inspector_ids:  # a holder is present and of the case's platform
            assert not users[i].on_leave and users[i].jurisdiction_id == case.jurisdiction_id
        for name in pooled:  # the pool is its own platform's shift lead's
            lead = next(u for u in leads if u.username == name)
            assert lead.jurisdiction_id == case.jurisdiction_id
        out[case_id] = (
            f"inspector {holders[0]}" if holders else f"pool {codes[case.jurisdiction_id]}"
        )
    return out


def test_every_demo_grid_has_someone_for_its_tasks(session: Session) -> None:
    load_demo(session, with_cases=False)
    session.flush()
    grids = list(session.scalars(select(Grid).order_by(Grid.code)))
    assert len(grids) > 700  # both districts (767 when the issue was filed)
    reporter = _users(session, Role.INTAKE_OPERATOR)[0]
    cases: dict[int, Case] = {}
    for n, grid in enumerate(grids):
        case = Case(
            jurisdiction_id=grid.jurisdiction_id,
            year=2026,
            number=f"WALK-{n:05d}",
            source="hotline",
            lon=0.0,
            lat=0.0,
            grid_id=grid.id,
            grid_code=grid.code,
            description="walk",
            reporter_id=reporter.id,
            status="pending_verify" if n % 2 == 0 else "pending_check",
            reported_at=NOW,
        )
        session.add(case)
        cases[n] = case
    session.flush()
    by_id = {c.id: c for c in cases.values()}

    # The demo: every grid has a patrol inspector.
    first = _walk(session, by_id)
    assert all(h.startswith("inspector ") for h in first.values())

    # An inspector on leave (请假): its grids' tasks go to its platform's pool.
    away = session.scalar(select(User).where(User.username == "d2_inspector1"))
    assert away is not None
    away.on_leave = True
    session.flush()
    second = _walk(session, by_id)
    moved = {i for i in by_id if first[i] != second[i]}
    assert moved and {first[i] for i in moved} == {"inspector d2_inspector1"}
    home = session.get(Jurisdiction, away.jurisdiction_id)
    assert home is not None
    assert {second[i] for i in moved} == {f"pool {home.code}"}

    # Every inspector absent: every task is in a pool, still never nobody.
    for user in _users(session, Role.INSPECTOR):
        user.on_leave = True
    session.flush()
    third = _walk(session, by_id)
    assert all(h.startswith("pool ") for h in third.values())


def test_the_issue_grid_hotline_report_reaches_an_inspector(session: Session) -> None:
    """The grid named in issue 15: a hotline report accepted there, through the service."""
    load_demo(session, with_cases=False)
    session.flush()
    grid = session.scalar(select(Grid).where(Grid.code == "329901001001020"))
    if grid is None:  # the demo's grid numbering changed: take its last grid instead
        grid = session.scalar(select(Grid).order_by(Grid.code.desc()).limit(1))
    assert grid is not None and grid.geometry is not None
    ring = grid.geometry["coordinates"][0][:-1]
    lon, lat = sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
    intake = next(
        u
        for u in _users(session, Role.INTAKE_OPERATOR)
        if u.jurisdiction_id == grid.jurisdiction_id
    )
    p = principal_for(intake)
    case = service.create_case(
        session,
        p,
        service.NewCase(source="hotline", lon=lon, lat=lat, description="12345 占道"),
        now=utcnow(),
    )
    case = service.perform_action(session, p, case.id, "accept_report", version=case.version)
    assert case.status == "pending_verify" and case.grid_id == grid.id
    held = _walk(session, {case.id: case})
    assert held[case.id].startswith("inspector ")
