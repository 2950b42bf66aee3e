"""The enforcement procedure against an illegal building (违法建设查处程序) as data, and the
pure checks of each step against it: order, documents, minimum waiting periods and
deadlines counted on the working-day calendar.

The procedure (``data/procedure.json``, replaceable by a city) is an ordered list of steps:
制止 → 调查 → 认定 → 限期拆除决定 → 催告 → 公告 → 强制拆除 | 自行拆除 → 验收 → 销号. A step says

- ``after``: it may be taken once one of these steps is taken (a step that does not apply to
  the record — 制止 applies to new builds only — counts as taken);
- ``applies_to``: ``new`` (新增) and/or ``stock`` (存量); default both;
- ``document``: a document number is required (决定书, 催告书, 公告 …);
- ``sets_party_deadline``: the step gives the party a date to comply by (限期拆除, 催告);
- ``not_before: party_deadline``: it may only be taken after that date has passed;
- ``min_wait``: it may only be taken after a period from the previous step (公告 then at
  least ten days before 强制拆除, 行政强制法 §44);
- ``due``: by when it must be taken, from ``discovered``, ``previous`` or ``party_deadline``;
- ``demolition``: ``self`` or ``forced`` (one per record); ``terminal``: nothing after it.

Periods are ``working_days`` (the calendar's working days; 行政强制法 §69 counts periods of
ten days or less in working days) or ``calendar_days`` (a period ending on a rest day ends on
the next working day). The start day is never counted.

Invariants (tested): a step is accepted only if every rule above holds; refusals list every
broken rule with a code; ``pending`` never names a step that ``check_step`` would refuse on
order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from importlib import resources
from typing import Any

from urbangrid.cases.calendar_workdays import WorkCalendar


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"


class Anchor(StrEnum):
    DISCOVERED = "discovered"
    PREVIOUS = "previous"
    PARTY_DEADLINE = "party_deadline"


class RecordKind(StrEnum):
    NEW = "new"  # 新增: built after the baseline date
    STOCK = "stock"  # 存量


@dataclass(frozen=True)
class Period:
    anchor: Anchor
    amount: int
    unit: Unit

    def end(self, start: date, calendar: WorkCalendar) -> date:
        if self.unit is Unit.WORKING_DAYS:
            return calendar.workdays_after(start, self.amount)
        return calendar.calendar_period_end(start, self.amount)


@dataclass(frozen=True)
class StepRule:
    code: str
    zh: str
    en: str
    after: tuple[str, ...] = ()
    applies_to: frozenset[RecordKind] = frozenset(RecordKind)
    document: bool = False
    sets_party_deadline: bool = False
    not_before_party_deadline: bool = False
    min_wait: Period | None = None
    due: Period | None = None
    demolition: str | None = None  # "self" | "forced"
    terminal: bool = False


@dataclass(frozen=True)
class Procedure:
    steps: tuple[StepRule, ...]
    index: Mapping[str, int] = field(default_factory=dict)

    def rule(self, code: str) -> StepRule | None:
        i = self.index.get(code)
        return None if i is None else self.steps[i]


@dataclass(frozen=True)
class TakenStep:
    """A step as recorded: its day (local date), document number and party deadline."""

    code: str
    day: date
    document_no: str | None = None
    party_deadline: date | None = None


@dataclass(frozen=True)
class Refusal:
    code: str  # registered in kit.errors.CODES as step_<...>
    params: dict[str, Any]


@dataclass(frozen=True)
class Pending:
    """A step that may be taken now, the first day it may be taken and its deadline."""

    code: str
    earliest: date | None
    due: date | None


class ProcedureError(ValueError):
    """The procedure file itself is wrong (every problem listed)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _period(raw: Any, where: str, problems: list[str]) -> Period | None:
    if raw is None:
        return None
    try:
        return Period(Anchor(raw["from"]), int(raw["amount"]), Unit(raw["unit"]))
    except (KeyError, TypeError, ValueError):
        problems.append(
            f"{where}: a period needs from (discovered|previous|party_deadline), "
            "amount and unit (working_days|calendar_days)"
        )
        return None


def load_procedure(data: Mapping[str, Any]) -> Procedure:
    problems: list[str] = []
    steps: list[StepRule] = []
    seen: set[str] = set()
    for n, raw in enumerate(data.get("steps") or []):
        code = str(raw.get("code") or "")
        where = f"step {n + 1} ({code or '?'})"
        if not code or code in seen:
            problems.append(f"{where}: a step needs a code of its own")
        unknown_after = [a for a in raw.get("after", []) if a not in seen]
        if unknown_after:
            problems.append(f"{where}: 'after' names steps not defined before it: {unknown_after}")
        try:
            kinds = frozenset(RecordKind(k) for k in raw.get("applies_to", list(RecordKind)))
        except ValueError:
            problems.append(f"{where}: applies_to takes new and/or stock")
            kinds = frozenset(RecordKind)
        not_before = raw.get("not_before")
        if not_before not in (None, "party_deadline"):
            problems.append(f"{where}: not_before can only be party_deadline")
        demolition = raw.get("demolition")
        if demolition not in (None, "self", "forced"):
            problems.append(f"{where}: demolition is self or forced")
        steps.append(
            StepRule(
                code=code,
                zh=str(raw.get("zh") or code),
                en=str(raw.get("en") or code),
                after=tuple(raw.get("after", [])),
                applies_to=kinds,
                document=bool(raw.get("document", False)),
                sets_party_deadline=bool(raw.get("sets_party_deadline", False)),
                not_before_party_deadline=not_before == "party_deadline",
                min_wait=_period(raw.get("min_wait"), where, problems),
                due=_period(raw.get("due"), where, problems),
                demolition=demolition,
                terminal=bool(raw.get("terminal", False)),
            )
        )
        seen.add(code)
    if not steps:
        problems.append("the procedure has no steps")
    if problems:
        raise ProcedureError(problems)
    return Procedure(tuple(steps), {s.code: i for i, s in enumerate(steps)})


def default_procedure() -> Procedure:
    text = resources.files("urbangrid.construction").joinpath("data/procedure.json").read_text()
    return load_procedure(json.loads(text))


def _done(procedure: Procedure, kind: RecordKind, taken: Sequence[TakenStep]) -> set[str]:
    """Steps counted as taken: those taken plus those that do not apply to the record."""
    done = {t.code for t in taken}
    done |= {s.code for s in procedure.steps if kind not in s.applies_to}
    return done


def _party_deadline(taken: Sequence[TakenStep]) -> date | None:
    for step in reversed(taken):
        if step.party_deadline is not None:
            return step.party_deadline
    return None


def _anchor_day(period: Period, discovered: date, taken: Sequence[TakenStep]) -> date | None:
    if period.anchor is Anchor.DISCOVERED:
        return discovered
    if period.anchor is Anchor.PREVIOUS:
        return taken[-1].day if taken else discovered
    return _party_deadline(taken)


def _order_refusals(
    procedure: Procedure, rule: StepRule, kind: RecordKind, taken: Sequence[TakenStep]
) -> list[Refusal]:
    rules = [r for t in taken if (r := procedure.rule(t.code)) is not None]
    if any(r.terminal for r in rules):
        return [Refusal("step_after_closed", {"step": rule.code})]
    if kind not in rule.applies_to:
        return [Refusal("step_not_applicable", {"step": rule.code, "kind": kind.value})]
    if any(r.code == rule.code for r in rules):
        return [Refusal("step_repeated", {"step": rule.code})]
    if rule.demolition and any(r.demolition for r in rules):
        return [Refusal("step_demolition_recorded", {"step": rule.code})]
    if rule.after and not _done(procedure, kind, taken).intersection(rule.after):
        return [Refusal("step_out_of_order", {"step": rule.code, "needs": list(rule.after)})]
    # A step cannot come after a later one (认定 after 催告, 催告 after 自行拆除); the party's
    # own demolition may interrupt the line at any point after its ``after`` steps.
    here = procedure.index[rule.code]
    later = [r.code for r in rules if procedure.index[r.code] > here]
    if later and not rule.demolition:
        return [Refusal("step_out_of_order", {"step": rule.code, "after_step": later[-1]})]
    return []


def check_step(
    procedure: Procedure,
    kind: RecordKind,
    discovered: date,
    taken: Sequence[TakenStep],
    proposed: TakenStep,
    calendar: WorkCalendar,
    today: date,
) -> list[Refusal]:
    """Every reason ``proposed`` may not be recorded after ``taken`` (empty: accepted)."""
    rule = procedure.rule(proposed.code)
    if rule is None:
        return [Refusal("step_unknown", {"step": proposed.code})]
    refusals = _order_refusals(procedure, rule, kind, taken)
    if refusals:
        return refusals
    previous = taken[-1].day if taken else discovered
    if proposed.day > today:
        refusals.append(
            Refusal("step_in_future", {"step": rule.code, "day": proposed.day.isoformat()})
        )
    if proposed.day < previous:
        refusals.append(
            Refusal("step_before_previous", {"step": rule.code, "previous": previous.isoformat()})
        )
    if rule.document and not (proposed.document_no or "").strip():
        refusals.append(Refusal("step_document_missing", {"step": rule.code}))
    if rule.sets_party_deadline:
        if proposed.party_deadline is None:
            refusals.append(Refusal("step_party_deadline_missing", {"step": rule.code}))
        elif proposed.party_deadline <= proposed.day:
            refusals.append(
                Refusal(
                    "step_party_deadline_past",
                    {"step": rule.code, "deadline": proposed.party_deadline.isoformat()},
                )
            )
    earliest = earliest_day(procedure, rule, discovered, taken, calendar)
    if earliest is not None and proposed.day < earliest:
        refusals.append(
            Refusal("step_too_early", {"step": rule.code, "earliest": earliest.isoformat()})
        )
    return refusals


def earliest_day(
    procedure: Procedure,
    rule: StepRule,
    discovered: date,
    taken: Sequence[TakenStep],
    calendar: WorkCalendar,
) -> date | None:
    """The first day ``rule`` may be taken given the waiting rules (None: no wait)."""
    days: list[date] = []
    if rule.not_before_party_deadline:
        deadline = _party_deadline(taken)
        if deadline is not None:
            days.append(deadline + timedelta(days=1))
    if rule.min_wait is not None:
        start = _anchor_day(rule.min_wait, discovered, taken)
        if start is not None:
            days.append(rule.min_wait.end(start, calendar) + timedelta(days=1))
    return max(days) if days else None


def due_day(
    rule: StepRule, discovered: date, taken: Sequence[TakenStep], calendar: WorkCalendar
) -> date | None:
    if rule.due is None:
        return None
    start = _anchor_day(rule.due, discovered, taken)
    return None if start is None else rule.due.end(start, calendar)


def pending(
    procedure: Procedure,
    kind: RecordKind,
    discovered: date,
    taken: Sequence[TakenStep],
    calendar: WorkCalendar,
) -> list[Pending]:
    """The steps that may be taken next (by order), with earliest day and deadline."""
    out: list[Pending] = []
    for rule in procedure.steps:
        if _order_refusals(procedure, rule, kind, taken):
            continue
        out.append(
            Pending(
                rule.code,
                earliest_day(procedure, rule, discovered, taken, calendar),
                due_day(rule, discovered, taken, calendar),
            )
        )
    return out


def next_due(
    procedure: Procedure,
    kind: RecordKind,
    discovered: date,
    taken: Sequence[TakenStep],
    calendar: WorkCalendar,
) -> Pending | None:
    """The bureau's next step and its deadline: the first pending step that has one (the
    party's own demolition has none). Overdue when today is after ``due``."""
    for step in pending(procedure, kind, discovered, taken, calendar):
        if step.due is not None:
            return step
    return None
