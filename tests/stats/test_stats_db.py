"""统计分析 on a database: the figures equal plain SQL and plain Python over the same rows,
the reader counts only what it reads, comparisons, drill-down to the cases of a number,
the xlsx export, and refusals."""

from __future__ import annotations

import io
import math
import random
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cases.world import World, make_world
from urbangrid.auth.service import issue_token
from urbangrid.cases import workflow as wf
from urbangrid.cases.demo import generate_demo_month
from urbangrid.cases.models import Case
from urbangrid.evaluation.adapter import sync_facts
from urbangrid.evaluation.facts import CaseFacts
from urbangrid.evaluation.store import save_facts
from urbangrid.org.models import Department
from urbangrid.settings import get_settings
from urbangrid.stats import service
from urbangrid.stats.figures import Dimension, StatsPeriod

TZ = "Asia/Shanghai"
END = datetime(2026, 10, 12, 9, 0, tzinfo=UTC)
FIRST, LAST = date(2026, 9, 28), date(2026, 10, 12)


def floor_seconds(t: datetime) -> int:
    return math.floor(t.timestamp())


# ---------------------------------------------------------------- a generated world of facts

STREETS = ("330102001", "330102002", "330102003")
SOURCES = ("inspector", "hotline", "open311", "video")


def generated_facts(n: int, seed: int, first: datetime, days: int) -> list[CaseFacts]:
    """Random fact rows over ``days`` from ``first``: categories, streets, departments and
    sources at random, times with microseconds, some steps missing."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        offset = timedelta(seconds=rng.randrange(days * 86400), microseconds=rng.randrange(10**6))
        reported = first + offset
        street = rng.choice(STREETS)
        filed = reported + timedelta(minutes=rng.randrange(300)) if rng.random() < 0.85 else None
        voided = filed + timedelta(hours=1) if filed and rng.random() < 0.05 else None
        dispatched = filed + timedelta(minutes=rng.randrange(120)) if filed and not voided else None
        handled = (
            dispatched + timedelta(seconds=rng.randrange(5 * 86400), microseconds=rng.randrange(99))
            if dispatched and rng.random() < 0.8
            else None
        )
        deadline = dispatched + timedelta(days=rng.choice((1, 2, 3))) if dispatched else None
        closed = (
            handled + timedelta(seconds=rng.randrange(86400), microseconds=rng.randrange(10**6))
            if handled and rng.random() < 0.9
            else None
        )
        out.append(
            CaseFacts(
                case_id=100000 + i,
                source=rng.choice(SOURCES),
                reported_at=reported,
                category_id=rng.choice((None, 11, 12, 13, 14)),
                category_code="01001",
                grid_code=f"{street}001{rng.randrange(1, 4):03d}",
                department_id=rng.choice((21, 22, 23)) if dispatched else None,
                filed_at=filed,
                voided_at=voided,
                dispatched_at=dispatched,
                handled_at=handled,
                handle_deadline=deadline,
                closed_at=closed,
            )
        )
    return out


KEY: dict[Dimension, Callable[[CaseFacts], str | None]] = {
    Dimension.CATEGORY: lambda f: None if f.category_id is None else str(f.category_id),
    Dimension.STREET: lambda f: f.street_code,
    Dimension.DEPARTMENT: lambda f: None if f.department_id is None else str(f.department_id),
    Dimension.SOURCE: lambda f: f.source,
}


def python_figures(facts: list[CaseFacts]) -> dict[str, Any]:
    """The definitions of ``stats.figures`` written out plainly over the records."""
    filed = [f for f in facts if f.filed_at is not None and f.voided_at is None]
    closed = [f for f in facts if f.closed_at is not None]
    handled = [f for f in facts if f.handled_at is not None and f.handle_deadline is not None]
    durations = [floor_seconds(f.closed_at) - floor_seconds(f.reported_at) for f in closed]  # type: ignore[arg-type]
    return {
        "reported": len(facts),
        "filed": len(filed),
        "closed": len(closed),
        "open": sum(1 for f in filed if f.closed_at is None),
        "on_time": sum(1 for f in handled if f.handled_at <= f.handle_deadline),  # type: ignore[operator]
        "handled": len(handled),
        "median": statistics.median(durations) if durations else None,
        "p90": (
            statistics.quantiles(durations, n=10, method="inclusive")[8]
            if len(durations) >= 2
            else (durations[0] if durations else None)
        ),
    }


def ours(figures: Any) -> dict[str, Any]:
    return {
        "reported": figures.reported,
        "filed": figures.filed,
        "closed": figures.closed,
        "open": figures.open,
        "on_time": figures.on_time,
        "handled": figures.handled,
        "median": None if figures.median_close_s is None else float(figures.median_close_s),
        "p90": None if figures.p90_close_s is None else float(figures.p90_close_s),
    }


@pytest.fixture
def facts_world(engine: Engine) -> list[CaseFacts]:
    # Two years, so that year-on-year has something to compare with.
    facts = generated_facts(3000, seed=7, first=datetime(2025, 1, 1, tzinfo=UTC), days=730)
    with engine.begin() as conn:
        save_facts(conn, facts)
    return facts


@pytest.mark.parametrize(
    ("rows", "cols"),
    [
        (Dimension.CATEGORY, Dimension.STREET),
        (Dimension.DEPARTMENT, Dimension.SOURCE),
        (Dimension.SOURCE, None),
    ],
)
def test_table_equals_plain_python(
    engine: Engine, facts_world: list[CaseFacts], rows: Dimension, cols: Dimension | None
) -> None:
    period = StatsPeriod(date(2026, 3, 1), date(2026, 5, 31), TZ)
    with engine.connect() as conn:
        table = service.table(conn, period, rows, cols)
    cohort = [f for f in facts_world if period.start <= f.reported_at < period.end]
    assert len(cohort) > 300
    cells: dict[tuple[Any, Any], list[CaseFacts]] = defaultdict(list)
    by_row: dict[Any, list[CaseFacts]] = defaultdict(list)
    by_col: dict[Any, list[CaseFacts]] = defaultdict(list)
    for f in cohort:
        r, c = KEY[rows](f), KEY[cols](f) if cols else None
        cells[(r, c)].append(f)
        by_row[r].append(f)
        by_col[c].append(f)
    assert set(table.cells) == set(cells)
    for key, members in cells.items():
        assert ours(table.cells[key]) == python_figures(members), key
    for key, members in by_row.items():
        assert ours(table.row_totals[key]) == python_figures(members), key
    for key, members in by_col.items():
        assert ours(table.column_totals[key]) == python_figures(members), key
    assert ours(table.total) == python_figures(cohort)
    assert sum(table.total.value(m) for m in ("filed",)) > 0  # type: ignore[misc]
    assert table.rows == sorted(by_row, key=lambda k: (-len(by_row[k]), k is None, k or ""))


def test_month_on_month_and_year_on_year(
    engine: Engine, facts_world: list[CaseFacts], client: TestClient, session: Session
) -> None:
    from urbangrid.org.models import Jurisdiction

    # A leader at the root reads every fact (no jurisdiction on the generated rows).
    headers = _token(session, _root_leader(session))
    r = client.get(
        "/api/v1/stats/table",
        params={"from": "2026-03-01", "to": "2026-03-31", "rows": "source"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["previous"]["label"], body["year_ago"]["label"]) == ("2026-02", "2025-03")

    def cohort(first: date, last: date, source: str | None) -> list[CaseFacts]:
        p = StatsPeriod(first, last, TZ)
        return [
            f
            for f in facts_world
            if p.start <= f.reported_at < p.end and (source is None or f.source == source)
        ]

    for row in [*body["rows"], body["total"]]:
        source = row["key"]
        now = python_figures(cohort(date(2026, 3, 1), date(2026, 3, 31), source))
        before = python_figures(cohort(date(2026, 2, 1), date(2026, 2, 28), source))
        ago = python_figures(cohort(date(2025, 3, 1), date(2025, 3, 31), source))
        assert row["total"]["reported"] == now["reported"]
        assert row["mom"]["reported"]["previous"] == before["reported"]
        assert row["yoy"]["reported"]["previous"] == ago["reported"]
        assert row["mom"]["reported"]["delta"] == now["reported"] - before["reported"]
        assert row["yoy"]["median_close_s"]["previous"] == ago["median"]
        assert row["yoy"]["reported"]["ratio"] == pytest.approx(
            (now["reported"] - ago["reported"]) / ago["reported"]
        )
    assert Jurisdiction is not None


def _root_leader(session: Session) -> Any:
    from urbangrid.org.models import Jurisdiction
    from urbangrid.org.roles import Role
    from worldkit import add_users

    j = Jurisdiction(code="330100", name="市", timezone=TZ, settings={}, level="city")
    session.add(j)
    session.flush()
    users = add_users(session, j, [("boss", Role.LEADER, None)])
    users["boss"].jurisdiction_id = None
    session.commit()
    return users["boss"]


def _token(session: Session, user: Any) -> dict[str, str]:
    token = issue_token(session, user).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------- the demo, through the API


@pytest.fixture
def demo(
    engine: Engine, session: Session, client: TestClient, tmp_path: Path, monkeypatch: Any
) -> Iterator[tuple[World, dict[str, dict[str, str]]]]:
    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    world = make_world(session)
    generate_demo_month(session, world.jurisdiction, days=12, cases_per_day=7, end=END)
    session.commit()
    sync_facts(engine)
    headers = {name: _token(session, user) for name, user in world.users.items()}
    yield world, headers


@pytest.fixture
def town(session: Session) -> dict[str, dict[str, str]]:
    """The case world without cases: enough for refusals."""
    world = make_world(session)
    session.commit()
    return {name: _token(session, user) for name, user in world.users.items()}


PERIOD = {"from": FIRST.isoformat(), "to": LAST.isoformat()}


def plain_sql_counts(session: Session, where: Any, group: Any) -> dict[Any, dict[str, int]]:
    period = StatsPeriod(FIRST, LAST, TZ)
    c = Case
    filed = sa.and_(c.filed_at.is_not(None), c.status != wf.Status.VOIDED.value)
    rows = session.execute(
        sa.select(
            group,
            sa.func.count(),
            sa.func.sum(sa.case((filed, 1), else_=0)),
            sa.func.sum(sa.case((c.status == wf.Status.CLOSED.value, 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(filed, c.status.in_(wf.OPEN_VALUES)), 1), else_=0)),
        )
        .where(c.reported_at >= period.start, c.reported_at < period.end, where)
        .group_by(group)
    ).all()
    return {
        k: {"reported": int(n), "filed": int(f), "closed": int(cl), "open": int(o)}
        for k, n, f, cl, o in rows
    }


def test_demo_counts_and_medians_equal_plain_sql(
    demo: tuple[World, dict[str, dict[str, str]]], client: TestClient, session: Session
) -> None:
    _world, headers = demo
    params = {**PERIOD, "rows": "source"}
    r = client.get("/api/v1/stats/table", params=params, headers=headers["leader"])
    assert r.status_code == 200, r.text
    body = r.json()
    want = plain_sql_counts(session, sa.true(), Case.source)
    got = {
        row["key"]: {k: row["total"][k] for k in ("reported", "filed", "closed", "open")}
        for row in body["rows"]
    }
    assert got == want and sum(v["closed"] for v in want.values()) > 10
    # Medians per source from the case rows, in Python.
    period = StatsPeriod(FIRST, LAST, TZ)
    durations: dict[str, list[int]] = defaultdict(list)
    for source, opened, done in session.execute(
        sa.select(Case.source, Case.reported_at, Case.closed_at).where(
            Case.reported_at >= period.start,
            Case.reported_at < period.end,
            Case.closed_at.is_not(None),
        )
    ):
        durations[source].append(floor_seconds(done) - floor_seconds(opened))
    for row in body["rows"]:
        values = durations.get(row["key"], [])
        assert row["total"]["median_close_s"] == (statistics.median(values) if values else None)
    assert body["total"]["total"]["reported"] == sum(v["reported"] for v in want.values())


def test_department_counts_only_its_cases(
    demo: tuple[World, dict[str, dict[str, str]]], client: TestClient, session: Session
) -> None:
    world, headers = demo
    for name, department in (("hw", world.sanitation), ("sz", world.roads)):
        r = client.get(
            "/api/v1/stats/table", params={**PERIOD, "rows": "source"}, headers=headers[name]
        )
        assert r.status_code == 200, r.text
        got = {row["key"]: row["total"]["reported"] for row in r.json()["rows"]}
        want = {k: v["reported"] for k, v in plain_sql_counts(
            session, Case.department_id == department.id, Case.source
        ).items()}  # fmt: skip
        assert got == want
    everyone = client.get("/api/v1/stats/table", params=PERIOD, headers=headers["leader"]).json()
    hw = client.get("/api/v1/stats/table", params=PERIOD, headers=headers["hw"]).json()
    assert 0 < hw["total"]["total"]["reported"] < everyone["total"]["total"]["reported"]
    # Its drill-down lists only its own cases; the other department's filter is empty.
    cases = client.get(
        "/api/v1/stats/cases", params={**PERIOD, "page_size": 500}, headers=headers["hw"]
    ).json()
    numbers = {c["number"] for c in cases["items"]}
    own = set(
        session.scalars(sa.select(Case.number).where(Case.department_id == world.sanitation.id))
    )
    assert numbers and numbers <= own
    # The inspector role does not read statistics.
    refused = client.get("/api/v1/stats/table", params=PERIOD, headers=headers["inspector"])
    assert refused.status_code == 403


def test_every_number_opens_its_cases(
    demo: tuple[World, dict[str, dict[str, str]]], client: TestClient
) -> None:
    _world, headers = demo
    r = client.get(
        "/api/v1/stats/table",
        params={**PERIOD, "rows": "department", "cols": "source", "compare": "false"},
        headers=headers["lead"],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    checked = 0
    for row in [*body["rows"], body["total"]]:
        for cell in [*row["cells"], row["total"]]:
            for metric in ("reported", "closed", "open", "on_time"):
                if metric != "reported" and checked > 40:
                    continue
                got = client.get(
                    "/api/v1/stats/cases",
                    params={**cell["filter"], "metric": metric, "page_size": 1},
                    headers=headers["lead"],
                )
                assert got.status_code == 200, got.text
                assert got.json()["total"] == cell[metric], (cell["filter"], metric)
                checked += 1
            assert cell["link"].startswith("/cases?from=")
    assert checked > 20
    one = next(c for row in body["rows"] for c in row["cells"] if c["reported"] >= 2)
    page = client.get(
        "/api/v1/stats/cases", params={**one["filter"], "page_size": 500}, headers=headers["lead"]
    ).json()
    assert len(page["items"]) == one["reported"]
    assert all(item["number"].count("-") >= 1 for item in page["items"])  # case numbers


def test_recurring_problems(
    demo: tuple[World, dict[str, dict[str, str]]], client: TestClient, session: Session
) -> None:
    r = client.get("/api/v1/stats/recurring", params=PERIOD, headers=demo[1]["leader"])
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    period = StatsPeriod(FIRST, LAST, TZ)
    want = session.execute(
        sa.select(Case.category_id, Case.grid_code, sa.func.count())
        .where(
            Case.reported_at >= period.start,
            Case.reported_at < period.end,
            Case.grid_code.is_not(None),
        )
        .group_by(Case.category_id, Case.grid_code)
        .having(sa.func.count() >= 2)
    ).all()
    assert {(i["category_id"], i["grid_code"], i["count"]) for i in items} == {
        (c, g, n) for c, g, n in want
    }
    counts = [i["count"] for i in items]
    assert counts == sorted(counts, reverse=True) and counts
    first = items[0]
    listed = client.get(
        "/api/v1/stats/cases", params={**first["filter"], "page_size": 1}, headers=demo[1]["leader"]
    ).json()
    assert listed["total"] == first["count"]


def test_xlsx_reads_back(demo: tuple[World, dict[str, dict[str, str]]], client: TestClient) -> None:
    params = {**PERIOD, "rows": "department", "cols": "source", "metric": "on_time_rate"}
    table = client.get("/api/v1/stats/table", params=params, headers=demo[1]["leader"]).json()
    r = client.get("/api/v1/stats/table.xlsx", params=params, headers=demo[1]["leader"])
    assert r.status_code == 200, r.text
    book = load_workbook(io.BytesIO(r.content))
    summary = book.worksheets[0]
    values = list(summary.iter_rows(values_only=True))
    header_at = next(i for i, v in enumerate(values) if v[0] == "处置部门")
    header = values[header_at]
    lines = values[header_at + 1 :]
    assert len(lines) == len(table["rows"]) + 1
    reported = header.index("上报数")
    rate = header.index("按期处置率")
    for line, row in zip(lines, [*table["rows"], table["total"]], strict=True):
        assert line[reported] == row["total"]["reported"] and isinstance(line[reported], int)
        assert line[rate] == row["total"]["on_time_rate"]
    rate_cell = summary.cell(row=header_at + 2, column=rate + 1)
    assert rate_cell.number_format.endswith("%")
    cross = list(book.worksheets[1].iter_rows(values_only=True))
    assert cross[-1][-1] == table["total"]["total"]["on_time_rate"]


@pytest.mark.parametrize(
    ("params", "code", "status"),
    [
        ({"rows": "colour"}, "stats_unknown_dimension", 422),
        ({"rows": "source", "cols": "source"}, "stats_same_dimension", 422),
        ({"from": "2026-10-12", "to": "2026-10-01"}, "stats_end_before_start", 422),
        ({"from": "2020-01-01", "to": "2026-10-01"}, "stats_range_too_long", 422),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "validation_error", 422),
    ],
)
def test_bad_parameters_are_refused(
    town: dict[str, dict[str, str]],
    client: TestClient,
    params: dict[str, str],
    code: str,
    status: int,
) -> None:
    for path in ("/api/v1/stats/table", "/api/v1/stats/table.xlsx"):
        r = client.get(path, params={**PERIOD, **params}, headers=town["leader"])
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
    bad = client.get(
        "/api/v1/stats/cases", params={**PERIOD, "metric": "x"}, headers=town["leader"]
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "stats_unknown_metric")
    other = client.get(
        "/api/v1/stats/cases",
        params={**PERIOD, "department_id": str(2**40)},
        headers=town["leader"],
    )
    assert other.status_code == 404
    assert Department is not None


def test_street_and_empty_keys_open_their_cases(
    demo: tuple[World, dict[str, dict[str, str]]], client: TestClient
) -> None:
    world, headers = demo
    r = client.get(
        "/api/v1/stats/table",
        params={**PERIOD, "rows": "street", "cols": "department", "compare": "false"},
        headers=headers["leader"],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [row["label"] for row in body["rows"]] == [world.street.name]
    cells = body["rows"][0]["cells"]
    assert cells[0]["filter"]["street_id"] == str(world.street.id)
    empty = [c for c in cells if c["column"] is None]  # not dispatched (yet)
    assert empty and empty[0]["filter"]["department_id"] == "none"
    assert "department_id" not in empty[0]["link"]  # the search page has no "none"
    for cell in cells:
        got = client.get(
            "/api/v1/stats/cases",
            params={**cell["filter"], "metric": "reported", "page_size": 1},
            headers=headers["leader"],
        ).json()
        assert got["total"] == cell["reported"]
