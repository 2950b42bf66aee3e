"""派遣规则 (/admin/routing) in a real Chromium as the demo admin: a refused rule (no area
chosen) says why, a grid rule is created, the tester shows it winning, deactivating it
makes it lose, editing and filtering work, and it is deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_browser_a11y import UNNAMED
from web_harness import DESK_TALL, DemoFacts, LiveServer, open_as, wait_text

pytestmark = pytest.mark.browser


def _chosen(page: Any, selector: str) -> str:
    return page.locator(selector).evaluate("(s) => s.value")


def test_admin_manages_routing_rules_and_tries_them(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    base = server.url
    page = open_as(browser, base, "admin", "/dashboard", **DESK_TALL, accept_dialogs=True)
    errors = page.js_errors
    page.goto(f"{base}/admin/routing")
    page.get_by_role("heading", name="派遣规则").wait_for()
    page.get_by_test_id("rules-table").wait_for()
    rows_before = page.locator("tr[data-rule]").count()

    page.get_by_test_id("rule-new").click()
    form = page.get_by_test_id("rule-form")
    form.locator("#r-category").select_option(index=1)
    form.get_by_label("区域层级").select_option("grid")
    form.get_by_label("处置部门").select_option(index=1)
    form.get_by_label("优先级").fill("7")
    form.get_by_label("备注").fill("浏览器规则")
    assert page.evaluate(UNNAMED) == []
    form.get_by_role("button", name="创建").click()
    wait_text(page, "routing-error", "请选择区域")  # the server's refusal, in Chinese
    assert page.locator("tr[data-rule]").count() == rows_before
    form.get_by_label("街道").select_option(index=1)
    form.get_by_label("社区").select_option(index=1)
    form.get_by_label("网格").select_option(index=1)
    category = _chosen(page, "#r-category")
    grid = _chosen(page, "#r-grid")
    department = form.get_by_label("处置部门").locator("option:checked").inner_text()
    form.get_by_role("button", name="创建").click()
    wait_text(page, "routing-notice", "已创建派遣规则")
    row = page.locator("tr[data-rule]", has_text="浏览器规则")
    row.wait_for()
    rule_id = row.get_attribute("data-rule")
    assert department in row.inner_text() and "网格" in row.inner_text()
    screenshot(page, "admin-routing-created")

    # the tester: this rule wins for its category in its grid
    trial = page.get_by_test_id("routing-trial")
    trial.locator("#t-category").select_option(category)
    trial.get_by_label("街道").select_option(index=1)
    trial.get_by_label("社区").select_option(index=1)
    trial.get_by_label("网格").select_option(grid)
    trial.get_by_role("button", name="试算").click()
    wait_text(page, "trial-result", f"按派遣规则 {rule_id}")
    assert department in page.get_by_test_id("trial-result").inner_text()
    screenshot(page, "admin-routing-trial")

    # deactivated, it no longer wins
    row.get_by_role("button", name="停用").click()
    wait_text(page, "routing-notice", f"已停用派遣规则 {rule_id}")
    assert "停用" in row.locator("td").nth(5).inner_text()
    trial.get_by_role("button", name="试算").click()
    page.wait_for_function(
        "(id) => { const el = document.querySelector('[data-testid=trial-result]');"
        " return !!el && !el.textContent.includes(`规则 ${id}`); }",
        arg=rule_id,
    )

    # edit: priority 9, active again
    row.get_by_role("button", name="修改").click()
    edit = page.get_by_test_id("rule-form")
    edit.get_by_label("优先级").fill("9")
    edit.get_by_label("启用").check()
    edit.get_by_role("button", name="保存").click()
    wait_text(page, "routing-notice", f"已保存派遣规则 {rule_id}")
    assert row.locator("td").nth(4).inner_text() == "9"
    assert row.locator("td").nth(5).inner_text() == "启用"

    # filters
    page.locator("#rf-active").select_option("false")
    page.locator(f"tr[data-rule='{rule_id}']").wait_for(state="detached")
    page.locator("#rf-active").select_option("")
    page.locator("#rf-text").fill("浏览器规则")
    assert page.locator("tr[data-rule]").count() == 1

    # English
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Routing rules").wait_for()
    page.get_by_role("button", name="中文").click()

    row.get_by_role("button", name="删除").click()
    wait_text(page, "routing-notice", f"已删除派遣规则 {rule_id}")
    page.locator(f"tr[data-rule='{rule_id}']").wait_for(state="detached")
    screenshot(page, "admin-routing-deleted")
    page.context.close()
    assert errors == []
