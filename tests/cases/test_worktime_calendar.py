"""Working calendar and deadlines around real holidays, checked against the published
calendar in ../shared/data/calendar (derived from State Council notices)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from urbangrid.cases.worktime import (
    CalendarSource,
    OfficeHours,
    WorkCalendar,
    WorkClock,
    WorkTimeError,
    parse_overrides,
)
from urbangrid.catalog.timelimits import TimeLimit, TimeUnit

CST = dt.timezone(dt.timedelta(hours=8))
CLOCK = WorkClock()
DAY_SECONDS = CLOCK.seconds_per_workday


@pytest.fixture(scope="module")
def csv_days(shared_dir: Path) -> dict[dt.date, bool]:
    path = shared_dir / "data" / "calendar" / "cn_workday_calendar_2019_2026.csv"
    with path.open(encoding="utf-8") as fh:
        return {
            dt.date.fromisoformat(row["date"]): row["is_workday"] == "1"
            for row in csv.DictReader(fh)
        }


def working_days_from(csv_days: dict[dt.date, bool], first: dt.date, n: int) -> dt.date:
    """The n-th working day (1-based) counting ``first`` itself if it is one."""
    day, seen = first, 0
    while True:
        if csv_days[day]:
            seen += 1
            if seen == n:
                return day
        day += dt.timedelta(days=1)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=CST)


def test_every_day_2019_2026_matches_the_published_calendar(csv_days):
    assert len(csv_days) == (dt.date(2026, 12, 31) - dt.date(2019, 1, 1)).days + 1
    calendar = WorkCalendar()
    wrong = [d for d, work in csv_days.items() if calendar.is_workday(d) != work]
    assert wrong == []
    # Outside the precomputed range the answer is computed the same way.
    narrow = WorkCalendar(first_year=2024, last_year=2024)
    wrong = [d for d, work in csv_days.items() if narrow.is_workday(d) != work]
    assert wrong == []


def test_national_day_2025_facts(csv_days):
    cal = CLOCK.calendar
    assert cal.is_workday(dt.date(2025, 9, 28))  # Sunday, swapped working day
    assert cal.is_workday(dt.date(2025, 10, 11))  # Saturday, swapped working day
    for day in range(1, 9):
        assert not cal.is_workday(dt.date(2025, 10, day))
    for day in (dt.date(2025, 9, 28), dt.date(2025, 10, 11), dt.date(2025, 10, 4)):
        assert cal.is_workday(day) == csv_days[day]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (dt.date(2025, 9, 20), dt.date(2025, 10, 20)),  # National Day + Mid-Autumn 2025
        (dt.date(2025, 1, 20), dt.date(2025, 2, 12)),  # Spring Festival 2025
        (dt.date(2026, 2, 7), dt.date(2026, 3, 5)),  # Spring Festival 2026
    ],
)
def test_work_day_deadlines_day_by_day(csv_days, first, last):
    day = first
    while day <= last:
        # Whole local day: a working day holds exactly one day of working time.
        worked = CLOCK.working_seconds(
            local(day.year, day.month, day.day),
            local(day.year, day.month, day.day) + dt.timedelta(days=1),
        )
        assert worked == (DAY_SECONDS if csv_days[day] else 0)
        for n in (1, 2, 3, 5, 8):
            limit = TimeLimit(Decimal(n), TimeUnit.WORK_DAY)
            start = local(day.year, day.month, day.day, 10, 0)
            due = CLOCK.deadline(start, limit).astimezone(CST)
            if csv_days[day]:
                # Same office time n working days later.
                expected_day = working_days_from(csv_days, day + dt.timedelta(days=1), n)
                assert (due.date(), due.time()) == (expected_day, dt.time(10, 0))
            else:
                # Counting starts at the next working morning and ends that day's evening.
                expected_day = working_days_from(csv_days, day, n)
                assert (due.date(), due.time()) == (expected_day, dt.time(17, 30))
            assert CLOCK.working_seconds(start, due) == n * DAY_SECONDS
        day += dt.timedelta(days=1)


def test_work_hours_across_national_day_2025():
    # 16:00 on Sep 30: 1.5 h left that day, Oct 1–8 off, so 2.5 h more on Oct 9 → 11:00.
    due = CLOCK.deadline(local(2025, 9, 30, 16), TimeLimit(Decimal(4), TimeUnit.WORK_HOUR))
    assert due.astimezone(CST) == local(2025, 10, 9, 11, 0)
    # The swapped Sunday Sep 28 counts: from Saturday Sep 27 noon, 2 h ends Sep 28 10:30.
    due = CLOCK.deadline(local(2025, 9, 27, 12), TimeLimit(Decimal(2), TimeUnit.WORK_HOUR))
    assert due.astimezone(CST) == local(2025, 9, 28, 10, 30)
    # Continuous units ignore the holiday.
    due = CLOCK.deadline(local(2025, 9, 30, 16), TimeLimit(Decimal(2), TimeUnit.URGENT_DAY))
    assert due.astimezone(CST) == local(2025, 10, 2, 16)


def test_spring_festival_2026_work_days():
    # Friday Feb 13 15:00 + 1 work day: Sat Feb 14 is a swapped working day.
    start = local(2026, 2, 13, 15)
    assert CLOCK.deadline(start, TimeLimit(Decimal(1), TimeUnit.WORK_DAY)).astimezone(CST) == local(
        2026, 2, 14, 15
    )
    # + 2 work days: Feb 15–23 off, next working day Tuesday Feb 24.
    assert CLOCK.deadline(start, TimeLimit(Decimal(2), TimeUnit.WORK_DAY)).astimezone(CST) == local(
        2026, 2, 24, 15
    )


def test_office_hours_boundaries():
    h = TimeLimit(Decimal("3.5"), TimeUnit.WORK_HOUR)
    # Used up exactly at noon: the deadline is 12:00, not the 13:30 restart.
    assert CLOCK.deadline(local(2025, 9, 30, 8, 30), h).astimezone(CST) == local(2025, 9, 30, 12, 0)
    # Before office hours counting starts at 08:30; at lunch it starts at 13:30.
    one = TimeLimit(Decimal(1), TimeUnit.WORK_HOUR)
    assert CLOCK.deadline(local(2025, 9, 30, 6), one).astimezone(CST) == local(2025, 9, 30, 9, 30)
    assert CLOCK.deadline(local(2025, 9, 30, 12, 15), one).astimezone(CST) == local(
        2025, 9, 30, 14, 30
    )
    assert CLOCK.is_working_time(local(2025, 9, 30, 9))
    assert not CLOCK.is_working_time(local(2025, 9, 30, 12, 30))
    assert not CLOCK.is_working_time(local(2025, 10, 2, 9))
    assert CLOCK.add_working(local(2025, 10, 2, 9), 0) == local(2025, 10, 2, 9)


def test_custom_office_hours_change_the_day_length():
    hours = OfficeHours.parse("09:00-12:00, 14:00-18:00")
    assert hours.seconds_per_day == 7 * 3600
    clock = WorkClock(office_hours=hours)
    due = clock.deadline(local(2025, 9, 30, 17), TimeLimit(Decimal(1), TimeUnit.WORK_DAY))
    assert due.astimezone(CST) == local(2025, 10, 9, 17)
    assert str(hours) == "09:00-12:00,14:00-18:00"


@pytest.mark.parametrize(
    "text",
    ["08:30-12:00,11:00-17:30", "12:00-08:30", "8.30-12", "08:30", "25:00-26:00", ""],
)
def test_bad_office_hours_are_rejected(text):
    with pytest.raises(WorkTimeError):
        OfficeHours.parse(text)


def test_daylight_saving_zone_counts_local_office_hours():
    # Berlin moved to summer time on Sunday 2025-03-30: 10:00 local is 09:00 UTC on
    # Friday and 08:00 UTC on Monday, and the deadline follows local office time.
    clock = WorkClock(tz="Europe/Berlin")
    berlin = clock.tz
    friday = dt.datetime(2025, 3, 28, 10, 0, tzinfo=berlin)
    due = clock.deadline(friday, TimeLimit(Decimal(1), TimeUnit.WORK_DAY))
    assert due == dt.datetime(2025, 3, 31, 8, 0, tzinfo=dt.UTC)
    assert due.astimezone(berlin).time() == dt.time(10, 0)
    # Starting at opening time, one working day is used up at closing time that day.
    opening = dt.datetime(2025, 3, 28, 8, 30, tzinfo=berlin)
    due = clock.deadline(opening, TimeLimit(Decimal(1), TimeUnit.WORK_DAY))
    assert due == dt.datetime(2025, 3, 28, 17, 30, tzinfo=berlin)


def test_year_coverage_and_fallback():
    calendar = WorkCalendar(first_year=2024, last_year=2030)
    coverage = calendar.coverage()
    assert list(coverage) == list(range(2024, 2031))
    assert coverage[2025] is CalendarSource.PACKAGE
    fallback = calendar.fallback_years()
    assert fallback and min(fallback) > 2026
    assert set(fallback) | set(calendar.covered_years()) == set(range(2024, 2031))
    # A fallback year is plain Monday–Friday: 2030-01-01 (a Tuesday) counts as working.
    assert 2030 in fallback
    assert calendar.is_workday(dt.date(2030, 1, 1))
    assert not calendar.is_workday(dt.date(2030, 1, 5))


def test_overrides_cover_a_year_the_package_does_not_know():
    last_pkg = max(y for y, s in WorkCalendar().coverage().items() if s == "package")
    year = last_pkg + 1
    jan1 = dt.date(year, 1, 1)
    sat = jan1 + dt.timedelta(days=(5 - jan1.weekday()) % 7)
    overrides = parse_overrides({jan1.isoformat(): "off", sat.isoformat(): "班"})
    calendar = WorkCalendar(overrides)
    assert calendar.source(year) is CalendarSource.OVERRIDES
    assert year not in calendar.fallback_years()
    assert not calendar.is_workday(jan1)
    assert calendar.is_workday(sat)
    clock = WorkClock(calendar)
    start = dt.datetime.combine(sat, dt.time(0), tzinfo=CST)
    assert clock.working_seconds(start, start + dt.timedelta(days=1)) == DAY_SECONDS


@pytest.mark.parametrize(
    "raw",
    [{"2027-13-01": "off"}, {"someday": True}, {"2027-02-01": "maybe"}, {"2027-02-01": 2}],
)
def test_bad_overrides_are_rejected(raw):
    with pytest.raises(WorkTimeError, match="calendar override"):
        parse_overrides(raw)


def test_suspension_across_national_day():
    # 挂账 from Sep 30 10:00 to Oct 9 10:00: 1 h counted on Sep 30, then 6.5 h from
    # Oct 9 10:00 (2 h + 4 h that day) leaves 0.5 h for Oct 10 → 09:00.
    start = local(2025, 9, 30, 9)
    pause = (local(2025, 9, 30, 10), local(2025, 10, 9, 10))
    limit = TimeLimit(Decimal(1), TimeUnit.WORK_DAY)
    due = CLOCK.deadline_with_pauses(start, limit, [pause])
    assert due is not None and due.astimezone(CST) == local(2025, 10, 10, 9)
    used = CLOCK.used_seconds_with_pauses(start, local(2025, 10, 9, 12), limit.unit, [pause])
    assert used == 3 * 3600
    # The same suspension stops a natural-day clock for its full 9 days.
    natural = TimeLimit(Decimal(1), TimeUnit.NATURAL_DAY)
    due = CLOCK.deadline_with_pauses(start, natural, [pause])
    assert due is not None and due.astimezone(CST) == local(2025, 10, 10, 9)
    assert CLOCK.deadline_with_pauses(start, natural, [(pause[0], None)]) is None


def test_clock_from_plain_configuration():
    clock = WorkClock.from_config(
        office_hours="09:00-12:00,13:00-17:00",
        overrides={"2025-10-08": "work"},
        tz="Asia/Shanghai",
        yellow_ratio=0.5,
    )
    assert clock.seconds_per_workday == 7 * 3600
    assert clock.calendar.is_workday(dt.date(2025, 10, 8))
    due = clock.deadline(local(2025, 9, 30, 16), TimeLimit(Decimal(2), TimeUnit.WORK_HOUR))
    assert due.astimezone(CST) == local(2025, 10, 8, 10)
    assert clock.warning_level(0.5 * 7200, TimeLimit(Decimal(2), TimeUnit.WORK_HOUR)) == "yellow"
    with pytest.raises(WorkTimeError, match="calendar override"):
        WorkClock.from_config(overrides={"2025-10-08": "sometimes"})
    with pytest.raises(WorkTimeError, match="office"):
        WorkClock.from_config(office_hours="17:00-09:00")
    with pytest.raises(WorkTimeError, match="century"):
        clock.add_working(local(2025, 9, 30, 16), 1e12)
