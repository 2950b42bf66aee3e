"""12345 hotline figures — pure: reply, completion and satisfaction rates.

Over the work orders received in a period (by ``received_at``):

- handled = received − returned (退单 orders are not ours to do);
- 回复率 reply rate = replied / handled; 按时回复率 on-time reply rate = replied by the
  platform's deadline / handled orders that had one;
- 办结率 completion rate = orders whose case ended closed (已结案) / handled;
- 满意率 satisfaction rate = (satisfied + basically satisfied) / rated callbacks (回访);
  the strict rate counts only "satisfied".
A rate with nothing to count is None, not 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

CALLBACK_RESULTS = ("satisfied", "basically", "dissatisfied")


@dataclass(frozen=True)
class OrderFacts:
    received_at: datetime
    returned: bool
    replied_at: datetime | None
    due_at: datetime | None
    outcome: str | None  # closed | not_filed | voided, when replied
    callback: str | None  # satisfied | basically | dissatisfied


@dataclass(frozen=True)
class HotlineFigures:
    received: int
    returned: int
    handled: int
    replied: int
    replied_on_time: int
    with_deadline: int
    completed: int
    rated: int
    satisfied: int
    basically: int
    dissatisfied: int

    @staticmethod
    def _rate(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    @property
    def reply_rate(self) -> float | None:
        return self._rate(self.replied, self.handled)

    @property
    def on_time_reply_rate(self) -> float | None:
        return self._rate(self.replied_on_time, self.with_deadline)

    @property
    def completion_rate(self) -> float | None:
        return self._rate(self.completed, self.handled)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied + self.basically, self.rated)

    @property
    def strict_satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    def as_dict(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = dict(self.__dict__)
        for name in (
            "reply_rate",
            "on_time_reply_rate",
            "completion_rate",
            "satisfaction_rate",
            "strict_satisfaction_rate",
        ):
            out[name] = getattr(self, name)
        return out


def figures(orders: Iterable[OrderFacts]) -> HotlineFigures:
    received = returned = replied = on_time = with_deadline = completed = 0
    votes = dict.fromkeys(CALLBACK_RESULTS, 0)
    for o in orders:
        received += 1
        if o.returned:
            returned += 1
            continue
        if o.replied_at is not None:
            replied += 1
        if o.due_at is not None:
            with_deadline += 1
            if o.replied_at is not None and o.replied_at <= o.due_at:
                on_time += 1
        if o.outcome == "closed":
            completed += 1
        if o.callback in votes:
            votes[o.callback] += 1
    return HotlineFigures(
        received=received,
        returned=returned,
        handled=received - returned,
        replied=replied,
        replied_on_time=on_time,
        with_deadline=with_deadline,
        completed=completed,
        rated=sum(votes.values()),
        satisfied=votes["satisfied"],
        basically=votes["basically"],
        dissatisfied=votes["dissatisfied"],
    )
