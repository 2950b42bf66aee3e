"""The login page in a real headless Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from web_harness import LiveServer

pytestmark = pytest.mark.browser


def test_login_page_renders_in_chinese_and_switches_to_english(
    browser: Any, live_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login")
    page.get_by_label("用户名").wait_for()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("button", name="登录").is_visible()
    screenshot(page, "login-zh")
    # Wrong credentials: a clear message, still on the login page.
    page.get_by_label("用户名").fill("nobody")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text() == "用户名或密码错误"
    assert page.url.endswith("/login")
    page.get_by_role("button", name="English").click()
    assert page.get_by_label("Username").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "login-en")
    assert errors == []
    page.close()
