"""A platform's 违法建设 settings (``jurisdictions.settings["construction"]``), with defaults.

- ``baseline_date``: buildings found after it are 新增, before it 存量 (零增长 counts from it);
- ``match``: the overlap shares of patch matching (see :mod:`construction.matching`);
- ``clean_area``: when a community or street counts as 无违建 — no open record, at most
  ``max_new`` new records in the period, and at least ``min_stock_cleared`` of its stock
  demolished or legalised;
- ``ranking``: the streets' 红黑榜 — ``weights`` of the shares in the score, ``size``,
  ``min_records`` before a street is ranked (lists by :mod:`evaluation.ranking`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from urbangrid.construction.matching import Thresholds
from urbangrid.kit.errors import InvalidInput
from urbangrid.org.models import Jurisdiction

DEFAULT_BASELINE = date(2024, 1, 1)
# Other shares of accounting.indicators a city may weigh in its street ranking.
RANKABLE_EXTRA = frozenset({"new_demolished_share", "patches_confirmed_share"})


@dataclass(frozen=True)
class CleanAreaRule:
    max_new: int = 0
    min_stock_cleared: float = 1.0


# Street ranking (红黑榜): the score is the weighted mean of these shares (0–1) that a street
# has; streets with fewer than ``min_records`` records are not ranked.
DEFAULT_RANKING_WEIGHTS = {
    "stock_reduced_share": 0.4,
    "new_stopped_share": 0.3,
    "patches_verified_share": 0.3,
}


@dataclass(frozen=True)
class RankingRule:
    weights: tuple[tuple[str, float], ...] = tuple(DEFAULT_RANKING_WEIGHTS.items())
    size: int = 3
    min_records: int = 1


@dataclass(frozen=True)
class ConstructionSettings:
    baseline_date: date = DEFAULT_BASELINE
    thresholds: Thresholds = field(default_factory=Thresholds)
    clean_area: CleanAreaRule = field(default_factory=CleanAreaRule)
    ranking: RankingRule = field(default_factory=RankingRule)


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
    ranking = RankingRule()
    raw_rank = raw.get("ranking") or {}
    try:
        weights = raw_rank.get("weights") or DEFAULT_RANKING_WEIGHTS
        unknown = sorted(set(weights) - set(DEFAULT_RANKING_WEIGHTS) - RANKABLE_EXTRA)
        if unknown:
            problems.append(f"ranking weights name unknown shares: {', '.join(unknown)}")
        ranking = RankingRule(
            tuple((str(k), float(v)) for k, v in weights.items()),
            int(raw_rank.get("size", ranking.size)),
            int(raw_rank.get("min_records", ranking.min_records)),
        )
    except (TypeError, ValueError, AttributeError):
        problems.append("ranking takes weights (share → number), size and min_records")
    if problems:
        raise InvalidInput(
            "; ".join(problems), code="construction_settings_invalid", params={"problems": problems}
        )
    return ConstructionSettings(baseline, thresholds, rule, ranking)


def settings_of(jurisdiction: Jurisdiction) -> ConstructionSettings:
    return parse_settings((jurisdiction.settings or {}).get("construction"))
