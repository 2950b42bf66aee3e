"""Registers (台账) declared as data: what a record of a register holds and how a row of text
becomes one (pure, no I/O).

A domain programme declares its registers — estates and drop points for waste sorting,
illegal buildings for 违法建设, sites and carriers for 渣土 — as :class:`RegisterSpec` values in
its ``registers`` module (``SPECS``); the ``registers`` package stores, imports, exports,
lists and edits them all the same way. A record always has a ``code`` (unique in its
register and jurisdiction) and a ``name``; its other fields are typed here and stored as
JSON; its geometry (a point or a polygon) locates it in a grid, community and street.

Field types and their text form (CSV cells, form fields):

- ``text`` (``max_length``), ``int``, ``number`` (``min`` / ``max``), ``bool`` (是/否, yes/no,
  true/false, 1/0), ``date`` (YYYY-MM-DD);
- ``choice``: one of ``choices``; ``multi``: several, separated by ``|`` (stored as a list);
- ``ref``: the code of a record of register ``ref`` in the same jurisdiction;
- ``hours``: daily periods ``HH:MM-HH:MM,HH:MM-HH:MM`` (投放时间), as office hours are written.

Invariants (tested): ``parse_row(spec, format_row(spec, r)) == r`` for every valid record;
a bad row yields every problem of the row, never a partial record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from urbangrid.cases.worktime import OfficeHours, WorkTimeError

FIELD_TYPES = ("text", "int", "number", "bool", "date", "choice", "multi", "ref", "hours")
GEOMETRIES = ("none", "point", "polygon")
TRUE = {"1", "true", "yes", "y", "是", "有", "√"}
FALSE = {"0", "false", "no", "n", "否", "无", "×"}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label_zh: str
    label_en: str
    type: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None  # register name, for type "ref"
    min: float | None = None
    max: float | None = None
    max_length: int = 200

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}")
        if self.type in ("choice", "multi") and not self.choices:
            raise ValueError(f"field {self.name}: a {self.type} field needs choices")
        if self.type == "ref" and not self.ref:
            raise ValueError(f"field {self.name}: a ref field names its register")


@dataclass(frozen=True)
class RegisterSpec:
    name: str  # url and storage key, e.g. "waste.drop_points"
    label_zh: str
    label_en: str
    geometry: str = "point"  # none | point | polygon
    fields: tuple[FieldSpec, ...] = ()
    # May a record lie outside the jurisdiction's grids (a treatment plant in another
    # district)? Then it has no grid, community or street.
    outside_allowed: bool = False
    geometry_required: bool = True
    # The field holding the code of the department responsible for a record (责任单位): the
    # dispatch suggestion of a case about the record.
    department_field: str | None = None

    def __post_init__(self) -> None:
        if self.geometry not in GEOMETRIES:
            raise ValueError(f"register {self.name}: unknown geometry {self.geometry!r}")
        names = [f.name for f in self.fields]
        reserved = {"code", "name", "lon", "lat", "geometry", "grid", "community", "street"}
        if len(set(names)) != len(names) or reserved & set(names):
            raise ValueError(f"register {self.name}: field names repeat or are reserved")
        if self.department_field is not None and self.department_field not in names:
            raise ValueError(f"register {self.name}: no field {self.department_field}")

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def refs(self) -> dict[str, str]:
        """field name → register it refers to."""
        return {f.name: f.ref for f in self.fields if f.type == "ref" and f.ref}


@dataclass
class ParsedRow:
    code: str
    name: str
    attributes: dict[str, Any]
    problems: list[str] = field(default_factory=list)


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and math.isnan(raw):
        return ""
    return str(raw).strip()


def parse_value(f: FieldSpec, raw: Any) -> Any:
    """The stored value of one cell; ``ValueError`` says what is wrong. Empty is None."""
    text = _text(raw)
    if text == "":
        if f.required:
            raise ValueError("is required")
        return [] if f.type == "multi" else None
    if f.type == "text":
        if len(text) > f.max_length:
            raise ValueError(f"is longer than {f.max_length} characters")
        return text
    if f.type in ("int", "number"):
        try:
            value: float | int = int(text) if f.type == "int" else float(text)
        except ValueError:
            kind = "a whole number" if f.type == "int" else "a number"
            raise ValueError(f"{text!r} is not {kind}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{text!r} is not a finite number")
        if f.min is not None and value < f.min:
            raise ValueError(f"{text} is below {f.min:g}")
        if f.max is not None and value > f.max:
            raise ValueError(f"{text} is above {f.max:g}")
        return value
    if f.type == "bool":
        low = text.lower()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise ValueError(f"{text!r} is not yes/no (是/否)")
    if f.type == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    if f.type == "choice":
        if text not in f.choices:
            raise ValueError(f"{text!r} is not one of {'/'.join(f.choices)}")
        return text
    if f.type == "multi":
        items = [p.strip() for p in text.split("|") if p.strip()]
        bad = [p for p in items if p not in f.choices]
        if bad:
            raise ValueError(f"{'/'.join(bad)} not among {'/'.join(f.choices)}")
        return sorted(set(items), key=f.choices.index)
    if f.type == "ref":
        return text
    # hours
    try:
        return str(OfficeHours.parse(text))
    except (WorkTimeError, ValueError) as exc:
        raise ValueError(str(exc)) from None


def format_value(f: FieldSpec, value: Any) -> str:
    """The text form of a stored value (for CSV and forms)."""
    if value is None:
        return ""
    if f.type == "multi":
        return "|".join(value)
    if f.type == "bool":
        return "是" if value else "否"
    if f.type == "number":
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def parse_row(spec: RegisterSpec, raw: Mapping[str, Any]) -> ParsedRow:
    """A record's code, name and attributes from text cells keyed by field name (or by the
    field's Chinese label, as a spreadsheet header may say); unknown columns are ignored."""
    by_label = {f.label_zh: f.name for f in spec.fields}
    cells: dict[str, Any] = {}
    for key, value in raw.items():
        k = _text(key)
        cells[by_label.get(k, {"编码": "code", "名称": "name"}.get(k, k))] = value
    row = ParsedRow(code=_text(cells.get("code")), name=_text(cells.get("name")), attributes={})
    if not row.code:
        row.problems.append("code: is required")
    elif len(row.code) > 64 or any(c.isspace() for c in row.code):
        row.problems.append("code: at most 64 characters, no spaces")
    if not row.name:
        row.problems.append("name: is required")
    elif len(row.name) > 200:
        row.problems.append("name: is longer than 200 characters")
    for f in spec.fields:
        try:
            row.attributes[f.name] = parse_value(f, cells.get(f.name))
        except ValueError as exc:
            row.problems.append(f"{f.name}: {exc}")
    return row


def format_row(spec: RegisterSpec, code: str, name: str, attributes: Mapping[str, Any]) -> dict:
    return {
        "code": code,
        "name": name,
        **{f.name: format_value(f, attributes.get(f.name)) for f in spec.fields},
    }
