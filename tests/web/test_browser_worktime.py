"""时限与工作日历 (/admin/worktime) in a real Chromium as the demo admin: units shown in
words, a save with bad fields shows each error on its field and stores nothing, a good save
is stored (then put back, the demo database is shared by the session)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_browser_a11y import UNNAMED
from web_harness import DESK_TALL, DemoFacts, LiveServer, open_as

pytestmark = pytest.mark.browser

GET_SETTINGS = """async () => {
  const r = await fetch('/api/v1/cases/settings', {credentials: 'same-origin'});
  return await r.json();
}"""


def _settings(page: Any) -> dict[str, Any]:
    return page.evaluate(GET_SETTINGS)


def test_admin_edits_time_limits_and_calendar(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    base = server.url
    page = open_as(browser, base, "admin", "/dashboard", **DESK_TALL)
    errors = page.js_errors
    page.goto(f"{base}/admin/worktime")
    page.get_by_role("heading", name="时限与工作日历").wait_for()
    page.get_by_test_id("worktime-form").wait_for()
    before = _settings(page)
    limits = page.get_by_test_id("stage-limits")
    assert "urgent" not in limits.inner_text() and "_" not in limits.inner_text()
    unit = page.get_by_label("派遣时限单位")
    checked = unit.locator("option:checked").inner_text()
    assert checked in {"工作时", "紧急工作时", "小时（紧急，昼夜连续）", "工作日"}
    assert page.evaluate(UNNAMED) == []

    # bad fields: each error beside its control, nothing stored
    page.get_by_label("派遣时限", exact=True).fill("0")
    page.get_by_label("黄灯阈值").fill("1.5")
    page.get_by_label("第 1 时段结束").fill("07:00")
    page.get_by_label("编号规则").fill("N{seq}")
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("worktime-error").wait_for()
    assert "4 处设置不正确" in page.get_by_test_id("worktime-error").inner_text()
    assert "正数" in page.get_by_test_id("err-workflow.stage_limits.dispatch").inner_text()
    assert "黄灯阈值" in page.get_by_test_id("err-workflow.yellow_ratio").inner_text()
    page.get_by_test_id("err-worktime.office_hours.0").wait_for()
    assert "year" in page.get_by_test_id("err-case_number_pattern").inner_text()
    screenshot(page, "admin-worktime-errors")
    assert _settings(page) == before

    # in English the units are words too
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Time limits and calendar").wait_for()
    assert "_" not in page.get_by_test_id("stage-limits").inner_text()
    page.get_by_role("button", name="中文").click()

    # a good save: dispatch 2 working days, a 班 day, then put everything back
    page.goto(f"{base}/admin/worktime")
    page.get_by_test_id("worktime-form").wait_for()
    page.get_by_label("派遣时限", exact=True).fill("2")
    page.get_by_label("派遣时限单位").select_option("work_day")
    page.get_by_label("日期").fill("2027-02-06")
    page.get_by_label("休/班").select_option("work")
    page.get_by_role("button", name="添加日期").click()
    page.locator("tr[data-day='2027-02-06']").wait_for()
    # the month calendar: 2027-10-09 (a Saturday) clicked twice is a 班 day
    calendar = page.get_by_test_id("month-calendar")
    calendar.get_by_label("月份").fill("2027-10")
    calendar.get_by_role("button", name="2027-10-09 按日历").click()
    calendar.get_by_role("button", name="2027-10-09 休").click()
    calendar.get_by_role("button", name="2027-10-09 班").wait_for()
    assert "班" in page.locator("tr[data-day='2027-10-09']").inner_text()
    assert page.evaluate(UNNAMED) == []
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("worktime-notice").wait_for()
    screenshot(page, "admin-worktime-saved")
    saved = _settings(page)
    assert saved["workflow"]["stage_limits"]["dispatch"] == {"value": "2", "unit": "work_day"}
    assert saved["worktime"]["calendar_overrides"]["2027-02-06"] == "work"
    assert saved["worktime"]["calendar_overrides"]["2027-10-09"] == "work"
    old = before["workflow"]["stage_limits"]["dispatch"]
    page.get_by_label("派遣时限", exact=True).fill(old["value"])
    page.get_by_label("派遣时限单位").select_option(old["unit"])
    page.get_by_role("button", name="删除 2027-02-06").click()
    page.get_by_role("button", name="删除 2027-10-09").click()
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("worktime-notice").wait_for()
    after = _settings(page)
    assert after["workflow"]["stage_limits"] == before["workflow"]["stage_limits"]
    assert after["worktime"]["calendar_overrides"] == before["worktime"]["calendar_overrides"]
    page.context.close()
    assert errors == []
