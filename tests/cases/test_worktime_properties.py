"""Properties of the working-time clock, checked against a slow day-by-day oracle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from urbangrid.cases.worktime import (
    WARNING_CODES,
    WarningLevel,
    WorkCalendar,
    WorkClock,
    WorkTimeError,
    datetime_to_ns,
)
from urbangrid.catalog.timelimits import TimeLimit, TimeUnit

CLOCK = WorkClock()
# The machine is shared: judge correctness, not the speed of one example.
NO_DEADLINE = settings(deadline=None)
TZ = CLOCK.tz
FIRST = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
LAST = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)
SPAN_US = (LAST - FIRST) // dt.timedelta(microseconds=1)


# -- an independent, slow oracle: walk local days and their office periods --------------


def _periods(clock: WorkClock, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    if not clock.calendar.is_workday(day):
        return []
    return [
        (
            dt.datetime.combine(day, a, tzinfo=clock.tz),
            dt.datetime.combine(day, b, tzinfo=clock.tz),
        )
        for a, b in clock.office_hours.periods
    ]


def oracle_working_seconds(clock: WorkClock, start: dt.datetime, end: dt.datetime) -> float:
    total = dt.timedelta()
    day = start.astimezone(clock.tz).date()
    while day <= end.astimezone(clock.tz).date():
        for p, q in _periods(clock, day):
            lo, hi = max(p, start), min(q, end)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total.total_seconds()


def oracle_add_working(clock: WorkClock, start: dt.datetime, seconds: float) -> dt.datetime:
    remaining = dt.timedelta(microseconds=round(seconds * 1_000_000))
    if not remaining:
        return start
    day = start.astimezone(clock.tz).date()
    while True:
        for p, q in _periods(clock, day):
            lo = max(p, start)
            if q > lo:
                if q - lo >= remaining:
                    return lo + remaining
                remaining -= q - lo
        day += dt.timedelta(days=1)


# -- strategies ---------------------------------------------------------------------------


@st.composite
def instants(draw: st.DrawFn) -> dt.datetime:
    """Random instants, often snapped to an office boundary or a whole minute."""
    t = FIRST + dt.timedelta(microseconds=draw(st.integers(0, SPAN_US)))
    mode = draw(st.sampled_from(["raw", "minute", "boundary"]))
    if mode == "minute":
        return t.replace(second=0, microsecond=0)
    if mode == "boundary":
        local = t.astimezone(TZ)
        edge = draw(st.sampled_from([x for p in CLOCK.office_hours.periods for x in p]))
        return dt.datetime.combine(local.date(), edge, tzinfo=TZ).astimezone(dt.UTC)
    return t


durations = st.one_of(
    st.integers(0, 40).map(lambda n: n * 1800.0),  # half hours, hit period ends exactly
    st.floats(0, 25 * 27000, allow_nan=False),
)

limits = st.builds(
    TimeLimit,
    st.one_of(
        st.integers(1, 20).map(Decimal),
        st.decimals(min_value=Decimal("0.25"), max_value=Decimal(15), places=2),
    ),
    st.sampled_from(list(TimeUnit)),
)


@st.composite
def pause_lists(draw: st.DrawFn, start: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    pauses = []
    for _ in range(draw(st.integers(0, 4))):
        a = start + dt.timedelta(minutes=draw(st.integers(-600, 20 * 1440)))
        b = a + dt.timedelta(minutes=draw(st.integers(0, 5 * 1440)))
        pauses.append((a, b))
    return pauses


# -- properties ---------------------------------------------------------------------------


@NO_DEADLINE
@given(start=instants(), seconds=durations)
def test_add_working_matches_oracle_and_round_trips(start, seconds):
    due = CLOCK.add_working(start, seconds)
    assert due == oracle_add_working(CLOCK, start, seconds)
    assert due >= start
    assert CLOCK.working_seconds(start, due) == pytest.approx(seconds, abs=1e-6)
    if round(seconds * 1_000_000) > 0:
        # Earliest instant: a microsecond earlier the time is not yet used up.
        before = due - dt.timedelta(microseconds=1)
        assert CLOCK.working_seconds(start, before) < seconds


@NO_DEADLINE
@given(a=instants(), b=instants())
def test_working_seconds_matches_oracle(a, b):
    start, end = min(a, b), max(a, b)
    assume((end - start) < dt.timedelta(days=60))
    assert CLOCK.working_seconds(start, end) == pytest.approx(
        oracle_working_seconds(CLOCK, start, end), abs=1e-6
    )


@NO_DEADLINE
@given(start=instants(), first=limits, extra=st.integers(0, 10))
def test_deadline_is_monotone_in_the_limit(start, first, extra):
    bigger = TimeLimit(first.value + extra, first.unit)
    assert CLOCK.deadline(start, first) <= CLOCK.deadline(start, bigger)
    assert CLOCK.deadline(start, first) >= start
    assert CLOCK.used_seconds(start, CLOCK.deadline(start, first), first.unit) == pytest.approx(
        CLOCK.limit_seconds(first), abs=1e-6
    )


@NO_DEADLINE
@given(data=st.data(), start=instants(), limit=limits)
def test_time_inside_pauses_is_not_counted(data, start, limit):
    pauses = data.draw(pause_lists(start))
    due = CLOCK.deadline_with_pauses(start, limit, pauses)
    assert due is not None
    assert due >= CLOCK.deadline(start, limit)
    used = CLOCK.used_seconds_with_pauses(start, due, limit.unit, pauses)
    assert used == pytest.approx(CLOCK.limit_seconds(limit), abs=1e-6)
    # Extending the pauses never brings the deadline forward.
    longer = [(a, b + dt.timedelta(hours=1)) for a, b in pauses]
    later = CLOCK.deadline_with_pauses(start, limit, longer)
    assert later is not None and later >= due


@NO_DEADLINE
@given(start=instants(), limit=limits, pause_at=st.integers(0, 30 * 1440))
def test_open_pause_stops_the_clock(start, limit, pause_at):
    a = start + dt.timedelta(minutes=pause_at)
    plain = CLOCK.deadline(start, limit)
    due = CLOCK.deadline_with_pauses(start, limit, [(a, None)])
    if a >= plain:
        assert due == plain  # reached before the pause began
    else:
        assert due is None
    end = a + dt.timedelta(days=3)
    assert CLOCK.used_seconds_with_pauses(start, end, limit.unit, [(a, None)]) == pytest.approx(
        CLOCK.used_seconds(start, a, limit.unit), abs=1e-6
    )


@NO_DEADLINE
@given(start=instants(), limit=limits)
def test_pause_outside_office_hours_does_not_move_a_working_deadline(start, limit):
    assume(not limit.unit.is_continuous)
    local = start.astimezone(TZ)
    night = dt.datetime.combine(local.date(), dt.time(18), tzinfo=TZ)
    morning = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(8), tzinfo=TZ)
    assert CLOCK.deadline_with_pauses(start, limit, [(night, morning)]) == CLOCK.deadline(
        start, limit
    )


@settings(max_examples=50, deadline=None)
@given(
    pairs=st.lists(st.tuples(instants(), limits), min_size=1, max_size=40),
    raw_ns=st.lists(st.integers(0, 999), min_size=40, max_size=40),
)
def test_vectorised_equals_scalar(pairs, raw_ns):
    starts = np.array([datetime_to_ns(s) for s, _ in pairs], dtype=np.int64)
    # Sub-microsecond noise is dropped by the vector path, as a datetime would drop it.
    noisy = starts + np.array(raw_ns[: len(pairs)], dtype=np.int64)
    seconds = np.array([CLOCK.limit_seconds(lim) for _, lim in pairs])
    continuous = np.array([CLOCK.is_continuous(lim.unit) for _, lim in pairs])
    got = CLOCK.deadlines_ns(noisy, seconds, continuous)
    expected = [datetime_to_ns(CLOCK.deadline(s, lim)) for s, lim in pairs]
    assert got.tolist() == expected
    used = CLOCK.used_seconds_ns(starts, got, continuous)
    assert used.tolist() == [
        CLOCK.used_seconds(s, CLOCK.deadline(s, lim), lim.unit) for s, lim in pairs
    ]


@NO_DEADLINE
@given(day_offset=st.integers(0, (LAST - FIRST).days - 1))
def test_local_overrides_win_over_the_package(day_offset):
    day = FIRST.date() + dt.timedelta(days=day_offset)
    package = WorkCalendar(first_year=2019, last_year=2026)
    flipped = not package.is_workday(day)
    calendar = WorkCalendar({day: flipped}, first_year=2019, last_year=2026)
    assert calendar.is_workday(day) is flipped
    clock = WorkClock(calendar)
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=TZ)
    worked = clock.working_seconds(midnight, midnight + dt.timedelta(days=1))
    assert worked == (clock.seconds_per_workday if flipped else 0)
    # Neighbouring days are untouched.
    other = day + dt.timedelta(days=1)
    assert calendar.is_workday(other) == package.is_workday(other)


@NO_DEADLINE
@given(
    used=st.floats(0, 1e7, allow_nan=False),
    limit=st.floats(1, 1e6, allow_nan=False),
    ratio=st.floats(0.05, 1.0),
)
def test_warning_level_and_overdue_multiple(used, limit, ratio):
    clock = WorkClock(yellow_ratio=ratio)
    level = clock.warning_level(used, limit)
    multiple = clock.overdue_multiple(used, limit)
    assert (level is WarningLevel.RED) == (used > limit) == (multiple > 0)
    if level is WarningLevel.GREEN:
        assert used < ratio * limit
    if level is WarningLevel.YELLOW:
        assert ratio * limit <= used <= limit
    assert multiple == pytest.approx(max(0.0, used / limit - 1.0), rel=1e-9, abs=1e-12)
    code = clock.warning_levels(np.array([used]), np.array([limit]))[0]
    assert WARNING_CODES[code] is level


def test_warning_level_edges():
    limit = TimeLimit(Decimal(2), TimeUnit.WORK_HOUR)
    assert CLOCK.warning_level(0.79 * 7200, limit) == "green"
    assert CLOCK.warning_level(0.8 * 7200, limit) == "yellow"
    assert CLOCK.warning_level(7200, limit) == "yellow"
    assert CLOCK.warning_level(7200.5, limit) == "red"
    assert CLOCK.overdue_multiple(2.5 * 7200, limit) == pytest.approx(1.5)
    assert CLOCK.overdue_multiple(7000, limit) == 0


def test_limit_seconds_per_unit():
    spd = CLOCK.seconds_per_workday
    assert spd == 7.5 * 3600
    for unit, per in [
        (TimeUnit.WORK_HOUR, 3600),
        (TimeUnit.WORK_DAY, spd),
        (TimeUnit.URGENT_HOUR, 3600),
        (TimeUnit.URGENT_DAY, 86400),
        (TimeUnit.NATURAL_DAY, 86400),
    ]:
        assert CLOCK.limit_seconds(TimeLimit(Decimal("1.5"), unit)) == 1.5 * per
    assert [CLOCK.is_continuous(u) for u in TimeUnit] == [False, False, True, True, True]


def test_bad_inputs_raise_clear_errors():
    start = dt.datetime(2025, 9, 30, 10, tzinfo=dt.UTC)
    with pytest.raises(WorkTimeError, match="no time zone"):
        CLOCK.add_working(dt.datetime(2025, 9, 30, 10), 60)
    with pytest.raises(WorkTimeError, match="before start"):
        CLOCK.working_seconds(start, start - dt.timedelta(seconds=1))
    with pytest.raises(WorkTimeError, match="≥ 0"):
        CLOCK.add_working(start, -1)
    with pytest.raises(WorkTimeError, match="outside the working calendar"):
        CLOCK.add_working(dt.datetime(2099, 1, 1, tzinfo=dt.UTC), 60)
    with pytest.raises(WorkTimeError, match="after the working calendar"):
        CLOCK.add_working(dt.datetime(2045, 12, 30, tzinfo=dt.UTC), 10 * 27000)
    with pytest.raises(WorkTimeError, match="pause ends"):
        CLOCK.deadline_with_pauses(
            start,
            TimeLimit(Decimal(1), TimeUnit.WORK_DAY),
            [(start + dt.timedelta(hours=2), start + dt.timedelta(hours=1))],
        )
    with pytest.raises(WorkTimeError, match="time zone"):
        WorkClock(tz="Mars/Olympus")
    with pytest.raises(WorkTimeError):
        WorkClock(yellow_ratio=1.5)
    with pytest.raises(WorkTimeError, match="outside"):
        CLOCK.deadlines_ns(np.array([0], dtype=np.int64), np.array([60.0]), np.array([False]))
    with pytest.raises(WorkTimeError, match="integer"):
        CLOCK.deadlines_ns(np.array([0.5]), np.array([60.0]), np.array([False]))
    with pytest.raises(WorkTimeError, match="positive"):
        CLOCK.warning_level(10, 0)
    # A continuous deadline needs no calendar, even far outside its range.
    far = np.array([0], dtype=np.int64)
    assert CLOCK.deadlines_ns(far, np.array([60.0]), np.array([True])).tolist() == [60 * 10**9]
