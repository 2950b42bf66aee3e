"""API shapes of notifications (Pydantic 2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class NotificationOut(BaseModel):
    id: int
    # pre_overdue (时限预警) | supervised (督办)
    kind: str
    case_id: int
    case_number: str
    description: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class NotificationList(BaseModel):
    items: list[NotificationOut]
    unread: int


class MarkedRead(BaseModel):
    marked: int
    unread: int


class QueueUnread(BaseModel):
    """Per work list: the cases that arrived since the user last opened it."""

    queues: dict[str, int]


class QueueSeen(BaseModel):
    queue: str
    seen_at: datetime
