"""Working-day calendar (工作日历): which dates are working days in mainland China.

Pure logic, no I/O apart from reading the data shipped inside the ``chinesecalendar``
package. Public API (also re-exported by :mod:`urbangrid.cases.worktime`):

- ``WorkCalendar(overrides=None, *, first_year=2010, last_year=2045, override_years=None)``

  - ``is_workday(d) -> bool`` for any date (fast table lookup inside the range);
  - ``day_table`` — ``np.ndarray[bool]``, one entry per day from ``first_day`` to ``last_day``;
  - ``source(year) -> CalendarSource`` and ``coverage() -> dict[int, CalendarSource]``:
    where a year's schedule comes from; ``fallback_years()`` lists the years of the range
    for which nobody knows the official schedule, so plain Monday–Friday is assumed.

- ``parse_overrides(raw)`` turns configuration (``{"2027-02-06": "work", ...}``) into the
  ``dict[date, bool]`` the calendar takes, with a clear error for a bad entry.

How a day is decided: the base is the package's official schedule — public holidays
(法定节假日) and the weekend days swapped to working days (调休上班) — for the years the
package was released with; for any other year the base is Monday–Friday. Local overrides
(a jurisdiction's own configuration, e.g. the next year's State Council notice before a
package update, or a local holiday) are applied last and always win.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from enum import StrEnum

import chinese_calendar
import numpy as np

from urbangrid.kit.errors import InvalidInput

DEFAULT_FIRST_YEAR = 2010
DEFAULT_LAST_YEAR = 2045

_EPOCH_DAY = dt.date(1970, 1, 1)


class WorkTimeError(InvalidInput, ValueError):
    """Bad working-time input or configuration (HTTP 422 if it reaches the API)."""


class CalendarSource(StrEnum):
    PACKAGE = "package"  # official schedule from the chinesecalendar package
    OVERRIDES = "overrides"  # the year's schedule is given by local configuration
    WEEKDAYS = "weekdays"  # nobody knows the year: Monday–Friday assumed


def package_years() -> tuple[int, int]:
    """First and last year the installed ``chinesecalendar`` has official data for."""
    known = chinese_calendar.holidays.keys()
    return min(known).year, max(known).year


_WORD_TO_BOOL = {
    "work": True,
    "workday": True,
    "working": True,
    "true": True,
    "1": True,
    "班": True,
    "上班": True,
    "off": False,
    "holiday": False,
    "rest": False,
    "false": False,
    "0": False,
    "休": False,
    "放假": False,
}


def parse_overrides(raw: Mapping[str, object] | None) -> dict[dt.date, bool]:
    """Parse configured overrides ``{"YYYY-MM-DD": work|off|true|false|1|0|班|休}``."""
    result: dict[dt.date, bool] = {}
    for key, value in (raw or {}).items():
        try:
            day = dt.date.fromisoformat(str(key).strip())
        except ValueError:
            raise WorkTimeError(
                f"calendar override {key!r}: not a date, expected YYYY-MM-DD"
            ) from None
        if isinstance(value, bool):
            flag = value
        elif isinstance(value, int) and value in (0, 1):
            flag = bool(value)
        elif isinstance(value, str) and value.strip().lower() in _WORD_TO_BOOL:
            flag = _WORD_TO_BOOL[value.strip().lower()]
        else:
            raise WorkTimeError(
                f"calendar override {key}: value {value!r} is neither a working day "
                "(work/true/1/班) nor a day off (off/false/0/休)"
            )
        result[day] = flag
    return result


def _day_number(day: dt.date) -> int:
    return (day - _EPOCH_DAY).days


class WorkCalendar:
    """Is a date a working day. See the module docstring for the rules."""

    def __init__(
        self,
        overrides: Mapping[dt.date, bool] | None = None,
        *,
        first_year: int = DEFAULT_FIRST_YEAR,
        last_year: int = DEFAULT_LAST_YEAR,
        override_years: Iterable[int] | None = None,
        use_package: bool = True,
    ) -> None:
        if not 1971 <= first_year <= last_year <= 2200:
            raise WorkTimeError(
                f"calendar range {first_year}–{last_year} is not a valid range of years"
            )
        clean: dict[dt.date, bool] = {}
        for day, flag in (overrides or {}).items():
            if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
                raise WorkTimeError(f"calendar override key {day!r} is not a date")
            clean[day] = bool(flag)
        self.overrides: dict[dt.date, bool] = clean
        self.first_year = first_year
        self.last_year = last_year
        # A year with any override entry is taken as described by configuration: local
        # overrides are entered from a whole year's notice. ``override_years`` says it
        # explicitly instead.
        self.override_years: frozenset[int] = (
            frozenset(override_years)
            if override_years is not None
            else frozenset(d.year for d in clean)
        )
        self.use_package = use_package
        self._pkg_first, self._pkg_last = package_years() if use_package else (1, 0)
        self.first_day = dt.date(first_year, 1, 1)
        self.last_day = dt.date(last_year, 12, 31)
        self._first_number = _day_number(self.first_day)
        self.day_table: np.ndarray = self._build_table()
        self.day_table.flags.writeable = False

    # -- construction -------------------------------------------------------------------

    def _build_table(self) -> np.ndarray:
        n_days = (self.last_day - self.first_day).days + 1
        numbers = np.arange(self._first_number, self._first_number + n_days)
        # 1970-01-01 was a Thursday: (n + 3) % 7 is Monday = 0 ... Sunday = 6.
        table = (numbers + 3) % 7 < 5
        if self.use_package:
            for days, flag in (
                (chinese_calendar.holidays.keys(), False),
                (chinese_calendar.workdays.keys(), True),
            ):
                for day in days:
                    if self.first_day <= day <= self.last_day and self._package_knows(day):
                        table[(day - self.first_day).days] = flag
        for day, flag in self.overrides.items():
            if self.first_day <= day <= self.last_day:
                table[(day - self.first_day).days] = flag
        return table

    def _package_knows(self, day: dt.date) -> bool:
        return self._pkg_first <= day.year <= self._pkg_last

    # -- queries ------------------------------------------------------------------------

    @property
    def key(self) -> tuple[object, ...]:
        """Hashable identity of the configuration (used to cache derived tables)."""
        return (
            self.first_year,
            self.last_year,
            frozenset(self.overrides.items()),
            self.override_years,
            self.use_package,
            self._pkg_first,
            self._pkg_last,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkCalendar) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return (
            f"WorkCalendar({self.first_year}–{self.last_year}, "
            f"{len(self.overrides)} overrides, fallback years: {self.fallback_years()})"
        )

    def is_workday(self, day: dt.date) -> bool:
        if isinstance(day, dt.datetime):
            raise WorkTimeError("is_workday takes a date; convert a datetime to local time first")
        if self.first_day <= day <= self.last_day:
            return bool(self.day_table[(day - self.first_day).days])
        # Outside the precomputed range: decide the same way, one day at a time.
        if day in self.overrides:
            return self.overrides[day]
        if self.use_package and self._package_knows(day):
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def is_workday_array(self, days: np.ndarray) -> np.ndarray:
        """Vectorised ``is_workday`` for ``datetime64[D]`` values inside the range."""
        index = days.astype("datetime64[D]").astype(np.int64) - self._first_number
        if index.size and (index.min() < 0 or index.max() >= self.day_table.size):
            raise WorkTimeError(
                f"dates outside the calendar range {self.first_day}–{self.last_day}"
            )
        return self.day_table[index]

    def source(self, year: int) -> CalendarSource:
        """Where the schedule of ``year`` comes from (overrides still apply on top)."""
        if self.use_package and self._pkg_first <= year <= self._pkg_last:
            return CalendarSource.PACKAGE
        if year in self.override_years:
            return CalendarSource.OVERRIDES
        return CalendarSource.WEEKDAYS

    def coverage(self) -> dict[int, CalendarSource]:
        """Source of every year of the precomputed range."""
        return {y: self.source(y) for y in range(self.first_year, self.last_year + 1)}

    def fallback_years(self) -> list[int]:
        """Years of the range without a known schedule (Monday–Friday is assumed)."""
        return [y for y, s in self.coverage().items() if s is CalendarSource.WEEKDAYS]

    def covered_years(self) -> list[int]:
        """Years of the range whose official schedule is known (package or overrides)."""
        return [y for y, s in self.coverage().items() if s is not CalendarSource.WEEKDAYS]

    # -- statutory periods (法定期间) ----------------------------------------------------

    def workdays_after(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (the start day itself is not counted, as
        periods in administrative law begin the next day). ``n = 0`` is ``start``."""
        if n < 0:
            raise WorkTimeError("a period cannot be negative")
        day = start
        while n > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def calendar_period_end(self, start: dt.date, n: int) -> dt.date:
        """Last day of a period of ``n`` calendar days from ``start`` (not counted); a period
        ending on a rest day or holiday ends on the next working day instead."""
        if n < 0:
            raise WorkTimeError("a period cannot be negative")
        day = start + dt.timedelta(days=n)
        while n > 0 and not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day
