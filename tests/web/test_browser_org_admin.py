"""管理 in a real Chromium as the demo admin: one 管理 menu entry leads to the hub, whose
links reach every section; the department tree is built, edited and pruned, and each
refusal (a cycle, sub-units, users) is shown in Chinese with nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from web_harness import DemoFacts, LiveServer, log_in

pytestmark = pytest.mark.browser


def _wait_text(page: Any, testid: str, text: str) -> None:
    """Wait until the element with ``data-testid`` shows ``text`` (function form: the CSP
    forbids eval)."""
    page.wait_for_function(
        "([id, text]) => document.querySelector(`[data-testid=${id}]`)?.textContent.includes(text)",
        arg=[testid, text],
    )


def _row(page: Any, code: str) -> Any:
    return page.locator(f"tr[data-code='{code}']")


def test_hub_and_department_tree(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    base = server.url
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, base, "admin", "/dashboard")

    # one 管理 entry; no separate admin entries in the menu
    nav = page.get_by_role("navigation")
    assert not nav.locator("a[href^='/admin/']").count()
    nav.get_by_role("link", name="管理", exact=True).click()
    page.wait_for_url(f"{base}/admin")
    hub = page.get_by_test_id("admin-hub")
    hrefs = hub.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert set(hrefs) >= {
        "/admin/users",
        "/admin/departments",
        "/admin/grids",
        "/admin/jurisdiction",
        "/admin/audit",
        "/admin/catalog",
        "/admin/routing",
        "/admin/worktime",
    }
    for label in ("分类与立案条件", "派遣规则", "时限与工作日历"):
        assert hub.get_by_role("link", name=label).count() == 1
    screenshot(page, "admin-hub")

    hub.get_by_role("link", name="部门与街道办事处").click()
    page.wait_for_url(f"{base}/admin/departments")
    page.get_by_test_id("dept-table").wait_for()

    # a top unit and a team under it, the team a street office
    def create(code: str, name: str, parent: str | None, street: bool) -> None:
        page.get_by_test_id("dept-new").click()
        form = page.get_by_test_id("dept-create")
        form.get_by_label("编码").fill(code)
        form.get_by_label("名称").fill(name)
        if parent:
            form.get_by_label("上级部门").select_option(label=parent)
        if street:
            form.get_by_label("对应街道").select_option(index=1)
        form.get_by_role("button", name="创建").click()
        _wait_text(page, "dept-notice", name)

    create("BTP", "浏览器测试处", None, False)
    create("BTT", "浏览器测试所", "浏览器测试处 (BTP)", True)
    team = _row(page, "BTT")
    assert team.get_attribute("data-depth") == "1"
    assert "街道办事处" in team.inner_text()

    # a cycle: the unit under its own team — refused, in Chinese, nothing moved
    _row(page, "BTP").get_by_role("button", name="修改").click()
    edit = page.get_by_test_id("dept-edit")
    edit.get_by_label("上级部门").select_option(label="浏览器测试所 (BTT)")
    edit.get_by_role("button", name="保存").click()
    _wait_text(page, "dept-error", "是它自己或它的下级")
    edit.get_by_role("button", name="取消").click()
    assert _row(page, "BTP").get_attribute("data-depth") == "0"

    # rename the team and clear its street
    _row(page, "BTT").get_by_role("button", name="修改").click()
    edit = page.get_by_test_id("dept-edit")
    edit.get_by_label("名称").fill("浏览器测试二所")
    edit.get_by_label("对应街道").select_option(value="")
    edit.get_by_role("button", name="保存").click()
    _wait_text(page, "dept-notice", "浏览器测试二所")
    page.get_by_test_id("dept-edit").wait_for(state="detached")
    assert "街道办事处" not in _row(page, "BTT").inner_text()
    assert _row(page, "BTT").get_attribute("data-depth") == "1"  # still under its unit

    # delete the unit with a team under it: refused
    _row(page, "BTP").get_by_role("button", name="删除").click()
    _wait_text(page, "dept-error", "1 个下级单位")
    # a department with users: refused, saying how many
    with_users = page.locator("tr[data-code]").filter(
        has=page.locator("td[data-col='users']:not(:text-is('0'))")
    )
    assert with_users.count() > 0
    n = with_users.first.locator("td[data-col='users']").inner_text()
    with_users.first.get_by_role("button", name="删除").click()
    _wait_text(page, "dept-error", f"还有 {n} 名人员")

    # disable, then delete team and unit
    _row(page, "BTT").get_by_role("button", name="停用").click()
    _wait_text(page, "dept-notice", "浏览器测试二所")
    expect(_row(page, "BTT")).to_contain_text("已停用")
    _row(page, "BTT").get_by_role("button", name="删除").click()
    _wait_text(page, "dept-notice", "已删除")
    _row(page, "BTP").get_by_role("button", name="删除").click()
    page.wait_for_function("() => !document.querySelector(`tr[data-code='BTP']`)")
    screenshot(page, "admin-departments")
    assert not errors, errors
    context.close()
