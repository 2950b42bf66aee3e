"""Notifications in real Chromium, two users at once: the centre dispatches and the
department handler's menu count rises with an alert, without a reload; muted, the count
still rises but no alert plays; the SLA watcher's turn to yellow lands in the handler's bell
(issue 15, item 4). Its own demo server: the watcher run here moves many demo cases."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from web_harness import (
    ApiUser,
    LiveServer,
    condition_id,
    demo_facts,
    log_in,
    make_database,
    start_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def notify_server(
    tmp_path_factory: pytest.TempPathFactory, frontend_built: Path
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("notify")
    server = start_server(make_database(data_dir / "demo.db", demo=True), data_dir)
    yield server
    server.stop()


DESKTOP_STAND_IN = """
window.__desktop = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__desktop.push([title, options && options.body]); }
};
"""


def alerts(page: Any) -> int:
    return int(page.evaluate("() => document.documentElement.dataset.alerts || '0'"))


def unread(page: Any, queue: str) -> int:
    badge = page.get_by_test_id(f"unread-{queue}")
    return int(badge.locator("[aria-hidden=true]").inner_text()) if badge.count() else 0


def wait_unread(page: Any, queue: str, n: int) -> None:
    count = page.get_by_test_id(f"unread-{queue}").locator("[aria-hidden=true]")
    count.filter(has_text=re.compile(rf"^{n}$")).wait_for(timeout=20_000)


def filed_case(server: LiveServer, description: str) -> dict[str, Any]:
    """An inspector's 供水井盖 report in its grid, taken in and filed: waits for 派遣."""
    grid = demo_facts(server.database_url, "inspector1")
    inspector = ApiUser(server.url, "inspector1")
    case = inspector.post(
        "/api/v1/cases",
        {
            "source": "inspector",
            "lon": grid.inspector_lon,
            "lat": grid.inspector_lat,
            "description": description,
            "filing_condition_id": condition_id(inspector),
        },
    )
    inspector.close()
    intake = ApiUser(server.url, "intake")
    case = intake.act(case, "accept_report")
    intake.close()
    lead = ApiUser(server.url, "shiftlead")
    case = lead.act(case, "file")
    lead.close()
    assert case["status"] == "pending_dispatch", case["status"]
    return case


def run_sla_watcher(database_url: str, case_id: int) -> None:
    """One round of the SLA watcher, at the moment the case's warning time has come."""
    from urbangrid.cases.models import Case
    from urbangrid.cases.service import sla_scan
    from urbangrid.db import make_engine, session_factory, writer_session

    engine = make_engine(database_url)
    factory = session_factory(engine)
    with writer_session(factory) as session:
        case = session.get(Case, case_id)
        assert case is not None and case.warn_at is not None
        assert sla_scan(session, now=case.warn_at + timedelta(seconds=1)) >= 1
        session.commit()
    engine.dispose()


def test_dispatch_reaches_the_handler_live_with_and_without_sound(
    browser: Any, notify_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    server = notify_server
    first = filed_case(server, "通知测试：供水井盖破损一")
    second = filed_case(server, "通知测试：供水井盖破损二")
    contexts: list[Any] = []
    try:
        handler_ctx = browser.new_context(viewport={"width": 1366, "height": 900})
        lead_ctx = browser.new_context(viewport={"width": 1366, "height": 900})
        contexts += [handler_ctx, lead_ctx]
        # The handler allowed desktop notifications: a stand-in records each one shown.
        handler_ctx.add_init_script(DESKTOP_STAND_IN)
        handler = handler_ctx.new_page()
        lead = lead_ctx.new_page()
        errors: list[str] = []
        for page in (handler, lead):
            page.on("pageerror", lambda exc: errors.append(str(exc)))

        # The handler opens its to-do list (seen: no count), then goes to case search.
        log_in(handler, server.url, "h_gs", "/work/department")
        handler.get_by_role("link", name="案件查询").click()
        handler.wait_for_url(f"{server.url}/cases")
        handler.locator("header[data-notices=ready]").wait_for()
        assert unread(handler, "department") == 0 and alerts(handler) == 0
        navigations: list[str] = []
        handler.on("framenavigated", lambda frame: navigations.append(frame.url))

        # ---- The centre (派遣员: the role that dispatches) follows the routing suggestion.
        log_in(lead, server.url, "dispatcher", "/work/dispatch")
        row = lead.locator(f'tr[data-case="{first["number"]}"]')
        row.get_by_role("button", name=re.compile("派往")).click()
        row.wait_for(state="detached")

        wait_unread(handler, "department", 1)
        handler.wait_for_function("() => document.documentElement.dataset.alerts === '1'")
        shown = handler.evaluate("() => window.__desktop")
        assert len(shown) == 1 and shown[0][0] == "数字化城管：新任务", shown
        screenshot(handler, "notify-1-handler-count-and-alert")

        # ---- Muted: the next dispatch still counts, but no alert plays.
        handler.get_by_test_id("mute-toggle").click()
        assert handler.get_by_test_id("mute-toggle").get_attribute("aria-pressed") == "true"
        row = lead.locator(f'tr[data-case="{second["number"]}"]')
        row.get_by_role("button", name=re.compile("派往")).click()
        row.wait_for(state="detached")
        wait_unread(handler, "department", 2)
        handler.wait_for_timeout(1500)  # time for an alert that must not come
        assert alerts(handler) == 1
        assert len(handler.evaluate("() => window.__desktop")) == 1
        assert navigations == []  # no reload: the live feed brought both
        # Muting is remembered for this user across a reload.
        handler.reload()
        handler.locator("header[data-notices=ready]").wait_for()
        assert handler.get_by_test_id("mute-toggle").get_attribute("aria-pressed") == "true"
        assert unread(handler, "department") == 2  # the count is the server's

        # ---- The SLA watcher turns the first case yellow: a 预警 in the handler's bell.
        bell_before = handler.get_by_test_id("bell-count")
        before = int(bell_before.inner_text()) if bell_before.count() else 0
        run_sla_watcher(server.database_url, first["id"])
        handler.wait_for_function(
            "(n) => Number(document.querySelector('[data-testid=bell-count]')?.textContent"
            " || 0) > n",
            arg=before,
            timeout=20_000,
        )
        handler.get_by_test_id("bell").click()
        item = handler.get_by_test_id("bell-list").locator(
            "li[data-kind=pre_overdue]", has_text=first["number"]
        )
        item.wait_for()
        assert "即将超时" in item.inner_text() and "预警" in item.inner_text()
        screenshot(handler, "notify-2-bell-pre-overdue")
        item.get_by_role("button", name="标为已读").click()
        item.get_by_role("button", name="标为已读").wait_for(state="detached")
        handler.get_by_role("button", name="全部标为已读").click()
        handler.get_by_test_id("bell-count").wait_for(state="detached")

        # ---- Opening the list marks it seen: its count goes back to none.
        handler.get_by_role("link", name="部门待办").click()
        handler.wait_for_url(f"{server.url}/work/department")
        handler.get_by_test_id("unread-department").wait_for(state="detached")
        assert alerts(handler) == 0  # muted since the reload: the 预警 played nothing
        assert errors == []
    finally:
        for ctx in contexts:
            ctx.close()


def test_the_phone_counts_a_new_task_from_the_same_stream(
    browser: Any, notify_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    """我的任务 and its count of new tasks both come live from the one event stream."""
    server = notify_server
    grid = demo_facts(server.database_url, "inspector1")
    ctx = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    try:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, server.url, "inspector1", "/m")
        page.locator("header[data-notices=ready]").wait_for()
        # Opening the page marked the tasks seen: no count.
        page.wait_for_function("() => !document.body.innerText.includes('正在加载')")
        assert page.get_by_test_id("new-tasks").count() == 0
        intake = ApiUser(server.url, "intake")
        case = intake.post(
            "/api/v1/cases",
            {
                "source": "hotline",
                "lon": grid.inspector_lon,
                "lat": grid.inspector_lat,
                "description": "通知测试：来电反映路灯不亮",
            },
        )
        task = intake.act(case, "accept_report")
        intake.close()
        assert task["status"] == "pending_verify"
        page.get_by_test_id("my-tasks").get_by_role("link", name=task["number"]).wait_for(
            timeout=20_000
        )
        page.get_by_test_id("new-tasks").filter(has_text="1 件新任务").wait_for(timeout=20_000)
        screenshot(page, "notify-3-phone-new-task")
        # Tapping the count marks the tasks seen.
        page.get_by_test_id("new-tasks").click()
        page.get_by_test_id("new-tasks").wait_for(state="detached")
        assert errors == []
    finally:
        ctx.close()
