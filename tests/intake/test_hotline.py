"""12345 hotline interface: idempotent receipt, 受理 / 退单, reply when the case ends,
回访, and the figures the evaluation uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from urbangrid.auth.service import issue_token
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.db import session_factory
from urbangrid.geo.crs import wgs84_to_gcj02
from urbangrid.intake import hotline_rates, webhooks
from urbangrid.intake.models import HotlineWorkOrder, OutboxMessage, Report
from urbangrid.intake.open311_service import service_code

from .town import Town

BASE = "/api/v1/intake/hotline"


def bearer(session: Session, town: Town, name: str) -> dict[str, str]:
    token = issue_token(session, town.users[name]).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def order(town: Town, order_id: str = "WO-1", **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "order_id": order_id,
        "content": "小区门口垃圾堆积三天无人清理",
        "address": "一社区东门",
        "lon": town.lon,
        "lat": town.lat,
        "citizen_name": "王女士",
        "citizen_phone": "13800000000",
        "service_code": service_code(town.category),
        "due_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
    }
    body.update(extra)
    return body


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_receipt_is_idempotent(client: TestClient, town: Town, session: Session) -> None:
    key = {"X-Api-Key": town.hotline_key}
    first = client.post(f"{BASE}/work-orders", json=order(town), headers=key)
    assert first.status_code == 201, first.text
    again = client.post(f"{BASE}/work-orders", json=order(town, content="重复推送"), headers=key)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["case_id"] == first.json()["case_id"]
    assert count(session, Case) == 1 and count(session, HotlineWorkOrder) == 1
    case = session.get(Case, first.json()["case_id"])
    assert case is not None
    assert case.source == "hotline" and case.external_id == "WO-1"
    assert case.status == "pending_intake" and case.category_id == town.category.id


@pytest.mark.parametrize(
    ("headers", "change", "status"),
    [
        ({}, {}, 403),
        ({"X-Api-Key": "wrong"}, {}, 403),
        ("open311", {}, 403),  # an Open311 key is not a hotline key
        ("hotline", {"lon": 121.5, "lat": 31.0}, 422),  # outside the jurisdiction
        ("hotline", {"lon": None}, 422),
        ("hotline", {"service_code": "M99999"}, 422),
        ("hotline", {"content": ""}, 422),
        ("hotline", {"content": "a\x00b"}, 422),
        ("hotline", {"due_at": "2026-01-01T00:00:00"}, 422),  # no zone
    ],
)
def test_bad_work_orders_store_nothing(
    client: TestClient, town: Town, session: Session, headers: object, change: dict, status: int
) -> None:
    if headers == "open311":
        headers = {"X-Api-Key": town.open311_key}
    elif headers == "hotline":
        headers = {"X-Api-Key": town.hotline_key}
    body = {k: v for k, v in order(town, **change).items() if v is not None}
    response = client.post(f"{BASE}/work-orders", json=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert (count(session, Case), count(session, Report), count(session, HotlineWorkOrder)) == (
        0,
        0,
        0,
    )


def test_gcj02_coordinates_are_converted(client: TestClient, town: Town, session: Session) -> None:
    lon, lat = wgs84_to_gcj02([town.lon], [town.lat])
    body = order(town, lon=float(lon[0]), lat=float(lat[0]), crs="gcj02")
    response = client.post(
        f"{BASE}/work-orders", json=body, headers={"X-Api-Key": town.hotline_key}
    )
    case = session.get(Case, response.json()["case_id"])
    assert case is not None
    assert abs(case.lon - town.lon) < 1e-5 and abs(case.lat - town.lat) < 1e-5


def test_accept_reply_and_callback(
    client: TestClient, engine: Engine, town: Town, session: Session
) -> None:
    key = {"X-Api-Key": town.hotline_key}
    case_id = client.post(f"{BASE}/work-orders", json=order(town), headers=key).json()["case_id"]
    # An inspector may not accept; the intake operator may.
    assert (
        client.post(
            f"{BASE}/work-orders/WO-1/accept", headers=bearer(session, town, "inspector")
        ).status_code
        == 403
    )
    accepted = client.post(
        f"{BASE}/work-orders/WO-1/accept", headers=bearer(session, town, "intake")
    )
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["case_status"] == "pending_verify"  # hotline reports are verified
    assert (
        client.post(
            f"{BASE}/work-orders/WO-1/accept", headers=bearer(session, town, "intake")
        ).status_code
        == 409
    )
    # No callback before the reply.
    assert (
        client.post(
            f"{BASE}/work-orders/WO-1/callback", json={"result": "satisfied"}, headers=key
        ).status_code
        == 409
    )
    # The case ends; the next worker round writes the reply and publishes it.
    case = session.get(Case, case_id)
    assert case is not None
    cases.perform_action(
        session,
        town.principal("lead"),
        case_id,
        "force_close",
        version=case.version,
        comment="已清理",
    )
    session.commit()
    webhooks.run_once(session_factory(engine))
    status = client.get(f"{BASE}/work-orders/WO-1/status", headers=key).json()
    assert status["state"] == "replied" and status["reply_outcome"] == "closed"
    assert "已清理" in status["reply_text"]
    session.expire_all()
    types = list(session.scalars(select(OutboxMessage.event_type).order_by(OutboxMessage.id)))
    assert "hotline.accepted" in types and types.count("hotline.reply") == 1
    webhooks.run_once(session_factory(engine))  # a second round replies nothing new
    session.expire_all()
    assert list(session.scalars(select(OutboxMessage.event_type))).count("hotline.reply") == 1
    bad = client.post(f"{BASE}/work-orders/WO-1/callback", json={"result": "meh"}, headers=key)
    assert bad.status_code == 422
    done = client.post(
        f"{BASE}/work-orders/WO-1/callback",
        json={"result": "basically", "comment": "还行"},
        headers=key,
    )
    assert done.status_code == 200 and done.json()["callback_result"] == "basically"


def test_return_with_reason(client: TestClient, town: Town, session: Session) -> None:
    key = {"X-Api-Key": town.hotline_key}
    case_id = client.post(f"{BASE}/work-orders", json=order(town), headers=key).json()["case_id"]
    path = f"{BASE}/work-orders/WO-1/return"
    assert (
        client.post(
            path, json={"reason": "不属城管职责"}, headers=bearer(session, town, "intake")
        ).status_code
        == 403
    )
    assert (
        client.post(path, json={"reason": ""}, headers=bearer(session, town, "lead")).status_code
        == 422
    )
    returned = client.post(
        path, json={"reason": "不属城管职责"}, headers=bearer(session, town, "lead")
    )
    assert returned.status_code == 200
    assert (
        returned.json()["state"] == "returned"
        and returned.json()["return_reason"] == "不属城管职责"
    )
    case = session.get(Case, case_id)
    assert case is not None and case.status == "voided"


def test_figures_over_a_small_month(
    client: TestClient, engine: Engine, town: Town, session: Session
) -> None:
    key = {"X-Api-Key": town.hotline_key}
    ids = {}
    for n in range(4):
        ids[n] = client.post(
            f"{BASE}/work-orders", json=order(town, f"WO-{n}"), headers=key
        ).json()["case_id"]
    lead = bearer(session, town, "lead")
    client.post(f"{BASE}/work-orders/WO-0/return", json={"reason": "重复"}, headers=lead)
    for n in (1, 2):
        case = session.get(Case, ids[n])
        assert case is not None
        cases.perform_action(
            session,
            town.principal("lead"),
            ids[n],
            "force_close",
            version=case.version,
            comment="ok",
        )
        session.commit()
        session.expire_all()
    webhooks.run_once(session_factory(engine))
    client.post(f"{BASE}/work-orders/WO-1/callback", json={"result": "satisfied"}, headers=key)
    client.post(f"{BASE}/work-orders/WO-2/callback", json={"result": "dissatisfied"}, headers=key)
    now = datetime.now(UTC)
    got = client.get(
        f"{BASE}/figures",
        params={
            "start": (now - timedelta(days=1)).isoformat(),
            "end": (now + timedelta(days=1)).isoformat(),
        },
        headers=bearer(session, town, "intake"),
    ).json()
    assert (got["received"], got["returned"], got["handled"], got["replied"]) == (4, 1, 3, 2)
    assert got["reply_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert got["completion_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert got["satisfaction_rate"] == 0.5 and got["on_time_reply_rate"] == pytest.approx(
        2 / 3, abs=1e-4
    )


_facts = st.builds(
    hotline_rates.OrderFacts,
    received_at=st.just(datetime(2026, 1, 1, tzinfo=UTC)),
    returned=st.booleans(),
    replied_at=st.none() | st.just(datetime(2026, 1, 2, tzinfo=UTC)),
    due_at=st.none()
    | st.sampled_from([datetime(2026, 1, 1, 12, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)]),
    outcome=st.none() | st.sampled_from(["closed", "voided", "not_filed"]),
    callback=st.none() | st.sampled_from(hotline_rates.CALLBACK_RESULTS),
)


@given(st.lists(_facts, max_size=30))
def test_rates_are_shares_of_the_handled_orders(orders: list[hotline_rates.OrderFacts]) -> None:
    f = hotline_rates.figures(orders)
    kept = [o for o in orders if not o.returned]
    assert f.handled == len(kept) == f.received - f.returned
    for rate in (f.reply_rate, f.completion_rate, f.satisfaction_rate, f.on_time_reply_rate):
        assert rate is None or 0 <= rate <= 1
    assert f.strict_satisfaction_rate is None or f.strict_satisfaction_rate <= (
        f.satisfaction_rate or 0
    )
    assert (f.reply_rate is None) == (not kept)
    assert f.completed == sum(o.outcome == "closed" for o in kept)
