from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from urbangrid.db import Base
from urbangrid.kit.types import BigIntPK


class Category(Base):
    """A 小类 of the directory: 5-digit code = 2-digit 大类 + 3-digit 小类.

    ``kind`` is ``component`` (管理部件) or ``matter`` (管理事项). National codes come from
    GB/T 47678.5-2026; a city's own categories are local extensions (``is_national`` false).

    ``jurisdiction_id`` None: shared by every platform (the national directory). Set: the
    category of that platform and the platforms below it — a local category, or a local
    version of a shared one (same kind and code: its own names, default department and 立案
    条件). A platform uses, per kind and code, the nearest version up its chain (district,
    then city, then shared): ``catalog.service.categories_in``.
    """

    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("kind", "code", "jurisdiction_id"),
        # NULLs are distinct in a unique constraint: the shared directory needs its own.
        Index(
            "uq_categories_shared_kind_code",
            "kind",
            "code",
            unique=True,
            sqlite_where=text("jurisdiction_id IS NULL"),
            postgresql_where=text("jurisdiction_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(
        ForeignKey("jurisdictions.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(5), index=True)
    big_code: Mapped[str] = mapped_column(String(2))
    big_name: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    is_national: Mapped[bool] = mapped_column(Boolean, default=True)
    # The code of the old GB/T 30428.2-2013 regime (4 digits) a city table used, if any.
    legacy_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # The city's own name where it differs from the national name.
    local_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    pinyin: Mapped[str] = mapped_column(String(64), default="")
    default_department_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Disabled (停用) on the catalogue screen: not offered for new cases; old cases keep it.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    conditions: Mapped[list[FilingCondition]] = relationship(
        back_populates="category",
        order_by="FilingCondition.seq",
        cascade="all, delete-orphan",
    )


class FilingCondition(Base):
    """立案条件 with its disposal time limit (处置时限) and closing condition (结案条件)."""

    __tablename__ = "filing_conditions"
    __table_args__ = (UniqueConstraint("category_id", "description"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str] = mapped_column(Text)
    time_limit_value: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    # work_hour | work_day | urgent_hour | urgent_day | natural_day
    time_limit_unit: Mapped[str] = mapped_column(String(32))
    # The limit as the city wrote it (e.g. 2紧急工作时), kept for display and round trips.
    time_limit_raw: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closing_condition: Mapped[str] = mapped_column(Text, default="")
    default_department_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Retired conditions stay for the cases that cite them.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    category: Mapped[Category] = relationship(back_populates="conditions")
