"""Webhook subscriptions, fan-out of the outbox and delivery with retries.

A round (:func:`run_once`) does two things, each in its own short transactions:

1. **fan-out** — every outbox message not yet fanned out gets one delivery row per active
   subscription whose event types match; the message is then marked. Handlers registered
   with :func:`on_message` (hotline replies, reporter notifications) run in the same
   transaction, once per message.
2. **delivery** — due deliveries are claimed with a lease (``locked_until``) and committed
   before any HTTP call, then POSTed with an HMAC-SHA256 signature. 2xx marks them
   delivered; anything else schedules a retry with exponential back-off, until
   ``MAX_ATTEMPTS`` makes the delivery ``dead``. A worker that dies mid-way leaves its
   leases to expire, and the next round sends again: delivery is at least once, and the
   ``X-UrbanGrid-Delivery`` id lets receivers drop repeats.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from urbangrid.intake import signing
from urbangrid.intake.models import OutboxMessage, WebhookDelivery, WebhookSubscription
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.kit.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 10.0
# Receivers served side by side in one round (one thread each).
MAX_LANES = 8

MessageHandler = Callable[[Session, OutboxMessage], None]
_handlers: list[MessageHandler] = []


# Modules whose handlers must run at fan-out (imported on first use).
HANDLER_MODULES = ("urbangrid.intake.hotline", "urbangrid.intake.duplicates")


def _load_handlers() -> None:
    import importlib

    for name in HANDLER_MODULES:
        importlib.import_module(name)


def on_message(handler: MessageHandler) -> MessageHandler:
    """Register a handler run once for every outbox message at fan-out."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


# ---------------------------------------------------------------- subscriptions


def subscribe(
    session: Session,
    name: str,
    url: str,
    event_types: list[str],
    *,
    secret: str | None = None,
    jurisdiction_id: int | None = None,
) -> WebhookSubscription:
    if not url.startswith(("http://", "https://")):
        raise InvalidInput("the webhook url must be http(s)", field="url")
    types = [t.strip() for t in event_types if t.strip()]
    if not types:
        raise InvalidInput("name at least one event type ('case.*', '*' ...)", field="events")
    row = WebhookSubscription(
        name=name.strip() or url,
        url=url,
        secret=secret or secrets.token_hex(32),
        event_types=types,
        jurisdiction_id=jurisdiction_id,
    )
    session.add(row)
    session.flush()
    return row


def list_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def deactivate(session: Session, subscription_id: int) -> WebhookSubscription:
    row = session.get(WebhookSubscription, subscription_id)
    if row is None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    row.is_active = False
    return row


# ---------------------------------------------------------------- fan-out


def fan_out(session: Session, *, now: datetime | None = None, limit: int = 500) -> int:
    """Turn pending outbox messages into deliveries; returns the messages handled."""
    _load_handlers()
    messages = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.fanned_out_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not messages:
        return 0
    subscriptions = list(
        session.scalars(select(WebhookSubscription).where(WebhookSubscription.is_active))
    )
    now = now or utcnow()
    for message in messages:
        for handler in list(_handlers):
            handler(session, message)
        for sub in subscriptions:
            if sub.jurisdiction_id not in (None, message.jurisdiction_id):
                continue
            if signing.matches(list(sub.event_types or []), message.event_type):
                session.add(
                    WebhookDelivery(
                        outbox_id=message.id, subscription_id=sub.id, next_attempt_at=now
                    )
                )
        message.fanned_out_at = now
    session.flush()
    return len(messages)


# ---------------------------------------------------------------- delivery


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    url: str
    secret: str
    event_type: str
    body: bytes


def claim_due(session: Session, now: datetime, *, limit: int = 100) -> list[Claimed]:
    rows = session.execute(
        select(WebhookDelivery, WebhookSubscription, OutboxMessage)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .join(OutboxMessage, OutboxMessage.id == WebhookDelivery.outbox_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until <= now),
        )
        .order_by(WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    ).all()
    out = []
    for delivery, sub, message in rows:
        delivery.locked_until = now + LEASE
        body = json.dumps(
            {"id": message.id, "delivery": delivery.id, **message.payload},
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        ).encode("utf-8")
        out.append(Claimed(delivery.id, sub.url, sub.secret, message.event_type, body))
    session.flush()
    return out


def send(client: httpx.Client, claimed: Claimed, now: datetime) -> tuple[int | None, str | None]:
    """POST one delivery; (HTTP status, error text)."""
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        signing.EVENT_HEADER: claimed.event_type,
        signing.DELIVERY_HEADER: str(claimed.delivery_id),
        signing.IDEMPOTENCY_HEADER: f"urbangrid-delivery-{claimed.delivery_id}",
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.sign(claimed.secret, timestamp, claimed.body),
    }
    try:
        response = client.post(claimed.url, content=claimed.body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def record(
    session: Session, delivery_id: int, status: int | None, error: str | None, now: datetime
) -> None:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return
    delivery.attempts += 1
    delivery.last_status = status
    delivery.locked_until = None
    if error is None:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.last_error = None
    else:
        delivery.last_error = error[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "dead"
        else:
            delivery.next_attempt_at = now + signing.backoff(delivery.attempts)


@dataclass
class RoundResult:
    fanned_out: int = 0
    delivered: int = 0
    failed: int = 0


def run_once(
    factory: sessionmaker[Session],
    *,
    now: datetime | None = None,
    client: httpx.Client | None = None,
) -> RoundResult:
    """One worker round (fan-out, then deliveries); safe to run in several processes."""
    now = now or utcnow()
    result = RoundResult()
    with factory() as session, session.begin():
        result.fanned_out = fan_out(session, now=now)
    with factory() as session, session.begin():
        claimed = claim_due(session, now)
    if not claimed:
        return result
    # One lane per receiver, lanes side by side: a slow or dead receiver holds up only its
    # own deliveries (in order), each with its own timeout, never another subscriber's.
    lanes: dict[str, list[Claimed]] = {}
    for item in claimed:
        lanes.setdefault(item.url, []).append(item)
    lock = threading.Lock()

    def deliver(items: list[Claimed]) -> None:
        http = client or httpx.Client(timeout=TIMEOUT_SECONDS)
        try:
            for item in items:
                status, error = send(http, item, now)
                with factory() as session, session.begin():
                    record(session, item.delivery_id, status, error, now)
                with lock:
                    if error is None:
                        result.delivered += 1
                    else:
                        result.failed += 1
                if error is not None:
                    log.warning(
                        "webhook delivery %s to %s failed: %s", item.delivery_id, item.url, error
                    )
        finally:
            if client is None:
                http.close()

    with ThreadPoolExecutor(max_workers=min(MAX_LANES, len(lanes))) as pool:
        for done in [pool.submit(deliver, items) for items in lanes.values()]:
            done.result()
    return result


def delivery_counts(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for (status,) in session.execute(select(WebhookDelivery.status)):
        counts[status] = counts.get(status, 0) + 1
    return counts


def describe_subscription(row: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "url": row.url,
        "event_types": list(row.event_types or []),
        "jurisdiction_id": row.jurisdiction_id,
        "is_active": row.is_active,
    }
