"""A platform's 违法建设 settings (``jurisdictions.settings["construction"]``), with defaults.

- ``baseline_date``: buildings found after it are 新增, before it 存量 (零增长 counts from it);
- ``match``: the overlap shares of patch matching (see :mod:`construction.matching`);
- ``clean_area``: when a community or street counts as 无违建 — no open record, at most
  ``max_new`` new records in the period, and at least ``min_stock_cleared`` of its stock
  demolished or legalised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from urbangrid.construction.matching import Thresholds
from urbangrid.kit.errors import InvalidInput
from urbangrid.org.models import Jurisdiction

DEFAULT_BASELINE = date(2024, 1, 1)


@dataclass(frozen=True)
class CleanAreaRule:
    max_new: int = 0
    min_stock_cleared: float = 1.0


@dataclass(frozen=True)
class ConstructionSettings:
    baseline_date: date = DEFAULT_BASELINE
    thresholds: Thresholds = field(default_factory=Thresholds)
    clean_area: CleanAreaRule = field(default_factory=CleanAreaRule)


def parse_settings(raw: dict[str, Any] | None) -> ConstructionSettings:
    raw = raw or {}
    problems: list[str] = []
    baseline = DEFAULT_BASELINE
    if raw.get("baseline_date"):
        try:
            baseline = date.fromisoformat(str(raw["baseline_date"]))
        except ValueError:
            problems.append("baseline_date is not a date (YYYY-MM-DD)")
    thresholds = Thresholds()
    match = raw.get("match") or {}
    try:
        thresholds = Thresholds(
            float(match.get("min_patch_share", thresholds.min_patch_share)),
            float(match.get("min_record_share", thresholds.min_record_share)),
        )
    except (TypeError, ValueError):
        problems.append("match shares must be numbers between 0 and 1")
    clean = raw.get("clean_area") or {}
    rule = CleanAreaRule()
    try:
        rule = CleanAreaRule(
            int(clean.get("max_new", rule.max_new)),
            float(clean.get("min_stock_cleared", rule.min_stock_cleared)),
        )
    except (TypeError, ValueError):
        problems.append("clean_area takes max_new (a count) and min_stock_cleared (a share)")
    if problems:
        raise InvalidInput(
            "; ".join(problems), code="construction_settings_invalid", params={"problems": problems}
        )
    return ConstructionSettings(baseline, thresholds, rule)


def settings_of(jurisdiction: Jurisdiction) -> ConstructionSettings:
    return parse_settings((jurisdiction.settings or {}).get("construction"))
