"""Intake and data-exchange tables.

Case ids and case-event ids are plain indexed integers here, not foreign keys, so this
migration branches from the foundation alone; the service layer keeps them consistent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from urbangrid.cases.models import Case, CaseEvent
from urbangrid.db import Base
from urbangrid.kit.types import BigIntPK, JSONType, UTCDateTime, utcnow


class ClientKey(Base):
    """An API key of a client application (Open311 app, 12345 hotline platform).

    Only the SHA-256 of the key is kept; the key itself is shown once when created."""

    __tablename__ = "intake_client_keys"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # open311 | hotline
    channel: Mapped[str] = mapped_column(String(16), default="open311")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(12))
    # The jurisdiction the client reports into (None: name it per request).
    jurisdiction_id: Mapped[int | None] = mapped_column(
        ForeignKey("jurisdictions.id"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Report(Base):
    """One report received on a channel, and the case it went to (受理登记).

    Several reports can end on one case: a merged duplicate keeps its ``original_case_id``
    and points ``case_id`` at the surviving case, so each reporter hears of its progress."""

    __tablename__ = "intake_reports"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_intake_reports_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    # open311 | hotline | import
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    case_id: Mapped[int] = mapped_column(BigInteger)
    original_case_id: Mapped[int] = mapped_column(BigInteger)
    client_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("intake_client_keys.id"), nullable=True
    )
    token: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    first_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    account_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    media_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    address_string: Mapped[str | None] = mapped_column(Text, nullable=True)
    address_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # False when the point is a stand-in (address only): not used for duplicate radius.
    location_exact: Mapped[bool] = mapped_column(Boolean, default=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HotlineWorkOrder(Base):
    """A 12345 hotline work order (工单) and what the bureau did with it: 受理 or 退单,
    办结回复, and the citizen's 回访 rating — the figures for reply, completion and
    satisfaction rates."""

    __tablename__ = "hotline_work_orders"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(BigInteger, index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("intake_reports.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Reply deadline set by the hotline platform (办理时限), if it gave one.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # received | accepted | returned | replied
    state: Mapped[str] = mapped_column(String(16), default="received", index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reply_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Closing state of the case the reply reports: closed | not_filed | voided.
    reply_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # satisfied (满意) | basically (基本满意) | dissatisfied (不满意)
    callback_result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    callback_comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class WebhookSubscription(Base):
    """A receiver of signed event notifications."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(128))
    # Event types it wants ("case.filed", "case.*", "*" ...).
    event_types: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    jurisdiction_id: Mapped[int | None] = mapped_column(
        ForeignKey("jurisdictions.id"), nullable=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """An event to publish, written in the transaction that made it happen."""

    __tablename__ = "webhook_outbox"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    case_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    case_event_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once the message has been fanned out to the subscriptions of the moment.
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)


class WebhookDelivery(Base):
    """One message to one subscriber, retried with exponential back-off."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("outbox_id", "subscription_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("webhook_outbox.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    # pending | delivered | dead
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker that claimed the delivery holds it until then (crash-safe lease).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DuplicateLink(Base):
    """合并: ``case_id`` was merged into ``master_case_id``."""

    __tablename__ = "intake_duplicate_links"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    master_case_id: Mapped[int] = mapped_column(BigInteger, index=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    merged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")


class CallerContact(Base):
    """答复 / 回访 of a case's caller, recorded by the centre (受理员, 值班长).

    ``kind`` reply (答复: what the caller was told, ``content``) or callback (回访: whether
    the caller was ``reached`` and, when reached, their ``satisfaction`` — the same words as
    the 12345 platform's callbacks, ``hotline_rates.CALLBACK_RESULTS``). Kept apart from
    the workflow: neither moves the case; evaluation may count satisfaction from here."""

    __tablename__ = "intake_caller_contacts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # reply | callback
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content: Mapped[str] = mapped_column(Text, default="")
    reached: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    satisfaction: Mapped[str | None] = mapped_column(String(16), nullable=True)


class ReporterNotification(Base):
    """A progress message owed to one reporter (by the channel they used)."""

    __tablename__ = "intake_notifications"
    __table_args__ = (UniqueConstraint("report_id", "outbox_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("intake_reports.id"), index=True)
    case_id: Mapped[int] = mapped_column(BigInteger, index=True)
    outbox_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportBatch(Base):
    """A historical import run and its report (rows imported, rows skipped and why)."""

    __tablename__ = "intake_import_batches"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    source_name: Mapped[str] = mapped_column(String(255))
    mapping_name: Mapped[str] = mapped_column(String(255))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# ---------------------------------------------------------------- outbox capture
#
# Every case event becomes an outbox message in the same transaction: an ORM after_insert
# hook on CaseEvent writes it through the very connection that inserts the event, so a
# rolled-back case change leaves no message and a committed one always has one. The case
# service needs no change. Rows inserted with bulk Core statements (the historical import)
# are not published, on purpose. Defined here so that wherever intake's tables are mapped,
# the capture is on.


def case_event_type(action: str) -> str:
    return f"case.{action}"


def _capture_case_event(_mapper: Any, connection: Any, target: CaseEvent) -> None:
    from sqlalchemy import insert, select

    row = connection.execute(
        select(Case.number, Case.source, Case.external_id, Case.category_id).where(
            Case.id == target.case_id
        )
    ).first()
    payload: dict[str, Any] = {
        "type": case_event_type(target.action),
        "case": {
            "id": target.case_id,
            "number": row.number if row else None,
            "source": row.source if row else None,
            "external_id": row.external_id if row else None,
            "category_id": row.category_id if row else None,
            "jurisdiction_id": target.jurisdiction_id,
        },
        "event": {
            "id": target.id,
            "seq": target.seq,
            "action": target.action,
            "from_state": target.from_state,
            "to_state": target.to_state,
            "at": target.at.isoformat() if target.at else None,
            "actor_role": target.actor_role,
            "comment": target.comment,
        },
    }
    connection.execute(
        insert(OutboxMessage).values(
            event_type=payload["type"],
            jurisdiction_id=target.jurisdiction_id,
            case_id=target.case_id,
            case_event_id=target.id,
            payload=payload,
            created_at=utcnow(),
        )
    )


if not event.contains(CaseEvent, "after_insert", _capture_case_event):
    event.listen(CaseEvent, "after_insert", _capture_case_event)
