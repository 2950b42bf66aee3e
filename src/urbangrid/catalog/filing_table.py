"""A city's filing-condition table (立结案标准) as CSV: parse and validate (pure), write.

Two layouts are read:

* ours (what ``urbangrid catalog export`` writes): one row per filing condition with the
  5-digit code, see ``CANONICAL_COLUMNS``;
* a city table in the 2013 regime, like the 运城 2026 standard: 4-digit ``code`` plus
  ``related_gbt47678_5_code``; rows without a national code become local extensions
  (see ``directory.local_extension_code``).

Every bad row is collected with its line number; the caller imports nothing if any.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from urbangrid.catalog.directory import (
    Kind,
    local_extension_code,
    national_big_names,
    national_directory,
    parse_kind,
)
from urbangrid.catalog.timelimits import (
    TimeUnit,
    format_value,
    parse_time_limit,
    parse_unit,
    parse_value,
)
from urbangrid.kit.errors import ImportRejected
from urbangrid.kit.spreadsheet import safe_cell, unescape_cell
from urbangrid.kit.text import is_digits

CANONICAL_COLUMNS = [
    "kind",
    "code",
    "big_category_code",
    "big_category_name",
    "name",
    "local_extension",
    "legacy_code",
    "local_name",
    "filing_condition",
    "time_limit_value",
    "time_limit_unit",
    "time_limit_raw",
    "closing_condition",
    "default_department",
]
_CANONICAL_REQUIRED = [
    "kind",
    "code",
    "name",
    "filing_condition",
    "time_limit_value",
    "time_limit_unit",
    "closing_condition",
]
CITY_COLUMNS = [
    "kind",
    "code",
    "big_category_code",
    "big_category_name",
    "name",
    "filing_condition",
    "disposal_time_limit_raw",
    "time_limit_value",
    "time_limit_unit",
    "closing_condition",
    "related_gbt47678_5_code",
]


@dataclass(frozen=True)
class ConditionRow:
    line: int
    description: str
    value: Decimal
    unit: TimeUnit
    raw: str | None
    closing: str
    default_department: str | None


@dataclass
class CategoryRows:
    kind: Kind
    code: str
    big_code: str
    big_name: str
    name: str
    is_national: bool
    legacy_code: str | None
    local_name: str | None
    default_department: str | None = None
    conditions: list[ConditionRow] = field(default_factory=list)


@dataclass
class ParsedTable:
    categories: list[CategoryRows]
    warnings: list[dict[str, object]]

    @property
    def condition_count(self) -> int:
        return sum(len(c.conditions) for c in self.categories)


def _clean(value: str | None) -> str:
    return (value or "").strip()


def read_table(path: Path) -> ParsedTable:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportRejected(
            f"{path}: no such file", [{"line": None, "message": "not found"}]
        ) from None
    except UnicodeDecodeError:
        raise ImportRejected(
            f"{path}: not UTF-8 text", [{"line": None, "message": "save the CSV as UTF-8"}]
        ) from None
    return parse_table(text, source=str(path))


def parse_table(text: str, source: str = "input") -> ParsedTable:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    if not header:
        raise ImportRejected(
            f"{source}: empty file",
            [{"line": 1, "message": "no header row", "code": "no_header", "params": {}}],
        )
    city_layout = "related_gbt47678_5_code" in header
    required = CITY_COLUMNS if city_layout else _CANONICAL_REQUIRED
    missing = [c for c in required if c not in header]
    if missing:
        layout = "city (2013-code)" if city_layout else "UrbanGrid"
        raise ImportRejected(
            f"{source}: missing columns for the {layout} layout: {', '.join(missing)}",
            [
                {
                    "line": 1,
                    "message": f"missing column {c!r}",
                    "code": "column_missing",
                    "params": {"column": c},
                }
                for c in missing
            ],
        )

    errors: list[dict[str, object]] = []
    warnings: list[dict[str, object]] = []
    categories: dict[tuple[Kind, str], CategoryRows] = {}
    seen_rows: dict[tuple[Kind, str, str], tuple[int, tuple[object, ...]]] = {}
    directory = national_directory()
    big_names = national_big_names()

    for line, row in enumerate(reader, start=2):
        row = {k: unescape_cell(_clean(v)) for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        # (English message, code, params): the web UI words a row's reason from its code
        # (``catalog.row.<code>`` in the locales), the CLI prints the message.
        problems: list[tuple[str, str, dict[str, object]]] = []

        def fail(
            message: str,
            reason: str,
            problems: list[tuple[str, str, dict[str, object]]] = problems,
            **params: object,
        ) -> None:
            problems.append((message, reason, params))

        try:
            kind = parse_kind(row["kind"])
        except ValueError as exc:
            fail(str(exc), "kind_invalid", value=row.get("kind", ""))
            kind = None
        description = row.get("filing_condition", "")
        if not description:
            fail("filing_condition is empty", "condition_empty")
        closing = row.get("closing_condition", "")

        # Time limit: value + unit columns; the raw text is the fallback and is kept.
        raw_limit = row.get("disposal_time_limit_raw" if city_layout else "time_limit_raw") or None
        value: Decimal | None = None
        unit: TimeUnit | None = None
        try:
            if row.get("time_limit_value") or row.get("time_limit_unit"):
                value = parse_value(row.get("time_limit_value", ""))
                unit = parse_unit(row.get("time_limit_unit", ""))
            elif raw_limit:
                parsed = parse_time_limit(raw_limit)
                value, unit = parsed.value, parsed.unit
            else:
                fail("no time limit (time_limit_value / time_limit_unit)", "limit_missing")
        except ValueError as exc:
            fail(f"time limit does not parse: {exc}", "limit_invalid")

        code = ""
        legacy_code: str | None = None
        is_national = True
        big_code = row.get("big_category_code", "")
        big_name = row.get("big_category_name", "")
        name = row.get("name", "")
        local_name: str | None = None
        if kind is not None:
            if city_layout:
                legacy_code = row["code"]
                national_code = row.get("related_gbt47678_5_code", "")
                if not (len(legacy_code) == 4 and is_digits(legacy_code)):
                    fail(
                        f"code {legacy_code!r} is not a 4-digit code",
                        "legacy_code_invalid",
                        code=legacy_code,
                    )
                elif national_code:
                    entry = directory.get((kind, national_code))
                    if entry is None:
                        fail(
                            f"unknown code {national_code!r}: not in the GB/T 47678.5 directory",
                            "code_unknown",
                            code=national_code,
                        )
                    else:
                        code, big_code, big_name = entry.code, entry.big_code, entry.big_name
                        local_name = name if name != entry.name else None
                        name = entry.name
                else:
                    is_national = False
                    code = local_extension_code(kind, legacy_code, big_name)
                    big_code = code[:2]
                    big_name = big_names.get((kind, big_code), big_name)
            else:
                code = row["code"]
                is_national = row.get("local_extension", "0") not in ("1", "true", "yes")
                legacy_code = row.get("legacy_code") or None
                local_name = row.get("local_name") or None
                if not (len(code) == 5 and is_digits(code)):
                    fail(f"code {code!r} is not a 5-digit code", "code_invalid", code=code)
                elif is_national:
                    entry = directory.get((kind, code))
                    if entry is None:
                        fail(
                            f"unknown code {code!r}: not in the GB/T 47678.5 directory "
                            "(mark local categories with local_extension=1)",
                            "code_unknown",
                            code=code,
                        )
                    else:
                        big_code, big_name = entry.big_code, entry.big_name
                        if name and name != entry.name:
                            fail(
                                f"name {name!r} differs from the national name {entry.name!r}",
                                "name_differs",
                                name=name,
                                national=entry.name,
                            )
                        name = entry.name
                elif (kind, code) in directory:
                    fail(
                        f"code {code!r} is a national code; it cannot be a local extension",
                        "code_national",
                        code=code,
                    )
                else:
                    big_code = big_code or code[:2]
                    if not name:
                        fail("name is empty", "name_empty")

        if not problems and kind is not None and value is not None and unit is not None:
            key = (kind, code, description)
            content = (value, unit, closing, row.get("default_department", ""))
            if key in seen_rows:
                first_line, first_content = seen_rows[key]
                if first_content == content:
                    warnings.append(
                        {"line": line, "message": f"same row as line {first_line}; kept once"}
                    )
                    continue
                fail(
                    f"duplicated filing condition for code {code}: line {first_line} has the "
                    "same condition with another time limit or closing condition",
                    "condition_duplicated",
                    code=code,
                    first_line=first_line,
                )
            else:
                seen_rows[key] = (line, content)

        if not problems and kind is not None and value is not None and unit is not None:
            cat = categories.get((kind, code))
            if cat is None:
                cat = categories[(kind, code)] = CategoryRows(
                    kind=kind,
                    code=code,
                    big_code=big_code,
                    big_name=big_name,
                    name=name,
                    is_national=is_national,
                    legacy_code=legacy_code,
                    local_name=local_name,
                )
            elif cat.legacy_code != legacy_code or (not is_national and cat.name != name):
                fail(
                    f"duplicated code {code}: already used on an earlier line for "
                    f"{cat.legacy_code or ''} {cat.local_name or cat.name}",
                    "code_duplicated",
                    code=code,
                )
            if not problems:
                cat.conditions.append(
                    ConditionRow(
                        line=line,
                        description=description,
                        value=value,
                        unit=unit,
                        raw=raw_limit,
                        closing=closing,
                        default_department=row.get("default_department") or None,
                    )
                )
        for message, code_, params in problems:
            errors.append({"line": line, "message": message, "code": code_, "params": params})

    if errors:
        lines = sorted({int(e["line"]) for e in errors if e["line"] is not None})
        raise ImportRejected(f"{source}: {len(lines)} bad row(s), nothing imported", errors=errors)
    return ParsedTable(categories=list(categories.values()), warnings=warnings)


def write_table(rows: list[dict[str, str]], out: io.TextIOBase | io.StringIO) -> None:
    writer = csv.DictWriter(out, fieldnames=CANONICAL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})


def condition_export_row(
    *,
    kind: str,
    code: str,
    big_code: str,
    big_name: str,
    name: str,
    is_national: bool,
    legacy_code: str | None,
    local_name: str | None,
    description: str,
    value: Decimal,
    unit: str,
    raw: str | None,
    closing: str,
    default_department: str | None,
) -> dict[str, str]:
    return {
        "kind": kind,
        "code": code,
        "big_category_code": big_code,
        "big_category_name": big_name,
        "name": name,
        "local_extension": "0" if is_national else "1",
        "legacy_code": legacy_code or "",
        "local_name": local_name or "",
        "filing_condition": description,
        "time_limit_value": format_value(Decimal(value)),
        "time_limit_unit": unit,
        "time_limit_raw": raw or "",
        "closing_condition": closing,
        "default_department": default_department or "",
    }
