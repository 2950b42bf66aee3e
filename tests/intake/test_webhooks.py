"""Webhooks: the outbox is written in the case change's transaction; deliveries survive a
receiver that is down and a worker that dies; payloads are HMAC-signed."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from urbangrid.cases import service as cases
from urbangrid.db import make_engine, session_factory
from urbangrid.intake import signing, webhooks
from urbangrid.intake.models import OutboxMessage, WebhookDelivery
from urbangrid.kit.types import utcnow

from .live_server import free_port
from .receiver import receiving
from .town import Town


def new_case(session: Session, town: Town):  # type: ignore[no-untyped-def]
    return cases.create_case(
        session,
        town.principal("intake"),
        cases.NewCase(source="web", lon=town.lon, lat=town.lat, category_id=town.category.id),
    )


def outbox_count(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def test_outbox_row_shares_the_case_transaction(session: Session, town: Town) -> None:
    new_case(session, town)
    session.rollback()
    assert outbox_count(session) == 0
    case = new_case(session, town)
    cases.perform_action(
        session, town.principal("intake"), case.id, "accept_report", version=case.version
    )
    session.commit()
    rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [r.event_type for r in rows] == ["case.report", "case.accept_report"]
    assert rows[1].payload["case"]["number"] == case.number
    assert rows[1].payload["event"]["to_state"] == case.status


def test_signed_delivery_and_event_filter(engine: Engine, session: Session, town: Town) -> None:
    factory = session_factory(engine)
    with receiving() as receiver:
        sub = webhooks.subscribe(
            session, "all case", receiver.url, ["case.accept_report"], secret="s3cret"
        )
        case = new_case(session, town)
        cases.perform_action(
            session, town.principal("intake"), case.id, "accept_report", version=case.version
        )
        session.commit()
        result = webhooks.run_once(factory)
    assert result.delivered == 1 and len(receiver.received) == 1
    got = receiver.received[0]
    ts = int(got.headers[signing.TIMESTAMP_HEADER])
    assert signing.verify("s3cret", ts, got.body, got.headers[signing.SIGNATURE_HEADER], now=ts)
    assert not signing.verify("other", ts, got.body, got.headers[signing.SIGNATURE_HEADER], now=ts)
    payload = json.loads(got.body)
    assert payload["type"] == "case.accept_report" and payload["case"]["number"] == case.number
    assert got.headers[signing.EVENT_HEADER] == "case.accept_report"
    assert sub.id is not None


def test_receiver_down_then_up_gets_every_event_once(
    engine: Engine, session: Session, town: Town
) -> None:
    factory = session_factory(engine)
    port = free_port()  # nothing listens here yet
    webhooks.subscribe(session, "late", f"http://127.0.0.1:{port}/hook", ["case.*"], secret="k")
    for _ in range(3):
        new_case(session, town)
    session.commit()
    now = utcnow()
    client = httpx.Client(timeout=2)
    first = webhooks.run_once(factory, now=now, client=client)
    assert first.fanned_out == 3 and first.failed == 3 and first.delivered == 0
    # Not due again before the back-off has passed.
    assert webhooks.run_once(factory, now=now + timedelta(seconds=5), client=client).failed == 0
    # A second failure (HTTP 500 this time) doubles the wait.
    with receiving(answers=[500, 500, 500], port=port) as receiver:
        later = now + signing.backoff(1)
        assert webhooks.run_once(factory, now=later, client=client).failed == 3
        session.expire_all()
        waits = {d.next_attempt_at - later for d in session.scalars(select(WebhookDelivery))}
        assert waits == {signing.backoff(2)}
        done = webhooks.run_once(factory, now=later + signing.backoff(2), client=client)
        assert done.delivered == 3
        assert (
            webhooks.run_once(factory, now=later + timedelta(days=1), client=client).delivered == 0
        )
    client.close()
    ids = sorted(json.loads(r.body)["id"] for r in receiver.received[3:])
    assert len(ids) == 3 == len(set(ids))
    session.expire_all()
    assert webhooks.delivery_counts(session) == {"delivered": 3}


def test_worker_that_dies_mid_delivery_is_taken_over(
    engine: Engine, session: Session, town: Town, db_url: str
) -> None:
    with receiving() as receiver:
        webhooks.subscribe(session, "r", receiver.url, ["*"], secret="k")
        new_case(session, town)
        session.commit()
        now = utcnow()
        # The first worker claims the delivery and dies before sending (its engine goes).
        dying = make_engine(db_url)
        dying_factory = session_factory(dying)
        with dying_factory() as s, s.begin():
            webhooks.fan_out(s, now=now)
        with dying_factory() as s, s.begin():
            claimed = webhooks.claim_due(s, now)
        assert len(claimed) == 1
        dying.dispose()
        # A fresh process: nothing to do while the lease holds, delivered once it expires.
        fresh = make_engine(db_url)
        factory = session_factory(fresh)
        assert webhooks.run_once(factory, now=now + timedelta(seconds=1)).delivered == 0
        assert webhooks.run_once(factory, now=now + webhooks.LEASE).delivered == 1
        fresh.dispose()
    assert len(receiver.received) == 1


def test_dead_after_max_attempts(engine: Engine, session: Session, town: Town) -> None:
    factory = session_factory(engine)
    with receiving(answers=[503] * webhooks.MAX_ATTEMPTS) as receiver:
        webhooks.subscribe(session, "r", receiver.url, ["*"])
        new_case(session, town)
        session.commit()
        now = utcnow()
        for _ in range(webhooks.MAX_ATTEMPTS + 2):
            webhooks.run_once(factory, now=now)
            now += timedelta(days=1)
    session.expire_all()
    assert webhooks.delivery_counts(session) == {"dead": 1}
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS


@given(st.integers(min_value=1, max_value=40))
def test_backoff_doubles_up_to_the_cap(n: int) -> None:
    assert signing.backoff(n + 1) >= signing.backoff(n)
    assert signing.backoff(n) <= timedelta(hours=1)
    if signing.backoff(n + 1) < timedelta(hours=1):
        assert signing.backoff(n + 1) == 2 * signing.backoff(n)


@given(st.binary(max_size=200), st.text(min_size=1, max_size=20), st.integers(0, 2**31))
def test_signature_round_trip(body: bytes, secret: str, ts: int) -> None:
    sig = signing.sign(secret, ts, body)
    assert signing.verify(secret, ts, body, sig, now=ts)
    assert not signing.verify(secret, ts, body + b"x", sig, now=ts)
    assert not signing.verify(secret, ts, body, sig, now=ts + 301)


@pytest.mark.parametrize(
    ("patterns", "event", "expected"),
    [
        (["*"], "case.file", True),
        (["case.*"], "case.file", True),
        (["case.close"], "case.file", False),
        (["hotline.*"], "case.file", False),
    ],
)
def test_event_type_patterns(patterns: list[str], event: str, expected: bool) -> None:
    assert signing.matches(patterns, event) is expected


def test_a_slow_receiver_holds_up_nobody_else(
    engine: Engine, session: Session, town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two subscribers: the slow one times out on its own (and is retried later with the
    same Idempotency-Key); the fast one has its event at once, not after the slow one."""
    import time

    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 1.0)
    factory = session_factory(engine)
    with receiving(delay=3.0) as slow, receiving() as fast:
        webhooks.subscribe(session, "slow", slow.url, ["case.accept_report"])
        webhooks.subscribe(session, "fast", fast.url, ["case.accept_report"])
        case = new_case(session, town)
        cases.perform_action(
            session, town.principal("intake"), case.id, "accept_report", version=case.version
        )
        session.commit()
        started = time.monotonic()
        result = webhooks.run_once(factory)
        assert (result.delivered, result.failed) == (1, 1)
        assert fast.received[0].at - started < 0.9, "the fast receiver waited for the slow one"
        first_key = slow.received[0].headers[signing.IDEMPOTENCY_HEADER]
        # the next attempt of the same delivery carries the same key
        later = webhooks.run_once(factory, now=utcnow() + timedelta(hours=1))
        assert later.failed == 1 and len(slow.received) == 2
        assert slow.received[1].headers[signing.IDEMPOTENCY_HEADER] == first_key
        assert fast.received[0].headers[signing.IDEMPOTENCY_HEADER] != first_key
