"""Codes of the grid method (STANDARDS.md §3).

- Unit grid code (单元网格标识码), 15 digits: 6 district (GB/T 2260 行政区划代码) + 3 street
  (街道/乡镇) + 3 community (社区/村) + 3 grid sequence, the sequence numbered west → east,
  north → south within the community.
- Component id (管理部件标识码, GB/T 47678.5-2026), 17 digits: 6 district + 2 big class
  (大类) + 3 small class (小类) + 6 serial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

GRID_CODE_RE: Final = re.compile(r"^(\d{6})(\d{3})(\d{3})(\d{3})$")
COMPONENT_ID_RE: Final = re.compile(r"^(\d{6})(\d{2})(\d{3})(\d{6})$")
DISTRICT_CODE_RE: Final = re.compile(r"^\d{6}$")


class CodeError(ValueError):
    """A malformed grid code or component id."""


def _field(value: int | str, width: int, what: str) -> str:
    if isinstance(value, str):
        if not re.fullmatch(rf"\d{{{width}}}", value):
            raise CodeError(f"{what} must be {width} digits, got {value!r}")
        number = int(value)
    else:
        number = value
    if not 0 <= number < 10**width:
        raise CodeError(f"{what} {number} does not fit in {width} digits")
    return f"{number:0{width}d}"


def validate_district_code(code: str) -> str:
    if not DISTRICT_CODE_RE.match(code) or code.endswith("0000"):
        raise CodeError(f"district code must be 6 digits (GB/T 2260, e.g. 321202), got {code!r}")
    return code


@dataclass(frozen=True, slots=True)
class GridCode:
    district: str
    street: str
    community: str
    sequence: str

    def __str__(self) -> str:
        return f"{self.district}{self.street}{self.community}{self.sequence}"

    @property
    def street_code(self) -> str:
        """The 9-digit street code (所在街道代码)."""
        return f"{self.district}{self.street}"

    @property
    def community_code(self) -> str:
        """The 12-digit community code (所在社区代码)."""
        return f"{self.district}{self.street}{self.community}"


def make_grid_code(district: str, street: int | str, community: int | str, seq: int | str) -> str:
    """Compose a 15-digit grid code; every field must fit its width and not be zero."""
    parts = (
        validate_district_code(district),
        _field(street, 3, "street code"),
        _field(community, 3, "community code"),
        _field(seq, 3, "grid sequence"),
    )
    code = "".join(parts)
    parse_grid_code(code)
    return code


def parse_grid_code(code: str) -> GridCode:
    m = GRID_CODE_RE.match(code)
    if not m:
        raise CodeError(f"grid code must be 15 digits, got {code!r}")
    district, street, community, seq = m.groups()
    validate_district_code(district)
    for value, what in ((street, "street"), (community, "community"), (seq, "sequence")):
        if value == "000":
            raise CodeError(f"grid code {code}: the {what} field is 000")
    return GridCode(district, street, community, seq)


def is_grid_code(code: str) -> bool:
    try:
        parse_grid_code(code)
    except CodeError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class ComponentId:
    district: str
    big_class: str
    small_class: str
    serial: str

    def __str__(self) -> str:
        return f"{self.district}{self.big_class}{self.small_class}{self.serial}"

    @property
    def class_code(self) -> str:
        """The 5-digit class code (2 大类 + 3 小类) as in the national directory."""
        return f"{self.big_class}{self.small_class}"


def parse_component_id(code: str) -> ComponentId:
    m = COMPONENT_ID_RE.match(code)
    if not m:
        raise CodeError(
            f"component id must be 17 digits (6 district + 2 + 3 class + 6 serial), got {code!r}"
        )
    district, big, small, serial = m.groups()
    validate_district_code(district)
    if big == "00" or small == "000":
        raise CodeError(f"component id {code}: the class code {big}{small} is not a class")
    if serial == "000000":
        raise CodeError(f"component id {code}: the serial 000000 is not allowed")
    return ComponentId(district, big, small, serial)


def make_component_id(district: str, class_code: str, serial: int) -> str:
    """Compose a 17-digit id from a 5-digit class code (e.g. ``01001`` 供水井盖)."""
    if not re.fullmatch(r"\d{5}", class_code):
        raise CodeError(f"component class code must be 5 digits, got {class_code!r}")
    code = f"{validate_district_code(district)}{class_code}{_field(serial, 6, 'serial')}"
    parse_component_id(code)
    return code
