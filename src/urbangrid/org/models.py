"""Base data tables. Geometry is stored as GeoJSON (WGS-84) and computed on in Python."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from urbangrid.db import Base
from urbangrid.kit.types import BigIntPK, JSONType, UTCDateTime, utcnow


class Jurisdiction(Base):
    """A platform's administrative area, the partition key of the platform: a district
    (区/县, 区级平台) or a city (市级平台) whose children are its districts. Users bound to a
    jurisdiction see its subtree (``org.tree``, ``cases.queries``)."""

    __tablename__ = "jurisdictions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)  # GB/T 2260 行政区划代码
    name: Mapped[str] = mapped_column(String(100))
    # The platform above this one (a district's city); None for a top-level platform.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("jurisdictions.id"), nullable=True, index=True
    )
    # city (市级平台) | district (区级平台)
    level: Mapped[str] = mapped_column(String(16), default="district")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Coordinate system of the jurisdiction's own source data (wgs84 | gcj02 | bd09).
    source_crs: Mapped[str] = mapped_column(String(8), default="gcj02")
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    streets: Mapped[list[Street]] = relationship(back_populates="jurisdiction")


class Street(Base):
    """街道 / 乡镇 (3-digit code within the jurisdiction)."""

    __tablename__ = "streets"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    code: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(100))
    is_placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)

    jurisdiction: Mapped[Jurisdiction] = relationship(back_populates="streets")
    communities: Mapped[list[Community]] = relationship(back_populates="street")


class Community(Base):
    """社区 / 村 (3-digit code within the street)."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("street_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    code: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(100))
    is_placeholder: Mapped[bool] = mapped_column(Boolean, default=False)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)

    street: Mapped[Street] = relationship(back_populates="communities")
    grids: Mapped[list[Grid]] = relationship(back_populates="community")


class Grid(Base):
    """万米单元网格 with its 15-digit code (6 district + 3 street + 3 community + 3 seq)."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    code: Mapped[str] = mapped_column(String(15), unique=True)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    area_m2: Mapped[float | None] = mapped_column(Float, nullable=True)
    centroid_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    centroid_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Area class for evaluation bands (一类区域 / 二类区域).
    area_class: Mapped[int] = mapped_column(default=2)

    community: Mapped[Community] = relationship(back_populates="grids")


class Department(Base):
    """专业部门 (a tree: bureau → unit → team) or a street office (街道办事处) handling the
    cases of its street (属地管理): both receive dispatched cases; a handler sees the cases
    held by its department and its sub-units."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    # Trade of the department (环卫, 市政, 园林 ...), used by routing defaults.
    kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Set for a street office (街道): the street whose cases it handles.
    street_id: Mapped[int | None] = mapped_column(
        ForeignKey("streets.id"), nullable=True, index=True
    )
    contact_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email: Mapped[str | None] = mapped_column(String(128), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Department | None] = relationship(remote_side="Department.id")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    jurisdiction_id: Mapped[int | None] = mapped_column(
        ForeignKey("jurisdictions.id"), nullable=True, index=True
    )
    # A department handler's department (scope).
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id"), nullable=True, index=True
    )
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # 请假 / 不在岗: an absent inspector gets no 核实 / 核查 task; its grids' tasks go to the
    # shift lead's pool (待派发, ``cases.tasks``).
    on_leave: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )
    grids: Mapped[list[UserGrid]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )
    department: Mapped[Department | None] = relationship()

    @property
    def role_names(self) -> list[str]:
        return sorted(r.role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class UserGrid(Base):
    """An inspector's patrol grids (scope)."""

    __tablename__ = "user_grids"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    grid_id: Mapped[int] = mapped_column(
        ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True, index=True
    )

    user: Mapped[User] = relationship(back_populates="grids")
