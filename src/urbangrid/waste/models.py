"""Drop-point inspections (投放点检查) and the cases their failed items opened."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urbangrid.db import Base
from urbangrid.kit.types import BigIntPK, JSONType, UTCDateTime, utcnow


class WasteInspection(Base):
    __tablename__ = "waste_inspections"
    __table_args__ = (Index("ix_waste_inspections_point_time", "point_id", "inspected_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("register_records.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The checklist as answered (bins_checked / bins_wrong per category, flags).
    checklist: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # [{"item", "matter_code", "text", "case_id"}] — one per failed item.
    failures: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WeighTicket(Base):
    """过磅单: a load weighed at a facility's weighbridge (transfer station, treatment plant)."""

    __tablename__ = "waste_weigh_tickets"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "ticket_no"),
        Index("ix_waste_weigh_tickets_time", "jurisdiction_id", "weighed_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    ticket_no: Mapped[str] = mapped_column(String(64))
    facility_id: Mapped[int] = mapped_column(ForeignKey("register_records.id"))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("register_records.id"), nullable=True)
    category: Mapped[str] = mapped_column(String(16))  # a CATEGORY_LABELS value
    weighed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    gross_kg: Mapped[float] = mapped_column(Float)
    tare_kg: Mapped[float] = mapped_column(Float)
    net_kg: Mapped[float] = mapped_column(Float)


class WasteViolation(Base):
    """A violation of the collection rules (混装混运, 漏收, 磅单与趟次不符) the checks found, and
    the case it opened. ``key`` (rule, day, site, vehicle) is what one case is about: a check
    run again, or over an overlapping period, finds the key and opens nothing."""

    __tablename__ = "waste_violations"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "key"),
        Index("ix_waste_violations_day", "jurisdiction_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    key: Mapped[str] = mapped_column(String(96))
    rule: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("register_records.id"), nullable=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("register_records.id"), nullable=True)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ticket_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
