"""The evaluation table of one object kind as xlsx sheets, for the export on the 综合评价
page. Written by the one writer (``kit.xlsx``): the ranked objects on one sheet, the ones
with too few cases to be ranked on another; rates are fractions shown as percentages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from urbangrid.evaluation.config import default_config
from urbangrid.evaluation.engine import Period
from urbangrid.evaluation.indicators import ObjectKind, count_labels
from urbangrid.evaluation.report import COLUMNS
from urbangrid.kit.xlsx import Column, Sheet

KIND_TITLES_ZH = {
    ObjectKind.DISTRICT: "区县",
    ObjectKind.DEPARTMENT: "部门",
    ObjectKind.STREET: "街道",
    ObjectKind.COMMUNITY: "社区",
    ObjectKind.GRID: "网格",
    ObjectKind.INSPECTOR: "监督员",
    ObjectKind.INTAKE_OPERATOR: "受理员",
    ObjectKind.SHIFT_LEAD: "值班长",
    ObjectKind.DISPATCHER: "派遣员",
}


class Row(Protocol):
    """One row of the table (``routes.EvaluationOut``)."""

    key: str
    name: str
    rank: int | None
    score: float | None
    grade: str | None
    counts: dict[str, int]
    rates: dict[str, float | None]
    score_change: float | None
    volume: int
    ranked: bool


def _columns(kind: ObjectKind) -> list[Column]:
    labels = count_labels(kind)
    for name, r in default_config().for_kind(kind).rates.items():
        labels[name] = r.label_zh

    def rate(name: str) -> Any:
        return lambda row: row.rates.get(name)

    def counted(name: str) -> Any:
        return lambda row: row.counts.get(name)

    cols = [
        Column("rank", "排名", "int", 8),
        Column("name", "对象", "text", 24),
        Column("key", "编码", "text", 18),
        Column("score", "综合得分", "number", 10),
        Column("grade", "等级", "text", 8),
    ]
    for name, is_rate in COLUMNS[kind]:
        if is_rate:
            cols.append(Column(rate(name), labels.get(name, name), "percent"))
        else:
            cols.append(Column(counted(name), labels.get(name, name), "int"))
    cols.append(Column("volume", "案件量", "int", 10))
    cols.append(Column("score_change", "环比（分）", "number", 10))
    return cols


def export_sheets(
    kind: ObjectKind, period: Period, items: Sequence[Row], min_cases: int
) -> list[Sheet]:
    title = KIND_TITLES_ZH[kind]
    cols = _columns(kind)
    rule = f"少于 {min_cases} 件不参与排名"
    ranked = [i for i in items if i.ranked]
    others = [i for i in items if not i.ranked]
    return [
        Sheet(
            f"{title}排名",
            cols,
            ranked,
            preamble=(f"综合评价 · {title} · {period.label}", rule),
        ),
        Sheet(
            "不参与排名",
            cols,
            others,
            preamble=(f"综合评价 · {title} · {period.label}", f"{rule}；未评分的对象无得分"),
        ),
    ]
