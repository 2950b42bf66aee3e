"""Work lists (工作台): which cases each role's queue holds, and the traffic light. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from urbangrid.cases.workflow import TERMINAL, Action, Status, action_roles
from urbangrid.org.roles import Role


class Scope(StrEnum):
    """Which cases a list draws from, within the visibility policy (``cases.queries``)."""

    READ = "read"  # case search: every case the user reads (a city: its districts too)
    JURISDICTION = "jurisdiction"  # cases of the user's own platform it may act on
    DEPARTMENT = "department"  # cases held by the user's department or its sub-units
    GRIDS = "grids"  # an inspector's tasks: its patrol grids and the tasks sent to it
    POOL = "pool"  # 待派发: tasks no present inspector holds (``cases.tasks``)


@dataclass(frozen=True)
class Queue:
    """A work list: the case states it shows, who may open it and how it is scoped."""

    name: str
    statuses: tuple[Status, ...]
    roles: frozenset[Role]
    scope: Scope = Scope.JURISDICTION


_S = Status
_OPEN = tuple(s for s in Status if s not in TERMINAL)


def _for(*actions: Action) -> frozenset[Role]:
    """A work list is for the roles that may take its actions (the workflow's rules), so
    nobody sees a list, menu entry or button for what the server would refuse them."""
    return frozenset(Role(r) for r in action_roles(*actions))


QUEUES: dict[str, Queue] = {
    q.name: q
    for q in (
        # 受理: new reports from every channel, and 自处理 waiting for review.
        Queue(
            "intake",
            (_S.PENDING_INTAKE, _S.SELF_HANDLE_REVIEW),
            _for(Action.ACCEPT_REPORT),
        ),
        # 立案 (or 不予立案 / 作废), decided by the shift lead (not the 受理员).
        Queue("filing", (_S.PENDING_FILING,), _for(Action.FILE, Action.NOT_FILE)),
        # 派遣, plus the extension / suspension requests the dispatcher approves.
        Queue(
            "dispatch",
            (_S.PENDING_DISPATCH, _S.EXTENSION_PENDING, _S.SUSPENSION_PENDING),
            _for(Action.DISPATCH, Action.APPROVE_EXTENSION, Action.APPROVE_SUSPENSION),
        ),
        # The department's to-do: accept, handle, feed back; waiting requests; suspended.
        Queue(
            "department",
            (
                _S.DISPATCHED,
                _S.HANDLING,
                _S.EXTENSION_PENDING,
                _S.SUSPENSION_PENDING,
                _S.SUSPENDED,
            ),
            _for(Action.DEPARTMENT_ACCEPT, Action.FEEDBACK),
            Scope.DEPARTMENT,
        ),
        # 值班长审批: 延期, 挂账, 结案 (作废 is decided in the intake and filing lists).
        Queue(
            "approvals",
            (_S.EXTENSION_PENDING, _S.SUSPENSION_PENDING, _S.PENDING_CLOSE),
            _for(Action.CLOSE),
        ),
        # 核实 and 核查 tasks of an inspector (我的任务): sent to it, or of its grids and sent
        # to nobody.
        Queue(
            "checks",
            (_S.PENDING_VERIFY, _S.PENDING_CHECK),
            _for(Action.VERIFY, Action.CHECK_PASS),
            Scope.GRIDS,
        ),
        # 待派发核实核查: the shift lead's pool of tasks no present inspector holds (a grid
        # without one, an inspector on leave); 派发 sends each to a named inspector.
        Queue(
            "pool",
            (_S.PENDING_VERIFY, _S.PENDING_CHECK),
            frozenset({Role.SHIFT_LEAD}),
            Scope.POOL,
        ),
        # Case search: every state, every role but the field inspectors.
        Queue("all", tuple(Status), frozenset(Role) - {Role.INSPECTOR}, Scope.READ),
        Queue("open", _OPEN, frozenset(Role) - {Role.INSPECTOR}, Scope.READ),
    )
}


def may_use(queue: Queue, roles: frozenset[Role]) -> bool:
    return Role.ADMIN in roles or bool(queue.roles & roles)


class Light(StrEnum):
    """The traffic light of a case (green / yellow ≥ yellow share / red overdue)."""

    NONE = "none"  # no running deadline (closed, suspended)
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


_RANK = {Light.NONE: 0, Light.GREEN: 1, Light.YELLOW: 2, Light.RED: 3}
# Plain-string lookups: this runs once per point for the 50,000-case map.
_NO_CLOCK = frozenset({s.value for s in TERMINAL} | {Status.SUSPENDED.value})
_STORED = {"green": Light.GREEN, "yellow": Light.YELLOW, "red": Light.RED}


def light_at(
    now: datetime,
    due_at: datetime | None,
    warn_at: datetime | None,
    stored: str | None = None,
    status: str | None = None,
) -> Light:
    """The light now. The stored level (set by the SLA watcher) is a floor: between two
    scans a case may already have turned, so the clock is checked here as well."""
    if status is not None and status in _NO_CLOCK:
        return Light.NONE
    floor = _STORED.get(stored or "")
    if due_at is None:
        return floor or Light.NONE
    if now >= due_at:
        return Light.RED
    computed = Light.YELLOW if warn_at is not None and now >= warn_at else Light.GREEN
    if floor is None:
        return computed
    return computed if _RANK[computed] >= _RANK[floor] else floor
