"""The visibility policy (cases/queries.py): its two interpreters agree, and every row of the
issue that introduced it ("no case data crosses a department, grid or jurisdiction
boundary") is a regression test here, in the world of tests/scope_world.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from scope_world import ACTS, CITY, D1, D2, READS, ScopeWorld, X, make_scope_world
from urbangrid.cases import service
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.queries import CaseScope, case_scope, get_visible_case
from urbangrid.cases.search import case_text_matches
from urbangrid.cases.workflow import Action, Status
from urbangrid.evaluation.adapter import sync_facts
from urbangrid.kit.errors import Forbidden, InvalidInput, NotFound
from urbangrid.org.models import Department, User
from urbangrid.web import queries as web


@pytest.fixture
def world(session: Session) -> ScopeWorld:
    return make_scope_world(session)


def ids(world: ScopeWorld, labels: frozenset[str] | set[str]) -> set[int]:
    return {world.cases[label].id for label in labels}


# ---------------------------------------------------------------- one rule, two interpreters


def test_the_policy_is_the_table(session: Session, world: ScopeWorld) -> None:
    for user, expected in READS.items():
        scope = case_scope(session, world.who(user))
        sql = set(session.scalars(select(Case.id).where(scope.condition())))
        assert sql == ids(world, expected), user
        acting = set(session.scalars(select(Case.id).where(scope.acting_condition())))
        assert acting == ids(world, ACTS[user]), user


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sql_and_python_agree_on_any_scope(
    session: Session, world: ScopeWorld, data: st.DataObject
) -> None:
    jurisdictions = [j.id for j in world.jurisdictions.values()]
    departments = [d.id for d in world.departments.values()]
    grids = [g.id for gs in world.grids.values() for g in gs]
    users = [u.id for u in world.users.values()]
    subset = st.frozensets
    scope = CaseScope(
        jurisdiction_ids=data.draw(st.none() | subset(st.sampled_from(jurisdictions))),
        home_jurisdiction_id=data.draw(st.none() | st.sampled_from(jurisdictions)),
        whole=data.draw(st.booleans()),
        department_ids=data.draw(subset(st.sampled_from(departments), max_size=3)),
        grid_ids=data.draw(subset(st.sampled_from(grids), max_size=4)),
        inspector_id=data.draw(st.none() | st.sampled_from(users)),
        may_write=data.draw(st.booleans()),
    )
    every = list(session.scalars(select(Case)))
    assert set(session.scalars(select(Case.id).where(scope.condition()))) == {
        c.id for c in every if scope.reads(c)
    }
    assert set(session.scalars(select(Case.id).where(scope.acting_condition()))) == {
        c.id for c in every if scope.acts_on(c)
    }


# ---------------------------------------------------------------- the rows


def test_a_handler_reads_its_department_only(client: TestClient, world: ScopeWorld) -> None:
    """GET /cases/{id} as the handler of another department: 404."""
    sz = world.header(f"{D1}/sz")
    assert client.get(f"/api/v1/cases/{world.cases['own_hw'].id}", headers=sz).status_code == 404
    assert client.get(f"/api/v1/cases/{world.cases['sz'].id}", headers=sz).status_code == 200


def test_free_text_search_never_widens_the_scope(
    client: TestClient, world: ScopeWorld, session: Session
) -> None:
    """GET /cases?q=<text of another department's case> finds nothing; ``q`` is one
    parenthesised condition ANDed to the rest."""
    sz = world.header(f"{D1}/sz")
    page = client.get("/api/v1/cases", params={"q": "CASEMARK-own_hw"}, headers=sz).json()
    assert page["total"] == 0 and page["items"] == []
    page = client.get("/api/v1/cases", params={"q": "垃圾"}, headers=sz).json()
    assert {i["id"] for i in page["items"]} == {world.cases["sz"].id}
    compiled = str(
        select(Case.id)
        .where(Case.department_id == 1, case_text_matches("垃圾"))
        .compile(session.get_bind())
    )
    assert ") AND (" in compiled or "AND (lower(" in compiled, compiled


def test_a_second_jurisdiction_stays_out_of_every_search(
    client: TestClient, world: ScopeWorld
) -> None:
    """GET /cases?q=… with another platform in the database: none of its cases."""
    for user in (f"{D1}/leader", f"{D1}/intake", f"{D2}/dispatcher"):
        page = client.get(
            "/api/v1/cases", params={"q": "CASEMARK", "page_size": 100}, headers=world.header(user)
        ).json()
        assert {i["id"] for i in page["items"]} == ids(world, READS[user]), user
        assert world.cases["x"].id not in {i["id"] for i in page["items"]}


def test_work_lists_and_counters_match_the_case_api(client: TestClient, world: ScopeWorld) -> None:
    """GET /web/worklists/all as a handler: the same cases the case API gives."""
    for user in (f"{D1}/hw", f"{D1}/hw1", f"{D1}/i2", f"{CITY}/leader"):
        h = world.header(user)
        api = client.get("/api/v1/cases", params={"page_size": 100}, headers=h).json()
        if user.endswith("/i2"):
            assert client.get("/api/v1/web/worklists/all", headers=h).status_code == 403
            continue
        listed = client.get("/api/v1/web/worklists/all", headers=h).json()
        assert {i["id"] for i in listed["items"]} == {i["id"] for i in api["items"]}
        assert {i["id"] for i in listed["items"]} == ids(world, READS[user]), user
    hw = client.get("/api/v1/web/worklists", headers=world.header(f"{D1}/hw")).json()
    # HW's to-do: its own case and the one its sub-unit holds.
    assert hw == {"department": 2}
    hw1 = client.get("/api/v1/web/worklists", headers=world.header(f"{D1}/hw1")).json()
    assert hw1 == {"department": 1}


def test_map_live_feed_and_case_page_follow_the_policy(
    client: TestClient, world: ScopeWorld, session: Session
) -> None:
    """/web/map/points, the live feed and /web/cases/{id}/context as a handler."""
    h = world.header(f"{D1}/hw")
    points = client.get("/api/v1/web/map/points", headers=h).json()["points"]
    assert {p[0] for p in points} == ids(world, READS[f"{D1}/hw"])
    grids = client.get("/api/v1/web/map/grids", headers=h).json()["grids"]
    assert sum(n for n, _ in grids.values()) == 2
    other = world.cases["sz"].id
    assert client.get(f"/api/v1/web/cases/{other}/context", headers=h).status_code == 404
    own = world.cases["own_hw"].id
    assert client.get(f"/api/v1/web/cases/{own}/context", headers=h).status_code == 200
    # The live feed: every event since the start, filtered per user.
    for user, expected in READS.items():
        _cursor, rows = web.changes_since(session, world.who(user), 0, limit=10_000)
        assert {r["id"] for r in rows} == ids(world, expected), user


def test_photos_of_other_departments_are_404(client: TestClient, world: ScopeWorld) -> None:
    photo = world.photos["own_hw"]
    url = f"/api/v1/cases/attachments/{photo}"
    assert client.get(url, headers=world.header(f"{D1}/hw")).status_code == 200
    assert client.get(url, headers=world.header(f"{D1}/sz")).status_code == 404
    assert client.get(url, headers=world.header(f"{X}/admin")).status_code == 404
    # an upload not yet on a case is its uploader's only
    mine = f"/api/v1/cases/attachments/{world.photos['upload_i1']}"
    assert client.get(mine, headers=world.header(f"{D1}/i1")).status_code == 200
    assert client.get(mine, headers=world.header(f"{D1}/i2")).status_code == 404


def test_another_users_upload_cannot_be_attached(session: Session, world: ScopeWorld) -> None:
    i2 = world.who(f"{D1}/i2")
    lon, lat = 120.0025, 30.0005
    with pytest.raises(InvalidInput):
        service.create_case(
            session,
            i2,
            service.NewCase(
                source="inspector",
                lon=lon,
                lat=lat,
                filing_condition_id=world.condition.id,
                attachments=[world.photos["upload_i1"]],
            ),
        )


def test_hotline_work_orders_follow_their_case(client: TestClient, world: ScopeWorld) -> None:
    url = "/api/v1/intake/hotline/work-orders/ORD-329901"
    assert client.get(url, headers=world.header(f"{D1}/intake")).status_code == 200
    assert client.get(url, headers=world.header(f"{D1}/hw")).status_code == 404
    assert client.get(url, headers=world.header(f"{X}/admin")).status_code == 404
    # the city's order: its case is the city's own
    city = "/api/v1/intake/hotline/work-orders/ORD-329900"
    assert client.get(city, headers=world.header(f"{CITY}/intake")).status_code == 200
    assert client.get(city, headers=world.header(f"{D1}/intake")).status_code == 404


def test_evaluation_covers_the_readers_subtree(
    client: TestClient, world: ScopeWorld, engine: Engine
) -> None:
    """/evaluation/departments as a district dispatcher: its departments only, and no
    drill-down into another platform's."""
    sync_facts(engine, full=True)
    month = web.utcnow().strftime("%Y-%m")
    d1 = client.get(
        "/api/v1/evaluation/departments",
        params={"month": month},
        headers=world.header(f"{D1}/dispatcher"),
    ).json()
    names = {i["name"] for i in d1["items"]}
    assert names == {f"ZONE{D1}环卫处", f"ZONE{D1}环卫一所", f"ZONE{D1}市政处"}
    x_dept = world.departments[f"{X}/HW"].id
    drill = client.get(
        f"/api/v1/evaluation/departments/{x_dept}/cases",
        params={"month": month, "count": "dispatched"},
        headers=world.header(f"{D1}/dispatcher"),
    )
    assert drill.status_code == 404
    # the city ranks its districts (区级评价); a district sees only itself
    city = client.get(
        "/api/v1/evaluation/districts",
        params={"month": month},
        headers=world.header(f"{CITY}/leader"),
    ).json()
    assert {i["key"] for i in city["items"]} == {D1, D2}
    filed = {i["key"]: i["counts"]["filed"] for i in city["items"]}
    assert filed == {D1: 3, D2: 0}  # own_hw, sub_hw1, sz were filed in D1
    one = client.get(
        "/api/v1/evaluation/districts", params={"month": month}, headers=world.header(f"{D2}/admin")
    ).json()
    assert [i["key"] for i in one["items"]] == [D2]


def test_inspectors_act_in_their_grids_and_tasks_only(
    session: Session, world: ScopeWorld, client: TestClient
) -> None:
    """核实 / 核查 on a case in another inspector's grid: 404 when it does not read the case,
    403 when it is its own report there; components there are read-only to it."""
    i1 = world.who(f"{D1}/i1")
    verify = world.cases["verify_g3"]
    with pytest.raises(NotFound):
        service.perform_action(session, i1, verify.id, Action.VERIFY, version=verify.version)
    mine_elsewhere = world.cases["i1_report_g3"]
    with pytest.raises(Forbidden):
        service.perform_action(
            session, i1, mine_elsewhere.id, Action.ACCEPT_REPORT, version=mine_elsewhere.version
        )
    # the task sent to it (in i2's grid 4) it may do
    task = world.cases["task_i1"]
    done = service.perform_action(session, i1, task.id, Action.VERIFY, version=task.version)
    assert done.status == Status.PENDING_FILING.value and done.task_inspector_id is None
    session.commit()
    # components: i2's grid 3 holds none in this world; the D1 one is in grid 1 (i1's)
    comp = world.components[D1]
    r = client.patch(
        f"/api/v1/geo/components/{comp}", json={"note": "x"}, headers=world.header(f"{D1}/i2")
    )
    assert r.status_code == 403
    r = client.patch(
        f"/api/v1/geo/components/{comp}", json={"note": "ok"}, headers=world.header(f"{D1}/i1")
    )
    assert r.status_code == 200


def test_admins_create_in_their_own_platform(
    client: TestClient, world: ScopeWorld, session: Session
) -> None:
    """POST /org/departments and /org/users by an admin land in the admin's jurisdiction
    (not the first of the table), or one below it; another platform is 404."""
    d2_admin = world.header(f"{D2}/admin")
    r = client.post(
        "/api/v1/org/departments", json={"code": "YL", "name": "园林"}, headers=d2_admin
    )
    assert r.status_code == 201 and r.json()["jurisdiction_id"] == world.jurisdictions[D2].id
    body = {
        "username": "new_d2",
        "display_name": "新人",
        "password": "Secret#1234",
        "roles": ["inspector"],
        "grid_codes": [world.grids[D2][0].code],
    }
    r = client.post("/api/v1/org/users", json=body, headers=d2_admin)
    assert r.status_code == 201 and r.json()["jurisdiction_id"] == world.jurisdictions[D2].id
    # a grid of another platform is not a grid it knows
    r = client.post(
        "/api/v1/org/users",
        json={**body, "username": "new_d2b", "grid_codes": [world.grids[D1][0].code]},
        headers=d2_admin,
    )
    assert r.status_code == 404
    city_admin = world.header(f"{CITY}/admin")
    r = client.post(
        "/api/v1/org/departments",
        json={"code": "JD1", "name": "一街道办", "street_code": "001", "jurisdiction": D1},
        headers=city_admin,
    )
    assert r.status_code == 201 and r.json()["street_id"] is not None
    r = client.post(
        "/api/v1/org/departments",
        json={"code": "Z", "name": "z", "jurisdiction": X},
        headers=city_admin,
    )
    assert r.status_code == 404
    session.expire_all()
    assert session.scalar(select(Department).where(Department.code == "Z")) is None
    assert session.scalar(select(User).where(User.username == "new_d2b")) is None


# ---------------------------------------------------------------- levels


def test_city_sends_a_case_down_and_then_reads_it(session: Session, world: ScopeWorld) -> None:
    moved = world.cases["transferred"]
    assert moved.jurisdiction_id == world.jurisdictions[D1].id
    assert moved.number.startswith(f"{D1}-") and moved.grid_id == world.grids[D1][3].id
    assert moved.status == Status.PENDING_INTAKE.value
    step = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == moved.id).order_by(CaseEvent.seq)
    ).all()[-1]
    assert step.action == "transfer" and step.data["from_number"].startswith(f"{CITY}-")
    assert step.jurisdiction_id == world.jurisdictions[D1].id
    # the events rebuild the snapshot (the audit guarantee holds across platforms)
    assert service.rebuild_case_state(session, moved.id) == service.state_of(moved)
    # the city reads it and may only 督办; the district works it
    city_lead = world.who(f"{CITY}/leader")
    assert get_visible_case(session, city_lead, moved.id).id == moved.id
    assert service.allowed_for(session, city_lead, moved) == ["supervise"]
    assert "accept_report" in service.allowed_for(session, world.who(f"{D1}/intake"), moved)
    supervised = service.perform_action(
        session, city_lead, moved.id, Action.SUPERVISE, version=moved.version, comment="市级督办"
    )
    assert supervised.supervised
    with pytest.raises(Forbidden):
        service.perform_action(
            session, world.who(f"{CITY}/intake"), moved.id, Action.ACCEPT_REPORT,
            version=supervised.version,
        )  # fmt: skip
    # a district cannot send anything "down", and a city only to its own districts
    d1_case = world.cases["i1_report_g3"]
    assert "transfer" not in service.allowed_for(session, world.who(f"{D1}/intake"), d1_case)
    city_case = world.cases["city"]
    with pytest.raises(InvalidInput):
        service.transfer_to_district(
            session, world.who(f"{CITY}/intake"), city_case.id, version=city_case.version,
            data={"jurisdiction_id": world.jurisdictions[X].id},
        )  # fmt: skip


def test_forwarding_to_a_sub_unit(session: Session, world: ScopeWorld) -> None:
    """转派 (二级派遣): HW hands a case to HW1; HW1 works it, HW still reads and may act;
    a unit outside HW's tree is refused and the case stays where it was."""
    case = world.cases["own_hw"]
    hw, hw1 = world.who(f"{D1}/hw"), world.who(f"{D1}/hw1")
    with pytest.raises(NotFound):
        get_visible_case(session, hw1, case.id)
    with pytest.raises(InvalidInput):
        service.perform_action(
            session, hw, case.id, Action.FORWARD, version=case.version,
            data={"department_id": world.departments[f"{D1}/SZ"].id},
        )  # fmt: skip
    case = service.perform_action(
        session, hw, case.id, Action.FORWARD, version=case.version,
        data={"department_id": world.departments[f"{D1}/HW1"].id},
    )  # fmt: skip
    assert case.department_id == world.departments[f"{D1}/HW1"].id
    assert case.departments == [world.departments[f"{D1}/HW"].id]  # not a new 派遣
    case = service.perform_action(
        session, hw1, case.id, Action.DEPARTMENT_ACCEPT, version=case.version
    )
    assert case.status == Status.HANDLING.value
    assert "feedback" in service.allowed_for(session, hw, case)  # the parent may act too
    assert service.allowed_for(session, world.who(f"{D1}/sz"), case) == []


def test_assigning_a_task_checks_the_inspector(session: Session, world: ScopeWorld) -> None:
    case = world.cases["verify_g3"]
    intake = world.who(f"{D1}/intake")
    for bad in (world.users[f"{D2}/i1"].id, world.users[f"{D1}/hw"].id, 10**30):
        with pytest.raises(InvalidInput):
            service.perform_action(
                session, intake, case.id, Action.ASSIGN_INSPECTOR, version=case.version,
                data={"inspector_id": bad},
            )  # fmt: skip
    done = service.perform_action(
        session, intake, case.id, Action.ASSIGN_INSPECTOR, version=case.version,
        data={"inspector_id": world.users[f"{D1}/i1"].id},
    )  # fmt: skip
    assert done.task_inspector_id == world.users[f"{D1}/i1"].id
    assert get_visible_case(session, world.who(f"{D1}/i1"), case.id).id == case.id
