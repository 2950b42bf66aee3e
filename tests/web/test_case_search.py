"""案件查询: every filter of the case search, words ANDed over number / description /
address / street and community names / grid codes, sort and page size, the one overdue
definition the list, the dashboard and the map share, the xlsx export (read back with
openpyxl) and the visibility policy (another platform's and department's cases never
appear). Cases are made through the real case service."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_world import SIZE, X0, Y0, Town, act, make_town, report, to_dispatched

from urbangrid.auth.service import issue_token, principal_for
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.cases.overdue import Overdue, overdue_kind
from urbangrid.cases.queries import CaseFilters
from urbangrid.kit.errors import InvalidInput
from urbangrid.org.models import Community, Jurisdiction, Street
from urbangrid.org.roles import Role
from urbangrid.web import queries
from worldkit import add_grids, add_users, square

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=40)
SHANGHAI = timedelta(hours=8)


def local_day(at: datetime) -> date:
    return (at + SHANGHAI).date()


@dataclass
class World:
    town: Town
    made: dict[str, Case]
    other: Case  # a case of another platform (邻区), with the same street name


def _new(session: Session, town: Town, description: str, address: str, grid: int = 0) -> Case:
    lon, lat = town.point(grid)
    return cases.create_case(
        session,
        town.who("inspector"),
        cases.NewCase(
            source="inspector",
            lon=lon,
            lat=lat,
            description=description,
            address=address,
            filing_condition_id=town.condition.id,
        ),
    )


@pytest.fixture
def world(session: Session) -> World:
    town = make_town(session)
    street = session.scalar(select(Street).where(Street.jurisdiction_id == town.jurisdiction.id))
    assert street is not None
    street.name = "江滨街道"
    made: dict[str, Case] = {}
    made["muck"] = _new(session, town, "渣土 撒漏", "海港路1号", grid=1)
    made["muck_only"] = _new(session, town, "渣土 堆放", "人民路2号", grid=2)
    made["hotline"] = report(session, town, source="hotline", grid=2)
    made["supervised"] = to_dispatched(session, town, report(session, town))
    act(session, town, made["supervised"], "supervise", "leader", comment="尽快")
    made["returned"] = to_dispatched(session, town, report(session, town))
    made["returned"] = act(session, town, made["returned"], "return", "hw", comment="非本单位")
    # Closed late: fed back 30 days after dispatch (past the disposal deadline).
    late = to_dispatched(session, town, report(session, town, now=T0), now=T0)
    late = act(session, town, late, "department_accept", "hw", now=T0)
    t1 = T0 + timedelta(days=30)
    late = act(session, town, late, "feedback", "hw", now=t1, comment="已清理")
    late = act(session, town, late, "check_pass", "inspector", now=t1)
    made["late"] = act(session, town, late, "close", "lead", now=t1)
    rework = to_dispatched(session, town, report(session, town, grid=1))
    rework = act(session, town, rework, "department_accept", "hw")
    rework = act(session, town, rework, "feedback", "hw", comment="已处理")
    made["rework"] = act(session, town, rework, "check_fail", "inspector", comment="仍有垃圾")
    made["void"] = act(session, town, report(session, town), "void", "lead", comment="重复")
    # Another platform: its street has the same name, its case the same words.
    j = Jurisdiction(code="329903", name="邻区", timezone="Asia/Shanghai", settings={})
    session.add(j)
    session.flush()
    _s, _c, grids = add_grids(
        session,
        j,
        [square(X0 + 0.01, Y0, SIZE)],
        street_name="江滨街道",
        community_name="东社区",
    )
    users = add_users(session, j, [("inspector", Role.INSPECTOR, None)], inspector_grids=grids)
    other = cases.create_case(
        session,
        principal_for(users["inspector"]),
        cases.NewCase(
            source="inspector",
            lon=X0 + 0.01 + SIZE / 2,
            lat=Y0 + SIZE / 2,
            description="渣土 撒漏",
            address="海港路9号",
            filing_condition_id=town.condition.id,
        ),
    )
    session.commit()
    for c in made.values():
        session.refresh(c)
    return World(town, made, other)


def ids(session: Session, world: World, who: str = "lead", **kw: Any) -> set[str]:
    """The labels of the cases the search ``all`` lists for ``who`` with filters ``kw``."""
    sort = kw.pop("sort", None)
    page = queries.worklist(
        session, world.town.who(who), "all", CaseFilters(**kw), page_size=500, sort=sort
    )
    by_id = {c.id: label for label, c in world.made.items()}
    by_id[world.other.id] = "other"
    return {by_id[r["id"]] for r in page["items"]}


# ---------------------------------------------------------------- filters


def test_each_filter_narrows_the_search(session: Session, world: World) -> None:
    m = world.made
    assert m["returned"].returns == 1 and m["rework"].reworks == 1 and m["late"].handled_overdue
    everything = set(m)
    assert ids(session, world) == everything
    assert ids(session, world, statuses=["closed"]) == {"late"}
    assert ids(session, world, open_only=True) == everything - {"late", "void"}
    assert ids(session, world, source="hotline") == {"hotline"}
    assert ids(session, world, supervised=True) == {"supervised"}
    assert ids(session, world, returned=True) == {"returned"}
    assert ids(session, world, reworked=True) == {"rework"}
    assert ids(session, world, department_id=world.town.sanitation.id) == {
        "supervised",
        "late",
        "rework",
    }
    grid = world.town.grids[2]
    assert ids(session, world, grid_code=grid.code) == {"muck_only", "hotline"}
    community = session.scalar(
        select(Community.id)
        .join(Street)
        .where(Street.jurisdiction_id == world.town.jurisdiction.id)
    )
    assert ids(session, world, community_id=community) == everything
    assert ids(session, world, category_id=world.town.category.id) == everything
    # Dates: reported 40 days ago; closed 10 days ago (by the closing time).
    day = local_day(T0)
    assert ids(session, world, reported_from=day, reported_to=day) == {"late"}
    closed_day = local_day(T0 + timedelta(days=30))
    assert ids(
        session, world, date_field="closed", reported_from=closed_day, reported_to=closed_day
    ) == {"late"}
    assert ids(session, world, date_field="filed", reported_to=day - timedelta(days=1)) == set()


def test_words_are_anded_over_text_street_and_grid(session: Session, world: World) -> None:
    m = world.made
    assert ids(session, world, text="渣土") == {"muck", "muck_only"}
    assert ids(session, world, text="渣土 海港") == {"muck"}
    assert ids(session, world, text="渣土\u3000人民") == {"muck_only"}
    assert ids(session, world, text="渣土 不存在") == set()
    # A street's name finds its cases (and not the other platform's street of that name).
    assert ids(session, world, text="江滨街道") == set(m)
    assert ids(session, world, text="江滨街道 海港") == {"muck"}
    # A whole grid code, and its leading digits.
    code = world.town.grids[1].code
    assert ids(session, world, text=code) == {"muck", "rework"}
    assert ids(session, world, text=code[:12]) == set(m)
    # A whole case number still finds that case.
    assert ids(session, world, text=m["hotline"].number) == {"hotline"}


def test_sort_and_page_size(session: Session, world: World) -> None:
    lead = world.town.who("lead")
    page = queries.worklist(session, lead, "all", CaseFilters(), page_size=3, sort="number")
    numbers = [r["number"] for r in page["items"]]
    assert len(numbers) == 3 and page["total"] == len(world.made)
    every = queries.worklist(session, lead, "all", CaseFilters(), page_size=100, sort="-number")
    assert [r["number"] for r in every["items"]] == sorted(
        (c.number for c in world.made.values()), reverse=True
    )
    assert numbers == sorted(c.number for c in world.made.values())[:3]
    oldest = queries.worklist(session, lead, "all", CaseFilters(), sort="reported_at")
    assert oldest["items"][0]["id"] == world.made["late"].id
    # Sorting a text search sorts its matches the same way.
    words = queries.worklist(session, lead, "all", CaseFilters(text="渣土"), sort="-number")
    assert [r["number"] for r in words["items"]] == sorted(
        (world.made["muck"].number, world.made["muck_only"].number), reverse=True
    )
    with pytest.raises(InvalidInput) as bad:
        queries.worklist(session, lead, "all", CaseFilters(), sort="description")
    assert bad.value.code == "unknown_sort"


def test_flags_in_the_rows(session: Session, world: World) -> None:
    page = queries.worklist(session, world.town.who("lead"), "all", CaseFilters(), page_size=100)
    rows = {r["id"]: r for r in page["items"]}
    assert rows[world.made["returned"].id]["returns"] == 1
    assert rows[world.made["rework"].id]["reworks"] == 1
    assert rows[world.made["late"].id]["overdue"] == "closed_late"
    assert rows[world.made["muck"].id]["overdue"] is None


# ---------------------------------------------------------------- one overdue definition


@pytest.mark.parametrize("days", [0, 1, 3, 60])
def test_list_dashboard_and_map_agree_on_overdue(session: Session, world: World, days: int) -> None:
    now = datetime.now(UTC) + timedelta(days=days)
    for who in ("leader", "lead"):
        principal = world.town.who(who)
        listed = {
            kind: queries.worklist(
                session, principal, "all", CaseFilters(overdue=kind.value, now=now), now=now
            )["total"]
            for kind in Overdue
        }
        if who != "leader":
            continue
        dash = queries.dashboard(session, principal, now=now)["numbers"]
        grids = queries.grid_counts(session, principal, CaseFilters(), now=now)["grids"]
        assert listed[Overdue.OPEN] == dash["overdue"] == sum(o for _, o in grids.values())
        assert listed[Overdue.DUE_SOON] == dash["due_soon"]
        # The Python twin gives the same verdicts as the SQL.
        python = {k: 0 for k in Overdue}
        for c in session.scalars(
            select(Case).where(Case.jurisdiction_id == world.town.jurisdiction.id)
        ):
            kind = overdue_kind(
                c.status, c.due_at, c.warn_at, c.warning_level, c.handled_overdue, now
            )
            if kind is not None:
                python[kind] += 1
        assert python == listed
    assert listed[Overdue.CLOSED_LATE] == 1
    if days == 60:  # every running clock has run out; the closed and voided are not overdue
        assert listed[Overdue.OPEN] == len(world.made) - 2 - 0 and listed[Overdue.DUE_SOON] == 0


def test_closed_case_is_never_open_overdue(session: Session, world: World) -> None:
    late = world.made["late"]
    assert late.warning_level  # whatever the frozen level, closed is not "open overdue"
    far = datetime(2030, 1, 1, tzinfo=UTC)
    assert overdue_kind(late.status, late.due_at, late.warn_at, "red", True, far) is (
        Overdue.CLOSED_LATE
    )
    assert "late" not in ids(session, world, overdue="open", now=far)
    assert "void" not in ids(session, world, overdue="open", now=far)


# ---------------------------------------------------------------- visibility


def test_other_platforms_and_departments_never_appear(session: Session, world: World) -> None:
    for who in ("lead", "leader", "dispatcher"):
        assert "other" not in ids(session, world, who, text="渣土 海港")
        assert "other" not in ids(
            session, world, who, overdue="open", now=datetime(2030, 1, 1, tzinfo=UTC)
        )
    # A department handler reads its department's cases only.
    assert ids(session, world, "hw") == {"supervised", "late", "rework"}
    assert ids(session, world, "sz") == set()


# ---------------------------------------------------------------- HTTP and export


def _bearer(session: Session, world: World, who: str) -> dict[str, str]:
    token = issue_token(session, world.town.users[who]).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_http_filters_and_refusals(client: TestClient, session: Session, world: World) -> None:
    h = _bearer(session, world, "dispatcher")
    r = client.get(
        "/api/v1/web/worklists/all",
        params={"q": "渣土 海港", "page_size": 5, "sort": "-reported_at"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert [i["id"] for i in r.json()["items"]] == [world.made["muck"].id]
    r = client.get("/api/v1/web/worklists/all", params={"returned": "true"}, headers=h)
    assert [i["id"] for i in r.json()["items"]] == [world.made["returned"].id]
    for params, code in (
        ({"overdue": "soon"}, "bad_overdue"),
        ({"sort": "secret"}, "unknown_sort"),
        ({"date_field": "updated"}, "bad_date_field"),
        ({"page_size": "0"}, "validation_error"),
        ({"status": "nope"}, "invalid_input"),
    ):
        for path in ("/api/v1/web/worklists/all", "/api/v1/web/worklists/all/export"):
            if "page_size" in params and path.endswith("export"):
                continue  # an export has no pages
            r = client.get(path, params=params, headers=h)
            assert (r.status_code, r.json()["code"]) == (422, code), (path, params, r.text)
    r = client.get("/api/v1/web/dashboard", params={"period": "custom"}, headers=h)
    assert (r.status_code, r.json()["code"]) == (422, "bad_period")
    r = client.get(
        "/api/v1/web/dashboard",
        params={"period": "custom", "start": "2026-02-01", "end": "2026-01-01"},
        headers=h,
    )
    assert (r.status_code, r.json()["code"]) == (422, "bad_period")


def _read_xlsx(body: bytes) -> list[tuple[Any, ...]]:
    wb = load_workbook(io.BytesIO(body), read_only=True)
    return [tuple(row) for row in wb.active.iter_rows(values_only=True)]


def test_export_equals_the_filtered_list(
    client: TestClient, session: Session, world: World
) -> None:
    h = _bearer(session, world, "lead")
    params = {"q": "江滨街道", "sort": "number", "page_size": "500"}
    listed = client.get("/api/v1/web/worklists/all", params=params, headers=h).json()
    r = client.get("/api/v1/web/worklists/all/export", params=params, headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert int(r.headers["content-length"]) == len(r.content)
    rows = _read_xlsx(r.content)
    header, data = rows[0], rows[1:]
    assert header[:3] == ("案件编号", "状态", "来源")
    assert "id" not in header and "jurisdiction_id" not in header
    assert [row[0] for row in data] == [i["number"] for i in listed["items"]]
    assert len(data) == len(world.made)
    col = {name: i for i, name in enumerate(header)}
    late = next(row for row in data if row[0] == world.made["late"].number)
    assert late[col["状态"]] == "已结案" and late[col["超时情况"]] == "超时结案"
    assert late[col["街道"]] == "江滨街道" and late[col["处置部门"]] == "环卫所"
    # Local time (Asia/Shanghai), not UTC.
    reported = world.made["late"].reported_at
    want = (reported + timedelta(hours=8)).replace(tzinfo=None, microsecond=0)
    assert late[col["上报时间"]].replace(microsecond=0) == want
    # A filter narrows the export exactly as the list.
    one = client.get("/api/v1/web/worklists/all/export", params={"reworked": "true"}, headers=h)
    assert [row[0] for row in _read_xlsx(one.content)[1:]] == [world.made["rework"].number]
    # A department handler's export holds its own department's cases only.
    hw = _bearer(session, world, "hw")
    mine = _read_xlsx(client.get("/api/v1/web/worklists/all/export", headers=hw).content)[1:]
    assert sorted(row[0] for row in mine) == sorted(
        world.made[k].number for k in ("supervised", "late", "rework")
    )
    assert world.other.number not in {row[0] for row in mine}


def test_dashboard_periods_and_partial_day(session: Session, world: World) -> None:
    leader = world.town.who("leader")
    now = datetime.now(UTC)
    today = queries.dashboard(session, leader, now=now)
    assert today["trend"]["partial_day"] == today["today"] == today["trend"]["days"][-1]
    assert today["numbers"]["period"]["reported"] == today["numbers"]["today"]["reported"]
    week = queries.dashboard(session, leader, now=now, period="week")
    assert week["period"]["end"] == today["today"]
    closed_day = local_day(T0 + timedelta(days=30))
    custom = queries.dashboard(
        session,
        leader,
        now=now,
        period="custom",
        start=T0.date() - timedelta(days=1),
        end=closed_day + timedelta(days=1),
    )
    assert custom["trend"]["partial_day"] is None
    n = custom["numbers"]["period"]
    assert (n["reported"], n["closed"], n["closed_late"], n["closed_on_time"]) == (1, 1, 1, 0)
    # Each card's number is the total of the case list it links to.
    start, end = custom["period"]["start"], custom["period"]["end"]
    closed_list = ids(
        session,
        world,
        "leader",
        statuses=["closed"],
        date_field="closed",
        reported_from=datetime.fromisoformat(start).date(),
        reported_to=datetime.fromisoformat(end).date(),
    )
    assert len(closed_list) == n["closed"]
    assert (
        len(ids(session, world, "leader", open_only=True, supervised=True))
        == custom["numbers"]["supervised"]
    )
