"""The drop-point inspection checklist (投放点检查) and what a failed item becomes (pure).

An inspector at a drop point counts, per category, the bins checked and the bins holding
wrong waste (混投), and answers yes/no for overflow (满溢), signage (标识), cleanliness
(环境整洁) and, during the drop-off hours, whether the supervisor (督导员) is there. Each failed
item becomes one problem with the national matter code (GB/T 47678.5) a case is filed under:
wrongly sorted bins and an absent supervisor → 06041 垃圾未分类, overflow → 06042 垃圾站（箱）满溢,
broken or missing signage → 03005 垃圾箱异常, a dirty surround → 06010 暴露垃圾.

Invariants (tested): a clean checklist has no failure; each failed item is one failure, named
once; wrong-bin counts never exceed checked counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time

from urbangrid.waste.registers import CATEGORY_LABELS

MATTER_OF_ITEM = {
    "wrong_bins": "06041",
    "supervisor_absent": "06041",
    "overflow": "06042",
    "signage": "03005",
    "dirty": "06010",
}
ITEM_TEXT = {
    "wrong_bins": "混投：{detail}",
    "supervisor_absent": "投放时段督导员不在岗",
    "overflow": "垃圾桶满溢",
    "signage": "分类标识缺失或损坏",
    "dirty": "投放点周边环境不整洁",
}


@dataclass(frozen=True)
class Checklist:
    bins_checked: Mapping[str, int] = field(default_factory=dict)  # category label → bins
    bins_wrong: Mapping[str, int] = field(default_factory=dict)
    overflow: bool = False
    signage_ok: bool = True
    clean: bool = True
    supervisor_present: bool | None = None  # None: not during the hours, not asked


@dataclass(frozen=True)
class Failure:
    item: str
    matter_code: str
    text: str


def check(checklist: Checklist) -> list[str]:
    """Problems of the checklist itself (422 for the inspector), empty when it is sound."""
    problems = []
    for label in {*checklist.bins_checked, *checklist.bins_wrong}:
        if label not in CATEGORY_LABELS:
            problems.append(f"unknown waste category {label!r}")
    for label, wrong in checklist.bins_wrong.items():
        checked = checklist.bins_checked.get(label, 0)
        if wrong < 0 or checked < 0:
            problems.append(f"{label}: counts cannot be negative")
        elif wrong > checked:
            problems.append(f"{label}: {wrong} wrong bins of {checked} checked")
    return problems


def failures(checklist: Checklist) -> list[Failure]:
    out: list[Failure] = []
    wrong = {k: v for k, v in checklist.bins_wrong.items() if v > 0}
    if wrong:
        detail = "，".join(f"{k}{v}桶" for k, v in sorted(wrong.items()))
        out.append(
            Failure(
                "wrong_bins",
                MATTER_OF_ITEM["wrong_bins"],
                ITEM_TEXT["wrong_bins"].format(detail=detail),
            )
        )
    flags = (
        ("overflow", checklist.overflow),
        ("signage", not checklist.signage_ok),
        ("dirty", not checklist.clean),
        ("supervisor_absent", checklist.supervisor_present is False),
    )
    for item, failed in flags:
        if failed:
            out.append(Failure(item, MATTER_OF_ITEM[item], ITEM_TEXT[item]))
    return out


def during_hours(hours: str | None, at: time) -> bool:
    """Is ``at`` inside the point's drop-off hours (``HH:MM-HH:MM,…``)?"""
    if not hours:
        return False
    for part in hours.split(","):
        a, b = (time.fromisoformat(x.strip()) for x in part.split("-"))
        if a <= at < b:
            return True
    return False
