"""Notifications service: who is told about a case event, a user's notifications (the bell)
and its work-list marks (the menu's unread counts).

``after_event`` is called by :func:`urbangrid.cases.service.perform_action` for every event
it records (the SLA watcher's ``warn`` too), in the same transaction: a case that turns
yellow tells the users responsible for its current stage once (预警), a 督办 tells the
responsible department's users. Reading goes through the visibility policy: a user never
sees a notification about a case it no longer reads (404, as for one that does not exist).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import principal_for
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.queries import case_scope
from urbangrid.kit.errors import NotFound
from urbangrid.kit.types import utcnow
from urbangrid.notify.models import Notification, WorklistMark
from urbangrid.notify.rules import Kind, kind_of, stage_queues
from urbangrid.org.models import Department, User, UserGrid, UserRole
from urbangrid.org.roles import Role
from urbangrid.web.queue_query import check_queue, holds
from urbangrid.web.worklists import QUEUES, Scope

# ---------------------------------------------------------------- who is told


def after_event(session: Session, case: Case, event: CaseEvent) -> list[Notification]:
    """The notifications one case event makes (none for most events), added to the session."""
    kind = kind_of(event.action, event.data)
    if kind is None:
        return []
    if kind is Kind.SUPERVISED and case.department_id is not None:
        users = department_users(session, case)
    else:
        users = stage_users(session, case)
    data: dict[str, Any] = {"number": case.number, "status": case.status}
    if kind is Kind.PRE_OVERDUE:
        data["due_at"] = case.due_at.isoformat() if case.due_at else None
    if event.comment:
        data["comment"] = event.comment[:500]
    rows = [
        Notification(
            user_id=uid,
            case_id=case.id,
            case_event_id=event.id,
            kind=kind.value,
            data=data,
            created_at=event.at,
        )
        for uid in sorted(users)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def _users_with_roles(session: Session, case: Case, roles: Iterable[str]) -> list[User]:
    """Active users of the case's platform (or of none: the root) holding one of ``roles``."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.is_active.is_(True),
                or_(User.jurisdiction_id == case.jurisdiction_id, User.jurisdiction_id.is_(None)),
                User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(sorted(roles)))),
            )
            .order_by(User.id)
        )
    )


def _unit_and_parents(session: Session, department_id: int) -> set[int]:
    """The department and the units above it (whose handlers' lists hold its cases)."""
    out: set[int] = set()
    current: int | None = department_id
    while current is not None and current not in out:
        out.add(current)
        current = session.scalar(select(Department.parent_id).where(Department.id == current))
    return out


def stage_users(session: Session, case: Case) -> set[int]:
    """The users whose work lists hold the case in its current state (``rules.stage_queues``),
    asked with the lists' own query (``web.queue_query``)."""
    found: set[int] = set()
    for name in stage_queues(case.status):
        queue = QUEUES[name]
        candidates = _users_with_roles(session, case, (r.value for r in queue.roles))
        if queue.scope is Scope.DEPARTMENT:
            if case.department_id is None:
                continue
            units = _unit_and_parents(session, case.department_id)
            candidates = [u for u in candidates if u.department_id in units]
        elif queue.scope is Scope.GRIDS:
            in_grid = set(
                session.scalars(select(UserGrid.user_id).where(UserGrid.grid_id == case.grid_id))
            )
            candidates = [
                u for u in candidates if u.id == case.task_inspector_id or u.id in in_grid
            ]
        for user in candidates:
            if user.id not in found and holds(session, principal_for(user), name, case.id):
                found.add(user.id)
    return found


def department_users(session: Session, case: Case) -> set[int]:
    """督办: the handlers of the department holding the case (and of the units above it)
    who read it."""
    assert case.department_id is not None
    units = _unit_and_parents(session, case.department_id)
    handlers = _users_with_roles(session, case, [Role.DEPARTMENT_HANDLER.value])
    return {
        u.id
        for u in handlers
        if u.department_id in units and case_scope(session, principal_for(u)).reads(case)
    }


# ---------------------------------------------------------------- the bell


@dataclass(frozen=True)
class NotificationView:
    row: Notification
    case_number: str
    description: str


def _visible(session: Session, principal: Principal) -> Any:
    """The caller's own notifications about cases it reads (the visibility policy)."""
    return (
        select(Notification, Case.number, Case.description)
        .join(Case, Case.id == Notification.case_id)
        .where(
            Notification.user_id == principal.user_id,
            case_scope(session, principal).condition(),
        )
    )


def list_notifications(
    session: Session,
    principal: Principal,
    *,
    unread_only: bool = False,
    limit: int = 30,
) -> tuple[list[NotificationView], int]:
    """The newest notifications (unread only, if asked) and how many are unread."""
    q = _visible(session, principal)
    if unread_only:
        q = q.where(Notification.read_at.is_(None))
    rows = session.execute(q.order_by(Notification.id.desc()).limit(limit)).all()
    return [NotificationView(n, number, desc or "") for n, number, desc in rows], unread_count(
        session, principal
    )


def unread_count(session: Session, principal: Principal) -> int:
    q = _visible(session, principal).where(Notification.read_at.is_(None))
    return int(session.scalar(q.with_only_columns(func.count(Notification.id))) or 0)


def mark_read(
    session: Session, principal: Principal, notification_id: int, *, now: datetime | None = None
) -> NotificationView:
    """Mark one of the caller's notifications read; 404 for one not its own or about a case
    it does not read (as for one that does not exist)."""
    found = (
        session.execute(
            _visible(session, principal).where(Notification.id == notification_id)
        ).first()
        if 0 < notification_id < 2**63
        else None
    )
    if found is None:
        raise NotFound(
            f"no notification {notification_id}",
            code="notification_not_found",
            params={"notification_id": notification_id},
        )
    row, number, desc = found
    if row.read_at is None:
        row.read_at = now or utcnow()
        session.flush()
    return NotificationView(row, number, desc or "")


def mark_all_read(session: Session, principal: Principal, *, now: datetime | None = None) -> int:
    """Mark every unread notification of the caller (about cases it reads) read."""
    ids = list(
        session.scalars(
            _visible(session, principal)
            .where(Notification.read_at.is_(None))
            .with_only_columns(Notification.id)
        )
    )
    if ids:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(ids))
            .values(read_at=now or utcnow())
            .execution_options(synchronize_session=False)
        )
    return len(ids)


# ---------------------------------------------------------------- work-list marks


def seen_marks(session: Session, principal: Principal) -> dict[str, datetime]:
    """When the user last opened each of its work lists."""
    rows = session.execute(
        select(WorklistMark.queue, WorklistMark.seen_at).where(
            WorklistMark.user_id == principal.user_id
        )
    )
    return {queue: seen_at for queue, seen_at in rows}


def mark_seen(
    session: Session, principal: Principal, queue_name: str, *, now: datetime | None = None
) -> datetime:
    """The user opened a work list: what is in it now is seen (404 / 403 as for the list)."""
    queue = check_queue(principal, queue_name)
    if queue.scope is Scope.READ:
        # Case search has no unread count.
        raise NotFound(
            f"the {queue_name} list has no unread count",
            code="worklist_not_found",
            params={"queue": queue_name},
        )
    now = now or utcnow()
    row = session.get(WorklistMark, (principal.user_id, queue_name))
    if row is None:
        session.add(WorklistMark(user_id=principal.user_id, queue=queue_name, seen_at=now))
    else:
        row.seen_at = now
    session.flush()
    return now
