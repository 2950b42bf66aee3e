"""Working-time clock (工作时钟) and deadline computation (时限计算) for cases.

Pure logic: no I/O, no database. Every instant going in or out is an aware ``datetime``
(results are in UTC); office hours are read in the jurisdiction's local time zone.

Public API
----------
``WorkCalendar``, ``CalendarSource``, ``parse_overrides``
    Working days — see :mod:`urbangrid.cases.calendar_workdays` (re-exported here).

``OfficeHours(periods=((08:30, 12:00), (13:30, 17:30)))``
    The office periods of every working day (default 7.5 h a day).
    ``OfficeHours.parse("08:30-12:00,13:30-17:30")`` reads configuration;
    ``seconds_per_day`` is the working time of one working day.

``WorkClock(calendar=None, office_hours=None, tz="Asia/Shanghai", *, yellow_ratio=0.8)``
    (or ``WorkClock.from_config(office_hours="08:30-12:00,13:30-17:30",
    overrides={"2027-02-06": "work"}, tz=..., yellow_ratio=...)`` from plain settings)
    - ``add_working(start, seconds) -> datetime``: ``start`` plus ``seconds`` of working
      time. A start outside office hours begins counting at the next office period; the
      result is the earliest instant at which the time is used up, so 3.5 working hours
      from 08:30 end at 12:00, not 13:30, and one working day from 08:30 ends at 17:30
      the same day (from 10:00 it ends at 10:00 on the next working day).
    - ``working_seconds(start, end) -> float``: working time between two instants.
    - ``is_continuous(unit)`` and ``limit_seconds(limit: TimeLimit) -> float``:
      ``work_hour`` = N × 3600 working seconds; ``work_day`` = N × ``seconds_per_day``
      working seconds (the same office time N working days later);
      ``urgent_hour_continuous`` = N × 3600 and ``urgent_day_continuous`` /
      ``natural_day`` = N × 86400 wall-clock seconds.
    - ``deadline(start, limit) -> datetime`` and ``used_seconds(start, end, unit) -> float``
      (working or wall-clock seconds, as the unit counts).
    - ``deadline_with_pauses(start, limit, pauses) -> datetime | None`` and
      ``used_seconds_with_pauses(start, end, unit, pauses) -> float``: time inside a pause
      (挂账, the case is suspended) is not counted. A pause is ``(from, to)``; ``to=None`` is
      a pause still running: the deadline is then ``None`` (the clock is stopped) unless it
      was already reached before the pause began. Pauses may overlap or start before
      ``start``; they are merged and clipped.
    - ``warning_level(used, limit) -> WarningLevel`` (a ``StrEnum`` equal to ``"green"``,
      ``"yellow"`` or ``"red"``): yellow once ``used >= yellow_ratio × limit``, red when
      ``used > limit``. ``limit`` is a ``TimeLimit`` or seconds.
      ``overdue_multiple(used, limit)`` (超时倍数): 0 on time, 1.5 when 150 % over.
    - Vectorised, for the SLA watcher and bulk reports (int64 UTC epoch nanoseconds):
      ``deadlines_ns(start_ns, seconds, continuous)``,
      ``used_seconds_ns(start_ns, end_ns, continuous)`` and
      ``warning_levels(used, limit_seconds)`` (codes 0 green, 1 yellow, 2 red).
      They agree exactly with the scalar methods.

Precision: durations are rounded to whole microseconds (what a ``datetime`` holds), so
scalar and vectorised results are identical. The clock covers the calendar's year range
(default 2010–2045); an instant or a deadline outside it raises ``WorkTimeError`` (a
``ValueError`` and a 422 ``InvalidInput``).
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from urbangrid.cases.calendar_workdays import (
    DEFAULT_FIRST_YEAR,
    DEFAULT_LAST_YEAR,
    CalendarSource,
    WorkCalendar,
    WorkTimeError,
    parse_overrides,
)
from urbangrid.catalog.timelimits import TimeLimit, TimeUnit

__all__ = [
    "DEFAULT_OFFICE_PERIODS",
    "WARNING_CODES",
    "CalendarSource",
    "OfficeHours",
    "Pause",
    "WarningLevel",
    "WorkCalendar",
    "WorkClock",
    "WorkTimeError",
    "datetime_to_ns",
    "ns_to_datetime",
    "parse_overrides",
]

NS_PER_SECOND = 1_000_000_000
_NS_PER_US = 1_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_US = dt.timedelta(microseconds=1)

Pause = tuple[dt.datetime, dt.datetime | None]

# No case limit comes near a century; larger durations are input errors (and would
# overflow int64 nanoseconds in the vector path).
MAX_DURATION_SECONDS = 100 * 366 * 86400.0

DEFAULT_OFFICE_PERIODS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(8, 30), dt.time(12, 0)),
    (dt.time(13, 30), dt.time(17, 30)),
)


class WarningLevel(StrEnum):
    GREEN = "green"  # 绿灯: less than the yellow share of the limit used
    YELLOW = "yellow"  # 黄灯: about to expire
    RED = "red"  # 红灯: overdue (超时)


WARNING_CODES: tuple[WarningLevel, ...] = (
    WarningLevel.GREEN,
    WarningLevel.YELLOW,
    WarningLevel.RED,
)


# -- conversions ----------------------------------------------------------------------------


def datetime_to_ns(t: dt.datetime) -> int:
    """Aware datetime → UTC epoch nanoseconds (a whole number of microseconds)."""
    if not isinstance(t, dt.datetime):
        raise WorkTimeError(f"expected a datetime, got {type(t).__name__}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise WorkTimeError(f"datetime {t.isoformat()} has no time zone; pass an aware datetime")
    return (t - _EPOCH) // _ONE_US * _NS_PER_US


def ns_to_datetime(ns: int) -> dt.datetime:
    """UTC epoch nanoseconds → aware UTC datetime (sub-microsecond part dropped)."""
    return _EPOCH + dt.timedelta(microseconds=int(ns) // _NS_PER_US)


def _seconds_to_ns(seconds: float) -> int:
    if not (math.isfinite(seconds) and 0 <= seconds <= MAX_DURATION_SECONDS):
        raise WorkTimeError(f"duration {seconds!r} s must be a number ≥ 0 and below a century")
    # Whole microseconds, rounded half to even exactly like np.rint in the vector path.
    return round(seconds * 1_000_000) * _NS_PER_US


def _seconds_to_ns_array(seconds: np.ndarray) -> np.ndarray:
    values = np.asarray(seconds, dtype=np.float64)
    if values.size and not (
        np.isfinite(values).all() and (values >= 0).all() and (values <= MAX_DURATION_SECONDS).all()
    ):
        raise WorkTimeError("durations must be numbers ≥ 0 and below a century")
    return np.rint(values * 1_000_000).astype(np.int64) * _NS_PER_US


# -- office hours ---------------------------------------------------------------------------


def _parse_clock(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        raise WorkTimeError(f"office hours: {text!r} is not a time of day (HH:MM)") from None


@dataclass(frozen=True)
class OfficeHours:
    """Office periods (办公时段) of a working day, in local time, sorted and disjoint."""

    periods: tuple[tuple[dt.time, dt.time], ...] = DEFAULT_OFFICE_PERIODS

    def __post_init__(self) -> None:
        periods = tuple((a, b) for a, b in self.periods)
        object.__setattr__(self, "periods", periods)
        if not periods:
            raise WorkTimeError("office hours need at least one period")
        previous_end: dt.time | None = None
        for a, b in periods:
            for t in (a, b):
                if not isinstance(t, dt.time) or t.tzinfo is not None:
                    raise WorkTimeError(f"office hours: {t!r} is not a naive time of day")
                if t.microsecond:
                    raise WorkTimeError(f"office hours: {t} must be whole seconds")
            if not a < b:
                raise WorkTimeError(f"office period {a}–{b} ends before it starts")
            if previous_end is not None and a < previous_end:
                raise WorkTimeError(
                    f"office period {a}–{b} overlaps the previous one or is out of order"
                )
            previous_end = b

    @classmethod
    def parse(cls, text: str | Iterable[str]) -> OfficeHours:
        """``"08:30-12:00,13:30-17:30"`` (or a list of ``"HH:MM-HH:MM"`` strings)."""
        parts = text.split(",") if isinstance(text, str) else list(text)
        periods = []
        for part in parts:
            pieces = part.replace("–", "-").split("-")
            if len(pieces) != 2:
                raise WorkTimeError(f"office period {part!r}: expected HH:MM-HH:MM")
            periods.append((_parse_clock(pieces[0]), _parse_clock(pieces[1])))
        return cls(tuple(periods))

    @property
    def seconds_of_day(self) -> tuple[tuple[int, int], ...]:
        def sec(t: dt.time) -> int:
            return t.hour * 3600 + t.minute * 60 + t.second

        return tuple((sec(a), sec(b)) for a, b in self.periods)

    @property
    def seconds_per_day(self) -> int:
        return sum(b - a for a, b in self.seconds_of_day)

    def __str__(self) -> str:
        return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in self.periods)


# -- the period table -----------------------------------------------------------------------


@dataclass(frozen=True)
class _PeriodTable:
    """Every office period of the range as UTC ns, with cumulative working time.

    Index 0 is a zero-length sentinel at ``lo`` so that every instant ≥ ``lo`` has a
    period starting at or before it.
    """

    lo: int  # local midnight of the first day, UTC ns
    hi: int  # local midnight after the last day, UTC ns
    starts: np.ndarray
    lengths: np.ndarray
    cum: np.ndarray  # working ns before the period starts
    cum_end: np.ndarray  # working ns when the period ends
    starts_l: list[int]
    lengths_l: list[int]
    cum_l: list[int]
    cum_end_l: list[int]


def _local_to_utc_ns(day: dt.date, second: int, zone: ZoneInfo) -> int:
    local = dt.datetime.combine(day, dt.time(), tzinfo=zone) + dt.timedelta(seconds=second)
    # Re-attach the zone so the offset is the one valid at that local wall time.
    local = local.replace(tzinfo=zone)
    return datetime_to_ns(local)


@lru_cache(maxsize=32)
def _period_table(calendar: WorkCalendar, hours: OfficeHours, zone: ZoneInfo) -> _PeriodTable:
    first, last = calendar.first_day, calendar.last_day
    n_days = (last - first).days + 1
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    midnight_local = days.astype("datetime64[s]").astype(np.int64)
    # UTC offset at each local noon; a day whose offset differs from a neighbour's is
    # near a transition (DST), and its boundaries are converted one by one.
    day_list = [first + dt.timedelta(days=i) for i in range(n_days)]
    noon = [
        int(dt.datetime.combine(d, dt.time(12), tzinfo=zone).utcoffset().total_seconds())  # type: ignore[union-attr]
        for d in day_list
    ]
    offsets = np.asarray(noon, dtype=np.int64)
    changes = np.zeros(n_days, dtype=bool)
    changes[1:] |= offsets[1:] != offsets[:-1]
    changes[:-1] |= offsets[1:] != offsets[:-1]

    work = calendar.day_table
    spans = hours.seconds_of_day
    starts = np.empty((n_days, len(spans)), dtype=np.int64)
    ends = np.empty_like(starts)
    for j, (a, b) in enumerate(spans):
        starts[:, j] = midnight_local + a - offsets
        ends[:, j] = midnight_local + b - offsets
    for i in np.flatnonzero(changes & work):
        for j, (a, b) in enumerate(spans):
            starts[i, j] = _local_to_utc_ns(day_list[i], a, zone) // NS_PER_SECOND
            ends[i, j] = _local_to_utc_ns(day_list[i], b, zone) // NS_PER_SECOND
    starts_ns = starts[work].ravel() * NS_PER_SECOND
    lengths_ns = (ends[work].ravel() * NS_PER_SECOND) - starts_ns

    lo = _local_to_utc_ns(first, 0, zone)
    hi = _local_to_utc_ns(last + dt.timedelta(days=1), 0, zone)
    starts_ns = np.concatenate(([lo], starts_ns)).astype(np.int64)
    lengths_ns = np.concatenate(([0], lengths_ns)).astype(np.int64)
    cum_end = np.cumsum(lengths_ns)
    cum = cum_end - lengths_ns
    for arr in (starts_ns, lengths_ns, cum, cum_end):
        arr.flags.writeable = False
    return _PeriodTable(
        lo=lo,
        hi=hi,
        starts=starts_ns,
        lengths=lengths_ns,
        cum=cum,
        cum_end=cum_end,
        starts_l=starts_ns.tolist(),
        lengths_l=lengths_ns.tolist(),
        cum_l=cum.tolist(),
        cum_end_l=cum_end.tolist(),
    )


# -- the clock ------------------------------------------------------------------------------


class WorkClock:
    """Working-time arithmetic for one jurisdiction. See the module docstring."""

    def __init__(
        self,
        calendar: WorkCalendar | None = None,
        office_hours: OfficeHours | None = None,
        tz: str | ZoneInfo = "Asia/Shanghai",
        *,
        yellow_ratio: float = 0.8,
    ) -> None:
        self.calendar = calendar if calendar is not None else WorkCalendar()
        self.office_hours = office_hours if office_hours is not None else OfficeHours()
        if isinstance(tz, ZoneInfo):
            self.tz = tz
        else:
            try:
                self.tz = ZoneInfo(str(tz))
            except (ZoneInfoNotFoundError, ValueError):
                raise WorkTimeError(f"unknown time zone {tz!r}") from None
        if not (isinstance(yellow_ratio, int | float) and 0 < yellow_ratio <= 1):
            raise WorkTimeError(f"yellow_ratio {yellow_ratio!r} must be in (0, 1]")
        self.yellow_ratio = float(yellow_ratio)
        self._table = _period_table(self.calendar, self.office_hours, self.tz)
        self._seconds_per_day = self.office_hours.seconds_per_day
        self._per_unit: dict[TimeUnit, int] = {
            TimeUnit.WORK_HOUR: 3600,
            TimeUnit.WORK_DAY: self._seconds_per_day,
            TimeUnit.URGENT_HOUR: 3600,
            TimeUnit.URGENT_DAY: 86400,
            TimeUnit.NATURAL_DAY: 86400,
        }
        # A jurisdiction has a few hundred distinct limits: remember their seconds.
        self._limit_cache: dict[TimeLimit, float] = {}

    @classmethod
    def from_config(
        cls,
        *,
        office_hours: str | Iterable[str] | None = None,
        overrides: Mapping[str, object] | None = None,
        tz: str = "Asia/Shanghai",
        yellow_ratio: float = 0.8,
        first_year: int = DEFAULT_FIRST_YEAR,
        last_year: int = DEFAULT_LAST_YEAR,
    ) -> WorkClock:
        """A clock from a jurisdiction's configuration as plain values, e.g.
        ``office_hours="08:30-12:00,13:30-17:30"``, ``overrides={"2027-02-06": "work"}``."""
        calendar = WorkCalendar(
            parse_overrides(overrides), first_year=first_year, last_year=last_year
        )
        hours = OfficeHours.parse(office_hours) if office_hours else OfficeHours()
        return cls(calendar, hours, tz, yellow_ratio=yellow_ratio)

    def __repr__(self) -> str:
        return f"WorkClock({self.calendar!r}, {self.office_hours}, tz={self.tz.key})"

    # -- basic facts --------------------------------------------------------------------

    @property
    def seconds_per_workday(self) -> int:
        return self._seconds_per_day

    @property
    def range_utc(self) -> tuple[dt.datetime, dt.datetime]:
        """The span the clock can count in (local midnights of the calendar range)."""
        return ns_to_datetime(self._table.lo), ns_to_datetime(self._table.hi)

    @staticmethod
    def is_continuous(unit: TimeUnit | str) -> bool:
        """Does the unit run on the wall clock (nights, weekends and holidays count)?"""
        try:
            return TimeUnit(unit).is_continuous
        except ValueError:
            raise WorkTimeError(f"unknown time unit {unit!r}") from None

    def limit_seconds(self, limit: TimeLimit) -> float:
        """The limit as seconds: working seconds or wall-clock seconds (see is_continuous)."""
        cached = self._limit_cache.get(limit)
        if cached is not None:
            return cached
        value = limit.value if isinstance(limit.value, Decimal) else Decimal(str(limit.value))
        if not value.is_finite() or value <= 0:
            raise WorkTimeError(f"time limit {limit} must be positive")
        try:
            unit = TimeUnit(limit.unit)
        except ValueError:
            raise WorkTimeError(f"unknown time unit {limit.unit!r}") from None
        seconds = float(value * self._per_unit[unit])
        if len(self._limit_cache) < 4096:
            self._limit_cache[limit] = seconds
        return seconds

    # -- scalar core on ns --------------------------------------------------------------

    def _check_in_range(self, t: int) -> None:
        table = self._table
        if not table.lo <= t <= table.hi:
            lo, hi = self.range_utc
            raise WorkTimeError(
                f"{ns_to_datetime(t).isoformat()} is outside the working calendar "
                f"({lo.isoformat()} – {hi.isoformat()}); widen the calendar's year range"
            )

    def _worked_ns(self, t: int) -> int:
        """Working ns from the start of the table to ``t``."""
        self._check_in_range(t)
        table = self._table
        k = bisect_right(table.starts_l, t) - 1
        return table.cum_l[k] + min(t - table.starts_l[k], table.lengths_l[k])

    def _instant_at_worked(self, target: int) -> int:
        """Earliest instant at which ``target`` working ns (> 0) have been worked."""
        table = self._table
        k = bisect_left(table.cum_end_l, target)
        if k >= len(table.cum_end_l):
            raise WorkTimeError(
                f"the deadline falls after the working calendar's last year "
                f"({self.calendar.last_year}); widen the calendar's year range"
            )
        return table.starts_l[k] + (target - table.cum_l[k])

    def _advance(self, start: int, budget: int, continuous: bool) -> int:
        if continuous:
            return start + budget
        worked = self._worked_ns(start)
        if budget == 0:
            return start
        return self._instant_at_worked(worked + budget)

    def _measure(self, a: int, b: int, continuous: bool) -> int:
        if continuous:
            return b - a
        return self._worked_ns(b) - self._worked_ns(a)

    # -- scalar API -----------------------------------------------------------------

    def is_working_time(self, t: dt.datetime) -> bool:
        """Is ``t`` inside an office period of a working day?"""
        ns = datetime_to_ns(t)
        self._check_in_range(ns)
        table = self._table
        k = bisect_right(table.starts_l, ns) - 1
        return ns < table.starts_l[k] + table.lengths_l[k]

    def add_working(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """``start`` plus ``seconds`` of working time (earliest instant it is used up)."""
        return ns_to_datetime(self._advance(datetime_to_ns(start), _seconds_to_ns(seconds), False))

    def working_seconds(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working seconds between ``start`` and ``end`` (``end`` must not be earlier)."""
        a, b = self._ordered(start, end)
        return self._measure(a, b, False) / NS_PER_SECOND

    def deadline(self, start: dt.datetime, limit: TimeLimit) -> dt.datetime:
        """When ``limit`` runs out for something started at ``start``."""
        budget = _seconds_to_ns(self.limit_seconds(limit))
        continuous = self.is_continuous(limit.unit)
        return ns_to_datetime(self._advance(datetime_to_ns(start), budget, continuous))

    def used_seconds(self, start: dt.datetime, end: dt.datetime, unit: TimeUnit | str) -> float:
        """Time used between ``start`` and ``end`` as the unit counts it."""
        a, b = self._ordered(start, end)
        return self._measure(a, b, self.is_continuous(unit)) / NS_PER_SECOND

    def deadline_with_pauses(
        self, start: dt.datetime, limit: TimeLimit, pauses: Sequence[Pause]
    ) -> dt.datetime | None:
        """The deadline when time inside ``pauses`` (挂账) is not counted.

        ``None`` if a still-open pause stopped the clock before the limit ran out.
        """
        continuous = self.is_continuous(limit.unit)
        budget = _seconds_to_ns(self.limit_seconds(limit))
        cursor = datetime_to_ns(start)
        for a, b in self._merged_pauses(cursor, pauses):
            if a > cursor:
                available = self._measure(cursor, a, continuous)
                if available >= budget:
                    break
                budget -= available
            if b is None:
                return None
            cursor = max(cursor, b)
        return ns_to_datetime(self._advance(cursor, budget, continuous))

    def used_seconds_with_pauses(
        self,
        start: dt.datetime,
        end: dt.datetime,
        unit: TimeUnit | str,
        pauses: Sequence[Pause],
    ) -> float:
        """Time used between ``start`` and ``end`` without the time inside ``pauses``."""
        continuous = self.is_continuous(unit)
        a, b = self._ordered(start, end)
        used = self._measure(a, b, continuous)
        for p, q in self._merged_pauses(a, pauses):
            if p >= b:
                break
            stop = b if q is None else min(q, b)
            used -= self._measure(p, stop, continuous)
        return used / NS_PER_SECOND

    # -- warnings -------------------------------------------------------------------

    def _limit_as_seconds(self, limit: TimeLimit | float) -> float:
        seconds = self.limit_seconds(limit) if isinstance(limit, TimeLimit) else float(limit)
        if not math.isfinite(seconds) or seconds <= 0:
            raise WorkTimeError(f"limit {limit!r} must be a positive number of seconds")
        return seconds

    def warning_level(self, used: float, limit: TimeLimit | float) -> WarningLevel:
        """Green, yellow (≥ yellow_ratio of the limit used) or red (over the limit)."""
        seconds = self._limit_as_seconds(limit)
        if used > seconds:
            return WarningLevel.RED
        if used >= self.yellow_ratio * seconds:
            return WarningLevel.YELLOW
        return WarningLevel.GREEN

    def overdue_multiple(self, used: float, limit: TimeLimit | float) -> float:
        """超时倍数: how many limits past the deadline (0 when on time)."""
        seconds = self._limit_as_seconds(limit)
        return max(0.0, (used - seconds) / seconds)

    # -- vectorised -----------------------------------------------------------------

    def _worked_ns_array(self, t: np.ndarray) -> np.ndarray:
        table = self._table
        if t.size and (t.min() < table.lo or t.max() > table.hi):
            bad = int(((t < table.lo) | (t > table.hi)).sum())
            lo, hi = self.range_utc
            raise WorkTimeError(
                f"{bad} instants are outside the working calendar "
                f"({lo.isoformat()} – {hi.isoformat()})"
            )
        k = np.searchsorted(table.starts, t, side="right") - 1
        return table.cum[k] + np.minimum(t - table.starts[k], table.lengths[k])

    def deadlines_ns(
        self, start_ns: np.ndarray, seconds: np.ndarray, continuous: np.ndarray
    ) -> np.ndarray:
        """Many deadlines at once: ``start_ns`` int64 UTC epoch ns, ``seconds`` float
        (working or wall-clock, e.g. from ``limit_seconds``), ``continuous`` bool.
        Returns int64 UTC epoch ns, equal to ``deadline`` / ``add_working``."""
        starts, budgets, cont = self._vector_inputs(start_ns, seconds, continuous)
        # Sub-microsecond parts are dropped, as a datetime would.
        starts = starts // _NS_PER_US * _NS_PER_US
        result = starts + budgets
        work = ~cont & (budgets > 0)
        if work.any():
            table = self._table
            target = self._worked_ns_array(starts[work]) + budgets[work]
            k = np.searchsorted(table.cum_end, target, side="left")
            if k.size and k.max() >= table.cum_end.size:
                raise WorkTimeError(
                    f"{int((k >= table.cum_end.size).sum())} deadlines fall after the working "
                    f"calendar's last year ({self.calendar.last_year})"
                )
            result[work] = table.starts[k] + (target - table.cum[k])
        zero_work = ~cont & (budgets == 0)
        if zero_work.any():
            self._worked_ns_array(starts[zero_work])  # range check only
        return result

    def used_seconds_ns(
        self, start_ns: np.ndarray, end_ns: np.ndarray, continuous: np.ndarray
    ) -> np.ndarray:
        """Many ``used_seconds`` at once (float seconds); ends must not precede starts."""
        starts = np.asarray(start_ns, dtype=np.int64) // _NS_PER_US * _NS_PER_US
        ends = np.asarray(end_ns, dtype=np.int64) // _NS_PER_US * _NS_PER_US
        try:
            if starts.shape != ends.shape:
                raise ValueError
            cont = np.broadcast_to(np.asarray(continuous, dtype=bool), starts.shape)
        except ValueError:
            raise WorkTimeError("start_ns, end_ns and continuous must have one shape") from None
        if (ends < starts).any():
            raise WorkTimeError(f"{int((ends < starts).sum())} ends are before their starts")
        used = ends - starts
        work = ~cont
        if work.any():
            used[work] = self._worked_ns_array(ends[work]) - self._worked_ns_array(starts[work])
        return used / NS_PER_SECOND

    def warning_levels(self, used: np.ndarray, limit_seconds: np.ndarray) -> np.ndarray:
        """Vectorised ``warning_level``: int8 codes, 0 green, 1 yellow, 2 red
        (``WARNING_CODES[code]`` is the level)."""
        used_a = np.asarray(used, dtype=np.float64)
        limit_a = np.asarray(limit_seconds, dtype=np.float64)
        if limit_a.size and not (np.isfinite(limit_a).all() and (limit_a > 0).all()):
            raise WorkTimeError("limits must be positive numbers of seconds")
        codes = np.where(used_a >= self.yellow_ratio * limit_a, 1, 0).astype(np.int8)
        codes[used_a > limit_a] = 2
        return codes

    # -- helpers ----------------------------------------------------------------------

    @staticmethod
    def _vector_inputs(
        start_ns: np.ndarray, seconds: np.ndarray, continuous: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        starts = np.asarray(start_ns)
        if starts.dtype.kind not in "iu":
            raise WorkTimeError("start_ns must be integer epoch nanoseconds")
        starts = starts.astype(np.int64)
        budgets = _seconds_to_ns_array(seconds)
        cont = np.asarray(continuous, dtype=bool)
        try:
            budgets = np.broadcast_to(budgets, starts.shape)
            cont = np.broadcast_to(cont, starts.shape)
        except ValueError:
            raise WorkTimeError("start_ns, seconds and continuous must have one shape") from None
        return starts, budgets, cont

    @staticmethod
    def _ordered(start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
        a, b = datetime_to_ns(start), datetime_to_ns(end)
        if b < a:
            raise WorkTimeError(f"end {end.isoformat()} is before start {start.isoformat()}")
        return a, b

    @staticmethod
    def _merged_pauses(start: int, pauses: Sequence[Pause]) -> list[tuple[int, int | None]]:
        """Pauses as sorted, disjoint ns intervals clipped to begin at ``start`` or later."""
        spans: list[tuple[int, int | None]] = []
        for pause in pauses:
            try:
                a_dt, b_dt = pause
            except (TypeError, ValueError):
                raise WorkTimeError(f"pause {pause!r} is not a (from, to) pair") from None
            a = datetime_to_ns(a_dt)
            b = None if b_dt is None else datetime_to_ns(b_dt)
            if b is not None and b < a:
                raise WorkTimeError(
                    f"pause ends ({b_dt.isoformat()}) before it starts ({a_dt.isoformat()})"
                )
            if b is not None and b <= start:
                continue
            spans.append((max(a, start), b))
        spans.sort(key=lambda s: s[0])
        merged: list[tuple[int, int | None]] = []
        for a, b in spans:
            if merged:
                pa, pb = merged[-1]
                if pb is None:
                    break  # an open pause swallows everything after it
                if a <= pb:
                    merged[-1] = (pa, None if b is None else max(pb, b))
                    continue
            merged.append((a, b))
        return merged
