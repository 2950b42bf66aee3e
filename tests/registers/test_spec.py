"""Register fields: text cells to stored values and back (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbangrid.registers.spec import FieldSpec, RegisterSpec, format_row, parse_row
from urbangrid.waste.registers import DROP_POINTS, FACILITIES, SPECS

CHOICES = ("甲", "乙", "丙")
SPEC = RegisterSpec(
    name="t.things",
    label_zh="测试",
    label_en="things",
    fields=(
        FieldSpec("label", "标签", "label", max_length=20),
        FieldSpec("count", "数量", "count", "int", min=0, max=1000),
        FieldSpec("ratio", "比例", "ratio", "number", min=0, max=1),
        FieldSpec("flag", "标志", "flag", "bool"),
        FieldSpec("day", "日期", "day", "date"),
        FieldSpec("one", "单选", "one", "choice", choices=CHOICES),
        FieldSpec("many", "多选", "many", "multi", choices=CHOICES),
        FieldSpec("hours", "时段", "hours", "hours"),
    ),
)

records = st.fixed_dictionaries(
    {
        "label": st.none()
        | st.text(st.characters(blacklist_categories=("Cs", "Cc", "Z")), min_size=1, max_size=20),
        "count": st.none() | st.integers(0, 1000),
        "ratio": st.none() | st.floats(0, 1),
        "flag": st.none() | st.booleans(),
        "day": st.none() | st.dates().map(lambda d: d.isoformat()),
        "one": st.none() | st.sampled_from(CHOICES),
        "many": st.lists(st.sampled_from(CHOICES), unique=True).map(
            lambda xs: sorted(xs, key=CHOICES.index)
        ),
        "hours": st.none() | st.sampled_from(["06:00-08:00", "06:00-08:00,18:00-20:00"]),
    }
)


@given(records, st.from_regex(r"[A-Za-z0-9-]{1,20}", fullmatch=True))
def test_format_then_parse_gives_the_record_back(record: dict, code: str) -> None:
    row = parse_row(SPEC, format_row(SPEC, code, "名字", record))
    assert row.problems == []
    assert (row.code, row.name, row.attributes) == (code, "名字", record)


def test_chinese_headers_and_every_problem_of_a_row() -> None:
    row = parse_row(
        SPEC,
        {
            "编码": "A 1",
            "名称": "",
            "数量": "-1",
            "比例": "x",
            "标志": "maybe",
            "日期": "2026-02-30",
            "单选": "丁",
            "多选": "甲|丁",
            "时段": "08:00-06:00",
            "x": "y",
        },
    )
    assert row.problems == [
        "code: at most 64 characters, no spaces",
        "name: is required",
        "count: -1 is below 0",
        "ratio: 'x' is not a number",
        "flag: 'maybe' is not yes/no (是/否)",
        "day: '2026-02-30' is not a date (YYYY-MM-DD)",
        "one: '丁' is not one of 甲/乙/丙",
        "many: 丁 not among 甲/乙/丙",
        "hours: office period 08:00:00–06:00:00 ends before it starts",
    ]


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="needs choices"):
        FieldSpec("x", "x", "x", "choice")
    with pytest.raises(ValueError, match="reserved"):
        RegisterSpec("t.bad", "x", "x", fields=(FieldSpec("code", "x", "x"),))
    with pytest.raises(ValueError, match="unknown type"):
        FieldSpec("x", "x", "x", "colour")
    assert {s.name for s in SPECS} >= {DROP_POINTS.name, FACILITIES.name}
    assert DROP_POINTS.refs == {"estate": "waste.estates"}
