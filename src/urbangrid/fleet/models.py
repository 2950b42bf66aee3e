"""Vehicle position fixes, as terminals report them (one row a fix)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from urbangrid.db import Base
from urbangrid.kit.types import BigIntPK, UTCDateTime


class VehiclePosition(Base):
    """A fix of a vehicle terminal (its JT/T 808 phone number or any id the gateway gives),
    WGS-84. A terminal resending a fix (same terminal, same second) is stored once."""

    __tablename__ = "fleet_positions"
    __table_args__ = (
        Index("uq_fleet_positions_terminal_time", "jurisdiction_id", "terminal", "t", unique=True),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    terminal: Mapped[str] = mapped_column(String(20))
    t: Mapped[datetime] = mapped_column(UTCDateTime)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    speed_kmh: Mapped[float] = mapped_column(Float, default=0.0)
    heading: Mapped[int] = mapped_column(SmallInteger, default=0)
    alarm: Mapped[int] = mapped_column(Integer, default=0)
