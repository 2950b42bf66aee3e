"""Time limits (处置时限) as a value and a unit; parsing of the way cities write them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class TimeUnit(StrEnum):
    WORK_HOUR = "work_hour"  # 工作时: counted in office hours on working days
    WORK_DAY = "work_day"  # 工作日
    URGENT_HOUR = "urgent_hour_continuous"  # 紧急工作时: continuous clock
    URGENT_DAY = "urgent_day_continuous"  # 紧急工作日: continuous 24 h days
    NATURAL_DAY = "natural_day"  # 自然日

    @property
    def label_zh(self) -> str:
        return _LABELS_ZH[self]

    @property
    def is_continuous(self) -> bool:
        return self in (TimeUnit.URGENT_HOUR, TimeUnit.URGENT_DAY, TimeUnit.NATURAL_DAY)


_LABELS_ZH = {
    TimeUnit.WORK_HOUR: "工作时",
    TimeUnit.WORK_DAY: "工作日",
    TimeUnit.URGENT_HOUR: "紧急工作时",
    TimeUnit.URGENT_DAY: "紧急工作日",
    TimeUnit.NATURAL_DAY: "自然日",
}

# Accepted spellings of units, longest first so that 紧急工作时 wins over 工作时.
_UNIT_WORDS: list[tuple[str, TimeUnit]] = sorted(
    [
        ("紧急工作时", TimeUnit.URGENT_HOUR),
        ("紧急工作小时", TimeUnit.URGENT_HOUR),
        ("紧急小时", TimeUnit.URGENT_HOUR),
        ("紧急工作日", TimeUnit.URGENT_DAY),
        ("紧急工作天", TimeUnit.URGENT_DAY),
        ("紧急天", TimeUnit.URGENT_DAY),
        ("工作时", TimeUnit.WORK_HOUR),
        ("工作小时", TimeUnit.WORK_HOUR),
        ("小时", TimeUnit.WORK_HOUR),  # in city tables N小时 means N working hours
        ("工作日", TimeUnit.WORK_DAY),
        ("工作天", TimeUnit.WORK_DAY),
        ("天", TimeUnit.WORK_DAY),  # ... and N天 means N working days
        ("自然日", TimeUnit.NATURAL_DAY),
        ("自然天", TimeUnit.NATURAL_DAY),
    ],
    key=lambda item: -len(item[0]),
)

_UNIT_ALIASES: dict[str, TimeUnit] = {u.value: u for u in TimeUnit} | {
    "urgent_hour": TimeUnit.URGENT_HOUR,
    "urgent_day": TimeUnit.URGENT_DAY,
}

_RAW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(\D+?)\s*$")


@dataclass(frozen=True)
class TimeLimit:
    value: Decimal
    unit: TimeUnit

    def __str__(self) -> str:
        return f"{format_value(self.value)}{self.unit.label_zh}"


def format_value(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def parse_unit(text: str) -> TimeUnit:
    key = text.strip().lower()
    if key in _UNIT_ALIASES:
        return _UNIT_ALIASES[key]
    for word, unit in _UNIT_WORDS:
        if key == word:
            return unit
    raise ValueError(
        f"unknown time unit {text!r}; use one of {', '.join(u.value for u in TimeUnit)}"
    )


def parse_value(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"time limit value {text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"time limit value {text!r} must be a positive number")
    return value


def parse_time_limit(raw: str) -> TimeLimit:
    """Parse a limit as cities write it: ``2紧急工作时``, ``4小时``, ``5天``, ``3 work_day``.

    A trailing note after the unit (``1紧急工作时制止``) is ignored when the unit itself
    is recognisable at the start of the remainder.
    """
    match = _RAW.match(raw or "")
    if not match:
        raise ValueError(f"time limit {raw!r} does not parse: expected a number and a unit")
    value = parse_value(match.group(1))
    rest = match.group(2).strip()
    try:
        return TimeLimit(value, parse_unit(rest))
    except ValueError:
        for word, unit in _UNIT_WORDS:
            if rest.startswith(word):
                return TimeLimit(value, unit)
        raise ValueError(f"time limit {raw!r} does not parse: unknown unit {rest!r}") from None
