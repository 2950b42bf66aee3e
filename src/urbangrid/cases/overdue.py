"""The one definition of 超时 (overdue) and 即将超时 (due soon) for every screen.

Case search, the dashboard's cards and the command map's grid counts all count with
:func:`overdue_condition`, so the same data gives the same numbers everywhere:

- **open overdue** (超时未结): the case is open, its clock runs (not 挂账 / suspended) and it
  is past its deadline — ``due_at`` has passed, or the SLA watcher already turned it red
  (between two scans the clock is checked here as well). This is exactly the red traffic
  light of :func:`urbangrid.web.worklists.light_at`.
- **closed late** (超时结案): the case was closed (结案) and its department finished after the
  disposal deadline (``handled_overdue``, set at 反馈 and kept after closing; the same verdict
  the dashboard's on-time rate counts).
- **due soon** (即将超时): open, clock running, not yet overdue, inside the warning window
  (``warn_at`` has passed, or the watcher turned it yellow): the yellow light.

A closed, voided or refused case is never open overdue nor due soon, whatever its stored
warning level says (the level is frozen at closing)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from urbangrid.cases.models import Case
from urbangrid.cases.workflow import OPEN_VALUES, Status


class Overdue(StrEnum):
    """The values of the ``overdue`` filter."""

    OPEN = "open"  # 超时未结
    CLOSED_LATE = "closed_late"  # 超时结案
    DUE_SOON = "due_soon"  # 即将超时


# Open states whose clock runs (挂账 stops it).
CLOCK_VALUES = tuple(s for s in OPEN_VALUES if s != Status.SUSPENDED.value)


def _past_due(now: datetime) -> ColumnElement[bool]:
    # NULL-safe: it is negated for "due soon", and NOT (NULL OR false) would drop the row.
    return or_(and_(Case.due_at.is_not(None), Case.due_at <= now), Case.warning_level == "red")


def overdue_condition(kind: Overdue | str, now: datetime) -> ColumnElement[bool]:
    """SQL: the case is ``kind`` at ``now`` (see the module docstring)."""
    kind = Overdue(kind)
    if kind is Overdue.OPEN:
        return and_(Case.status.in_(CLOCK_VALUES), _past_due(now))
    if kind is Overdue.DUE_SOON:
        return and_(
            Case.status.in_(CLOCK_VALUES),
            not_(_past_due(now)),
            or_(Case.warn_at <= now, Case.warning_level == "yellow"),
        )
    return and_(Case.status == Status.CLOSED.value, Case.handled_overdue.is_(True))


def overdue_kind(
    status: str,
    due_at: datetime | None,
    warn_at: datetime | None,
    warning_level: str | None,
    handled_overdue: bool,
    now: datetime,
) -> Overdue | None:
    """The same rule for one case in Python (the list's flags; kept equal to the SQL by
    ``tests/cases/test_overdue.py``)."""
    if status == Status.CLOSED.value:
        return Overdue.CLOSED_LATE if handled_overdue else None
    if status not in CLOCK_VALUES:
        return None
    if (due_at is not None and due_at <= now) or warning_level == "red":
        return Overdue.OPEN
    if (warn_at is not None and warn_at <= now) or warning_level == "yellow":
        return Overdue.DUE_SOON
    return None
