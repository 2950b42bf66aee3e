"""统计分析 page in a real Chromium at 1366 × 768: a leader picks a custom period on the demo
database, crosses categories with sources, reads the totals the API gives, opens the
cases behind a number, sees the chart and the recurring problems, and exports the table."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from test_browser_a11y import UNNAMED
from web_harness import ApiUser, LiveServer, log_in, make_demo_with_cases, start_server

pytestmark = pytest.mark.browser
DESK_1366 = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def stats_server(
    tmp_path_factory: pytest.TempPathFactory, frontend_built: Path
) -> Iterator[LiveServer]:
    """The demo database with its 30 days of cases, facts synced."""
    data_dir = tmp_path_factory.mktemp("stats")
    server = start_server(make_demo_with_cases(data_dir / "demo.db"), data_dir)
    yield server
    server.stop()


def test_leader_crosses_categories_with_sources_and_opens_the_cases(
    browser: Any, stats_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    last = date.today()
    first = last - timedelta(days=40)
    params = {"from": first.isoformat(), "to": last.isoformat(), "rows": "category"}
    api = ApiUser(stats_server.url, "leader")
    whole = api.get("/api/v1/stats/table", **params)
    crossed = api.get("/api/v1/stats/table", **params, cols="source")
    api.close()
    total = whole["total"]["total"]["reported"]
    assert total > 50, "the demo's 30 days should have cases"

    page = browser.new_page(viewport=DESK_1366)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, stats_server.url, "leader", "/stats", via_next=True)
    nav_link = page.get_by_role("link", name="统计分析")
    assert nav_link.get_attribute("aria-current") == "page"
    # The leader's header is one row at 1366 px.
    tops = page.locator("header.topbar nav li").evaluate_all(
        "items => items.map(li => Math.round(li.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1, tops

    page.get_by_label("统计时段").select_option("custom")
    page.get_by_label("开始日期").fill(first.isoformat())
    with page.expect_response(
        lambda r: "/api/v1/stats/table" in r.url and f"to={last.isoformat()}" in r.url
    ):
        page.get_by_label("结束日期").fill(last.isoformat())
    table = page.get_by_test_id("stats-table")
    table.wait_for()
    total_row = table.locator("tr.total")
    expect(total_row.locator("td").first).to_have_text(str(total))
    expect(table.locator("tbody tr")).to_have_count(len(whole["rows"]) + 1)
    chart = page.get_by_test_id("stats-chart")
    expect(chart.locator("rect")).to_have_count(min(len(whole["rows"]), 12))

    # Columns by source: one column per source, the grand total unchanged.
    page.get_by_label("列").select_option("source")
    header = table.locator("thead th")
    expect(header).to_have_count(len(crossed["columns"]) + 4)
    expect(total_row.locator("td").nth(len(crossed["columns"]))).to_have_text(str(total))
    expect(table.locator("thead")).to_contain_text("监督员上报")

    # Every number opens its cases: the first row's first non-empty cell.
    row = crossed["rows"][0]
    index, cell = next((i, c) for i, c in enumerate(row["cells"]) if c["reported"])
    table.locator("tbody tr").first.locator("td").nth(index).get_by_role("button").click()
    drill = page.get_by_test_id("stats-drill")
    expect(drill.get_by_role("heading")).to_contain_text(f"({cell['reported']})")
    links = drill.locator("tbody a")
    expect(links).to_have_count(min(cell["reported"], 50))
    href = links.first.get_attribute("href")
    assert href is not None and re.fullmatch(r"/cases/\d+", href)
    assert re.fullmatch(r"\d{4}-.+", links.first.inner_text())  # a case number, not an id
    search = drill.get_by_test_id("stats-search-link").get_attribute("href") or ""
    assert search.startswith("/cases?") and f"from={first.isoformat()}" in search
    assert "category_id=" in search and "source=" in search
    screenshot(page, "stats-leader-1366")

    # Recurring problems: a list, each count opens its cases.
    recurring = page.get_by_test_id("stats-recurring")
    if recurring.count():
        count = recurring.locator("tbody tr").first.get_by_role("button")
        n = int(count.inner_text())
        count.click()
        expect(page.get_by_test_id("stats-drill").get_by_role("heading")).to_contain_text(f"({n})")

    # Export: the xlsx of the table as shown.
    with page.expect_download() as download:
        page.get_by_test_id("stats-export").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert [ws.title for ws in book.worksheets] == ["汇总", "交叉表"]
    last_row = list(book.worksheets[1].iter_rows(values_only=True))[-1]
    assert last_row[0] == "合计" and last_row[-1] == total

    # Median hours: the figure picker changes the cells' figure.
    page.get_by_label("指标").select_option("median_close_s")
    median = whole["total"]["total"]["median_close_s"]
    want = "—" if median is None else f"{median / 3600:.1f}"
    expect(total_row.locator("td").nth(len(crossed["columns"]))).to_have_text(want)
    assert page.evaluate(UNNAMED) == []
    assert errors == []
    page.close()


def test_admin_reaches_statistics_from_the_hub_and_bad_period_is_explained(
    browser: Any, stats_server: LiveServer
) -> None:
    page = browser.new_page(viewport=DESK_1366)
    log_in(page, stats_server.url, "admin", "/admin", via_next=True)
    nav = page.locator("header.topbar nav")
    assert nav.get_by_role("link", name="统计分析").count() == 0  # the admin's header is full
    page.get_by_test_id("admin-hub").get_by_role("link", name="统计分析").click()
    page.wait_for_url(re.compile(r"/stats$"))
    page.get_by_test_id("stats-table").or_(page.get_by_test_id("stats-empty")).wait_for()
    page.get_by_label("统计时段").select_option("custom")
    page.get_by_label("开始日期").fill("2026-10-10")
    page.get_by_label("结束日期").fill("2026-10-01")
    error = page.get_by_test_id("stats-error")
    expect(error).to_contain_text("早于开始日期")
    page.close()


def test_shift_lead_opens_statistics_from_the_evaluation_page(
    browser: Any, stats_server: LiveServer
) -> None:
    page = browser.new_page(viewport=DESK_1366)
    log_in(page, stats_server.url, "shiftlead", "/evaluation", via_next=True)
    # Not in the 值班长's header (full at 1366 px): a link on 综合评价.
    assert page.locator("header.topbar nav").get_by_role("link", name="统计分析").count() == 0
    page.get_by_test_id("eval-to-stats").click()
    page.wait_for_url(re.compile(r"/stats$"))
    page.get_by_test_id("stats-table").or_(page.get_by_test_id("stats-empty")).wait_for()
    page.close()
