"""Task assignment in real Chromium: a hotline report accepted in the grid of an inspector
on leave waits in the shift lead's 待派发核实核查 list; the shift lead 派发s it to another
inspector, whose 我的任务 then shows it. Its own demo server: the on-leave flag set here
must not reach the other browser tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_harness import ApiUser, LiveServer, demo_facts, log_in, make_database, start_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pool_server(
    tmp_path_factory: pytest.TempPathFactory, frontend_built: Path
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("pool")
    server = start_server(make_database(data_dir / "demo.db", demo=True), data_dir)
    yield server
    server.stop()


def test_shift_lead_assigns_a_pooled_task(
    browser: Any, pool_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    server = pool_server
    grid = demo_facts(server.database_url, "inspector3")
    lead = ApiUser(server.url, "shiftlead")
    inspectors = {u["username"]: u for u in lead.get("/api/v1/org/inspectors")}
    intake = ApiUser(server.url, "intake")
    case = intake.post(
        "/api/v1/cases",
        {
            "source": "hotline",
            "lon": grid.inspector_lon,
            "lat": grid.inspector_lat,
            "description": "12345 来电：人行道占道经营",
        },
    )
    task = intake.act(case, "accept_report")
    assert task["status"] == "pending_verify"
    intake.close()
    # inspector3 patrols the grid: the task is theirs, the pool is empty.
    pooled = lead.get("/api/v1/web/worklists/pool")
    assert task["number"] not in [r["number"] for r in pooled["items"]]

    contexts: list[Any] = []
    try:
        ctx = browser.new_context(viewport={"width": 1366, "height": 900})
        contexts.append(ctx)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, server.url, "shiftlead", "/work/intake")
        page.get_by_role("link", name="待派发核实核查").first.click()
        page.wait_for_url(f"{server.url}/work/pool")
        # 请假 from the list's panel of inspectors: inspector3's grids' tasks come to the pool.
        away_item = page.locator(f'li[data-inspector="{inspectors["inspector3"]["id"]}"]')
        away_item.get_by_role("button", name="设为请假").click()
        away_item.get_by_role("button", name="销假").wait_for()
        row = page.locator(f'tr[data-case="{task["number"]}"]')
        row.wait_for()
        screenshot(page, "task-pool-1-shift-lead-pool")
        row.get_by_role("button", name="派发").click()
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        choice = dialog.get_by_label("派发给监督员")
        # Options come from /org/inspectors: wait for them, then check inspector3 is not
        # selectable while on leave.
        away = choice.locator(f'option[value="{inspectors["inspector3"]["id"]}"]')
        away.wait_for(state="attached")
        assert away.is_disabled() and "请假" in away.inner_text()
        choice.select_option(value=str(inspectors["inspector2"]["id"]))
        screenshot(page, "task-pool-2-assign-dialog")
        dialog.get_by_role("button", name="确定").click()
        page.get_by_role("status").filter(has_text=task["number"]).wait_for()
        row.wait_for(state="detached")
        assert errors == []

        # The case page names the inspector who has the task now, and the 派发 step.
        page.goto(f"{server.url}/cases/{task['id']}")
        page.get_by_test_id("task-holder").filter(has_text="周监督").wait_for()
        timeline = page.get_by_test_id("timeline")
        assert "派发" in timeline.inner_text() and "周监督" in timeline.inner_text()
        screenshot(page, "task-pool-3-case-page")

        # The inspector's 我的任务 (phone page) shows the task.
        phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
        contexts.append(phone)
        insp = phone.new_page()
        log_in(insp, server.url, "inspector2", "/m")
        mine = insp.get_by_test_id("my-tasks")
        mine.get_by_role("link", name=task["number"]).wait_for()
        assert "待核实" in mine.inner_text()
        screenshot(insp, "task-pool-4-inspector-my-tasks")
    finally:
        for c in contexts:
            c.close()
        lead.close()
    # And through the API: the pool is empty again.
    with httpx.Client(base_url=server.url) as anon:
        assert anon.get("/api/v1/web/worklists/pool").status_code == 401
    lead = ApiUser(server.url, "shiftlead")
    assert task["number"] not in [
        r["number"] for r in lead.get("/api/v1/web/worklists/pool")["items"]
    ]
    lead.close()
