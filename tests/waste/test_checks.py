"""The collection checks through the store: a generated week stored through the ordinary
imports, the rules run over the stored fixes and tickets, one case per planted violation
(precision and recall 1 for each rule), nothing opened twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from urbangrid.auth.service import issue_token
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.catalog.service import load_national_directory
from urbangrid.cli.main import app
from urbangrid.db import session_factory
from urbangrid.intake.models import OutboxMessage
from urbangrid.org.models import Department, Jurisdiction
from urbangrid.org.roles import Role
from urbangrid.registers.models import RegisterRecord
from urbangrid.settings import get_settings
from urbangrid.waste import background, checks, rules, simulate
from urbangrid.waste.models import WasteViolation
from urbangrid.waste.month import StoredMonth, store_chain
from worldkit import add_grids, add_matter_conditions, add_users, square

CENTRE = (120.0, 30.0)
FIRST = date(2026, 11, 2)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def district(session: Session) -> tuple[Jurisdiction, dict[str, str]]:
    load_national_directory(session)
    add_matter_conditions(session, rules.MATTER_OF_RULE.values())
    j = Jurisdiction(code="329901", name="区329901")
    session.add(j)
    session.flush()
    add_grids(
        session,
        j,
        [square(119.985 + 0.015 * i, 29.985, 0.015, 0.03) for i in range(2)],
        street_name="江滨街道",
        community_name="滨河社区",
    )
    session.add_all(
        [
            Department(jurisdiction_id=j.id, code="WY", name="安居物业"),
            Department(jurisdiction_id=j.id, code="HW", name="环卫处"),
        ]
    )
    session.flush()
    users = add_users(session, j, [("admin", Role.ADMIN, None), ("disp", Role.DISPATCHER, None)])
    headers = {name: f"Bearer {issue_token(session, user).token}" for name, user in users.items()}
    session.commit()
    return j, headers


def week(session: Session, j: Jurisdiction) -> StoredMonth:
    chain = simulate.generate(points=16, days=7, first_day=FIRST, plant=2, noise_m=30.0, seed=7)
    stored = store_chain(session, j, chain, CENTRE, estate_department="WY", company_department="HW")
    session.commit()
    return stored


def found_keys(session: Session) -> set[tuple[str, date, str | None, str | None]]:
    code = {r.id: r.code for r in session.scalars(select(RegisterRecord))}
    return {
        (v.rule, v.day, code.get(v.site_id or 0), code.get(v.vehicle_id or 0))
        for v in session.scalars(select(WasteViolation))
    }


def test_each_planted_violation_opens_one_case_and_a_rerun_opens_none(
    session: Session, district: tuple[Jurisdiction, dict[str, str]]
) -> None:
    j, _ = district
    month = week(session, j)
    assert Counter(k[0] for k in month.planted) == {r.value: 2 for r in rules.Rule}
    end = FIRST + timedelta(days=7)
    result = checks.run_collection_checks(session, j, FIRST, end, now=NOW)
    session.commit()
    assert result.days_checked == 7
    found = found_keys(session)
    for rule in rules.Rule:
        got = {k for k in found if k[0] == rule.value}
        want = {k for k in month.planted if k[0] == rule.value}
        hit = len(got & want)
        precision = hit / len(got) if got else 1.0
        recall = hit / len(want) if want else 1.0
        assert (rule.value, precision, recall) == (rule.value, 1.0, 1.0)
    assert result.opened == result.found == {r.value: 2 for r in rules.Rule}
    made = session.scalars(select(Case).order_by(Case.id)).all()
    assert len(made) == 10 and {c.source for c in made} == {"sensor"}
    # each case names what it is about, and its responsible unit is the suggestion
    by_case = {v.case_id: v for v in session.scalars(select(WasteViolation))}
    for case in made:
        v = by_case[case.id]
        assert rules.RULE_LABEL_ZH[rules.Rule(v.rule)] in case.description
        site = session.get(RegisterRecord, v.site_id)
        assert site is not None and site.code in case.description
        suggestion = cases.suggest_department(session, case)
        assert suggestion is not None
        if v.vehicle_id is None:  # a missed collection: the point's estate
            assert suggestion.department_name == "安居物业"
        else:  # what a vehicle did: its company
            vehicle = session.get(RegisterRecord, v.vehicle_id)
            assert vehicle is not None and vehicle.name in case.description
            assert suggestion.department_name == "环卫处"
    outbox = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.event_type == "waste.violation")
    )
    assert outbox == 10
    # again, and over an overlapping period: nothing new
    again = checks.run_collection_checks(session, j, FIRST + timedelta(days=3), end, now=NOW)
    session.commit()
    assert sum(again.opened.values()) == 0 and sum(again.found.values()) > 0
    assert session.scalar(select(func.count()).select_from(Case)) == 10


def test_days_not_over_or_without_fixes_are_not_judged(
    session: Session, district: tuple[Jurisdiction, dict[str, str]]
) -> None:
    j, _ = district
    week(session, j)
    # the period runs past the data: the days after it have no fixes
    result = checks.run_collection_checks(
        session, j, FIRST + timedelta(days=6), FIRST + timedelta(days=20), now=NOW
    )
    assert result.days_checked == 1
    # the day of "now" is not over
    now = datetime(2026, 11, 5, 4, tzinfo=UTC)  # 12:00 in Beijing on the 5th
    result = checks.run_collection_checks(session, j, FIRST, FIRST + timedelta(days=7), now=now)
    assert result.days_checked == 3
    assert {v.day for v in session.scalars(select(WasteViolation))} <= {
        FIRST + timedelta(days=d) for d in (0, 1, 2, 6)
    }


def test_checks_over_the_api_and_bad_periods(
    client: TestClient, session: Session, district: tuple[Jurisdiction, dict[str, str]]
) -> None:
    j, headers = district
    week(session, j)
    url = "/api/v1/waste/checks"
    admin = {"Authorization": headers["admin"]}
    body = {"start": FIRST.isoformat(), "end": (FIRST + timedelta(days=7)).isoformat()}
    disp = {"Authorization": headers["disp"]}
    assert client.post(url, json=body, headers=disp).status_code == 403
    r = client.post(url, json=body, headers=admin)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["days_checked"] == 7
    assert out["opened"] == {r.value: 2 for r in rules.Rule}
    assert len(out["case_numbers"]) == 10
    r = client.post(url, json=body, headers=admin)
    assert r.json()["opened"] == {r.value: 0 for r in rules.Rule}
    bad = client.post(url, json={"start": body["end"], "end": body["start"]}, headers=admin)
    assert (bad.status_code, bad.json()["code"]) == (422, "check_period_invalid")
    long = client.post(url, json={"start": "2026-01-01", "end": "2026-06-01"}, headers=admin)
    assert (long.status_code, long.json()["code"]) == (422, "check_period_too_long")
    assert session.scalar(select(func.count()).select_from(Case)) == 10


def test_cli_and_the_daily_job(
    session: Session,
    engine: Engine,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    district: tuple[Jurisdiction, dict[str, str]],
) -> None:
    j, _ = district
    month = week(session, j)
    monkeypatch.setenv("URBANGRID_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        args = ["waste", "check", "--jurisdiction", "329901", "--start", FIRST.isoformat()]
        r = runner.invoke(app, [*args, "--end", (FIRST + timedelta(days=3)).isoformat()])
        assert r.exit_code == 0, r.output
        assert "3 day(s) checked" in r.output
        opened_first = session.scalar(select(func.count()).select_from(Case)) or 0
        assert opened_first > 0
        bad = runner.invoke(app, [*args, "--end", FIRST.isoformat()])
        assert bad.exit_code == 1 and "before the start" in bad.output
    finally:
        get_settings.cache_clear()
    # the job checks yesterday: the week's last day, when "today" is the day after it
    the_day_after = datetime.combine(FIRST + timedelta(days=7), datetime.min.time(), UTC)
    monkeypatch.setattr(background, "utcnow", lambda: the_day_after + timedelta(hours=2))
    background._done.clear()
    assert background.run_once(session_factory(engine)) == 1
    assert background.run_once(session_factory(engine)) == 0  # done for the day
    session.expire_all()
    days = {v.day for v in session.scalars(select(WasteViolation))}
    planted_days = {k[1] for k in month.planted}
    last = FIRST + timedelta(days=6)
    want = {d for d in planted_days if d < FIRST + timedelta(days=3) or d == last}
    assert days == want
