from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbangrid.catalog.timelimits import TimeLimit, TimeUnit, parse_time_limit, parse_unit


@pytest.mark.parametrize(
    ("raw", "value", "unit"),
    [
        ("2紧急工作时", "2", TimeUnit.URGENT_HOUR),
        ("4小时", "4", TimeUnit.WORK_HOUR),
        ("5天", "5", TimeUnit.WORK_DAY),
        ("2紧急工作日", "2", TimeUnit.URGENT_DAY),
        ("3 自然日", "3", TimeUnit.NATURAL_DAY),
        ("1.5 work_hour", "1.5", TimeUnit.WORK_HOUR),
        ("1紧急工作时制止", "1", TimeUnit.URGENT_HOUR),
    ],
)
def test_parses_city_spellings(raw: str, value: str, unit: TimeUnit) -> None:
    assert parse_time_limit(raw) == TimeLimit(Decimal(value), unit)


@pytest.mark.parametrize("raw", ["", "天", "两天", "0天", "-1天", "3 fortnights", "abc"])
def test_rejects_what_does_not_parse(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_time_limit(raw)


@given(st.integers(min_value=1, max_value=10_000), st.sampled_from(list(TimeUnit)))
def test_str_round_trips(value: int, unit: TimeUnit) -> None:
    limit = TimeLimit(Decimal(value), unit)
    assert parse_time_limit(str(limit)) == limit


def test_unit_aliases() -> None:
    assert parse_unit("urgent_hour") is TimeUnit.URGENT_HOUR
    assert parse_unit("urgent_day_continuous") is TimeUnit.URGENT_DAY
    with pytest.raises(ValueError, match="unknown time unit"):
        parse_unit("fortnight")
