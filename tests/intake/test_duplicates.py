"""Duplicate detection and merging: candidates by category, place, time and text; a merge
voids the duplicate and every reporter hears of the surviving case's progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.db import session_factory
from urbangrid.intake import duplicate_rules as dr
from urbangrid.intake import webhooks
from urbangrid.intake.models import Report, ReporterNotification
from urbangrid.intake.open311_service import service_code

from .test_hotline import bearer
from .town import Town

# ~ metres per degree of latitude
M = 1 / 111_195


def post(client: TestClient, town: Town, text: str, *, north_m: float = 0, category=None, **kw):  # type: ignore[no-untyped-def]
    data = {
        "api_key": town.open311_key,
        "service_code": service_code(category or town.category),
        "lat": str(town.lat + north_m * M),
        "long": str(town.lon),
        "description": text,
        **kw,
    }
    if kw.get("address_string"):
        data.pop("lat")
        data.pop("long")
    number = client.post("/open311/v2/requests.json", data=data).json()[0]["service_request_id"]
    return number


def case_id(session: Session, number: str) -> int:
    session.expire_all()
    found = session.scalar(select(Case.id).where(Case.number == number))
    assert found is not None
    return int(found)


def test_candidates_and_merge(
    client: TestClient, engine: Engine, town: Town, session: Session
) -> None:
    a = post(client, town, "东门垃圾堆积很久了")
    b = post(client, town, "东门口垃圾堆积", north_m=20)
    far = post(client, town, "东门垃圾堆积很久了", north_m=500)
    other = post(client, town, "东门垃圾堆积很久了", category=town.other)
    vague = post(client, town, "东门垃圾堆积", address_string="东门")
    ops = bearer(session, town, "intake")
    got = client.get(f"/api/v1/intake/cases/{case_id(session, b)}/duplicates", headers=ops).json()
    assert [c["number"] for c in got] == [a]
    assert got[0]["same_category"] is True and 15 < got[0]["distance_m"] < 25
    assert (
        client.get(f"/api/v1/intake/cases/{case_id(session, vague)}/duplicates", headers=ops).json()
        == []
    )
    wider = client.get(
        f"/api/v1/intake/cases/{case_id(session, b)}/duplicates?radius_m=1000", headers=ops
    ).json()
    assert {c["number"] for c in wider} == {a, far}
    assert other not in {c["number"] for c in wider}
    # Merging needs the shift lead (it voids the duplicate).
    path = f"/api/v1/intake/cases/{case_id(session, b)}/merge"
    body = {"master_case_id": case_id(session, a)}
    assert client.post(path, json=body, headers=ops).status_code == 403
    lead = bearer(session, town, "lead")
    assert (
        client.post(path, json={"master_case_id": case_id(session, b)}, headers=lead).status_code
        == 422
    )
    merged = client.post(path, json=body, headers=lead)
    assert merged.status_code == 200, merged.text
    assert merged.json()["status"] == "voided" and merged.json()["reports_moved"] == 1
    [shown] = client.get(f"/open311/v2/requests/{b}.json").json()
    assert shown["status"] == "closed" and a in shown["status_notes"]
    # The master moves on: both reporters are told, the duplicate's reporter once more.
    master = session.get(Case, case_id(session, a))
    assert master is not None
    cases.perform_action(
        session, town.principal("intake"), master.id, "accept_report", version=master.version
    )
    session.commit()
    webhooks.run_once(session_factory(engine))
    session.expire_all()
    reports = {
        r.original_case_id: r.id
        for r in session.scalars(select(Report).where(Report.case_id == master.id))
    }
    assert set(reports) == {case_id(session, a), case_id(session, b)}
    notes = list(session.scalars(select(ReporterNotification).order_by(ReporterNotification.id)))
    per_report = {rid: [n.message for n in notes if n.report_id == rid] for rid in reports.values()}
    assert all(any("已受理" in m for m in msgs) for msgs in per_report.values())
    assert any("合并" in m for m in per_report[reports[case_id(session, b)]])
    # Into a closed case: refused, nothing changes.
    closed = case_id(session, far)
    c = session.get(Case, closed)
    assert c is not None
    cases.perform_action(
        session, town.principal("lead"), closed, "void", version=c.version, comment="x"
    )
    session.commit()
    refused = client.post(
        f"/api/v1/intake/cases/{case_id(session, other)}/merge",
        json={"master_case_id": closed},
        headers=lead,
    )
    assert refused.status_code == 409
    session.expire_all()
    assert session.get(Case, case_id(session, other)).status == "pending_intake"  # type: ignore[union-attr]


T0 = datetime(2026, 5, 1, tzinfo=UTC)
_reports = st.builds(
    dr.Report,
    id=st.integers(1, 10**6),
    kind=st.just("matter"),
    category_id=st.sampled_from([1, 2]),
    big_code=st.sampled_from(["06", "07"]),
    lon=st.floats(120.0, 120.002),
    lat=st.floats(30.0, 30.002),
    at=st.integers(0, 10 * 24 * 3600).map(lambda s: T0 + timedelta(seconds=s)),
    text=st.text(alphabet="垃圾堆积东门井盖破损", max_size=12),
)


def test_duplicates_nearby_before_the_case_exists(
    client: TestClient, town: Town, session: Session
) -> None:
    """登记: the hint for a report not yet sent — by point, category and text."""
    a = post(client, town, "西门路灯不亮")
    far = post(client, town, "西门路灯不亮", north_m=500)
    ops = bearer(session, town, "intake")
    url = "/api/v1/intake/duplicates/nearby"
    query = {
        "lon": town.lon,
        "lat": town.lat + 10 * M,
        "text": "西门路灯坏了",
        "category_id": town.category.id,
    }
    got = client.get(url, params=query, headers=ops).json()
    assert [c["number"] for c in got] == [a]
    assert got[0]["same_category"] is True and 5 < got[0]["distance_m"] < 15
    wider = client.get(url, params={**query, "radius_m": 1000}, headers=ops).json()
    assert {c["number"] for c in wider} == {a, far}
    # A bad point is the caller's 422, naming the field.
    bad = client.get(url, params={**query, "lat": 91}, headers=ops)
    assert bad.status_code == 422 and bad.json()["params"]["field"] == "lat"


@given(_reports, _reports)
def test_score_respects_the_limits(new: dr.Report, old: dr.Report) -> None:
    rules = dr.Rules()
    got = dr.score(new, old, rules)
    d = dr.distance_m(new.lon, new.lat, old.lon, old.lat)
    assert abs(d - dr.distance_m(old.lon, old.lat, new.lon, new.lat)) < 1e-6
    if got is None:
        return
    assert d <= rules.radius_m and abs(new.at - old.at) <= rules.window
    assert dr.related(new, old) is not None
    assert 0 <= got.score <= 1


@given(_reports, st.floats(0, 90), st.floats(0, 90))
def test_nearer_is_never_worse(new: dr.Report, near_m: float, extra_m: float) -> None:
    def at(dist: float) -> dr.Report:
        return dr.Report(
            2,
            new.kind,
            new.category_id,
            new.big_code,
            new.lon,
            new.lat + dist * M,
            new.at,
            new.text,
        )

    near, far = dr.score(new, at(near_m)), dr.score(new, at(min(99.0, near_m + extra_m)))
    assert near is not None
    if far is not None:
        assert near.score >= far.score - 1e-9


def test_same_category_outranks_same_big_category() -> None:
    base = dr.Report(1, "matter", 1, "06", 120.0, 30.0, T0, "垃圾")
    same = dr.Report(2, "matter", 1, "06", 120.0, 30.0001, T0, "垃圾")
    related = dr.Report(3, "matter", 2, "06", 120.0, 30.0001, T0, "垃圾")
    unrelated = dr.Report(4, "matter", 3, "07", 120.0, 30.0001, T0, "垃圾")
    ranked = dr.rank(base, [unrelated, related, same])
    assert [c.case_id for c in ranked] == [2, 3]
