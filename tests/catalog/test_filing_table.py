"""Parsing and validation of filing-condition tables (pure)."""

from pathlib import Path

import pytest

from urbangrid.catalog.directory import Kind, local_extension_code, national_directory
from urbangrid.catalog.filing_table import parse_table, read_table
from urbangrid.kit.errors import ImportRejected

HEADER = (
    "kind,code,big_category_code,big_category_name,name,filing_condition,"
    "disposal_time_limit_raw,time_limit_value,time_limit_unit,closing_condition,"
    "related_gbt47678_5_code\n"
)


def test_national_directory_is_complete() -> None:
    directory = national_directory()
    assert sum(1 for k, _ in directory if k is Kind.COMPONENT) == 153
    assert sum(1 for k, _ in directory if k is Kind.MATTER) == 250
    assert directory[(Kind.COMPONENT, "01001")].name == "供水井盖"


def test_local_extension_codes_never_collide_with_national() -> None:
    national = {code for _, code in national_directory()}
    assert local_extension_code(Kind.COMPONENT, "0199") == "01999"
    assert local_extension_code(Kind.MATTER, "0131") == "06931"
    assert local_extension_code(Kind.MATTER, "0596") == "10996"
    assert local_extension_code(Kind.MATTER, "0080", "市容环境") == "06980"
    for legacy in ("0199", "0299", "0596", "0698"):
        assert local_extension_code(Kind.MATTER, legacy) not in national


def test_reads_the_real_yuncheng_table(shared_dir: Path) -> None:
    table = read_table(shared_dir / "reference/yuncheng_2026_filing_and_time_limits.csv")
    # 522 rows, three of which repeat an earlier row word for word.
    assert table.condition_count == 519
    assert len(table.warnings) == 3
    local = [c for c in table.categories if not c.is_national]
    assert {c.legacy_code for c in local} >= {"0199", "0131", "0501"}
    by_legacy = {(c.kind, c.legacy_code): c for c in table.categories}
    cover = by_legacy[(Kind.COMPONENT, "0101")]
    assert (cover.code, cover.name, cover.local_name) == ("01001", "供水井盖", "上水井盖")
    assert [str(c.value) + c.unit for c in cover.conditions][:2] == [
        "2urgent_hour_continuous",
        "4work_hour",
    ]


def test_every_bad_row_is_reported_by_line() -> None:
    text = HEADER + (
        "component,0101,01,公用设施,上水井盖,缺失,2紧急工作时,2,urgent_hour_continuous,恢复,01001\n"
        "component,0102,01,公用设施,某井盖,破损,2天,2,work_day,修复,01999\n"  # unknown code
        "component,0103,01,公用设施,雨水井盖,破损,两天,two,work_day,修复,01003\n"  # bad limit
        "component,0101,01,公用设施,上水井盖,缺失,4小时,4,work_hour,恢复,01001\n"  # duplicate
        "component,0104,01,公用设施,雨水箅子,破损,2天,2,work_day,修复,01004\n"
    )
    with pytest.raises(ImportRejected) as info:
        parse_table(text)
    lines = {e["line"]: e["message"] for e in info.value.errors}
    assert set(lines) == {3, 4, 5}
    assert "unknown code" in lines[3]
    assert "does not parse" in lines[4]
    assert "duplicated" in lines[5]


def test_missing_column_is_named() -> None:
    text = "kind,code,name,filing_condition\ncomponent,01001,供水井盖,缺失\n"
    with pytest.raises(ImportRejected) as info:
        parse_table(text)
    messages = " ".join(e["message"] for e in info.value.errors)
    assert "time_limit_value" in messages and "closing_condition" in messages


def test_canonical_layout_rules() -> None:
    header = (
        "kind,code,name,local_extension,filing_condition,time_limit_value,"
        "time_limit_unit,closing_condition\n"
    )
    ok = parse_table(
        header
        + "component,01001,供水井盖,0,缺失,2,urgent_hour_continuous,恢复\n"
        + "component,01999,爱心驿站,1,破损,3,work_day,修复\n"
    )
    assert [c.code for c in ok.categories] == ["01001", "01999"]
    with pytest.raises(ImportRejected) as info:
        parse_table(
            header
            + "component,01999,爱心驿站,0,破损,3,work_day,修复\n"  # not national, not marked local
            + "component,01001,供水井盖,1,破损,3,work_day,修复\n"  # national code marked local
            + "component,0100,x,1,破损,3,work_day,修复\n"  # malformed code
            + "matter,06001,私搭乱建,0,正在建设,2,weeks,制止\n"  # bad unit
        )
    assert [e["line"] for e in info.value.errors] == [2, 3, 4, 5]
