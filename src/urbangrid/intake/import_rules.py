"""Historical import: the mapping file and row parsing — pure, no I/O.

A mapping (TOML) names the file's columns, maps its category, department and channel
values to ours, gives the source time zone, and may declare local categories and a
default filing condition. Each row parses to a :class:`Row` or a skip reason. Every key is
described in ``docs/import.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from urbangrid.cases.calendar_workdays import DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR
from urbangrid.cases.workflow import Source
from urbangrid.catalog.timelimits import parse_unit
from urbangrid.kit.text import is_digits
from urbangrid.kit.types import FIRST_YEAR, LAST_YEAR

REQUIRED_COLUMNS = ("external_id", "created", "category", "lat", "lon")
OPTIONAL_COLUMNS = (
    "closed",
    "due",
    "department",
    "source",
    "status",
    "category_label",
    "channel_label",
    "address",
    "description",
)
# Columns holding one time each: several source columns joined must still read as one time.
TIME_COLUMNS = ("created", "closed", "due")
CLOSED_BEFORE_CREATED = ("skip", "clamp")
FILING_CONDITION = ("existing", "mapping")
# The working calendar's own bounds (cases.calendar_workdays) within kit.types' calendar.
CALENDAR_MIN, CALENDAR_MAX = max(1971, FIRST_YEAR), min(2200, LAST_YEAR)
DEFAULT_CALENDAR_YEARS = (DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR)
DEPARTMENT_CODE_MAX, DEPARTMENT_NAME_MAX = 32, 100


class MappingError(ValueError):
    """The mapping file itself is wrong: nothing can be imported."""


@dataclass(frozen=True)
class LocalCategory:
    kind: str
    code: str
    big_code: str
    big_name: str
    name: str

    @property
    def service_code(self) -> str:
        return ("M" if self.kind == "matter" else "C") + self.code


@dataclass(frozen=True)
class DefaultCondition:
    description: str
    limit_value: Decimal
    limit_unit: str
    closing_condition: str = ""


@dataclass(frozen=True)
class JurisdictionSpec:
    code: str
    name: str
    timezone: str
    source_crs: str = "wgs84"
    open311_id: str | None = None


@dataclass(frozen=True)
class ImportMapping:
    name: str
    source_timezone: str
    datetime_format: str | None
    jurisdiction: JurisdictionSpec
    columns: dict[str, tuple[str, ...]]
    categories: dict[str, str]
    departments: dict[str, str] = field(default_factory=dict)
    department_names: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    default_source: str = "hotline"
    local_categories: tuple[LocalCategory, ...] = ()
    default_condition: DefaultCondition | None = None
    join: dict[str, str] = field(default_factory=dict)
    missing_values: frozenset[str] = frozenset({""})
    closed_before_created: str = "skip"
    default_category: str | None = None
    default_department: str | None = None
    filing_condition: str | None = None
    calendar_years: tuple[int, int] = DEFAULT_CALENDAR_YEARS
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def department_codes(self) -> list[str]:
        """Every department code the mapping may route to (created when missing)."""
        codes = set(self.departments.values())
        if self.default_department:
            codes.add(self.default_department)
        return sorted(codes)

    @property
    def service_codes(self) -> list[str]:
        codes = set(self.categories.values())
        if self.default_category:
            codes.add(self.default_category)
        return sorted(codes)


def _table(raw: Mapping[str, Any], key: str) -> dict[str, str]:
    value = raw.get(key) or {}
    if not isinstance(value, Mapping):
        raise MappingError(f"[{key}] must be a table")
    return {str(k): str(v) for k, v in value.items()}


def _zone(name: str, what: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"{what} {name!r} is not an IANA time zone") from None
    return name


def _columns(raw: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """``[columns]``: each field names one source column or a list of them (joined)."""
    value = raw.get("columns") or {}
    if not isinstance(value, Mapping):
        raise MappingError("[columns] must be a table")
    out: dict[str, tuple[str, ...]] = {}
    for key, names in value.items():
        if isinstance(names, str):
            out[str(key)] = (names,)
        elif isinstance(names, list) and names and all(isinstance(n, str) and n for n in names):
            out[str(key)] = tuple(names)
        else:
            raise MappingError(
                f"[columns] {key} must be a column name or a non-empty list of column names"
            )
    return out


def _code_check(code: str, what: str) -> str:
    if not code or len(code) > DEPARTMENT_CODE_MAX:
        raise MappingError(
            f"{what} {code!r} has {len(code)} characters; a department code has 1 to "
            f"{DEPARTMENT_CODE_MAX} (give a short code and its full name in [department_names])"
        )
    return code


def _service_code(value: str, what: str) -> str:
    if len(value) != 6 or value[0] not in "MC" or not is_digits(value[1:]):
        raise MappingError(f"{what} {value!r} is not a service code like M06010")
    return value


def _calendar_years(raw: Mapping[str, Any]) -> tuple[int, int]:
    value = raw.get("calendar_years")
    if value is None:
        return DEFAULT_CALENDAR_YEARS
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or not CALENDAR_MIN <= value[0] <= value[1] <= CALENDAR_MAX
    ):
        raise MappingError(
            f"calendar_years must be [first, last] with {CALENDAR_MIN} <= first <= last <= "
            f"{CALENDAR_MAX}, e.g. [2000, 2045]; got {value!r}"
        )
    return int(value[0]), int(value[1])


def _choice(raw: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if value not in allowed:
        raise MappingError(f"{key} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return str(value)


def parse_mapping(raw: Mapping[str, Any]) -> ImportMapping:
    """Check and build a mapping; every problem raises :class:`MappingError`."""
    columns = _columns(raw)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise MappingError(f"[columns] lacks {', '.join(missing)}")
    unknown = sorted(set(columns) - set(REQUIRED_COLUMNS) - set(OPTIONAL_COLUMNS))
    if unknown:
        raise MappingError(f"[columns] has unknown keys {', '.join(unknown)}")
    j = raw.get("jurisdiction")
    if not isinstance(j, Mapping) or not j.get("code") or not j.get("name"):
        raise MappingError("[jurisdiction] needs code and name")
    code = str(j["code"])
    if len(code) != 6:
        raise MappingError("jurisdiction code has 6 characters")
    if len(str(j["name"])) > 100:
        raise MappingError("jurisdiction name has at most 100 characters")
    source_tz = _zone(str(raw.get("source_timezone") or ""), "source_timezone")
    jurisdiction = JurisdictionSpec(
        code=code,
        name=str(j["name"]),
        timezone=_zone(str(j.get("timezone") or source_tz), "jurisdiction timezone"),
        source_crs=str(j.get("source_crs") or "wgs84"),
        open311_id=str(j["open311_id"]) if j.get("open311_id") else None,
    )
    sources = _table(raw, "sources")
    default_source = str(raw.get("default_source") or "hotline")
    for value in [*sources.values(), default_source]:
        try:
            Source(value)
        except ValueError:
            raise MappingError(
                f"source {value!r} is not one of {', '.join(s.value for s in Source)}"
            ) from None
    categories = _table(raw, "categories")
    default_category = (
        _service_code(str(raw["default_category"]), "default_category")
        if raw.get("default_category")
        else None
    )
    if not categories and default_category is None:
        raise MappingError("[categories] maps no category and there is no default_category")
    for value in categories.values():
        _service_code(value, "category")
    locals_ = []
    for item in raw.get("local_categories") or []:
        try:
            lc = LocalCategory(
                kind=str(item["kind"]),
                code=str(item["code"]),
                big_code=str(item["big_code"]),
                big_name=str(item["big_name"]),
                name=str(item["name"]),
            )
        except (KeyError, TypeError):
            raise MappingError(
                "[[local_categories]] need kind, code, big_code, big_name, name"
            ) from None
        if lc.kind not in ("matter", "component") or len(lc.code) != 5 or not is_digits(lc.code):
            raise MappingError(f"local category {lc.code!r}: kind matter/component, 5 digits")
        if len(lc.name) > 100 or len(lc.big_name) > 64:
            raise MappingError(
                f"local category {lc.code}: name at most 100 characters, big_name at most 64"
            )
        if lc.code[:2] != lc.big_code:
            raise MappingError(f"local category {lc.code}: the first two digits are its 大类")
        locals_.append(lc)
    condition = None
    dc = raw.get("default_condition")
    if dc is not None:
        try:
            value = Decimal(str(dc["limit_value"]))
            unit = parse_unit(str(dc["limit_unit"])).value
        except (KeyError, InvalidOperation, ValueError) as exc:
            raise MappingError(f"[default_condition]: {exc}") from None
        if not value.is_finite() or value <= 0:
            raise MappingError("[default_condition] limit_value must be positive")
        condition = DefaultCondition(
            str(dc.get("description") or "imported"),
            value,
            unit,
            str(dc.get("closing_condition") or ""),
        )
    departments = _table(raw, "departments")
    for code in departments.values():
        _code_check(code, "department code")
    default_department = (
        _code_check(str(raw["default_department"]), "default_department")
        if raw.get("default_department")
        else None
    )
    names = _table(raw, "department_names")
    for code, dep_name in names.items():
        if not dep_name or len(dep_name) > DEPARTMENT_NAME_MAX:
            raise MappingError(
                f"[department_names] {code}: a department name has 1 to {DEPARTMENT_NAME_MAX} "
                f"characters, this one {len(dep_name)}"
            )
    join = _table(raw, "join")
    unknown_join = sorted(set(join) - set(columns))
    if unknown_join:
        raise MappingError(f"[join] names fields not in [columns]: {', '.join(unknown_join)}")
    tokens = raw.get("missing_values", [""])
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise MappingError('missing_values must be a list of strings, e.g. ["", "NA"]')
    labels_raw = raw.get("labels") or {}
    if not isinstance(labels_raw, Mapping) or not set(labels_raw) <= {
        "category",
        "channel",
        "status",
    }:
        raise MappingError("[labels] has only the tables category, channel and status")
    labels = {str(k): _table(labels_raw, k) for k in labels_raw}
    return ImportMapping(
        name=str(raw.get("name") or "mapping"),
        source_timezone=source_tz,
        datetime_format=str(raw["datetime_format"]) if raw.get("datetime_format") else None,
        jurisdiction=jurisdiction,
        columns=columns,
        categories=categories,
        departments=departments,
        department_names=names,
        sources=sources,
        default_source=default_source,
        local_categories=tuple(locals_),
        default_condition=condition,
        join=join,
        missing_values=frozenset(t.strip() for t in tokens) | {""},
        closed_before_created=_choice(raw, "closed_before_created", CLOSED_BEFORE_CREATED)
        or "skip",
        default_category=default_category,
        default_department=default_department,
        filing_condition=_choice(raw, "filing_condition", FILING_CONDITION),
        calendar_years=_calendar_years(raw),
        labels=labels,
    )


@dataclass(frozen=True)
class Row:
    line: int
    external_id: str
    created: datetime
    closed: datetime | None
    service_code: str
    department_code: str | None
    source: str
    lat: float
    lon: float
    address: str
    description: str
    due: datetime | None = None
    clamped: bool = False
    labels: dict[str, str] = field(default_factory=dict)


class Skip(Exception):
    """A row that is not imported. ``kind`` groups the reasons for the counts."""

    def __init__(
        self, line: int, reason: str, external_id: str | None = None, kind: str = "unreadable"
    ) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason
        self.external_id = external_id
        self.kind = kind

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "external_id": self.external_id,
            "reason": self.reason,
            "kind": self.kind,
        }


_EXAMPLE = datetime(2020, 1, 31, 14, 5, 0)


def expected_format(fmt: str | None) -> str:
    """What a time should look like, for messages: the format and an example."""
    if fmt:
        return f"datetime_format {fmt!r} (for example {_EXAMPLE.strftime(fmt)!r})"
    return "an ISO 8601 time (for example '2020-01-31T14:05:00'; else set datetime_format)"


def parse_time(text: str, fmt: str | None, tz: str) -> datetime:
    value = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)


def parse_row(line: int, raw: Mapping[str, str | None], m: ImportMapping) -> Row:
    """One CSV row (``line`` is its line number in the file, header = 1)."""

    def get(key: str) -> str:
        parts = []
        for column in m.columns.get(key, ()):
            value = (raw.get(column) or "").strip()
            if value not in m.missing_values:
                parts.append(value)
        if len(parts) < len(m.columns.get(key, ())) and key in TIME_COLUMNS:
            return ""  # a time with a part missing is a missing time
        return m.join.get(key, " ").join(parts)

    if any(value and "\x00" in value for value in raw.values() if isinstance(value, str)):
        raise Skip(line, "contains NUL characters", kind="NUL characters")
    external_id = get("external_id")
    if not external_id:
        raise Skip(line, "no id", kind="no id")
    if len(external_id) > 32:
        raise Skip(line, "id longer than 32 characters", external_id, "id too long")

    def when(key: str) -> datetime | None:
        text = get(key)
        if not text:
            return None
        try:
            value = parse_time(text, m.datetime_format, m.source_timezone)
        except ValueError:
            raise Skip(
                line,
                f"{key} time {text!r} does not match {expected_format(m.datetime_format)}",
                external_id,
                f"{key} time unreadable",
            ) from None
        first, last = m.calendar_years
        if not first <= value.year <= last:
            raise Skip(
                line,
                f"{key} time {text!r} lies outside calendar_years {first}–{last} "
                "(widen calendar_years in the mapping)",
                external_id,
                "outside calendar_years",
            )
        return value

    created = when("created")
    if created is None:
        raise Skip(line, "no created time", external_id, "no created time")
    closed = when("closed")
    clamped = False
    if closed is not None and closed < created:
        if m.closed_before_created == "clamp":
            closed, clamped = created, True
        else:
            raise Skip(
                line,
                'closed before it was created (closed_before_created = "clamp" keeps it)',
                external_id,
                "closed before created",
            )
    due = when("due")
    value = get("category")
    service_code = m.categories.get(value) or m.default_category
    if service_code is None:
        raise Skip(
            line,
            f"category {value!r} has no mapping (no default_category)",
            external_id,
            "unmapped category",
        )
    try:
        lat, lon = float(get("lat")), float(get("lon"))
    except ValueError:
        raise Skip(line, "no readable latitude/longitude", external_id, "no location") from None
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (
        -90 <= lat <= 90 and -180 <= lon <= 180
    ):
        raise Skip(
            line,
            f"latitude/longitude ({lat}, {lon}) out of range",
            external_id,
            "location out of range",
        )
    if lat == 0 and lon == 0:
        raise Skip(line, "no location (0, 0)", external_id, "no location")
    dep_value = get("department")
    department = (m.departments.get(dep_value) or m.default_department) if dep_value else None
    if dep_value and department is None:
        raise Skip(
            line,
            f"department {dep_value!r} has no mapping (no default_department)",
            external_id,
            "unmapped department",
        )
    src_value = get("source")
    source = m.sources.get(src_value, m.default_source) if src_value else m.default_source
    labels = {}
    for what, key, label_key in (
        ("category", "category", "category_label"),
        ("channel", "source", "channel_label"),
        ("status", "status", None),
    ):
        code = get(key)
        label = get(label_key) if label_key else ""
        label = label or m.labels.get(what, {}).get(code, code)
        if label:
            labels[what] = label if label == code or not code else f"{label} ({code})"
    return Row(
        line=line,
        external_id=external_id,
        created=created,
        closed=closed,
        service_code=service_code,
        department_code=department,
        source=source,
        lat=lat,
        lon=lon,
        address=get("address"),
        description=get("description"),
        due=due,
        clamped=clamped,
        labels=labels,
    )
