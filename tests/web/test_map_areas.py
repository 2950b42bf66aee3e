"""一张图 area statistics (street / community / grid): the numbers equal a count in Python
over the cases the caller reads, and an area of another platform is 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_world import SIZE, X0, Y0, Town, act, make_town, report, to_dispatched

from urbangrid.auth.service import issue_token
from urbangrid.cases.models import Case
from urbangrid.cases.queries import case_scope
from urbangrid.cases.workflow import OPEN_VALUES
from urbangrid.org.models import Jurisdiction
from urbangrid.org.roles import Role
from worldkit import add_grids, add_users, square

URL = "/api/v1/web/map/area-stats"


@pytest.fixture
def towns(session: Session) -> tuple[Town, Town]:
    """Town a (the web test town) and another platform b with its own street and leader."""
    a = make_town(session, "329902")
    j = Jurisdiction(code="329903", name="另一区", timezone="Asia/Shanghai", settings={})
    session.add(j)
    session.flush()
    _street, _community, grids = add_grids(
        session, j, [square(X0 + 0.01, Y0, SIZE)], street_name="西街道", community_name="西社区"
    )
    users = add_users(session, j, [("leader", Role.LEADER, None)])
    b = Town(j, grids, a.sanitation, a.roads, a.category, a.condition, users)
    session.commit()
    return a, b


def bearer(session: Session, town: Town, name: str) -> dict[str, str]:
    token = issue_token(session, town.users[name]).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def closed_case(session: Session, town: Town, grid: int, *, late: bool) -> Case:
    """A case run to 结案 today; ``late``: dispatched 20 days ago, handled only today."""
    when = datetime.now(UTC) - timedelta(days=20) if late else None
    case = to_dispatched(session, town, report(session, town, grid=grid, now=when), now=when)
    case = act(session, town, case, "department_accept", "hw")
    case = act(session, town, case, "feedback", "hw")
    case = act(session, town, case, "check_pass", "inspector")
    return act(session, town, case, "close", "lead")


def expected(session: Session, town: Town, user: str, where: Any, now: datetime) -> dict[str, Any]:
    """The figures counted in Python over the cases ``user`` reads (not the SQL under test)."""
    scope = case_scope(session, town.who(user))
    tz = ZoneInfo("Asia/Shanghai")
    month = now.astimezone(tz).date().replace(day=1)
    rows = [c for c in session.scalars(select(Case)) if where(c) and scope.reads(c)]
    open_ = [c for c in rows if c.status in OPEN_VALUES]
    overdue = [c for c in open_ if (c.due_at and c.due_at <= now) or c.warning_level == "red"]
    closed = [
        c
        for c in rows
        if c.status == "closed"
        and c.closed_at
        and month <= c.closed_at.astimezone(tz).date() <= now.astimezone(tz).date()
    ]
    on_time = [c for c in closed if not c.handled_overdue]
    return {
        "open": len(open_),
        "overdue": len(overdue),
        "closed": len(closed),
        "closed_on_time": len(on_time),
        "on_time_rate": round(len(on_time) / len(closed), 4) if closed else None,
    }


def test_area_figures_equal_a_count_over_readable_cases(
    client: TestClient, session: Session, towns: tuple[Town, Town]
) -> None:
    a, _b = towns
    long_ago = datetime.now(UTC) - timedelta(days=20)
    report(session, a, grid=0)
    report(session, a, grid=0)
    to_dispatched(session, a, report(session, a, grid=1, now=long_ago), now=long_ago)
    closed_case(session, a, 0, late=False)
    closed_case(session, a, 1, late=True)
    act(session, a, report(session, a, grid=2), "void", "lead", comment="重复")
    session.commit()
    street = a.grids[0].community.street
    community = a.grids[0].community
    areas = [
        ({"street_id": street.id}, lambda c: c.street_id == street.id),
        ({"community_id": community.id}, lambda c: c.community_id == community.id),
        *(({"grid_code": g.code}, lambda c, code=g.code: c.grid_code == code) for g in a.grids),
    ]
    seen: list[dict[str, Any]] = []
    for user in ("leader", "hw", "sz"):
        h = bearer(session, a, user)
        for params, where in areas:
            r = client.get(URL, params=params, headers=h)
            assert r.status_code == 200, r.text
            got = r.json()
            now = datetime.fromisoformat(got["now"])
            want = expected(session, a, user, where, now)
            assert {k: got[k] for k in want} == want, (user, params)
            seen.append(got)
    leader_street = seen[0]
    assert leader_street["level"] == "street" and leader_street["name"] == "东街道"
    assert leader_street["cases_query"] == {"street_id": str(street.id)}
    # The set-up is not trivial: open, overdue and both kinds of closing are all there.
    assert leader_street["open"] == 3 and leader_street["overdue"] >= 1
    assert leader_street["closed"] == 2 and leader_street["on_time_rate"] == 0.5
    grid = next(s for s in seen if s["level"] == "grid")
    assert grid["cases_query"] == {"grid": a.grids[0].code}
    assert grid["community_name"] == "东社区" and grid["street_name"] == "东街道"
    # The roads department reads none of these cases.
    assert all(s["open"] == 0 for s in seen[-len(areas) :])
    # A period that ends before the closings counts none; tomorrow's figures move on.
    before = client.get(
        URL,
        params={"street_id": street.id, "period_from": "2026-01-01", "period_to": "2026-01-31"},
        headers=bearer(session, a, "leader"),
    ).json()
    assert before["closed"] == 0 and before["on_time_rate"] is None
    assert before["open"] == leader_street["open"]


def test_other_platforms_areas_and_bad_input_are_refused(
    client: TestClient, session: Session, towns: tuple[Town, Town]
) -> None:
    a, b = towns
    report(session, a, grid=0)
    session.commit()
    h_b = bearer(session, b, "leader")
    theirs = a.grids[0]
    for params, level in (
        ({"street_id": theirs.community.street_id}, "street"),
        ({"community_id": theirs.community_id}, "community"),
        ({"grid_code": theirs.code}, "grid"),
        ({"street_id": 999_999_999}, "street"),
        ({"grid_code": "999999999999999"}, "grid"),
    ):
        r = client.get(URL, params=params, headers=h_b)
        assert r.status_code == 404, (params, r.text)
        body = r.json()
        assert body["code"] == "area_not_found" and body["params"]["area_level"] == level
    h_a = bearer(session, a, "leader")
    for params in (
        {},
        {"street_id": theirs.community.street_id, "grid_code": theirs.code},
        {"grid_code": "12"},
        {
            "street_id": theirs.community.street_id,
            "period_from": "2026-02-02",
            "period_to": "2026-02-01",
        },
        {"street_id": "x"},
    ):
        r = client.get(URL, params=params, headers=h_a)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get(URL, params={"street_id": theirs.community.street_id}).status_code == 401
