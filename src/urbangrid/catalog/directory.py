"""The national directory (GB/T 47678.5-2026) shipped as package data, and the rule that
turns a city's old 4-digit codes (GB/T 30428.2-2013 regime) into 5-digit codes."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources

from urbangrid.kit.text import is_digits


class Kind(StrEnum):
    COMPONENT = "component"  # 管理部件
    MATTER = "matter"  # 管理事项 (事件 in the 2013 regime)


@dataclass(frozen=True)
class DirectoryEntry:
    kind: Kind
    code: str
    big_code: str
    big_name: str
    name: str


_FILES = {
    Kind.COMPONENT: "gbt47678_5_2026_components.csv",
    Kind.MATTER: "gbt47678_5_2026_matters.csv",
}


@lru_cache
def national_directory() -> dict[tuple[Kind, str], DirectoryEntry]:
    entries: dict[tuple[Kind, str], DirectoryEntry] = {}
    data = resources.files("urbangrid.catalog") / "data"
    for kind, filename in _FILES.items():
        with (data / filename).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                entry = DirectoryEntry(
                    kind,
                    row["code"],
                    row["big_category_code"],
                    row["big_category_name"],
                    row["name"],
                )
                entries[(kind, entry.code)] = entry
    return entries


@lru_cache
def national_big_names() -> dict[tuple[Kind, str], str]:
    return {(e.kind, e.big_code): e.big_name for e in national_directory().values()}


def parse_kind(text: str) -> Kind:
    key = text.strip().lower()
    if key in ("component", "部件", "管理部件"):
        return Kind.COMPONENT
    if key in ("matter", "event", "事件", "事项", "管理事项"):
        return Kind.MATTER
    raise ValueError(f"unknown kind {text!r}: use component or matter")


# 2013 event big classes → 2026 matter big classes: 01 市容环境 → 06 … 04 街面秩序 → 09;
# 05 突发事件 → 10 其他事项类; the old 06 其他事件 has no 2026 class, so it becomes 11.
_EVENT_BIG_BY_NAME = {
    "市容环境": "06",
    "宣传广告": "07",
    "施工管理": "08",
    "街面秩序": "09",
    "突发事件": "10",
    "其他事件": "11",
}


def local_extension_code(kind: Kind, legacy_code: str, legacy_big_name: str = "") -> str:
    """5-digit code for a city's category that has no national code.

    Rule (ours; the 2026 standard leaves extension codes to local practice): the 2026 big
    class the old class converts to, then ``9`` and the old 2-digit small code. National
    small codes stay below 100, so ``9xx`` never collides with them. Example: component
    0199 爱心驿站 → 01999; event 0131 → 06931; event 0596 → 10996.
    """
    if len(legacy_code) != 4 or not is_digits(legacy_code):
        raise ValueError(f"legacy code {legacy_code!r} is not 4 digits")
    big, small = legacy_code[:2], legacy_code[2:]
    if kind is Kind.MATTER:
        if big in ("01", "02", "03", "04", "05", "06"):
            big = f"{int(big) + 5:02d}"
        else:
            big = _EVENT_BIG_BY_NAME.get(legacy_big_name.strip(), "11")
    return f"{big}9{small}"
