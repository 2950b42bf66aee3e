"""The inspector's phone page on a 375 × 812 screen, in real Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from web_harness import PHONE, ApiUser, DemoFacts, LiveServer, demo_facts, tiny_png

pytestmark = pytest.mark.browser


def test_inspector_phone_page_at_375_by_812(
    login: Callable[..., Any],
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    grid = demo_facts(server.database_url, "inspector2")
    # A hotline report in inspector2's grid, accepted: it now waits for 核实 by them.
    intake = ApiUser(server.url, "intake")
    hotline = intake.post(
        "/api/v1/cases",
        {
            "source": "hotline",
            "lon": grid.inspector_lon,
            "lat": grid.inspector_lat,
            "description": "市民来电：路边有井盖缺失",
            "reporter_name": "王先生",
        },
    )
    task = intake.act(hotline, "accept_report")
    assert task["status"] == "pending_verify"
    intake.close()

    page = login("inspector2", landing="/m", **PHONE)
    errors = page.js_errors

    # Own tasks: the verification task with its clock.
    tasks = page.get_by_test_id("my-tasks")
    tasks.get_by_role("link", name=task["number"]).wait_for()
    assert "待核实" in tasks.inner_text()
    assert "剩余" in tasks.inner_text()

    # Every control is labelled, and nothing is wider than the phone.
    for label in ("现场照片", "问题类别", "问题描述", "地址或参照物（选填）"):
        assert page.get_by_label(label).is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"
    screenshot(page, "phone-1-inspector-page")

    # Report: photo, a tap on the map, a category found by name.
    page.get_by_label("现场照片").set_input_files(
        {"name": "p.png", "mimeType": "image/png", "buffer": tiny_png()}
    )
    pick = page.get_by_test_id("pick-map")
    pick.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('[data-testid=pick-map] canvas') !== null")
    page.wait_for_timeout(500)
    box = pick.bounding_box()
    assert box is not None and box["width"] <= 375
    pick.tap(position={"x": box["width"] / 2, "y": box["height"] / 2})
    page.get_by_text("(地图点选)").wait_for()
    page.get_by_role("combobox", name="问题类别").fill("污水井")
    page.get_by_role("option", name=re.compile("^污水井盖 01002")).click()
    page.get_by_label("问题描述").fill("污水井盖松动")
    page.get_by_role("button", name="上报", exact=True).click()
    result = page.get_by_test_id("report-result")
    result.wait_for()
    assert re.search(r"已上报，案件编号 \S+", result.inner_text()), result.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "phone-2-report-sent")

    # 核实 on the phone: open the task, confirm the problem exists.
    tasks.get_by_role("link", name=task["number"]).click()
    page.get_by_role("button", name="核实").click()
    dialog = page.get_by_role("dialog")
    assert dialog.get_by_role("radio", name="属实", exact=True).is_checked()
    dialog.get_by_role("button", name="确定").click()
    page.get_by_test_id("case-status").filter(has_text="待立案").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "phone-3-case-verified")
    assert errors == []
