"""Notifications API: the bell (预警, 督办) and the work lists' unread counts."""

from __future__ import annotations

from fastapi import APIRouter, Query

from urbangrid.api.deps import CurrentPrincipal, DbSession
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.notify import service
from urbangrid.notify.schemas import (
    MarkedRead,
    NotificationList,
    NotificationOut,
    QueueSeen,
    QueueUnread,
)
from urbangrid.web import queries

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


def _out(view: service.NotificationView) -> NotificationOut:
    row = view.row
    return NotificationOut(
        id=row.id,
        kind=row.kind,
        case_id=row.case_id,
        case_number=view.case_number,
        description=view.description[:120],
        data=row.data or {},
        created_at=row.created_at,
        read_at=row.read_at,
    )


@router.get(
    "",
    response_model=NotificationList,
    summary="My newest notifications (about cases I read) and how many are unread",
    **scoped(RouteScope.CASES),
)
def list_notifications(
    principal: CurrentPrincipal,
    db: DbSession,
    unread_only: bool = False,
    limit: int = Query(30, ge=1, le=100),
) -> NotificationList:
    views, unread = service.list_notifications(db, principal, unread_only=unread_only, limit=limit)
    return NotificationList(items=[_out(v) for v in views], unread=unread)


@router.post(
    "/read-all",
    response_model=MarkedRead,
    summary="Mark all my notifications read",
    **scoped(RouteScope.CASES),
)
def read_all(principal: CurrentPrincipal, db: DbSession) -> MarkedRead:
    marked = service.mark_all_read(db, principal)
    return MarkedRead(marked=marked, unread=service.unread_count(db, principal))


@router.post(
    "/{notification_id}/read",
    response_model=NotificationOut,
    summary="Mark one of my notifications read",
    responses={404: {"description": "not yours, or about a case you do not read"}},
    **scoped(RouteScope.CASE),
)
def read_one(notification_id: int, principal: CurrentPrincipal, db: DbSession) -> NotificationOut:
    return _out(service.mark_read(db, principal, notification_id))


@router.get(
    "/worklists",
    response_model=QueueUnread,
    summary="Per work list: the cases that arrived since I last opened it",
    **scoped(RouteScope.CASES),
)
def worklists_unread(principal: CurrentPrincipal, db: DbSession) -> QueueUnread:
    marks = service.seen_marks(db, principal)
    return QueueUnread(queues=queries.queue_counts(db, principal, seen=marks))


@router.post(
    "/worklists/{queue}/seen",
    response_model=QueueSeen,
    summary="I opened this work list: what is in it now is seen",
    responses={403: {"description": "not your role"}, 404: {"description": "no such list"}},
    **scoped(RouteScope.CASES),
)
def worklist_seen(queue: str, principal: CurrentPrincipal, db: DbSession) -> QueueSeen:
    return QueueSeen(queue=queue, seen_at=service.mark_seen(db, principal, queue))
