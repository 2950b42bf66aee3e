"""One table for the records of every register (台账); a record's typed fields are JSON,
checked against its register's :class:`~urbangrid.registers.spec.RegisterSpec`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urbangrid.db import Base
from urbangrid.kit.types import BigIntPK, JSONType, UTCDateTime, utcnow


class RegisterRecord(Base):
    __tablename__ = "register_records"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "register", "code"),
        Index("ix_register_records_register_street", "jurisdiction_id", "register", "street_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    register: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # WGS-84 GeoJSON geometry, and its representative point (a polygon's point on surface).
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    grid_id: Mapped[int | None] = mapped_column(
        ForeignKey("grids.id", ondelete="SET NULL"), nullable=True
    )
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), nullable=True
    )
    street_id: Mapped[int | None] = mapped_column(
        ForeignKey("streets.id", ondelete="SET NULL"), nullable=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
