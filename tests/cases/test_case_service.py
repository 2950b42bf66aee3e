"""The case service on a real database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from urbangrid.cases import service
from urbangrid.cases.models import Case, CaseEvent, RoutingRule
from urbangrid.cases.queries import CaseFilters, get_visible_case
from urbangrid.cases.workflow import Action
from urbangrid.db import session_factory
from urbangrid.kit.errors import Conflict, Forbidden, InvalidInput, NotFound

from .world import World, make_world

# Monday 2026-03-02 09:00 in Shanghai.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def world(session: Session) -> World:
    w = make_world(session)
    session.commit()
    return w


def _report(session: Session, w: World, **kw: object) -> Case:
    new = service.NewCase(
        source="inspector",
        lon=w.lon,
        lat=w.lat,
        description="垃圾堆在路边",
        category_id=w.category.id,
        **kw,  # type: ignore[arg-type]
    )
    return service.create_case(session, w.principal("inspector"), new, now=T0)


def _act(
    session: Session, w: World, case: Case, who: str, action: Action, minutes: int = 5, **kw: object
) -> Case:
    now = (case.updated_at or T0) + timedelta(minutes=minutes)
    return service.perform_action(
        session,
        w.principal(who),
        case.id,
        action,
        version=case.version,
        now=now,
        **kw,  # type: ignore[arg-type]
    )


def test_full_lifecycle_with_working_time_deadline(session: Session, world: World) -> None:
    w = world
    case = _report(session, w)
    assert case.number == "2026-000001"
    assert case.grid_code == w.grids[0].code and case.street_id == w.street.id
    assert case.filing_condition_id == w.condition.id  # the category's only condition
    _act(session, w, case, "intake", Action.ACCEPT_REPORT)
    _act(session, w, case, "lead", Action.FILE)
    suggestion = service.suggest_department(session, case)
    assert suggestion is not None and suggestion.department_id == w.sanitation.id
    _act(session, w, case, "dispatcher", Action.DISPATCH)  # uses the suggestion
    assert case.department_id == w.sanitation.id
    # 4 work hours from 09:15 Monday (Shanghai) end at 14:45 (lunch 12:00-13:30 excluded).
    assert case.disposal_deadline == datetime(2026, 3, 2, 6, 45, tzinfo=UTC)
    _act(session, w, case, "hw", Action.DEPARTMENT_ACCEPT)
    _act(session, w, case, "hw", Action.FEEDBACK, minutes=60)
    _act(session, w, case, "inspector", Action.CHECK_PASS)
    _act(session, w, case, "lead", Action.CLOSE)
    session.commit()
    assert case.status == "closed" and case.closing_type == "normal"
    assert case.version == 8
    assert service.rebuild_case_state(session, case.id) == service.state_of(case)
    second = _report(session, w)
    assert second.number == "2026-000002"


def test_stale_version_gets_409_and_changes_nothing(engine: Engine, world: World) -> None:
    w = world
    factory = session_factory(engine)
    with factory() as s:
        case = _report(s, w)
        _act(s, w, case, "intake", Action.ACCEPT_REPORT)
        _act(s, w, case, "lead", Action.FILE)
        s.commit()
        case_id, version = case.id, case.version
    # Two dispatchers loaded the same version; the first wins.
    with factory() as a:
        service.perform_action(
            a, w.principal("dispatcher"), case_id, "dispatch", version=version,
            data={"department_id": w.sanitation.id}, now=T0 + timedelta(hours=1),
        )  # fmt: skip
        a.commit()
    with factory() as b:
        with pytest.raises(Conflict) as err:
            service.perform_action(
                b, w.principal("dispatcher2"), case_id, "dispatch", version=version,
                data={"department_id": w.roads.id}, now=T0 + timedelta(hours=1),
            )  # fmt: skip
        assert err.value.extra["current_version"] == version + 1
        b.rollback()
    with factory() as c:
        case = c.get(Case, case_id)
        assert case is not None and case.department_id == w.sanitation.id
        events = c.scalar(select(func.count()).where(CaseEvent.case_id == case_id))
        assert events == version + 1


def test_concurrent_write_after_the_check_is_refused(engine: Engine, world: World) -> None:
    """Both transactions pass the version check; the second write must still fail."""
    w = world
    factory = session_factory(engine)
    with factory() as s:
        case = _report(s, w)
        s.commit()
        case_id = case.id
    a, b = factory(), factory()
    try:
        case_b = b.get(Case, case_id)
        assert case_b is not None and case_b.version == 1
        service.perform_action(a, w.principal("intake"), case_id, "accept_report", version=1,
                               now=T0 + timedelta(minutes=1))  # fmt: skip
        a.commit()
        with pytest.raises(Conflict):
            service.perform_action(b, w.principal("lead"), case_id, "supervise", version=1,
                                   comment="快", now=T0 + timedelta(minutes=2))  # fmt: skip
        b.rollback()
    finally:
        a.close()
        b.close()
    with factory() as c:
        assert c.scalar(select(func.count()).where(CaseEvent.case_id == case_id)) == 2


def test_refusals_name_the_allowed_actions(session: Session, world: World) -> None:
    w = world
    case = _report(session, w)
    with pytest.raises(Forbidden) as err:
        _act(session, w, case, "dispatcher", Action.ACCEPT_REPORT)
    assert err.value.extra["allowed_actions"] == ["reclassify"]  # no 派遣到区 on a district
    with pytest.raises(Conflict) as conflict:
        _act(session, w, case, "dispatcher", Action.DISPATCH)
    assert "accept_report" not in conflict.value.extra["allowed_actions"]
    assert case.version == 1


def test_bad_input_stores_nothing(session: Session, world: World) -> None:
    w = world
    with pytest.raises(InvalidInput) as err:
        _report(session, w, filing_condition_id=99999)
    assert err.value.extra["field"] == "filing_condition_id"
    with pytest.raises(InvalidInput) as err:
        service.create_case(
            session,
            w.principal("inspector"),
            service.NewCase(source="inspector", lon=121.5, lat=31.2, category_id=w.category.id),
            now=T0,
        )
    assert err.value.extra["field"] == "lon/lat"
    with pytest.raises(InvalidInput) as err:
        service.create_case(
            session,
            w.principal("inspector"),
            service.NewCase(source="inspector", lon=w.lon, lat=w.lat, category_id=424242),
        )
    assert err.value.extra["field"] == "category_id"
    session.rollback()
    assert session.scalar(select(func.count(Case.id))) == 0
    assert session.scalar(select(func.count(CaseEvent.id))) == 0


def test_redispatch_elsewhere_counts_a_wrong_dispatch_and_rules_win(
    session: Session, world: World
) -> None:
    w = world
    session.add(
        RoutingRule(
            jurisdiction_id=w.jurisdiction.id,
            category_id=w.category.id,
            area_level="grid",
            area_id=w.grids[0].id,
            department_id=w.roads.id,
        )
    )
    session.flush()
    case = _report(session, w)
    _act(session, w, case, "intake", Action.ACCEPT_REPORT)
    _act(session, w, case, "lead", Action.FILE)
    _act(session, w, case, "dispatcher", Action.DISPATCH)
    assert case.department_id == w.roads.id  # the grid rule beats the category default
    _act(session, w, case, "sz", Action.RETURN, comment="非本单位")
    _act(session, w, case, "dispatcher", Action.DISPATCH, data={"department_id": w.sanitation.id})
    assert case.wrong_dispatches == 1 and case.returns == 1 and case.dispatch_count == 2


def test_sla_watcher_records_yellow_then_red(session: Session, world: World) -> None:
    w = world
    case = _report(session, w)
    session.commit()
    assert case.warning_level == "green"
    assert service.sla_scan(session, now=T0 + timedelta(minutes=5)) == 0
    assert service.sla_scan(session, now=T0 + timedelta(minutes=13)) == 1
    assert case.warning_level == "yellow"
    assert service.sla_scan(session, now=T0 + timedelta(minutes=16)) == 1
    session.commit()
    assert case.warning_level == "red"
    assert service.sla_scan(session, now=T0 + timedelta(minutes=30)) == 0
    actions = session.scalars(
        select(CaseEvent.action).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    ).all()
    assert actions == ["report", "warn", "warn"]
    assert service.rebuild_case_state(session, case.id) == service.state_of(case)


def test_list_filters(session: Session, world: World) -> None:
    w = world
    first = _report(session, w)
    service.create_case(
        session,
        w.principal("intake"),
        service.NewCase(
            source="hotline", lon=120.0015, lat=30.0005, description="路灯不亮", address="一路"
        ),
        now=T0,
    )
    _act(session, w, first, "intake", Action.ACCEPT_REPORT)
    rows, total = service.list_cases(session, w.principal("leader"), CaseFilters(source="hotline"))
    assert total == 1 and rows[0].grid_code == w.grids[1].code
    rows, total = service.list_cases(session, w.principal("leader"), CaseFilters(text="垃圾"))
    assert [r.id for r in rows] == [first.id]
    rows, total = service.list_cases(
        session, w.principal("leader"), CaseFilters(statuses=["pending_filing"])
    )
    assert total == 1
    _, total = service.list_cases(
        session, w.principal("leader"), CaseFilters(), page=2, page_size=1
    )
    assert total == 2


def test_department_handlers_see_only_their_department(session: Session, world: World) -> None:
    w = world
    case = _report(session, w)
    other = _report(session, w)
    _act(session, w, case, "intake", Action.ACCEPT_REPORT)
    _act(session, w, case, "lead", Action.FILE)
    _act(session, w, case, "dispatcher", Action.DISPATCH)  # to sanitation (HW)
    session.commit()
    hw, sz = w.principal("hw"), w.principal("sz")
    listed, total = service.list_cases(session, hw, CaseFilters())
    assert [c.id for c in listed] == [case.id] and total == 1
    assert service.list_cases(session, sz, CaseFilters()) == ([], 0)
    assert get_visible_case(session, hw, case.id).id == case.id
    with pytest.raises(NotFound):
        get_visible_case(session, sz, case.id)
    with pytest.raises(NotFound):
        get_visible_case(session, hw, other.id)
    # staff roles keep the whole jurisdiction
    assert service.list_cases(session, w.principal("dispatcher"), CaseFilters())[1] == 2
