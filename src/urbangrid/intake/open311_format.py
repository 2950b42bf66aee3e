"""Open311 GeoReport v2 wire format — pure, no I/O.

XML is the spec's schemaless XML with the ``<?xml ... encoding="utf-8"?>`` declaration; JSON
is its Spark-convention mapping: list wrappers vanish (the top level of services, requests,
tokens, POST responses and errors is an array), empty elements are ``null``, ids are strings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from urbangrid.kit.types import FIRST_YEAR, LAST_YEAR

XML_MEDIA_TYPE = "text/xml; charset=utf-8"
JSON_MEDIA_TYPE = "application/json; charset=utf-8"
FORMATS = ("xml", "json")
SPECIFICATION_URL = "http://wiki.open311.org/GeoReport_v2"
MAX_DESCRIPTION = 4000
# Default and largest window of GET requests (spec: 90 days or 1000 requests).
WINDOW = timedelta(days=90)
MAX_PAGE_SIZE = 1000

# Element name of one item inside each list wrapper, for XML.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}

# Characters XML 1.0 cannot carry even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Field order of a service request, as the spec lists it.
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


class Open311Error(Exception):
    """An error answered in the spec's list format. ``status`` is the HTTP status
    (400 / 403 / 404); ``errors`` are (code, description) pairs."""

    def __init__(self, status: int, description: str, code: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.errors: list[tuple[int, str]] = [(code or status, description)]


def w3c_datetime(value: datetime | None, tz: str = "UTC") -> str | None:
    """``2010-04-14T06:37:38-08:00``: seconds precision, with the zone's offset."""
    if value is None:
        return None
    local = value.astimezone(ZoneInfo(tz)).replace(microsecond=0)
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_W3C = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$")


def parse_w3c(name: str, text: str) -> datetime:
    """A W3C datetime with its zone (a bare date is midnight UTC); 400 otherwise."""
    text = text.strip()
    if not _W3C.match(text):
        raise Open311Error(
            400, f"{name} must be a W3C date-time with a zone, e.g. 2010-01-01T00:00:00Z"
        )
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} is not a valid date-time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise Open311Error(400, f"{name}: the year must lie between {FIRST_YEAR} and {LAST_YEAR}")
    return value.astimezone(UTC)


def date_window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The requested_datetime window of GET requests: the 90 days before ``end`` (or now)
    or after ``start``; a wider explicit range is refused rather than clamped."""
    if start is None and end is None:
        return now - WINDOW, now
    if start is None:
        assert end is not None
        return end - WINDOW, end
    if end is None:
        return start, start + WINDOW
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > WINDOW:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return start, end


def split_list(text: str | None) -> list[str]:
    """A comma-delimited argument; empty means absent (spec: optional arguments)."""
    if not text:
        return []
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_statuses(text: str | None) -> set[str]:
    wanted = {s.lower() for s in split_list(text)}
    unknown = wanted - {"open", "closed"}
    if unknown:
        raise Open311Error(400, f"status must be open or closed, not {', '.join(sorted(unknown))}")
    return wanted


def parse_positive_int(name: str, text: str | None, default: int, maximum: int) -> int:
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise Open311Error(400, f"{name} must be a whole number") from None
    if value < 1:
        raise Open311Error(400, f"{name} must be at least 1")
    return min(value, maximum)


def parse_bool(text: str | None) -> bool:
    return (text or "").strip().lower() in ("true", "1", "yes")


@dataclass(frozen=True)
class Location:
    lat: float | None
    lon: float | None
    address_string: str | None
    address_id: str | None


def parse_location(fields: Mapping[str, str]) -> Location:
    """lat & long (both), or address_string, or address_id."""
    lat_text = (fields.get("lat") or "").strip()
    lon_text = (fields.get("long") or "").strip()
    address = (fields.get("address_string") or "").strip() or None
    address_id = (fields.get("address_id") or "").strip() or None
    if bool(lat_text) != bool(lon_text):
        raise Open311Error(400, "lat and long must be sent together")
    lat = lon = None
    if lat_text:
        try:
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            raise Open311Error(400, "lat and long must be decimal degrees (WGS-84)") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
            raise Open311Error(400, "lat/long are not WGS-84 degrees")
    elif not address and not address_id:
        raise Open311Error(
            400, "a location is required: lat and long, address_string or address_id"
        )
    return Location(lat, lon, address, address_id)


_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def parse_attributes(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """``attribute[CODE]=v`` and ``attribute[CODE][]=v1&attribute[CODE][]=v2``."""
    out: dict[str, list[str]] = {}
    for key, value in items:
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            out.setdefault(match.group(1), []).append(value)
    return out


_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def check_media_url(text: str | None) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > 2000 or not _URL.match(text):
        raise Open311Error(400, "media_url must be an http(s) URL")
    return text


# ---------------------------------------------------------------- rendering


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _clean(str(value))


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    child = ET.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, sub in value.items():
            _append(child, key, sub)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(tag, "item")
        for item in value:
            _append(child, item_tag, item)
    else:
        text = _scalar(value)
        if text is not None:
            child.text = text


def to_xml(root: str, body: Any) -> bytes:
    """``body`` is a list (wrapped in ``root`` with the item tag) or a mapping (the root's
    children)."""
    element = ET.Element(root)
    if isinstance(body, Mapping):
        for key, value in body.items():
            _append(element, key, value)
    else:
        item_tag = ITEM_TAGS[root]
        for item in body:
            _append(element, item_tag, item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        element, encoding="unicode"
    ).encode("utf-8")


def to_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(fmt: str, root: str, body: Any) -> tuple[bytes, str]:
    """(content, media type) of ``body`` in ``fmt``."""
    if fmt == "xml":
        return to_xml(root, body), XML_MEDIA_TYPE
    return to_json(body), JSON_MEDIA_TYPE


def error_body(errors: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    return [{"code": code, "description": description} for code, description in errors]


# ---------------------------------------------------------------- status


def public_status(internal: str, terminal: Iterable[str]) -> str:
    return "closed" if internal in set(terminal) else "open"
