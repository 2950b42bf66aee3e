"""What the case page and the case sheet (案件处理单) read beside the stored columns, worked
out from the events alone (pure: no database, no clock).

- the step (上报 / 核实 / 处置 / 核查 ...) and author of each photo: the event that cited it;
- per event the facts a reader needs without a second look-up: 改类 from → to category
  and limit, 延期 requested and granted amounts;
- the disposal result (按期 / 超期 and by how much) of the current assignment, which stays
  readable after 结案 (the deadline is kept on the case; only the running clock stops).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


@dataclass(frozen=True)
class EventFacts:
    """The fields of one stored event the readout needs."""

    seq: int
    action: str
    actor_id: int | None
    actor_role: str
    data: Mapping[str, Any]
    attachments: tuple[int, ...] = ()


@dataclass(frozen=True)
class PhotoStep:
    """照片所属环节: the event that cited the photo first."""

    seq: int
    action: str
    actor_id: int | None
    actor_role: str


@dataclass
class EventNote:
    """Facts of one event in the words of the page (ids; names are looked up later)."""

    category_from: int | None = None
    category_to: int | None = None
    limit_from: dict[str, str] | None = None
    limit_to: dict[str, str] | None = None
    extension_requested: Decimal | None = None
    extension_granted: Decimal | None = None
    extension_unit: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def photo_steps(events: Iterable[EventFacts]) -> dict[int, PhotoStep]:
    """Photo id → the first event citing it (a later event may cite it again)."""
    out: dict[int, PhotoStep] = {}
    for e in events:
        for aid in e.attachments:
            out.setdefault(int(aid), PhotoStep(e.seq, e.action, e.actor_id, e.actor_role))
    return out


def _dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        out = Decimal(str(value))
    except ArithmeticError:
        return None
    return out if out.is_finite() else None


def event_notes(events: Iterable[EventFacts]) -> dict[int, EventNote]:
    """seq → the from/to of 改类 and the amounts of 延期 (申请 asked, 批准 granted with what
    was asked, 驳回 what was refused), folded from the events in order."""
    notes: dict[int, EventNote] = {}
    category: int | None = None
    limit: dict[str, str] | None = None
    requested: Decimal | None = None
    for e in events:
        d = e.data or {}
        unit = (limit or {}).get("unit")
        if e.action == "report":
            category = d.get("category_id")
            limit = d.get("limit")
        elif e.action == "reclassify":
            notes[e.seq] = EventNote(
                category_from=category,
                category_to=d.get("category_id"),
                limit_from=limit,
                limit_to=d.get("limit"),
            )
            category, limit = d.get("category_id"), d.get("limit")
        elif e.action == "apply_extension":
            requested = _dec(d.get("extra"))
            notes[e.seq] = EventNote(extension_requested=requested, extension_unit=unit)
        elif e.action == "approve_extension":
            notes[e.seq] = EventNote(
                extension_requested=requested,
                extension_granted=_dec(d.get("extra")),
                extension_unit=unit,
            )
            requested = None
        elif e.action == "reject_extension":
            notes[e.seq] = EventNote(extension_requested=requested, extension_unit=unit)
            requested = None
    return notes


@dataclass(frozen=True)
class DisposalResult:
    """处置结果 of the current assignment: its deadline, when the department reported it
    done (反馈), and whether that was in time; ``overdue_amount`` in the limit's unit."""

    deadline: datetime
    finished_at: datetime | None
    on_time: bool | None
    overdue_amount: Decimal | None
    unit: str | None


def disposal_result(
    *,
    deadline: datetime | None,
    assigned_at: datetime | None,
    handled_at: datetime | None,
    unit: str | None,
    used_seconds: Callable[[datetime, datetime, str], float] | None,
    unit_seconds: Callable[[str], float] | None,
) -> DisposalResult | None:
    """None when the case was never with a department under a deadline. A 反馈 before the
    current assignment began (an earlier department's, before a 回退) does not count.
    ``used_seconds(a, b, unit)`` measures time as the unit counts it (working time for
    work units); the amount is rounded to hundredths of the unit."""
    if deadline is None:
        return None
    finished = handled_at
    if finished is not None and assigned_at is not None and finished < assigned_at:
        finished = None
    if finished is None:
        return DisposalResult(deadline, None, None, None, unit)
    on_time = finished <= deadline
    amount: Decimal | None = None
    if not on_time and unit and used_seconds is not None and unit_seconds is not None:
        try:
            per = unit_seconds(unit)
            used = used_seconds(deadline, finished, unit)
        except (ValueError, ArithmeticError):
            per = 0.0
            used = 0.0
        if per > 0:
            amount = Decimal(str(used / per)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return DisposalResult(deadline, finished, on_time, amount, unit)
