"""One way to write a table as an xlsx workbook, for every export (lists, statistics,
evaluation tables, programme ledgers and indicators).

The workbook is written as its XML parts straight into the zip, row by row, so a list of
100,000 cases never sits in memory as cells (openpyxl's write-only mode made an object per
cell and took minutes for that list); the finished file is spooled to disk past 8 MB and
sent with its length, so the browser can show download progress. Text goes through
:func:`kit.spreadsheet.safe_cell` (no formula injection) as inline strings; numbers carry the
column's number format; times are shown in the jurisdiction's local zone, never UTC.
Spreadsheet programs (Excel, WPS, LibreOffice) and openpyxl read the result."""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, Literal
from urllib.parse import quote
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from urbangrid.kit.spreadsheet import safe_cell

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPOOL_BYTES = 8 * 1024 * 1024

ColumnKind = Literal["text", "int", "number", "percent", "datetime", "date"]
# Cell style index (styles.xml cellXfs) per kind; 1 is the bold header.
_STYLE = {"text": 0, "int": 2, "number": 3, "percent": 4, "datetime": 5, "date": 6}
_EPOCH = datetime(1899, 12, 30)
# Characters XML 1.0 cannot carry (a control character in a description would break the file).
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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


def _letter(index: int) -> str:
    """Column letters of a 0-based index (0 → A, 26 → AA)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _text_cell(ref: str, text: str, style: int) -> str:
    text = escape(_BAD_XML.sub("", text))
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{s}><is><t xml:space="preserve">{text}</t></is></c>'


def _cell(ref: str, value: Any, kind: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        serial = (value - _EPOCH).total_seconds() / 86400
        style = _STYLE["date"] if kind == "date" else _STYLE["datetime"]
        return f'<c r="{ref}" s="{style}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        serial = (value - _EPOCH.date()).days
        style = _STYLE["datetime"] if kind == "datetime" else _STYLE["date"]
        return f'<c r="{ref}" s="{style}"><v>{serial}</v></c>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            return ""  # no NaN or infinity in a spreadsheet
        number = repr(float(value)) if isinstance(value, float) else str(int(value))
        style = _STYLE.get(kind, 0) if kind in ("int", "number", "percent") else 0
        s = f' s="{style}"' if style else ""
        return f'<c r="{ref}"{s}><v>{number}</v></c>'
    return _text_cell(ref, str(safe_cell(str(value))), 0)


def _sheet_rows(sheet: Sheet, tz: ZoneInfo | None, counter: list[int]) -> Iterable[str]:
    n = 0
    for line in sheet.preamble:
        n += 1
        yield f'<row r="{n}">{_text_cell(f"A{n}", str(safe_cell(line)), 0)}</row>'
    letters = [_letter(i) for i in range(len(sheet.columns))]
    n += 1
    head = "".join(
        _text_cell(f"{letters[i]}{n}", str(safe_cell(c.title)), 1)
        for i, c in enumerate(sheet.columns)
    )
    yield f'<row r="{n}">{head}</row>'
    for row in sheet.rows:
        n += 1
        cells = "".join(
            _cell(f"{letters[i]}{n}", _local(_value(c, row), tz), c.kind)
            for i, c in enumerate(sheet.columns)
        )
        counter[0] += 1
        yield f'<row r="{n}">{cells}</row>'


def _sheet_head(sheet: Sheet) -> str:
    frozen = len(sheet.preamble) + 1
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{c.width or max(10, min(40, len(c.title) * 2 + 2))}"'
        ' customWidth="1"/>'
        for i, c in enumerate(sheet.columns, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0">'
        f'<pane ySplit="{frozen}" topLeftCell="A{frozen + 1}" activePane="bottomLeft"'
        ' state="frozen"/></sheetView></sheetViews>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>"
    )


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="0.0%"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="166" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _sheet_names(sheets: Sequence[Sheet]) -> list[str]:
    """Titles as Excel allows them: no []:*?/\\, at most 31 characters, unique."""
    names: list[str] = []
    for n, sheet in enumerate(sheets, start=1):
        name = re.sub(r"[\[\]:*?/\\]", "_", sheet.title).strip("'")[:31] or f"Sheet{n}"
        while name in names:
            name = f"{name[:28]}_{n}"
        names.append(name)
    return names


def write_workbook(sheets: Iterable[Sheet], out: IO[bytes], *, tz: ZoneInfo | None = None) -> int:
    """Write ``sheets`` to ``out``; returns the number of data rows written."""
    sheets = list(sheets)
    names = _sheet_names(sheets)
    counter = [0]
    ns = "http://schemas.openxmlformats.org"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(names, start=1)
        )
        zf.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships">'
            f"<sheets>{entries}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{ns}/officeDocument/2006/relationships/'
            f'worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        styles_id = len(sheets) + 1
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">{rels}'
            f'<Relationship Id="rId{styles_id}" Type="{ns}/officeDocument/2006/relationships/'
            'styles" Target="styles.xml"/></Relationships>',
        )
        zf.writestr("xl/styles.xml", _STYLES)
        for i, sheet in enumerate(sheets, start=1):
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as part:
                part.write(_sheet_head(sheet).encode())
                buffer: list[str] = []
                for row in _sheet_rows(sheet, tz, counter):
                    buffer.append(row)
                    if len(buffer) >= 500:
                        part.write("".join(buffer).encode())
                        buffer.clear()
                part.write(("".join(buffer) + "</sheetData></worksheet>").encode())
    return counter[0]


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
