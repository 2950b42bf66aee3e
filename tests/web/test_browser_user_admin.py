"""用户管理 and 修改密码 in a real Chromium: the admin creates a user and resets its
password; the user logs in with it and changes its own password from the header."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_browser_a11y import UNNAMED
from web_harness import DemoFacts, LiveServer, open_as, wait_text

pytestmark = pytest.mark.browser


def _login_as(page: Any, base: str, username: str, password: str, landing: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}{landing}")


def test_admin_creates_a_user_resets_its_password_and_the_user_changes_it(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    base = server.url
    page = open_as(browser, base, "admin", "/dashboard")
    errors = page.js_errors
    # one 管理 entry in the menu; the hub links to 用户管理
    page.get_by_role("navigation").get_by_role("link", name="管理", exact=True).click()
    page.wait_for_url(f"{base}/admin")
    page.get_by_role("main").get_by_role("link", name="用户管理").click()
    page.wait_for_url(f"{base}/admin/users")
    page.get_by_test_id("users-table").wait_for()

    # create a leader
    page.get_by_test_id("users-new").click()
    page.get_by_label("用户名").fill("browser_leader")
    page.get_by_label("姓名").fill("浏览器领导")
    page.get_by_label("初始密码").fill("weakweak")
    page.get_by_test_id("user-roles").get_by_label("领导").check()
    page.get_by_role("button", name="创建").click()
    # a weak password: the server's rule, in Chinese
    wait_text(page, "users-error", "密码太弱")
    page.get_by_label("初始密码").fill("Start#2026")
    page.get_by_role("button", name="创建").click()
    row = page.locator("tr[data-username=browser_leader]")
    row.wait_for()
    assert "领导" in row.inner_text() and "启用" in row.inner_text()
    screenshot(page, "user-admin-created")
    page.get_by_test_id("users-new").click()  # the form open again: every control named
    assert page.evaluate(UNNAMED) == []
    page.get_by_test_id("users-new").click()

    # give it a second role
    row.get_by_role("button", name="角色设置").click()
    form = row.get_by_test_id("roles-form")
    form.get_by_label("派遣员").check()
    assert page.evaluate(UNNAMED) == []
    screenshot(page, "user-admin-roles")
    form.get_by_role("button", name="确定").click()
    wait_text(page, "users-notice", "已保存 browser_leader 的角色")
    assert "派遣员" in row.inner_text() and "领导" in row.inner_text()

    # reset its password
    row.get_by_role("button", name="重置密码").click()
    row.get_by_label("新密码").fill("Reset#2026")
    row.get_by_role("button", name="确定").click()
    wait_text(page, "users-notice", "browser_leader")
    screenshot(page, "user-admin-reset")
    # in English, the server's refusal too
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Users").wait_for()
    own = page.locator("tr[data-username=admin]")
    own.get_by_role("button", name="Disable").click()
    wait_text(page, "users-error", "last active administrator")
    assert "Active" in own.inner_text()
    screenshot(page, "user-admin-last-admin-en")
    page.get_by_role("button", name="中文").click()
    page.context.close()

    # the user logs in with the reset password and changes it
    user = browser.new_context(viewport={"width": 1366, "height": 900})
    page = user.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login_as(page, base, "browser_leader", "Reset#2026", "/map")
    page.get_by_test_id("change-password").click()
    page.wait_for_url(f"{base}/password")
    page.get_by_label("当前密码").fill("Wrong#2026")
    page.get_by_label("新密码", exact=True).fill("Mine#20261")
    page.get_by_label("再次输入新密码").fill("Mine#20261")
    page.get_by_role("button", name="修改密码").click()
    wait_text(page, "password-error", "当前密码不正确")
    page.get_by_label("当前密码").fill("Reset#2026")
    page.get_by_role("button", name="修改密码").click()
    page.get_by_test_id("password-done").wait_for()
    assert page.evaluate(UNNAMED) == []
    screenshot(page, "password-changed")
    # this session stays; the new password is the one that logs in
    page.goto(f"{base}/map")
    page.wait_for_url(f"{base}/map")
    user.close()
    fresh = browser.new_context()
    page = fresh.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill("browser_leader")
    page.get_by_label("密码").fill("Reset#2026")
    page.get_by_role("button", name="登录").click()
    page.get_by_role("alert").wait_for()
    _login_as(page, base, "browser_leader", "Mine#20261", "/map")
    fresh.close()
    assert errors == []
