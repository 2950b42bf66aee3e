"""Notification tables: a user's notifications about cases (预警, 督办), and the marks of
when each user last opened each of its work lists (the menu's unread counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from urbangrid.db import Base
from urbangrid.kit.types import BigIntPK, JSONType, UTCDateTime, utcnow


class Notification(Base):
    """One notification to one user about one case event (预警 at yellow, 督办). At most
    one per user and event, so a watcher round that runs twice tells nobody twice."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "case_event_id"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    case_event_id: Mapped[int] = mapped_column(BigInteger)
    # pre_overdue (时限预警: the case turned yellow) | supervised (督办)
    kind: Mapped[str] = mapped_column(String(16))
    # What the event said when it happened (number, level, the 督办 reason, deadline).
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WorklistMark(Base):
    """When a user last opened one of its work lists: cases that arrived in the list after
    it are the list's unread count (kept on the server, so it is right on every device)."""

    __tablename__ = "worklist_marks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    queue: Mapped[str] = mapped_column(String(24), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
