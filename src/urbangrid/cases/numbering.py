"""Case numbers (案件编号): unique per jurisdiction and year. Pure formatting."""

from __future__ import annotations

import re

DEFAULT_PATTERN = "{year}-{seq:06d}"
_FIELDS = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def format_case_number(
    year: int, seq: int, *, district_code: str = "", pattern: str = DEFAULT_PATTERN
) -> str:
    """``2026-000123`` by default; ``{district}{year}{seq:06d}`` gives ``3301022026000123``.

    The pattern must contain ``{year}`` and ``{seq}`` so numbers stay unique per year.
    """
    check_pattern(pattern)
    if seq < 1:
        raise ValueError("case sequence numbers start at 1")
    return pattern.format(year=year, seq=seq, district=district_code)


def check_pattern(pattern: str) -> None:
    names = set(_FIELDS.findall(pattern))
    missing = {"year", "seq"} - names
    if missing:
        raise ValueError(f"case number pattern {pattern!r} lacks {sorted(missing)}")
    unknown = names - {"year", "seq", "district"}
    if unknown:
        raise ValueError(f"case number pattern {pattern!r} has unknown fields {sorted(unknown)}")
