"""Drop-point inspections (投放点检查) and the cases their failed items opened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Text
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
