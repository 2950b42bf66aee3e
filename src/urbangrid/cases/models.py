"""Case tables: the case (with a snapshot of its workflow state), its immutable events,
attachments, routing rules and the per-jurisdiction, per-year number counter.

The workflow state is rebuilt from ``case_events`` by :func:`urbangrid.cases.workflow.rebuild`;
the columns of ``cases`` are a snapshot of it kept for queries (filters, SLA watcher,
indicators), written in the same transaction as the event.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from urbangrid.db import Base
from urbangrid.kit.types import BigIntPK, JSONType, UTCDateTime, utcnow


class Case(Base):
    """案件."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "number"),
        Index("ix_cases_jurisdiction_status", "jurisdiction_id", "status"),
        Index("ix_cases_open_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    # inspector | hotline | web | video | sensor | leader | media (workflow.Source)
    source: Mapped[str] = mapped_column(String(16), index=True)
    # Id of the report in the channel it came from (Open311 request, hotline work order).
    external_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id"), nullable=True, index=True
    )
    filing_condition_id: Mapped[int | None] = mapped_column(
        ForeignKey("filing_conditions.id"), nullable=True
    )
    # Location, WGS-84, and where it falls.
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True, index=True)
    grid_code: Mapped[str | None] = mapped_column(String(15), nullable=True, index=True)
    street_id: Mapped[int | None] = mapped_column(
        ForeignKey("streets.id"), nullable=True, index=True
    )
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id"), nullable=True, index=True
    )
    # A managed component (部件) the case is about; the geo package owns that table.
    component_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The register record (台账) the case is about (a waste-sorting estate, an illegal
    # building): its responsible unit is the dispatch suggestion.
    subject_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("register_records.id", ondelete="SET NULL"), nullable=True, index=True
    )
    address: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    reporter_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reporter_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # 需要回访: the caller asked to be called back (read like the phone: callback roles only).
    reporter_callback: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[str] = mapped_column(String(16), default="normal")  # normal | urgent

    # ---- workflow snapshot (see workflow.CaseState)
    status: Mapped[str] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(Integer, default=1)
    self_handled: Mapped[bool] = mapped_column(Boolean, default=False)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id"), nullable=True, index=True
    )
    # Disposal limit of the filing condition (处置时限) and the extension granted on top.
    limit_value: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    limit_unit: Mapped[str | None] = mapped_column(String(32), nullable=True)
    extension_total: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(0))
    requested_extension: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    disposal_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stage_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stage_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    warning_level: Mapped[str] = mapped_column(String(8), default="green", index=True)
    suspended_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Closed pauses of the current assignment, [[from, to], ...] as ISO strings.
    pauses: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    # Every department the case went to, in order.
    departments: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    reworks: Mapped[int] = mapped_column(Integer, default=0)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    suspensions: Mapped[int] = mapped_column(Integer, default=0)
    dispatch_count: Mapped[int] = mapped_column(Integer, default=0)
    wrong_dispatches: Mapped[int] = mapped_column(Integer, default=0)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    # The inspector a 核实 / 核查 task was sent to (派发); cleared when the case moves on.
    task_inspector_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True, index=True
    )
    supervision_count: Mapped[int] = mapped_column(Integer, default=0)
    verified_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    handled_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    closing_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Key steps.
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    department_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The version column doubles as SQLAlchemy's optimistic lock: an UPDATE that finds
    # another version raises StaleDataError (turned into 409 by the service).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.seq")


class CaseEvent(Base):
    """One immutable step of a case (audit trail). Never updated or deleted."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ... = the case version after it
    action: Mapped[str] = mapped_column(String(32), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    from_state: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_state: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    attachments: Mapped[list[Any]] = mapped_column(JSONType, default=list)

    case: Mapped[Case] = relationship(back_populates="events")


class Attachment(Base):
    """A stored file (photo) of a case. Uploaded first, then cited by an action."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(
        ForeignKey("jurisdictions.id"), nullable=True, index=True
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    # before (上报照片) | after (处置照片) | other
    kind: Mapped[str] = mapped_column(String(16), default="other")
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Path relative to settings.upload_dir.
    path: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoutingRule(Base):
    """派遣规则: category (小类 or 大类) × area (street / community / grid) → department."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    big_code: Mapped[str | None] = mapped_column(String(2), nullable=True)
    # jurisdiction | street | community | grid
    area_level: Mapped[str] = mapped_column(String(16), default="jurisdiction")
    area_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")


class CaseCounter(Base):
    """Last case number issued per jurisdiction and year."""

    __tablename__ = "case_counters"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CaseReportKey(Base):
    """The client's key of a report (the ``Idempotency-Key`` header of ``POST /cases``): a
    resend with the same key returns the case made the first time instead of a second one.
    Unique per reporting user. ``fingerprint`` is the SHA-256 of the report's content, so a
    key reused for another report is refused. ``case_id`` is set in the same transaction
    that claims the key, so a committed row always names its case."""

    __tablename__ = "case_report_keys"
    __table_args__ = (UniqueConstraint("reporter_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
