"""我的任务 on the phone page is live: a 核实 task sent to the inspector appears without a
reload (the same event stream as the work lists; issue 15, item 4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from web_harness import PHONE, ApiUser, DemoFacts, LiveServer, demo_facts

pytestmark = pytest.mark.browser


def test_a_new_task_appears_on_the_phone_without_a_reload(
    login: Callable[..., Any],
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    grid = demo_facts(server.database_url, "inspector3")
    page = login("inspector3", landing="/m", **PHONE)
    errors = page.js_errors
    tasks = page.get_by_test_id("my-tasks")
    page.get_by_role("heading", name="我的任务").wait_for()
    page.wait_for_function("() => !document.body.innerText.includes('正在加载')")
    page.wait_for_timeout(500)  # the list of the first load is shown
    assert "市民来电：人行道砖松动" not in tasks.inner_text()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    # A hotline report in the inspector's grid, accepted: a 核实 task for them.
    intake = ApiUser(server.url, "intake")
    hotline = intake.post(
        "/api/v1/cases",
        {
            "source": "hotline",
            "lon": grid.inspector_lon,
            "lat": grid.inspector_lat,
            "description": "市民来电：人行道砖松动",
        },
    )
    task = intake.act(hotline, "accept_report")
    intake.close()
    assert task["status"] == "pending_verify"

    tasks.get_by_role("link", name=task["number"]).wait_for(timeout=20_000)
    assert "待核实" in tasks.inner_text()
    assert navigations == []  # no reload: the live feed brought it
    screenshot(page, "phone-live-task-arrived")
    assert errors == []
