"""违法建设: enforcement steps taken on a register record, and change-patch batches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urbangrid.db import Base
from urbangrid.kit.types import BigIntPK, JSONType, UTCDateTime, utcnow


class EnforcementStep(Base):
    """One step of the procedure (制止, 认定, 限期拆除决定 …) taken on an illegal building."""

    __tablename__ = "construction_steps"
    __table_args__ = (
        UniqueConstraint("record_id", "code"),
        Index("ix_construction_steps_jurisdiction_day", "jurisdiction_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("register_records.id"))
    code: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)  # local date the step was taken
    document_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    party_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    # m² taken down, for a demolition step (自行拆除 / 强制拆除).
    area_m2: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # upload ids
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PatchBatch(Base):
    """A batch of change patches (图斑) from satellite monitoring, a drone comparison or a
    change-detection model."""

    __tablename__ = "construction_patch_batches"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "name"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))  # satellite | drone | model
    notes: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # repairs reported
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Patch(Base):
    __tablename__ = "construction_patches"
    __table_args__ = (
        UniqueConstraint("batch_id", "ref"),
        Index("ix_construction_patches_grid", "jurisdiction_id", "grid_id", "verdict"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("construction_patch_batches.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    ref: Mapped[str] = mapped_column(String(64))  # 图斑编号
    geometry: Mapped[dict[str, Any]] = mapped_column(JSONType)  # WGS-84 GeoJSON
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(
        ForeignKey("grids.id", ondelete="SET NULL"), nullable=True
    )
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), nullable=True
    )
    street_id: Mapped[int | None] = mapped_column(
        ForeignKey("streets.id", ondelete="SET NULL"), nullable=True
    )
    area_m2: Mapped[float] = mapped_column(Float)
    t1: Mapped[date | None] = mapped_column(Date, nullable=True)
    t2: Mapped[date | None] = mapped_column(Date, nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    image_before: Mapped[str | None] = mapped_column(String(500), nullable=True)
    image_after: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # known | rebuilt | new | duplicate (of an earlier patch, no task of its own)
    match: Mapped[str] = mapped_column(String(16))
    matched_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("register_records.id"), nullable=True
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("construction_patches.id"), nullable=True
    )
    overlap_m2: Mapped[float] = mapped_column(Float, default=0.0)
    # 核查 verdict: legal (with permit) | not_building | illegal; None while pending.
    verdict: Mapped[str | None] = mapped_column(String(16), nullable=True)
    permit_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    verdict_note: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("register_records.id"), nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
