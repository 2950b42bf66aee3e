"""Historical import: the mapping file and row parsing — pure, no I/O.

A mapping (TOML) names the file's columns, maps its category, department and channel
values to ours, gives the source time zone, and may declare local categories and a
default filing condition. Each row parses to a :class:`Row` or a skip reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from urbangrid.cases.workflow import Source
from urbangrid.catalog.timelimits import parse_unit
from urbangrid.kit.text import is_digits

REQUIRED_COLUMNS = ("external_id", "created", "category", "lat", "lon")
OPTIONAL_COLUMNS = ("closed", "department", "source", "address", "description")


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
    columns: dict[str, str]
    categories: dict[str, str]
    departments: dict[str, str] = field(default_factory=dict)
    department_names: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    default_source: str = "hotline"
    local_categories: tuple[LocalCategory, ...] = ()
    default_condition: DefaultCondition | None = None


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


def parse_mapping(raw: Mapping[str, Any]) -> ImportMapping:
    """Check and build a mapping; every problem raises :class:`MappingError`."""
    columns = _table(raw, "columns")
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
    if not categories:
        raise MappingError("[categories] maps no category")
    for value in categories.values():
        if len(value) != 6 or value[0] not in "MC" or not is_digits(value[1:]):
            raise MappingError(f"category {value!r} is not a service code like M06010")
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
    names = _table(raw, "department_names")
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


class Skip(Exception):
    def __init__(self, line: int, reason: str, external_id: str | None = None) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason
        self.external_id = external_id

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "external_id": self.external_id, "reason": self.reason}


def parse_time(text: str, fmt: str | None, tz: str) -> datetime:
    value = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)


def parse_row(line: int, raw: Mapping[str, str | None], m: ImportMapping) -> Row:
    """One CSV row (``line`` is its line number in the file, header = 1)."""

    def get(key: str) -> str:
        column = m.columns.get(key)
        return (raw.get(column) or "").strip() if column else ""

    if any(value and "\x00" in value for value in raw.values() if isinstance(value, str)):
        raise Skip(line, "contains NUL characters")
    external_id = get("external_id")
    if not external_id:
        raise Skip(line, "no id")
    if len(external_id) > 32:
        raise Skip(line, "id longer than 32 characters", external_id)
    try:
        created = parse_time(get("created"), m.datetime_format, m.source_timezone)
    except ValueError:
        raise Skip(line, f"created time {get('created')!r} unreadable", external_id) from None
    closed = None
    if get("closed"):
        try:
            closed = parse_time(get("closed"), m.datetime_format, m.source_timezone)
        except ValueError:
            raise Skip(line, f"closed time {get('closed')!r} unreadable", external_id) from None
        if closed < created:
            raise Skip(line, "closed before it was created", external_id)
    value = get("category")
    service_code = m.categories.get(value)
    if service_code is None:
        raise Skip(line, f"category {value!r} has no mapping", external_id)
    try:
        lat, lon = float(get("lat")), float(get("lon"))
    except ValueError:
        raise Skip(line, "no readable latitude/longitude", external_id) from None
    if not (math.isfinite(lat) and math.isfinite(lon)) or not (
        -90 <= lat <= 90 and -180 <= lon <= 180
    ):
        raise Skip(line, f"latitude/longitude ({lat}, {lon}) out of range", external_id)
    if lat == 0 and lon == 0:
        raise Skip(line, "no location (0, 0)", external_id)
    dep_value = get("department")
    department = m.departments.get(dep_value) if dep_value else None
    if dep_value and department is None:
        raise Skip(line, f"department {dep_value!r} has no mapping", external_id)
    src_value = get("source")
    source = m.sources.get(src_value, m.default_source) if src_value else m.default_source
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
    )
