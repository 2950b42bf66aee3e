"""Web read models against a real database: work lists, map points and grid counts,
dashboard numbers, the live feed; and their HTTP endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from web_world import Town, act, make_town, report, to_dispatched

from urbangrid.auth.service import issue_token
from urbangrid.cases import search
from urbangrid.cases.models import Case
from urbangrid.cases.queries import CaseFilters
from urbangrid.kit.errors import Forbidden, InvalidInput, NotFound
from urbangrid.web import queries
from urbangrid.web.worklists import Light, light_at


@pytest.fixture
def town(session: Session) -> Town:
    t = make_town(session)
    session.commit()
    return t


# ---------------------------------------------------------------- traffic light (pure)

times = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
)
RANK = {Light.NONE: 0, Light.GREEN: 1, Light.YELLOW: 2, Light.RED: 3}


@given(times, times, st.timedeltas(timedelta(0), timedelta(days=3)))
def test_light_only_gets_worse_as_time_passes(
    start: datetime, due: datetime, later: timedelta
) -> None:
    warn = due - (due - start) * 0.2 if due > start else due
    a = light_at(start, due, warn, "green", "handling")
    b = light_at(start + later, due, warn, "green", "handling")
    assert RANK[b] >= RANK[a]
    assert (b is Light.RED) == (start + later >= due)


@given(times, times, st.sampled_from(["green", "yellow", "red"]))
def test_stored_level_is_a_floor_and_closed_cases_have_no_clock(
    now: datetime, due: datetime, stored: str
) -> None:
    light = light_at(now, due, None, stored, "handling")
    assert RANK[light] >= RANK[Light(stored)]
    assert light_at(now, due, None, stored, "closed") is Light.NONE
    assert light_at(now, due, None, stored, "suspended") is Light.NONE


# ---------------------------------------------------------------- work lists


def test_queues_hold_the_right_states_most_urgent_first(session: Session, town: Town) -> None:
    t0 = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)  # Wednesday 09:00 in Shanghai
    late = report(session, town, now=t0)
    early = report(session, town, now=t0 - timedelta(minutes=10))
    dispatched = to_dispatched(session, town, report(session, town, now=t0), now=t0)
    session.commit()
    intake = queries.worklist(session, town.who("intake"), "intake", CaseFilters(), now=t0)
    assert [r["id"] for r in intake["items"]] == [early.id, late.id]  # earlier deadline first
    assert intake["total"] == 2
    assert {r["status"] for r in intake["items"]} == {"pending_intake"}
    assert intake["items"][0]["category_name"] == "暴露垃圾"
    # Ten minutes after t0 the earlier report's 15-minute intake limit has run out.
    later = queries.worklist(
        session, town.who("intake"), "intake", CaseFilters(), now=t0 + timedelta(minutes=10)
    )
    lights = {r["id"]: r["light"] for r in later["items"]}
    assert lights[early.id] == "red"
    assert lights[late.id] in ("green", "yellow")
    dept = queries.worklist(session, town.who("hw"), "department", CaseFilters(), now=t0)
    assert [r["id"] for r in dept["items"]] == [dispatched.id]
    assert dept["items"][0]["department_name"] == "环卫所"
    # Another department's handler sees none of it.
    other = queries.worklist(session, town.who("sz"), "department", CaseFilters(), now=t0)
    assert other["total"] == 0


def test_inspector_tasks_are_scoped_to_patrol_grids(session: Session, town: Town) -> None:
    mine = act(
        session, town, report(session, town, grid=0, source="hotline"), "accept_report", "intake"
    )
    theirs = act(
        session, town, report(session, town, grid=2, source="hotline"), "accept_report", "intake"
    )
    session.commit()
    assert mine.status == theirs.status == "pending_verify"
    tasks = queries.worklist(session, town.who("inspector"), "checks", CaseFilters())
    assert [r["id"] for r in tasks["items"]] == [mine.id]


def test_worklist_refusals(session: Session, town: Town) -> None:
    with pytest.raises(Forbidden):
        queries.worklist(session, town.who("hw"), "dispatch", CaseFilters())
    with pytest.raises(Forbidden):
        queries.worklist(session, town.who("inspector"), "all", CaseFilters())
    with pytest.raises(NotFound):
        queries.worklist(session, town.who("lead"), "nope", CaseFilters())
    with pytest.raises(InvalidInput):
        queries.worklist(session, town.who("lead"), "all", CaseFilters(statuses=["bogus"]))


def test_filters_and_pagination(session: Session, town: Town) -> None:
    made = [report(session, town, grid=i % 3) for i in range(7)]
    session.commit()
    lead = town.who("lead")
    page1 = queries.worklist(session, lead, "all", CaseFilters(), page=1, page_size=3)
    page3 = queries.worklist(session, lead, "all", CaseFilters(), page=3, page_size=3)
    assert page1["total"] == 7 and len(page1["items"]) == 3 and len(page3["items"]) == 1
    in_grid = queries.worklist(
        session, lead, "all", CaseFilters(grid_code=town.grids[1].code), page_size=50
    )
    assert {r["id"] for r in in_grid["items"]} == {c.id for i, c in enumerate(made) if i % 3 == 1}
    found = queries.worklist(session, lead, "all", CaseFilters(text=made[4].number))
    assert [r["id"] for r in found["items"]] == [made[4].id]
    counts = queries.queue_counts(session, lead)
    assert counts["intake"] == 7 and counts["approvals"] == 0


def test_large_totals_are_capped(
    session: Session, town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        report(session, town)
    session.commit()
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    page = queries.worklist(session, town.who("lead"), "intake", CaseFilters(), page_size=10)
    assert (page["total"], page["total_capped"], len(page["items"])) == (3, True, 5)
    monkeypatch.setattr(search, "COUNT_CAP", 5)
    page = queries.worklist(session, town.who("lead"), "intake", CaseFilters(), page_size=10)
    assert (page["total"], page["total_capped"]) == (5, False)


# ---------------------------------------------------------------- map and dashboard


def test_map_points_and_grid_counts_agree(session: Session, town: Town) -> None:
    open_cases = [report(session, town, grid=i % 2) for i in range(5)]
    closed = act(session, town, report(session, town, grid=2), "void", "lead", comment="重复")
    session.commit()
    lead = town.who("leader")
    pts = queries.map_points(session, lead, CaseFilters(open_only=True))
    assert sorted(p[0] for p in pts["points"]) == sorted(c.id for c in open_cases)
    status_of = {p[0]: pts["statuses"][p[3]] for p in pts["points"]}
    assert set(status_of.values()) == {"pending_intake"}
    everything = queries.map_points(session, lead, CaseFilters())
    assert closed.id in {p[0] for p in everything["points"]}
    # The light computed in SQL is the pure light_at, at several moments.
    for minutes in (0, 13, 16, 60 * 24 * 30):
        now = datetime.now(UTC) + timedelta(minutes=minutes)
        pts = queries.map_points(session, lead, CaseFilters(), now=now)
        for pid, *_, light, _cat in pts["points"]:
            c = session.get(Case, pid)
            assert c is not None
            want = light_at(now, c.due_at, c.warn_at, c.warning_level, c.status)
            assert pts["lights"][light] == want.value, (minutes, c.status)
    grids = queries.grid_counts(session, lead, CaseFilters())["grids"]
    assert sum(n for n, _ in grids.values()) == len(open_cases)
    assert grids[town.grids[0].code][0] == 3
    assert town.grids[2].code not in grids  # only a voided case there
    # Far in the future every open case is overdue.
    later = queries.grid_counts(session, lead, CaseFilters(), now=datetime(2030, 1, 1, tzinfo=UTC))
    assert all(o == n for n, o in later["grids"].values())


def test_dashboard_counts_today_and_the_month(session: Session, town: Town) -> None:
    now = datetime.now(UTC)
    made = [report(session, town, now=now - timedelta(minutes=5)) for _ in range(4)]
    act(session, town, made[0], "void", "lead", comment="无效")
    session.commit()
    d = queries.dashboard(session, town.who("leader"), now=now)
    assert d["numbers"]["today"]["reported"] == 4
    assert d["numbers"]["open"] == 3
    assert sum(d["trend"]["reported"]) == 4
    assert d["trend"]["days"][-1] == d["today"]
    assert d["by"]["source"] == [{"key": "inspector", "name": "inspector", "count": 4}]
    assert [(s["name"], s["count"]) for s in d["by"]["street"]] == [("东街道", 4)]


def test_changes_since_follows_the_event_table(session: Session, town: Town) -> None:
    lead = town.who("leader")
    cursor = queries.last_event_id(session)
    assert queries.changes_since(session, lead, cursor) == (cursor, [])
    case = report(session, town)
    case = act(session, town, case, "accept_report", "intake")
    session.commit()
    cursor2, rows = queries.changes_since(session, lead, cursor)
    assert cursor2 > cursor
    assert [(r["id"], r["action"], r["status"]) for r in rows] == [
        (case.id, "accept_report", "pending_filing")
    ]
    assert queries.changes_since(session, lead, cursor2) == (cursor2, [])


def test_case_context_names(session: Session, town: Town) -> None:
    case = to_dispatched(session, town, report(session, town))
    session.commit()
    ctx = queries.case_context(session, town.who("hw"), case.id)
    assert ctx["category"]["name"] == "暴露垃圾"
    assert ctx["condition"]["closing_condition"] == "清理"
    assert ctx["department"]["name"] == "环卫所"
    assert ctx["grid"]["code"] == town.grids[0].code
    assert set(ctx["people"].values()) >= {"inspector名", "intake名", "lead名", "dispatcher名"}
    with pytest.raises(NotFound):
        queries.case_context(session, town.who("hw"), case.id + 999)


# ---------------------------------------------------------------- HTTP


def bearer(session: Session, town: Town, name: str) -> dict[str, str]:
    token = issue_token(session, town.users[name]).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_endpoints_answer_and_refuse(client: TestClient, session: Session, town: Town) -> None:
    report(session, town)
    session.commit()
    lead = bearer(session, town, "lead")
    res = client.get("/api/v1/web/worklists/intake", headers=lead)
    assert res.status_code == 200 and res.json()["total"] == 1
    assert client.get("/api/v1/web/worklists", headers=lead).json()["intake"] == 1
    pts = client.get("/api/v1/web/map/points?open_only=true", headers=lead).json()
    assert len(pts["points"]) == 1
    assert client.get("/api/v1/web/dashboard", headers=lead).status_code == 200
    hw = bearer(session, town, "hw")
    assert client.get("/api/v1/web/dashboard", headers=hw).status_code == 403
    assert client.get("/api/v1/web/worklists/dispatch", headers=hw).status_code == 403
    bad = client.get(
        "/api/v1/web/worklists/all?reported_from=2026-02-02&reported_to=2026-02-01", headers=lead
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/web/map/points?big_class=06", headers=lead).status_code == 422
    assert client.get("/api/v1/web/map/points").status_code == 401


def test_event_stream_sends_changed_cases(client: TestClient, session: Session, town: Town) -> None:
    client.app.state.sse_poll_seconds = 0.05  # type: ignore[attr-defined]
    case = report(session, town)
    session.commit()
    headers = bearer(session, town, "leader")
    seen: list[dict[str, object]] = []
    with client.stream("GET", "/api/v1/web/events?after=0", headers=headers) as res:
        assert res.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in res.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "cases":
                seen = json.loads(line[6:])["cases"]
                break
    assert [(c["id"], c["action"]) for c in seen] == [(case.id, "report")]
    assert client.get("/api/v1/web/events").status_code == 401
    bad = {"Authorization": "Bearer nope"}
    assert client.get("/api/v1/web/events", headers=bad).status_code == 401


def test_free_text_search_matches_substrings_on_either_database(
    session: Session, town: Town
) -> None:
    """Two-character Chinese words (answered by the bigram index on PostgreSQL), longer
    phrases, a number fragment in any case, one character, wildcards taken literally."""
    from urbangrid.cases.service import CaseFilters, list_cases

    texts = ["人行道井盖破损", "井边盖子松动", "占道经营 100%_满", "Road SIGN bent"]
    made = [report(session, town, grid=0) for _ in texts]
    for case, text in zip(made, texts, strict=True):
        case.description = text
    session.commit()
    lead = town.who("lead")

    def found(text: str) -> set[int]:
        page = queries.worklist(session, lead, "all", CaseFilters(text=text), page_size=50)
        listed, total = list_cases(session, lead, CaseFilters(text=text))
        via_service = {c.id for c in listed}
        assert total == len(via_service)
        ids = {r["id"] for r in page["items"]}
        assert ids == via_service, text
        return {i for i in ids if i in {c.id for c in made}}

    ids = [c.id for c in made]
    assert found("井盖") == {ids[0]}  # 井 … 盖 apart in the second text: not a match
    assert found("盖破损") == {ids[0]}
    assert found("破井") == set()
    assert found("井") == {ids[0], ids[1]}
    assert found("100%") == {ids[2]} and found("%_") == {ids[2]} and found("0%_满") == {ids[2]}
    assert found("%") == {ids[2]}
    assert found("sign") == {ids[3]} and found("ROAD s") == {ids[3]}
    number = made[1].number
    assert found(number[-4:].lower()) >= {ids[1]}
    assert found("龙虾") == set()
    # on PostgreSQL the search carries the indexed bigram condition, on SQLite plain LIKE
    from urbangrid.cases.search import case_text_matches

    dialect = session.get_bind().dialect
    sql = str(case_text_matches("井盖").compile(dialect=dialect))
    assert ("ug_bigrams" in sql) == (dialect.name == "postgresql")
    assert "ug_bigrams" not in str(case_text_matches("井").compile(dialect=dialect))


@given(st.text(max_size=12))
def test_bigrams_are_the_two_character_substrings(text: str) -> None:
    from urbangrid.cases.search import bigrams

    grams = bigrams(text)
    assert len(grams) == len(set(grams))
    assert set(grams) == {text[i : i + 2] for i in range(len(text) - 1)}
