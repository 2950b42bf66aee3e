"""The indicators of household waste sorting (垃圾分类) as configuration over named quantities.

The programme computes the quantities below from its registers and ledgers for an object
(an estate, community, street, company or district) and a period; the formulas and the
monthly assessment that combine them are data (``data/formulas.json``, replaceable per
city) evaluated by :mod:`urbangrid.evaluation.formulas`. National definitions:

- 回收利用率 = 回收利用量 ÷ 生活垃圾产生量 (target ≥ 35 % by end 2025, 发改环资〔2021〕642号);
- 资源化利用率 = [可回收物 + Σ(处理量 × 折算系数)] ÷ (可回收物 + 清运量) (about 60 %); the Σ runs
  over treatment facilities, each with its conversion coefficient (``treated_converted_t``);
- 无害化处理率 = 无害化处理量 ÷ 产生量;
- 小区分类覆盖率 = 开展分类的小区数 ÷ 小区总数;
- 厨余垃圾分出率 = 厨余垃圾量 ÷ 生活垃圾清运量;
- 投放准确率 = (bins checked − bins wrongly filled) ÷ bins checked, from spot checks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from urbangrid.evaluation.config import default_config
from urbangrid.evaluation.formulas import FormulaSet, load_formula_set
from urbangrid.kit.errors import InvalidInput
from urbangrid.waste.report import Ranking

# name → (Chinese, English): what the programme measures for an object and a period.
QUANTITIES: dict[str, tuple[str, str]] = {
    "generated_t": ("生活垃圾产生量 (吨)", "household waste generated (t)"),
    "collected_t": ("生活垃圾清运量 (吨)", "household waste collected (t)"),
    "recyclables_t": ("可回收物回收量 (吨)", "recyclables recovered (t)"),
    "recycled_t": ("回收利用量 (吨)", "recycled (t)"),
    "treated_converted_t": (
        "Σ 处理量 × 折算系数 (吨)",
        "Σ treated × conversion coefficient (t)",
    ),
    "harmless_t": ("无害化处理量 (吨)", "treated harmlessly (t)"),
    "kitchen_t": ("厨余垃圾分出量 (吨)", "kitchen waste separated (t)"),
    "other_t": ("其他垃圾量 (吨)", "residual waste (t)"),
    "other_baseline_t": ("其他垃圾基准量 (吨)", "residual waste baseline (t)"),
    "estates": ("小区总数", "residential estates"),
    "estates_sorting": ("开展分类的小区数", "estates that sort"),
    "estates_compliant": ("分类体系达标小区数", "estates meeting the sorting system standard"),
    "points": ("投放点总数", "drop points"),
    "points_three_fixed": ("三定一督投放点数", "drop points with 三定一督"),
    "bins_checked": ("抽查桶数", "bins checked"),
    "bins_wrong": ("混投桶数", "bins wrongly filled"),
    "inspections": ("检查次数", "inspections"),
    "inspections_failed": ("发现问题的检查次数", "inspections with a problem"),
    "rectifications_due": ("应整改问题数", "problems due for rectification"),
    "rectified_on_time": ("按期整改问题数", "problems rectified on time"),
}


def load(data: Mapping[str, Any]) -> FormulaSet:
    """A city's formulas and assessment, checked against :data:`QUANTITIES`; grade bands
    default to the case evaluation's (A ≥ 90 … E)."""
    return load_formula_set(data, QUANTITIES, default_config().grades)


@lru_cache(maxsize=1)
def _default_data() -> dict[str, Any]:
    text = resources.files("urbangrid.waste").joinpath("data/formulas.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def default_formulas() -> FormulaSet:
    return load(_default_data())


def load_ranking(data: Mapping[str, Any]) -> Ranking:
    """红黑榜 settings: ``{"size": N, "min_inspections": M}`` — at most N objects on each list,
    and an object with fewer than M inspections in the month is assessed but not ranked."""
    raw = data.get("ranking") or {}
    size, least = raw.get("size", 3), raw.get("min_inspections", 1)
    if not (isinstance(size, int) and size >= 1 and isinstance(least, int) and least >= 0):
        raise InvalidInput(
            "ranking: size ≥ 1 and min_inspections ≥ 0, whole numbers", field="ranking"
        )
    return Ranking(size=size, min_inspections=least)


def default_ranking() -> Ranking:
    return load_ranking(_default_data())
