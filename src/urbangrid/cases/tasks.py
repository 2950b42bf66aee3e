"""Who holds a 核实 / 核查 task (task assignment) — pure rules, no I/O.

A case waiting for 核实 (verify) or 核查 (check) is a task for one inspector:

1. the inspector it was sent to (派发, ``cases.task_inspector_id``) while that inspector is
   present (active, not on leave);
2. else the present inspectors of the case's grid (its patrol inspectors);
3. else the **pool** (待派发核实核查) of the case's platform: its shift lead (值班长) sees
   it there and 派发s it to a named inspector of the platform.

So no task goes to nobody: a grid without an inspector, an inspector on leave (请假) or
one disabled since the 派发 all put the task in the pool. ``cases.queries`` holds the same
rule in SQL (``task_pool_condition`` and ``inspector_task_condition``); the tests check the
two agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from urbangrid.cases.workflow import Status
from urbangrid.org.roles import Role

# The states in which a case is an inspector's task.
TASK_STATES = frozenset({Status.PENDING_VERIFY, Status.PENDING_CHECK})
TASK_STATE_VALUES = tuple(sorted(s.value for s in TASK_STATES))


@dataclass(frozen=True)
class Inspector:
    """What the rule needs to know of a user who might take a task."""

    id: int
    jurisdiction_id: int | None
    roles: frozenset[str]
    is_active: bool = True
    on_leave: bool = False

    @property
    def is_inspector(self) -> bool:
        return Role.INSPECTOR.value in self.roles

    @property
    def present(self) -> bool:
        """May take a task now (在岗)."""
        return self.is_active and self.is_inspector and not self.on_leave


@dataclass(frozen=True)
class TaskHolder:
    """Where a task is: with ``inspector_ids`` (one, or a grid's several), or in the pool."""

    inspector_ids: tuple[int, ...] = ()
    sent: bool = False  # held because it was sent (派发), not because of the grid

    @property
    def pooled(self) -> bool:
        return not self.inspector_ids


POOL = TaskHolder()


def task_holder(
    status: Status | str,
    sent_to: Inspector | None,
    grid_inspectors: Sequence[Inspector],
) -> TaskHolder | None:
    """Who holds the case's task now; None when the case is no task (another state)."""
    if Status(status) not in TASK_STATES:
        return None
    if sent_to is not None:
        return TaskHolder((sent_to.id,), sent=True) if sent_to.present else POOL
    present = tuple(sorted(i.id for i in grid_inspectors if i.present))
    return TaskHolder(present) if present else POOL


def assignment_problem(
    candidate: Inspector | None,
    jurisdiction_id: int,
    *,
    user_id: int,
    current: int | None = None,
) -> str | None:
    """Why ``candidate`` may not be sent the task of a case of ``jurisdiction_id`` (派发),
    or None. A user of another platform is answered as one that does not exist."""
    if candidate is None or candidate.jurisdiction_id != jurisdiction_id:
        return f"no user {user_id} on this platform"
    if not candidate.is_inspector:
        return f"user {user_id} is not an inspector (监督员): a task goes to an inspector"
    if not candidate.is_active:
        return f"inspector {user_id} is disabled"
    if candidate.on_leave:
        return f"inspector {user_id} is on leave (请假): choose a present inspector"
    if current is not None and current == candidate.id:
        return f"the task is already with inspector {user_id}"
    return None
