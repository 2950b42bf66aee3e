"""案件查询 and the dashboard in a real Chromium at 1366 × 768, by the roles that use them:
the dispatcher searches by street name and overdue state, sorts, reloads the linked list and
exports it to xlsx (read back with openpyxl: the list's rows); a leader picks a period on the
dashboard and opens a card's case list, whose total is the card's number."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from test_browser_a11y import CONTRAST, UNNAMED
from web_harness import ApiUser, LiveServer, make_database, open_as, start_server

pytestmark = pytest.mark.browser

SCREEN: dict[str, Any] = {"viewport": {"width": 1366, "height": 768}}


@pytest.fixture(scope="module")
def search_server(
    tmp_path_factory: pytest.TempPathFactory, frontend_built: Path
) -> Iterator[LiveServer]:
    """The demo district with 400 synthetic cases of the last 30 days (a third closed; the
    closed ones keep a stored red or yellow level, as real closed cases do)."""
    data_dir = tmp_path_factory.mktemp("search")
    url = make_database(data_dir / "search.db", demo=True, synthetic_cases=400)
    server = start_server(url, data_dir)
    yield server
    server.stop()


def total_shown(page: Any) -> int:
    text = page.locator("#list-title").inner_text()
    match = re.search(r"共 (\d+) 件", text)
    assert match, text
    return int(match.group(1))


def wait_list(page: Any) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[aria-busy=true]') && "
        "(document.querySelector('[data-testid=worklist]') || "
        "document.querySelector('.card.muted'))"
    )


def wait_total(page: Any, n: int) -> None:
    page.wait_for_function(
        "(n) => (document.querySelector('#list-title')?.textContent || '').includes(`共 ${n} 件`)",
        arg=n,
    )


def test_dispatcher_searches_sorts_links_and_exports(
    browser: Any, search_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    api = ApiUser(search_server.url, "dispatcher")
    streets = api.get("/api/v1/org/streets")
    street = streets[0]["name"]
    by_street = api.get("/api/v1/web/worklists/all", q=street, page_size=500)
    assert 0 < by_street["total"] < 400
    overdue_open = api.get("/api/v1/web/worklists/all", overdue="open", q=street, page_size=500)
    red_stored = api.get("/api/v1/web/worklists/all", warning_level="red", q=street)
    # The stored level counts closed cases too; the one definition does not.
    assert overdue_open["total"] < red_stored["total"]
    dash = api.get("/api/v1/web/dashboard")["numbers"]
    everything_overdue = api.get("/api/v1/web/worklists/all", overdue="open")["total"]
    assert everything_overdue == dash["overdue"]

    page = open_as(browser, search_server.url, "dispatcher", "/work/dispatch", **SCREEN)
    page.goto(f"{search_server.url}/cases")
    wait_list(page)
    assert total_shown(page) == 400
    # The filter bar fits the 1366 px screen: nothing scrolls sideways.
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, "
        "document.querySelector('[data-testid=filter-bar]').scrollWidth, "
        "document.querySelector('[data-testid=filter-bar]').clientWidth]"
    )
    assert widths[0] <= 1366 and widths[1] <= widths[2], widths
    screenshot(page, "case-search-1366")
    # Every control named; the flags (回退, 返工, 超时结案) readable on their colour.
    assert page.evaluate(UNNAMED) == []
    low = [(c, r) for c, r in page.evaluate(CONTRAST) if r < 4.5]
    assert not low, low

    # A street's name as the search words.
    page.get_by_label("搜索").fill(street)
    page.get_by_role("button", name="查询").click()
    wait_total(page, by_street["total"])
    # 超时未结 narrows it to the open overdue cases (closed ones are not "overdue").
    page.locator("#f-overdue").select_option("open")
    wait_total(page, overdue_open["total"])
    # Sort by number, descending (two clicks on the heading).
    page.get_by_role("button", name=re.compile("^案件编号")).click()
    page.wait_for_url(re.compile(r"sort=number"))
    page.get_by_role("button", name=re.compile("^案件编号")).click()
    page.wait_for_url(re.compile(r"sort=-number"))
    listed = api.get(
        "/api/v1/web/worklists/all", q=street, overdue="open", sort="-number", page_size=500
    )
    want = [i["number"] for i in listed["items"]]
    assert want == sorted(want, reverse=True)
    page.wait_for_function(
        "(n) => document.querySelector('[data-testid=worklist] tbody tr')?.dataset.case === n",
        arg=want[0],
    )
    assert page.locator("th[aria-sort=descending]").count() == 1
    numbers = page.locator("[data-testid=worklist] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.case)"
    )
    assert numbers == want[:30]
    # The list is in the URL: a reload (or a link) gives the same list and filters.
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == [street] and query["overdue"] == ["open"]
    page.reload()
    wait_total(page, overdue_open["total"])
    assert page.locator("#f-overdue").input_value() == "open"
    assert page.get_by_label("搜索").input_value() == street
    screenshot(page, "case-search-filtered-1366")

    # Export: the file holds the filtered list's rows, in its order.
    with page.expect_download() as info:
        page.get_by_role("button", name="导出 Excel").click()
    path = info.value.path()
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=export]')?.textContent || '')"
        ".includes('已导出')"
    )
    wb = load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "案件编号" and rows[0][1] == "状态"
    exported = [r[0] for r in rows[1:]]
    assert exported == want
    assert all(r[rows[0].index("超时情况")] == "超时未结" for r in rows[1:])
    assert info.value.suggested_filename.endswith(".xlsx")
    assert not page.js_errors, page.js_errors
    api.close()
    page.context.close()


def test_leader_opens_a_dashboard_card_as_a_case_list(
    browser: Any, search_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    page = open_as(browser, search_server.url, "leader", "/map", **SCREEN)
    page.goto(f"{search_server.url}/dashboard")
    page.wait_for_selector("[data-testid=kpis]")
    # Today is not over: the trend says so.
    assert page.get_by_test_id("partial-note").is_visible()
    page.get_by_role("button", name="本月").click()
    page.wait_for_url(re.compile(r"period=month"))
    page.wait_for_function(
        "() => [...document.querySelectorAll('.kpi .label')]"
        ".some(e => e.textContent.includes('本月上报'))"
    )
    screenshot(page, "dashboard-month-1366")
    month_reported = int(page.locator("a.kpi", has_text="本月上报").locator(".value").inner_text())
    overdue = int(page.locator("a.kpi", has_text="超时案件").locator(".value").inner_text())
    assert overdue > 0
    # 超时案件 → the open overdue cases, as many as the card says.
    page.locator("a.kpi", has_text="超时案件").click()
    page.wait_for_url(re.compile(r"/cases\?overdue=open"))
    wait_total(page, overdue)
    assert page.locator("#f-overdue").input_value() == "open"
    screenshot(page, "dashboard-card-overdue-list-1366")
    # Back, and the month's reports: the list with the month's dates.
    page.go_back()
    page.wait_for_selector("[data-testid=kpis]")
    page.locator("a.kpi", has_text="本月上报").click()
    page.wait_for_url(re.compile(r"/cases\?reported_from="))
    wait_total(page, month_reported)
    assert not page.js_errors, page.js_errors
    page.context.close()


def test_shift_lead_approves_a_suspension_from_the_list(
    browser: Any, search_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    api = ApiUser(search_server.url, "shiftlead")
    waiting = api.get("/api/v1/web/worklists/all", status="suspension_pending", sort="number")
    assert waiting["total"] > 0
    first = waiting["items"][0]
    page = open_as(browser, search_server.url, "shiftlead", "/work/intake", **SCREEN)
    page.goto(f"{search_server.url}/cases?status=suspension_pending&sort=number")
    wait_total(page, waiting["total"])
    row = page.locator(f"tr[data-case='{first['number']}']")
    row.get_by_role("button", name="批准挂账").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("#dlg-comment").fill("同意挂账")
    screenshot(page, "case-search-approve-suspension-1366")
    dialog.locator("button[type=submit]").click()
    # The case engine's own action: the case is suspended (挂账), one fewer waits.
    for _ in range(50):
        if api.get(f"/api/v1/cases/{first['id']}")["status"] == "suspended":
            break
        page.wait_for_timeout(100)
    assert api.get(f"/api/v1/cases/{first['id']}")["status"] == "suspended"
    wait_total(page, waiting["total"] - 1)
    assert not page.js_errors, page.js_errors
    api.close()
    page.context.close()
