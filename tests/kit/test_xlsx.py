"""The shared xlsx writer: formats, local time, formula escaping, the attachment header."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from urbangrid.kit.xlsx import Column, Sheet, attachment_header, workbook_file, write_workbook


def test_rows_formats_and_local_time() -> None:
    rows = [
        {
            "no": "=HYPERLINK(1)",
            "n": 3,
            "rate": 0.953,
            "at": datetime(2026, 1, 31, 17, 0, tzinfo=UTC),
        },
        {"no": "C2", "n": None, "rate": None, "at": None},
    ]
    sheet = Sheet(
        title="案件列表",
        columns=[
            Column("no", "案件编号"),
            Column("n", "数量", "int"),
            Column("rate", "按期率", "percent"),
            Column("at", "时间", "datetime"),
            Column(lambda r: (r["n"] or 0) * 2, "两倍", "int"),
        ],
        rows=rows,
        preamble=["查询条件: 全部"],
    )
    out = io.BytesIO()
    assert write_workbook([sheet], out, tz=ZoneInfo("Asia/Shanghai")) == 2
    ws = load_workbook(io.BytesIO(out.getvalue()))["案件列表"]
    assert ws["A1"].value == "查询条件: 全部"
    assert [c.value for c in ws[2]] == ["案件编号", "数量", "按期率", "时间", "两倍"]
    assert ws["A3"].value == "'=HYPERLINK(1)"  # shown as text, never run
    assert ws["C3"].value == 0.953 and ws["C3"].number_format == "0.0%"
    assert ws["D3"].value == datetime(2026, 2, 1, 1, 0)  # Shanghai, next day
    assert ws["E3"].value == 6 and ws["E4"].value == 0
    assert ws["B4"].value is None


def test_spooled_file_size_and_header() -> None:
    rows = ({"i": i} for i in range(5000))
    spool, size = workbook_file([Sheet("s", [Column("i", "i", "int")], rows)])
    data = spool.read()
    assert len(data) == size > 0
    assert load_workbook(io.BytesIO(data))["s"].max_row == 5001
    header = attachment_header("案件 2026-01.xlsx")
    assert header.startswith('attachment; filename="__ 2026-01.xlsx"')
    assert "filename*=UTF-8''%E6%A1%88%E4%BB%B6%202026-01.xlsx" in header


def test_edge_values_and_sheet_names_read_back() -> None:
    """Control characters (not allowed in XML) dropped, booleans, dates, NaN left empty,
    sheet names made legal and unique, empty sheets, several sheets."""
    rows = [
        {"t": 'a\x01b <&> "q"', "b": True, "d": date(2026, 2, 3), "x": float("nan")},
        {"t": None, "b": False, "d": None, "x": 1.5},
    ]
    cols = [
        Column("t", "文本"),
        Column("b", "是否"),
        Column("d", "日期", "date"),
        Column("x", "x", "number"),
    ]
    out = io.BytesIO()
    n = write_workbook(
        [Sheet("a/b:c*?", cols, rows), Sheet("a/b:c*?", cols, []), Sheet("", cols, [])], out
    )
    assert n == 2
    wb = load_workbook(io.BytesIO(out.getvalue()))
    assert wb.sheetnames == ["a_b_c__", "a_b_c___2", "Sheet3"]
    ws = wb.worksheets[0]
    assert [c.value for c in ws[2]] == ['ab <&> "q"', True, datetime(2026, 2, 3), None]
    assert ws["C2"].number_format == "yyyy-mm-dd" and ws["D3"].number_format == "0.00"
    assert [c.value for c in ws[3]] == [None, False, None, 1.5]
    assert ws.freeze_panes == "A2"
    assert wb.worksheets[1].max_row == 1  # the header only
