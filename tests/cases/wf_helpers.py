"""Shared helpers for the pure workflow tests: actors and a simple continuous clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from urbangrid.cases.workflow import Actor
from urbangrid.catalog.timelimits import TimeLimit, TimeUnit
from urbangrid.org.roles import Role

_SECONDS = {
    TimeUnit.WORK_HOUR: 3600,
    TimeUnit.WORK_DAY: 8 * 3600,
    TimeUnit.URGENT_HOUR: 3600,
    TimeUnit.URGENT_DAY: 86400,
    TimeUnit.NATURAL_DAY: 86400,
}


class WallClock:
    """Every unit counts wall-clock time (a work day is 8 h): enough to check the workflow's
    use of the clock independently of the calendar."""

    def limit_seconds(self, limit: TimeLimit) -> float:
        return float(limit.value) * _SECONDS[limit.unit]

    def deadline(self, start: datetime, limit: TimeLimit) -> datetime:
        return start + timedelta(seconds=self.limit_seconds(limit))

    @staticmethod
    def _merged(
        start: datetime, pauses: Sequence[tuple[datetime, datetime]]
    ) -> list[tuple[datetime, datetime]]:
        out: list[tuple[datetime, datetime]] = []
        for a, b in sorted((max(a, start), b) for a, b in pauses if b > start):
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
        return out

    def deadline_with_pauses(
        self, start: datetime, limit: TimeLimit, pauses: Sequence[tuple[datetime, datetime]]
    ) -> datetime:
        budget = timedelta(seconds=self.limit_seconds(limit))
        cursor = start
        for a, b in self._merged(start, pauses):
            if a > cursor:
                if a - cursor >= budget:
                    break
                budget -= a - cursor
            cursor = max(cursor, b)
        return cursor + budget

    def used_seconds_with_pauses(
        self,
        start: datetime,
        end: datetime,
        unit: TimeUnit,
        pauses: Sequence[tuple[datetime, datetime]],
    ) -> float:
        used = (end - start).total_seconds()
        for a, b in self._merged(start, pauses):
            if a >= end:
                break
            used -= (min(b, end) - a).total_seconds()
        return used


INSPECTOR = Actor(1, frozenset({Role.INSPECTOR}))
INTAKE = Actor(2, frozenset({Role.INTAKE_OPERATOR}))
SHIFT_LEAD = Actor(3, frozenset({Role.SHIFT_LEAD}))
DISPATCHER = Actor(4, frozenset({Role.DISPATCHER}))
# Department 100 has a sub-unit 101 (二级派遣); 200 has none.
HANDLER_A = Actor(
    5, frozenset({Role.DEPARTMENT_HANDLER}), department_id=100, department_ids=frozenset({100, 101})
)
HANDLER_B = Actor(6, frozenset({Role.DEPARTMENT_HANDLER}), department_id=200)
HANDLER_A1 = Actor(
    8, frozenset({Role.DEPARTMENT_HANDLER}), department_id=101, department_ids=frozenset({101})
)
LEADER = Actor(7, frozenset({Role.LEADER}))
SYSTEM = Actor.system()
ACTORS = (
    INSPECTOR, INTAKE, SHIFT_LEAD, DISPATCHER, HANDLER_A, HANDLER_B, HANDLER_A1, LEADER, SYSTEM
)  # fmt: skip

LIMIT = {"value": "4", "unit": "work_hour"}
