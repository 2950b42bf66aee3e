"""The 综合评价 page's data in words and numbers: drill-downs and alerts give case numbers,
the table exports to xlsx with numeric percentages, and the monthly report is in local time,
without internal names, raw p-values or case ids — over real cases."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from urbangrid.auth.service import issue_token, principal_for
from urbangrid.cases import service
from urbangrid.cases.models import Case
from urbangrid.db import session_factory
from urbangrid.evaluation.adapter import sync_facts
from urbangrid.evaluation.engine import Period
from urbangrid.evaluation.report import render_html, write_xlsx
from urbangrid.evaluation.service import monthly_report

from .test_adapter import T0, act, make

API = "/api/v1/evaluation"
OCT = Period.month("2026-10")
N_CASES = 6


class Town:
    headers: dict[str, str]
    numbers: dict[int, str]
    department: int


@pytest.fixture
def town(engine: Engine, client: TestClient) -> tuple[TestClient, Town]:
    """Six inspector reports of one category in one grid on one day, each handled and closed
    (a recurring problem and a surge), with their facts synced."""
    t = Town()
    with session_factory(engine)() as s:
        w = make(s)
        s.commit()
        for _ in range(N_CASES):
            new = service.NewCase(
                source="inspector", lon=120.0005, lat=30.0005, category_id=w.cat.id
            )
            c = service.create_case(s, principal_for(w.users["inspector"]), new, now=T0)
            for who, action in (
                ("intake", "accept_report"),
                ("lead", "file"),
                ("dispatcher", "dispatch"),
                ("hw", "department_accept"),
                ("hw", "feedback"),
                ("inspector", "check_pass"),
                ("lead", "close"),
            ):
                act(s, w, c, who, action)
        s.commit()
        t.numbers = {c.id: c.number for c in s.query(Case)}
        t.department = w.hw.id
        t.headers = {"Authorization": f"Bearer {issue_token(s, w.users['leader']).token}"}
        s.commit()
    assert sync_facts(engine) == N_CASES
    return client, t


def test_drill_down_gives_case_numbers(town: tuple[TestClient, Town]) -> None:
    client, t = town
    r = client.get(
        f"{API}/departments/{t.department}/cases",
        params={"month": "2026-10", "count": "dispatched"},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert len(items) == N_CASES
    assert {i["id"]: i["number"] for i in items} == t.numbers
    assert all(i["number"] and "#" not in i["number"] for i in items)


def test_alerts_are_named_in_words_with_case_numbers(town: tuple[TestClient, Town]) -> None:
    client, t = town
    body = client.get(f"{API}/alerts", params={"month": "2026-10"}, headers=t.headers).json()
    (rec,) = body["recurring"]
    assert rec["category_name"] == "暴露垃圾" and rec["count"] == N_CASES
    assert sorted(c["number"] for c in rec["cases"]) == sorted(t.numbers.values())
    assert body["surges"], "six reports in a quiet grid on one day are a surge"
    for s in body["surges"]:
        assert "暴露垃圾" in s["series_name"]
        assert s["level_zh"] in ("异常升高（显著）", "异常升高（极显著）")
        assert s["level"] in ("significant", "very_significant")
    (spot,) = body["hot_spots"]
    assert spot["category_name"] == "暴露垃圾" and spot["count"] == N_CASES


def _sheet_rows(ws: Any) -> list[tuple[Any, ...]]:
    return [tuple(c for c in row) for row in ws.iter_rows()]


def test_export_of_the_table_has_numbers_and_percentages(
    town: tuple[TestClient, Town],
) -> None:
    client, t = town
    r = client.get(f"{API}/export/departments", params={"month": "2026-10"}, headers=t.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["部门排名", "不参与排名"]
    ws = wb["部门排名"]
    rows = _sheet_rows(ws)
    assert rows[0][0].value == "综合评价 · 部门 · 2026-10"
    assert rows[1][0].value == "少于 5 件不参与排名"
    header = [c.value for c in rows[2]]
    (hw,) = [row for row in rows[3:] if row[2].value == str(t.department)]
    assert hw[header.index("排名")].value == 1
    assert hw[header.index("案件量")].value == N_CASES
    rate = hw[header.index("按期处置率")]
    assert isinstance(rate.value, int | float) and 0 <= rate.value <= 1
    assert rate.number_format == "0.0%"
    score = hw[header.index("综合得分")]
    assert isinstance(score.value, int | float) and score.number_format == "0.00"
    # the other department has no cases: listed apart, without a rank
    others = _sheet_rows(wb["不参与排名"])
    assert [row[1].value for row in others[3:]] == ["市政所"]
    assert others[3][0].value is None
    # a search narrows the export like the page's table
    r = client.get(
        f"{API}/export/departments", params={"month": "2026-10", "q": "市政"}, headers=t.headers
    )
    wb = load_workbook(io.BytesIO(r.content))
    assert wb["部门排名"].max_row == 3 and wb["不参与排名"].max_row == 4


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/export/planets", {"month": "2026-10"}, 422),
        ("/export/departments", {"month": "2026-13"}, 422),
    ],
)
def test_bad_export_requests_are_problems(
    town: tuple[TestClient, Town], path: str, params: dict[str, str], status: int
) -> None:
    client, t = town
    r = client.get(API + path, params=params, headers=t.headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_monthly_report_is_local_time_in_words_with_numeric_rates(
    town: tuple[TestClient, Town], engine: Engine, tmp_path: Path
) -> None:
    _client, t = town
    now = datetime(2026, 11, 1, 17, 30, tzinfo=UTC)  # 2 November 01:30 in Shanghai
    with engine.connect() as conn:
        rep = monthly_report(conn, OCT, now=now, tz="Asia/Shanghai")
    path = tmp_path / "oct.xlsx"
    write_xlsx(rep, path)
    wb = load_workbook(path)
    summary = {row[0].value: row[1] for row in wb["概况"].iter_rows(min_row=2) if row[0].value}
    assert summary["生成时间"].value == "2026-11-02 01:30"
    assert "STANDARDS" not in str(summary["评价标准"].value)
    assert summary["排名规则"].value == "少于 5 件不参与排名"
    everything = " ".join(
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value
    )
    assert "UTC" not in everything and "STANDARDS" not in everything
    for label in ("答复率", "满意率"):
        assert summary[label].number_format == "0.0%"
    (hw,) = [r for r in wb["专业部门评价"].iter_rows(min_row=2) if r[1].value == "环卫所"]
    assert hw[0].value == 1  # ranked: six cases
    closing = hw[-6]  # 结案率
    assert isinstance(closing.value, int | float) and closing.number_format == "0.0%"
    alerts = [[c.value for c in row] for row in wb["预警"].iter_rows()]
    assert "P 值" not in alerts[0] and "程度" in alerts[0]
    flat = " ".join(str(v) for row in alerts for v in row if v is not None)
    assert "异常升高" in flat and "暴露垃圾" in flat
    for number in t.numbers.values():
        assert number in flat
    assert not re.search(r"\b\d{1,3}(,\d{1,3}){2,}\b", flat), "case ids in the report"
    html = render_html(rep)
    assert "UTC" not in html and "STANDARDS" not in html and "P 值" not in html
    assert "2026-11-02 01:30" in html and "异常升高" in html
    assert all(number in html for number in t.numbers.values())
