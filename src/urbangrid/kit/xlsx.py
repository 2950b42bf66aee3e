"""One way to write a table as an xlsx workbook, for every export (lists, statistics,
evaluation tables, programme ledgers and indicators).

Rows are written in openpyxl's write-only mode, so a list of 100,000 cases never sits in
memory as cells; the finished file is spooled to disk past 8 MB and sent with its length,
so the browser can show download progress. Text goes through :func:`kit.spreadsheet.safe_cell`
(no formula injection). Times are shown in the jurisdiction's local zone, never UTC."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from urbangrid.kit.spreadsheet import safe_cell

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPOOL_BYTES = 8 * 1024 * 1024

ColumnKind = Literal["text", "int", "number", "percent", "datetime", "date"]
_FORMATS: dict[str, str] = {
    "int": "0",
    "number": "0.00",
    "percent": "0.0%",  # the value is a fraction: 0.953 shows as 95.3%
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
}


@dataclass(frozen=True)
class Column:
    """One column: ``key`` picks the value from a mapping row (or a callable computes it)."""

    key: str | Callable[[Any], Any]
    title: str
    kind: ColumnKind = "text"
    width: int | None = None


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Any]
    # Lines written above the header (report title, period, filters used).
    preamble: Sequence[str] = field(default_factory=tuple)


def _value(column: Column, row: Any) -> Any:
    if callable(column.key):
        return column.key(row)
    if isinstance(row, Mapping):
        return row.get(column.key)
    return getattr(row, column.key, None)


def _local(value: Any, tz: ZoneInfo | None) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(tz) if tz else value
        return value.replace(tzinfo=None)  # xlsx has no time zones
    return value


def _cells(ws: WriteOnlyWorksheet, sheet: Sheet, tz: ZoneInfo | None) -> Iterator[list[Any]]:
    bold = Font(bold=True)
    for line in sheet.preamble:
        yield [safe_cell(line)]
    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=safe_cell(column.title))
        cell.font = bold
        header.append(cell)
    yield header
    for row in sheet.rows:
        out: list[Any] = []
        for column in sheet.columns:
            value = _local(_value(column, row), tz)
            fmt = _FORMATS.get(column.kind)
            if fmt and isinstance(value, int | float | datetime | date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = fmt
                out.append(cell)
            else:
                out.append(safe_cell(value))
        yield out


def write_workbook(sheets: Iterable[Sheet], out: IO[bytes], *, tz: ZoneInfo | None = None) -> int:
    """Write ``sheets`` to ``out``; returns the number of data rows written."""
    wb = Workbook(write_only=True)
    rows_written = 0
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        for index, column in enumerate(sheet.columns, start=1):
            width = column.width or max(10, min(40, len(column.title) * 2 + 2))
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = f"A{len(sheet.preamble) + 2}"
        for n, cells in enumerate(_cells(ws, sheet, tz)):
            ws.append(cells)
            if n > len(sheet.preamble):
                rows_written += 1
    wb.save(out)
    return rows_written


def workbook_file(sheets: Iterable[Sheet], *, tz: ZoneInfo | None = None) -> tuple[IO[bytes], int]:
    """The workbook in a spooled temporary file, rewound, and its size in bytes."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the response
    write_workbook(sheets, spool, tz=tz)
    size = spool.tell()
    spool.seek(0)
    return spool, size


def attachment_header(filename: str) -> str:
    """A Content-Disposition value that keeps a Chinese file name (RFC 6266 / 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
