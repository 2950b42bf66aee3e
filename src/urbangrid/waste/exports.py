"""xlsx downloads of the 分类日报, the indicators by level and the monthly assessment with
红黑榜, through the one writer (``kit.xlsx``) and the one download response. Titles are
Chinese, times local, rates fractions shown as percentages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import StreamingResponse

from urbangrid.api.downloads import xlsx_download
from urbangrid.evaluation.formulas import FormulaSet
from urbangrid.kit.xlsx import Column, Sheet
from urbangrid.org.models import Jurisdiction
from urbangrid.waste.indicators import QUANTITIES
from urbangrid.waste.ledger import Period
from urbangrid.waste.registers import CATEGORY_LABELS
from urbangrid.waste.report import LEVEL_LABELS, Level, ObjectRow
from urbangrid.waste.schemas import AssessedOut, AssessmentOut


def _span(period: Period, tz: ZoneInfo) -> str:
    fmt = "%Y-%m-%d %H:%M"
    return f"统计时段：{period.start.astimezone(tz):{fmt}} 至 {period.end.astimezone(tz):{fmt}}"


def _table(title: str, first: str, table: dict[str, dict[str, float]]) -> Sheet:
    cats = [c for c in CATEGORY_LABELS if any(c in row for row in table.values())]
    rows = [{"name": k, **v, "total": sum(v.values())} for k, v in table.items()]
    return Sheet(
        title=title,
        columns=[
            Column("name", first, width=24),
            *(Column(c, f"{c}(吨)", "number") for c in cats),
            Column("total", "合计(吨)", "number"),
        ],
        rows=rows,
    )


def ledger_xlsx(
    j: Jurisdiction, period: Period, out: dict[str, Any], tz: ZoneInfo
) -> StreamingResponse:
    head = (f"{j.name} 生活垃圾分类日报", _span(period, tz))
    by_category = Sheet(
        title="按类别",
        columns=[Column("category", "类别", width=16), Column("t", "重量(吨)", "number")],
        rows=[{"category": c, "t": t} for c, t in out["by_category"].items()]
        + [{"category": "合计", "t": out["total_t"]}],
        preamble=head,
    )
    return xlsx_download(
        [
            by_category,
            _table("按设施", "处理设施", out["by_facility"]),
            _table("按街道", "街道", out["by_street"]),
            _table("按日", "日期", out["by_day"]),
        ],
        f"分类日报_{period.start.astimezone(tz):%Y%m%d}.xlsx",
        tz=tz,
    )


def _rate(name: str, scale: float) -> Any:
    def value(row: dict[str, Any]) -> float | None:
        v = row["values"].get(name)
        return None if v is None else float(v) / scale

    return value


def indicators_xlsx(
    j: Jurisdiction,
    period: Period,
    level: Level,
    rows: Sequence[ObjectRow],
    formulas: FormulaSet,
    unattributed_t: float,
    tz: ZoneInfo,
) -> StreamingResponse:
    data = [
        {"key": r.key, "name": r.name, "values": formulas.values(r.quantities), **r.quantities}
        for r in rows
    ]
    used = [q for q in QUANTITIES if any(q in r.quantities for r in rows)]
    preamble = [f"{j.name} 生活垃圾分类指标（按{LEVEL_LABELS[level]}）", _span(period, tz)]
    if unattributed_t:
        preamble.append(f"未归属的过磅重量：{unattributed_t:.3f} 吨")
    sheet = Sheet(
        title=f"指标_{LEVEL_LABELS[level]}",
        columns=[
            Column("key", "编码"),
            Column("name", "名称", width=24),
            *(
                Column(_rate(n, float(f.scale)), f.label_zh, "percent")
                for n, f in formulas.formulas.items()
            ),
            *(Column(q, QUANTITIES[q][0], "number" if q.endswith("_t") else "int") for q in used),
        ],
        rows=data,
        preamble=preamble,
    )
    return xlsx_download(
        [sheet],
        f"垃圾分类指标_{LEVEL_LABELS[level]}_{period.start.astimezone(tz):%Y%m%d}.xlsx",
        tz=tz,
    )


def assessment_xlsx(j: Jurisdiction, out: AssessmentOut, formulas: FormulaSet) -> StreamingResponse:
    level = LEVEL_LABELS[Level(out.level)]

    def score_col(name: str) -> Any:
        return lambda a: a.scores.get(name)

    def value_col(name: str) -> Any:
        scale = float(formulas.formulas[name].scale)
        return lambda a: None if a.values.get(name) is None else a.values[name] / scale

    terms = [t.formula for t in out.terms]
    columns = [
        Column("rank", "排名", "int"),
        Column("key", "编码"),
        Column("name", "名称", width=24),
        Column("total", "总分", "number"),
        Column("grade", "等级"),
        Column("inspections", "检查次数", "int"),
        Column(lambda a: "是" if a.eligible else "否（数据不足）", "参与排名", width=16),
        *(Column(value_col(t), formulas.formulas[t].label_zh, "percent") for t in terms),
        *(Column(score_col(t), f"{formulas.formulas[t].label_zh}得分", "number") for t in terms),
    ]
    weights = "；".join(f"{t.label_zh} {t.weight:g}" for t in out.terms)
    rule = f"每榜至多 {out.size} 个；当月检查少于 {out.min_inspections} 次的不参与排名"

    def lst(title: str, items: list[AssessedOut]) -> Sheet:
        return Sheet(title=title, columns=columns[:6], rows=items, preamble=(rule,))

    return xlsx_download(
        [
            Sheet(
                title=f"考核_{level}",
                columns=columns,
                rows=out.items,
                preamble=(
                    f"{j.name} {out.name}（{out.month}，按{level}）",
                    f"权重：{weights}",
                    rule,
                ),
            ),
            lst("红榜", out.red),
            lst("黑榜", out.black),
        ],
        f"{out.name}_{level}_{out.month}.xlsx",
        tz=ZoneInfo(j.timezone or "Asia/Shanghai"),
    )
