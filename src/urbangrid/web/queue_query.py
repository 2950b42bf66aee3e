"""The one query of a work list's cases (工作台), and what "arrived since" means for it.

Kept apart from :mod:`urbangrid.web.queries` (which reads names through the case service)
so the notifications (:mod:`urbangrid.notify`), which the case service calls, can ask whose
list holds a case with the very query the lists use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from urbangrid.auth.principal import Principal
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.queries import case_scope, inspector_task_condition, task_pool_condition
from urbangrid.cases.workflow import Action
from urbangrid.kit.errors import Forbidden, NotFound
from urbangrid.web.worklists import QUEUES, Queue, Scope, may_use

# Actions that hand a case to another holder without a change of state: it arrives in the
# new holder's list (转派 to a sub-unit, 派发 to an inspector, 派遣到区).
_HANDOVERS = (Action.FORWARD.value, Action.ASSIGN_INSPECTOR.value, Action.TRANSFER.value)


def check_queue(principal: Principal, queue_name: str) -> Queue:
    """The work list ``queue_name`` if the caller may open it (404 unknown, 403 not its role)."""
    queue = QUEUES.get(queue_name)
    if queue is None:
        raise NotFound(
            f"no work list {queue_name!r}",
            code="worklist_not_found",
            params={"queue": queue_name},
            queues=sorted(QUEUES),
        )
    if not may_use(queue, principal.roles):
        raise Forbidden(
            f"the {queue_name} list is not for your role",
            code="worklist_forbidden",
            params={"queue": queue_name},
        )
    return queue


def queue_base(session: Session, principal: Principal, queue_name: str) -> Any:
    """The cases a work list draws from. Case search (all, open) shows what the user reads;
    a work list what the user may act on (its own platform; a department's list its units'
    cases; an inspector's its grids and tasks)."""
    queue = QUEUES[queue_name]
    scope = case_scope(session, principal)
    if queue.scope is Scope.READ:
        return select(Case).where(scope.condition())
    q = select(Case).where(scope.acting_condition())
    is_admin = "admin" in principal.roles
    if queue.scope is Scope.DEPARTMENT and not is_admin:
        if principal.department_id is None:
            raise Forbidden("your account has no department")
        units = scope.department_ids or frozenset({principal.department_id})
        q = q.where(Case.department_id.in_(sorted(units)))
    elif queue.scope is Scope.GRIDS and not is_admin:
        # The tasks sent to it and its grids' tasks sent to nobody (cases.tasks).
        q = q.where(inspector_task_condition(principal.user_id, principal.grid_ids))
    elif queue.scope is Scope.POOL:
        q = q.where(task_pool_condition())
    return q


def arrived_since(queue: Queue, user_id: int, since: datetime) -> ColumnElement[bool]:
    """The case entered ``queue`` after ``since`` by someone else's step: an event since then
    moved it into one of the list's states from outside them (or handed it to a new holder),
    and the user was not the one who took it."""
    states = [s.value for s in queue.statuses]
    return exists().where(
        CaseEvent.case_id == Case.id,
        CaseEvent.at > since,
        CaseEvent.to_state.in_(states),
        or_(
            CaseEvent.from_state.is_(None),
            CaseEvent.from_state.not_in(states),
            CaseEvent.action.in_(_HANDOVERS),
        ),
        or_(CaseEvent.actor_id.is_(None), CaseEvent.actor_id != user_id),
    )


def holds(session: Session, principal: Principal, queue_name: str, case_id: int) -> bool:
    """Whether the user's work list ``queue_name`` holds the case now."""
    queue = QUEUES[queue_name]
    q = queue_base(session, principal, queue_name).where(
        and_(Case.id == case_id, Case.status.in_([s.value for s in queue.statuses]))
    )
    return session.scalar(q.with_only_columns(Case.id)) is not None
