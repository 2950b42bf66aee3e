"""The monthly report as an xlsx workbook (openpyxl, with charts) and as a print-ready
HTML page (inline SVG charts, A4 print CSS, no external resources)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from urbangrid.evaluation.engine import Change, Evaluation, ranks
from urbangrid.evaluation.indicators import ObjectKind, count_labels
from urbangrid.evaluation.service import (
    SURGE_LEVEL_ZH,
    AlertNames,
    MonthlyReport,
    surge_level,
)

GRADE_FILL = {"A": "C6EFCE", "B": "BDD7EE", "C": "FFEB9C", "D": "F8CBAD", "E": "808080"}

# The columns each section shows: (count or rate name, is_rate).
COLUMNS: dict[ObjectKind, list[tuple[str, bool]]] = {
    ObjectKind.DEPARTMENT: [
        ("dispatched", False),
        ("due", False),
        ("handled", False),
        ("handled_on_time", False),
        ("handled_late", False),
        ("overdue_open", False),
        ("reworked", False),
        ("extended", False),
        ("closed", False),
        ("on_time_disposal_rate", True),
        ("overdue_disposal_rate", True),
        ("rework_rate", True),
        ("extension_rate", True),
        ("closing_rate", True),
        ("on_time_closing_rate", True),
        ("satisfaction_rate", True),
    ],
    ObjectKind.STREET: [
        ("filed", False),
        ("public_filed", False),
        ("due", False),
        ("closed", False),
        ("closed_on_time", False),
        ("public_report_rate", True),
        ("closing_rate", True),
        ("on_time_closing_rate", True),
        ("reply_rate", True),
        ("satisfaction_rate", True),
    ],
    ObjectKind.INSPECTOR: [
        ("reports", False),
        ("valid_reports", False),
        ("missed", False),
        ("verify_due", False),
        ("check_due", False),
        ("valid_report_rate", True),
        ("missed_rate", True),
        ("on_time_verify_rate", True),
        ("on_time_check_rate", True),
    ],
    ObjectKind.INTAKE_OPERATOR: [
        ("accepted", False),
        ("verify_send_due", False),
        ("check_send_due", False),
        ("on_time_verify_send_rate", True),
        ("on_time_check_send_rate", True),
    ],
    ObjectKind.SHIFT_LEAD: [
        ("filed", False),
        ("closed", False),
        ("on_time_filing_rate", True),
        ("accurate_filing_rate", True),
        ("on_time_closing_rate", True),
    ],
    ObjectKind.DISPATCHER: [
        ("dispatched", False),
        ("on_time_dispatch_rate", True),
        ("accurate_dispatch_rate", True),
    ],
}
COLUMNS[ObjectKind.DISTRICT] = COLUMNS[ObjectKind.STREET]
COLUMNS[ObjectKind.COMMUNITY] = COLUMNS[ObjectKind.STREET]
COLUMNS[ObjectKind.GRID] = COLUMNS[ObjectKind.STREET]

SECTION_TITLES = {
    ObjectKind.DISTRICT: "区县评价",
    ObjectKind.DEPARTMENT: "专业部门评价",
    ObjectKind.STREET: "街道评价",
    ObjectKind.COMMUNITY: "社区评价",
    ObjectKind.GRID: "单元网格评价",
    ObjectKind.INSPECTOR: "监督员评价",
    ObjectKind.INTAKE_OPERATOR: "受理员评价",
    ObjectKind.SHIFT_LEAD: "值班长评价",
    ObjectKind.DISPATCHER: "派遣员评价",
}

CITIZEN_LABELS = {
    "citizen_cases": "公众诉求数",
    "replied": "答复数",
    "replied_on_time": "按时答复数",
    "completed": "办结数",
    "rated": "评价数",
    "satisfied": "满意数",
    "reply_rate": "答复率",
    "on_time_reply_rate": "按时答复率",
    "completion_rate": "办结率",
    "satisfaction_rate": "满意率",
}


def _labels(report: MonthlyReport, kind: ObjectKind) -> dict[str, str]:
    labels = count_labels(kind)
    for name, r in report.config.for_kind(kind).rates.items():
        labels[name] = r.label_zh
    return labels


def _value(e: Evaluation, name: str, is_rate: bool) -> Any:
    if is_rate:
        r = e.rates.get(name)
        return None if r is None else round(float(r), 4)
    return e.counts.get(name)


def _pct(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Fraction):
        value = float(value)
    return f"{value * 100:.1f}%"


def _delta_map(changes: Sequence[Change]) -> dict[Any, Change]:
    return {c.key: c for c in changes}


def _generated(report: MonthlyReport) -> str:
    """The generation time in the jurisdiction's zone (an official report has no UTC)."""
    local = report.generated_at.astimezone(ZoneInfo(report.tz))
    return f"{local:%Y-%m-%d %H:%M}"


def _names(report: MonthlyReport) -> AlertNames:
    return report.names or AlertNames({}, {}, {})


def _rule(report: MonthlyReport) -> str:
    return f"少于 {report.config.min_cases} 件不参与排名"


def _case_list(report: MonthlyReport, case_ids: Sequence[int], limit: int = 50) -> str:
    names = _names(report)
    numbers = [names.case(i) for i in case_ids[:limit]]
    shown = "、".join(n for n in numbers if n)
    more = len(case_ids) - limit
    return shown + (f" 等 {len(case_ids)} 件" if more > 0 else "")


# ---------------------------------------------------------------------------------- xlsx


def write_xlsx(report: MonthlyReport, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    ws.append([f"数字城管综合评价月报 {report.period.label}"])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append(["生成时间", _generated(report)])
    ws.append(["评价标准", report.config.title_zh])
    ws.append(["排名规则", _rule(report)])
    ws.append(["上报数", report.totals.get("reported", 0)])
    ws.append(["立案数", report.totals.get("filed", 0)])
    ws.append([])
    ws.append(["公众诉求 (热线 / 网络上报)"])
    for key, label in CITIZEN_LABELS.items():
        v = report.citizen.get(key)
        if key.endswith("rate"):
            # a number the spreadsheet can compute with, shown as a percentage
            ws.append([label, None if v is None else round(float(v), 4)])
            ws.cell(ws.max_row, 2).number_format = "0.0%"
        else:
            ws.append([label, v])
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 22

    for kind in ObjectKind:
        _section_sheet(wb, report, kind)
    _lists_sheet(wb, report)
    _alerts_sheet(wb, report)
    # The report has no formulas: a name that starts with "=" (an object named by a user)
    # is text, not something for the spreadsheet to run.
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)  # never leave a half-written workbook under the real name


def _section_sheet(wb: Workbook, report: MonthlyReport, kind: ObjectKind) -> None:
    ws = wb.create_sheet(SECTION_TITLES[kind][:31])
    labels = _labels(report, kind)
    cols = COLUMNS[kind]
    header = ["排名", "对象", *(labels.get(n, n) for n, _ in cols), "综合得分", "等级", "环比"]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    deltas = _delta_map(report.changes.get(kind, []))
    evals = report.sections[kind]
    rank_of = ranks(evals, report.config.min_cases)
    for e in evals:
        ch = deltas.get(e.key)
        delta = None if ch is None or ch.delta is None else round(float(ch.delta), 2)
        row = [
            rank_of.get(e.key),
            e.name,
            *(_value(e, n, r) for n, r in cols),
            e.score_float,
            e.grade,
            delta,
        ]
        ws.append(row)
        r = ws.max_row
        for j, (_n, is_rate) in enumerate(cols, start=3):
            if is_rate:
                ws.cell(r, j).number_format = "0.0%"
        if e.grade:
            ws.cell(r, len(header) - 1).fill = PatternFill("solid", fgColor=GRADE_FILL[e.grade])
    for j in range(1, len(header) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 12 if j > 2 else 18
    ws.freeze_panes = "C2"
    scored = [e for e in evals if e.score is not None]
    if scored and kind is not ObjectKind.GRID:
        chart = BarChart()
        chart.type = "bar"
        chart.title = f"{SECTION_TITLES[kind]} 综合得分"
        chart.y_axis.title = "得分"
        n = min(len(scored), 30)
        score_col = len(header) - 2
        chart.add_data(
            Reference(ws, min_col=score_col, min_row=1, max_row=n + 1), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=n + 1))
        chart.height = max(7.5, n * 0.5)
        chart.width = 16
        ws.add_chart(chart, f"{get_column_letter(len(header) + 2)}2")
    if scored and kind in (ObjectKind.GRID, ObjectKind.DEPARTMENT):
        # grade distribution
        dist = Counter(e.grade for e in scored)
        start = ws.max_row + 3
        ws.cell(start, 1, "等级")
        ws.cell(start, 2, "数量")
        for k, g in enumerate("ABCDE", start=1):
            ws.cell(start + k, 1, g)
            ws.cell(start + k, 2, dist.get(g, 0))
        pie = PieChart()
        pie.title = f"{SECTION_TITLES[kind]} 等级分布"
        pie.add_data(
            Reference(ws, min_col=2, min_row=start, max_row=start + 5), titles_from_data=True
        )
        pie.set_categories(Reference(ws, min_col=1, min_row=start + 1, max_row=start + 5))
        ws.add_chart(
            pie, f"{get_column_letter(len(header) + 2)}{20 if kind is ObjectKind.DEPARTMENT else 2}"
        )


def _lists_sheet(wb: Workbook, report: MonthlyReport) -> None:
    ws = wb.create_sheet("红黑榜")
    ws.append([f"各占参与排名对象的三分之一（至多 5 个），{_rule(report)}，不足 3 个不设黑榜"])
    ws.append(["对象类型", "榜单", "名次", "对象", "综合得分", "等级"])
    for kind in ObjectKind:
        lists = report.lists(kind, 5)
        for title, items in (("红榜", lists.red), ("黑榜", lists.black)):
            for i, e in enumerate(items, start=1):
                ws.append([kind.label_zh, title, i, e.name, e.score_float, e.grade])


def _alerts_sheet(wb: Workbook, report: MonthlyReport) -> None:
    names = _names(report)
    ws = wb.create_sheet("预警")
    ws.append(["类型", "网格 / 类别", "日期", "案件数", "平时日均", "程度", "案件编号"])
    for s in report.alerts.surges:
        ws.append(
            [
                "突增",
                names.series(s.series),
                s.day.isoformat(),
                s.count,
                round(s.baseline, 2),
                SURGE_LEVEL_ZH[surge_level(s.p_value)],
                "",
            ]
        )
    for r in report.alerts.recurring:
        ws.append(
            [
                "重复高发",
                f"{names.grid(r.grid_code)} · {names.category(r.category_code)}",
                f"{r.first_day} 至 {r.last_day}",
                len(r.case_ids),
                None,
                f"{(r.last_day - r.first_day).days + 1} 日内 {len(r.case_ids)} 件",
                _case_list(report, r.case_ids),
            ]
        )
    ws.append([])
    ws.append(["热点 (网格 · 类别)", "案件数"])
    for key, n in report.alerts.hot_spots:
        label = (
            f"{names.grid(str(key[0]))} · {names.category(str(key[1]))}"
            if isinstance(key, tuple)
            else str(key)
        )
        ws.append([label, n])
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["G"].width = 60


# ---------------------------------------------------------------------------------- html


CSS = """
@page { size: A4; margin: 16mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif;
       font-size: 10pt; color: #222; margin: 0 auto; max-width: 1100px; }
h1 { font-size: 18pt; margin: 0 0 4pt; } h2 { font-size: 13pt; border-bottom: 2px solid #345;
     padding-bottom: 2pt; margin-top: 18pt; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0; page-break-inside: auto; }
tr { page-break-inside: avoid; } thead { display: table-header-group; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: right; }
th { background: #eef2f6; text-align: center; } td.name { text-align: left; }
.g-A { background: #c6efce; } .g-B { background: #bdd7ee; } .g-C { background: #ffeb9c; }
.g-D { background: #f8cbad; } .g-E { background: #808080; color: #fff; }
.meta { color: #555; } section { page-break-before: auto; }
.up { color: #1a7f37; } .down { color: #c62828; }
svg text { font-size: 9px; }
"""


def _svg_bars(items: Sequence[tuple[str, float]], width: int = 640) -> str:
    if not items:
        return ""
    bar_h, gap, label_w = 14, 4, 150
    height = len(items) * (bar_h + gap) + 10
    parts = [
        f'<svg width="{width}" height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + i * (bar_h + gap)
        w = max(0.0, min(value, 100.0)) / 100 * (width - label_w - 50)
        color = (
            "#2e7d32"
            if value >= 90
            else "#1565c0"
            if value >= 75
            else "#f9a825"
            if value >= 60
            else "#c62828"
            if value >= 40
            else "#424242"
        )
        parts.append(
            f'<text x="{label_w - 4}" y="{y + bar_h - 3}" text-anchor="end">'
            f"{escape(label[:20])}</text>"
        )
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>'
        )
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}">{value:.1f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _html_table(report: MonthlyReport, kind: ObjectKind, limit: int | None = None) -> str:
    labels = _labels(report, kind)
    cols = COLUMNS[kind]
    deltas = _delta_map(report.changes.get(kind, []))
    head = "".join(f"<th>{escape(labels.get(n, n))}</th>" for n, _ in cols)
    rows = []
    evals = report.sections[kind]
    rank_of = ranks(evals, report.config.min_cases)
    shown = evals if limit is None else evals[:limit]
    for e in shown:
        cells = []
        for n, is_rate in cols:
            v = _value(e, n, is_rate)
            cells.append(f"<td>{_pct(v) if is_rate else v}</td>")
        ch = deltas.get(e.key)
        delta = ""
        if ch is not None and ch.delta is not None:
            d = float(ch.delta)
            delta = f'<span class="{"up" if d >= 0 else "down"}">{d:+.1f}</span>'
        score = "—" if e.score_float is None else f"{e.score_float:.2f}"
        grade = e.grade or "—"
        rank = rank_of.get(e.key, "—")
        rows.append(
            f'<tr><td>{rank}</td><td class="name">{escape(e.name)}</td>{"".join(cells)}'
            f'<td>{score}</td><td class="g-{grade}">{grade}</td><td>{delta}</td></tr>'
        )
    more = (
        ""
        if limit is None or len(evals) <= limit
        else f'<p class="meta">（仅列前 {limit} 名，共 {len(evals)} 个，完整名单见工作簿）</p>'
    )
    return (
        f"<table><thead><tr><th>排名</th><th>对象</th>{head}<th>综合得分</th><th>等级</th>"
        f"<th>环比</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
    )


def render_html(report: MonthlyReport) -> str:
    p = report.period
    out = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>综合评价月报 {escape(p.label)}</title><style>{CSS}</style></head><body>",
        f"<h1>数字城管综合评价月报 · {escape(p.label)}</h1>",
        f"<p class='meta'>生成于 {_generated(report)} · "
        f"评价标准：{escape(report.config.title_zh)}（{_rule(report)}）· "
        f"上报 {report.totals.get('reported', 0)} 件，立案 {report.totals.get('filed', 0)} 件</p>",
        "<h2>公众诉求</h2><table><tr>",
    ]
    out.append("".join(f"<th>{escape(v)}</th>" for v in CITIZEN_LABELS.values()))
    out.append("</tr><tr>")
    for key in CITIZEN_LABELS:
        v = report.citizen.get(key)
        out.append(f"<td>{_pct(v) if key.endswith('rate') else v}</td>")
    out.append("</tr></table>")
    for kind in ObjectKind:
        evals = report.sections[kind]
        out.append(f"<section><h2>{SECTION_TITLES[kind]}</h2>")
        scored = [(e.name, float(e.score)) for e in evals if e.score is not None]
        if kind is not ObjectKind.GRID:
            out.append(_svg_bars(scored[:25]))
        else:
            dist = Counter(e.grade for e in evals if e.grade)
            out.append(
                "<p>等级分布：" + "，".join(f"{g} {dist.get(g, 0)}" for g in "ABCDE") + "</p>"
            )
        out.append(_html_table(report, kind, limit=30 if kind is ObjectKind.GRID else None))
        lists = report.lists(kind, 3)
        if lists.red or lists.black:
            out.append(
                "<p>红榜："
                + "、".join(escape(e.name) for e in lists.red)
                + "；黑榜："
                + "、".join(escape(e.name) for e in lists.black)
                + "</p>"
            )
        out.append("</section>")
    out.append("<h2>预警</h2>")
    names = _names(report)
    if report.alerts.surges:
        out.append(
            "<table><thead><tr><th>网格 / 类别</th><th>日期</th><th>案件数</th>"
            "<th>平时日均</th><th>程度</th></tr></thead><tbody>"
        )
        for s in report.alerts.surges[:50]:
            out.append(
                f"<tr><td class='name'>{escape(names.series(s.series))}</td><td>{s.day}</td>"
                f"<td>{s.count}</td><td>{s.baseline:.1f}</td>"
                f"<td>{SURGE_LEVEL_ZH[surge_level(s.p_value)]}</td></tr>"
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>本月无突增。</p>")
    out.append(
        "<p>重复高发（同一网格同一类别 7 日内 3 次及以上）："
        f"{len(report.alerts.recurring)} 处。</p>"
    )
    if report.alerts.recurring:
        out.append("<ul>")
        for r in report.alerts.recurring[:30]:
            out.append(
                f"<li>{escape(names.grid(r.grid_code))} · {escape(names.category(r.category_code))}"
                f"：{r.first_day} 至 {r.last_day} 共 {len(r.case_ids)} 件"
                f"（{escape(_case_list(report, r.case_ids, 10))}）</li>"
            )
        out.append("</ul>")
    out.append(
        "<p class='meta'>突增判定：某日案件数不少于 3 件，且按前 28 日的日均数量，"
        "出现这么多的机会不到千分之一（显著）；不到百万分之一为极显著。</p>"
    )
    out.append("</body></html>")
    return "".join(out)


def write_html(report: MonthlyReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(render_html(report), encoding="utf-8")
    tmp.replace(path)
