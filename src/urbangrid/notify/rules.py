"""Which case events become notifications, and whose work lists are responsible for a case
in a state. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from urbangrid.cases.workflow import Action, Status
from urbangrid.web.worklists import QUEUES, Scope


class Kind(StrEnum):
    PRE_OVERDUE = "pre_overdue"  # 时限预警: the SLA watcher turned the case yellow
    SUPERVISED = "supervised"  # 督办


def kind_of(action: str, data: Mapping[str, Any] | None) -> Kind | None:
    """The notification a case event makes, if any."""
    if action == Action.WARN.value and (data or {}).get("level") == "yellow":
        return Kind.PRE_OVERDUE
    if action == Action.SUPERVISE.value:
        return Kind.SUPERVISED
    return None


# The department's to-do list: while a case is there, the department is responsible.
DISPOSAL_QUEUE = "department"


def stage_queues(status: str) -> tuple[str, ...]:
    """The work lists whose users are responsible for a case in ``status``: the department's
    while it is being disposed of (处置, also while a request of its waits); otherwise every
    list holding the state (受理员 / 值班长 / 派遣员 for the centre's stages; the inspector
    the task is with, or the shift lead's pool, for 核实 / 核查)."""
    try:
        state = Status(status)
    except ValueError:
        return ()
    if state in QUEUES[DISPOSAL_QUEUE].statuses:
        return (DISPOSAL_QUEUE,)
    return tuple(
        name for name, q in QUEUES.items() if q.scope is not Scope.READ and state in q.statuses
    )
