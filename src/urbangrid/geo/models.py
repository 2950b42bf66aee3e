"""Geo base data tables: addresses (门牌地址) and the components inventory (部件普查).

Boundaries and unit grids live in :mod:`urbangrid.org.models` (jurisdictions, streets,
communities, grids). Points are WGS-84 longitude / latitude.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urbangrid.db import Base
from urbangrid.kit.types import BigIntPK, UTCDateTime, utcnow


class Address(Base):
    """门牌地址: a postal / door-plate address with its point."""

    __tablename__ = "addresses"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "text"),
        Index("ix_addresses_jurisdiction_norm", "jurisdiction_id", "norm"),
        Index("ix_addresses_jurisdiction_lat_lon", "jurisdiction_id", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    text: Mapped[str] = mapped_column(String(255))
    # Search forms: normalised text (NFKC, no blanks, lower case) and pinyin initials.
    norm: Mapped[str] = mapped_column(String(255))
    pinyin: Mapped[str] = mapped_column(String(255), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(
        ForeignKey("grids.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Component(Base):
    """管理部件: one managed object (manhole cover, lamp, bin …) with its 17-digit id
    (6 district + 2 大类 + 3 小类 + 6 serial, GB/T 47678.5-2026)."""

    __tablename__ = "components"
    __table_args__ = (
        Index("ix_components_jurisdiction_class", "jurisdiction_id", "class_code"),
        Index("ix_components_jurisdiction_lat_lon", "jurisdiction_id", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    code: Mapped[str] = mapped_column(String(17), unique=True)  # 管理部件标识码
    class_code: Mapped[str] = mapped_column(String(5))  # 2 大类 + 3 小类
    name: Mapped[str] = mapped_column(String(100))
    # 状态: 完好 / 破损 / 丢失 / 占用 / 废弃 / 移除
    condition: Mapped[str] = mapped_column(String(10), default="完好")
    # 主管部门 (the department routing sends its cases to)
    owner_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id"), nullable=True, index=True
    )
    owner_unit: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 权属单位
    maintainer: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 养护单位
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(
        ForeignKey("grids.id", ondelete="SET NULL"), nullable=True, index=True
    )
    initial_date: Mapped[date | None] = mapped_column(Date, nullable=True)  # 初始日期
    changed_date: Mapped[date | None] = mapped_column(Date, nullable=True)  # 变更日期
    data_source: Mapped[str | None] = mapped_column(String(20), nullable=True)  # 数据来源
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
