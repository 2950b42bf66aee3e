"""Dispatch suggestion (派遣建议): which department a case should go to. Pure, no I/O.

A rule maps a category — a 小类 (``category_id``), a 大类 (``kind`` + ``big_code``), or any —
and an area — a grid, a community, a street, or the whole jurisdiction — to a department.
The most specific matching rule wins: first by category (小类 > 大类 > any), then by area
(grid > community > street > anywhere), then by ``priority`` (higher first), then by the
lower rule id so the answer is stable. When no rule matches, the caller falls back to the
category's (or filing condition's) default department code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class AreaLevel(StrEnum):
    JURISDICTION = "jurisdiction"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"


_AREA_RANK = {
    AreaLevel.JURISDICTION: 0,
    AreaLevel.STREET: 1,
    AreaLevel.COMMUNITY: 2,
    AreaLevel.GRID: 3,
}


@dataclass(frozen=True)
class RouteRule:
    id: int
    department_id: int
    category_id: int | None = None  # 小类
    kind: str | None = None  # with big_code: component | matter
    big_code: str | None = None  # 大类
    area_level: AreaLevel = AreaLevel.JURISDICTION
    area_id: int | None = None  # street / community / grid id for that level
    priority: int = 0

    def __post_init__(self) -> None:
        if self.category_id is not None and self.big_code is not None:
            raise ValueError("a rule names a 小类 or a 大类, not both")
        if (self.area_level is AreaLevel.JURISDICTION) != (self.area_id is None):
            raise ValueError("area_id is given exactly when the area level is not jurisdiction")

    @property
    def category_rank(self) -> int:
        if self.category_id is not None:
            return 2
        return 1 if self.big_code is not None else 0

    def specificity(self) -> tuple[int, int, int, int]:
        return (self.category_rank, _AREA_RANK[self.area_level], self.priority, -self.id)


@dataclass(frozen=True)
class CaseSite:
    """What routing needs to know about a case."""

    category_id: int | None
    kind: str | None
    big_code: str | None
    street_id: int | None
    community_id: int | None
    grid_id: int | None


def matches(rule: RouteRule, site: CaseSite) -> bool:
    if rule.category_id is not None and rule.category_id != site.category_id:
        return False
    if rule.big_code is not None and (
        rule.big_code != site.big_code or (rule.kind is not None and rule.kind != site.kind)
    ):
        return False
    area = {
        AreaLevel.JURISDICTION: None,
        AreaLevel.STREET: site.street_id,
        AreaLevel.COMMUNITY: site.community_id,
        AreaLevel.GRID: site.grid_id,
    }[rule.area_level]
    return rule.area_level is AreaLevel.JURISDICTION or (area is not None and area == rule.area_id)


def best_rule(rules: Iterable[RouteRule], site: CaseSite) -> RouteRule | None:
    """The most specific rule matching ``site``, or None."""
    found = [r for r in rules if matches(r, site)]
    return max(found, key=RouteRule.specificity) if found else None
