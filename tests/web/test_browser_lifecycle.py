"""A case walked through its whole life in real Chromium, one role after the other:
inspector reports with a photo → intake accepts → shift lead files → dispatcher dispatches
(routing suggestion) → department accepts and feeds back with an after-photo → inspector
checks → shift lead closes. Each screen's content is asserted on the way."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from web_harness import DemoFacts, LiveServer, tiny_png

pytestmark = [pytest.mark.browser, pytest.mark.slow]

Shot = Callable[[Any, str], Path]


def row(page: Any, number: str) -> Any:
    return page.locator(f'tr[data-case="{number}"]')


def test_case_lifecycle_through_every_role(
    login: Callable[..., Any], demo_server: tuple[LiveServer, DemoFacts], screenshot: Shot
) -> None:
    server, facts = demo_server
    photo = {"name": "before.png", "mimeType": "image/png", "buffer": tiny_png()}

    # ---- 监督员 reports from the phone page, positioned by the browser's geolocation.
    insp = login(
        "inspector1",
        landing="/m",
        geolocation={"longitude": facts.inspector_lon, "latitude": facts.inspector_lat},
        permissions=["geolocation"],
    )
    insp.get_by_label("现场照片").set_input_files(photo)
    insp.get_by_alt_text("现场照片预览").wait_for()
    insp.get_by_role("button", name="使用当前定位").click()
    insp.get_by_text("定位精度约").wait_for()
    insp.get_by_role("combobox", name="问题类别").fill("gsjg")  # pinyin initials of 供水井盖
    insp.get_by_role("option", name=re.compile("^供水井盖 01001 · 部件")).click()
    condition = insp.get_by_label("立案条件")
    value = condition.locator("option", has_text="井盖破损").get_attribute("value")
    condition.select_option(value=value)
    insp.get_by_label("问题描述").fill("人行道供水井盖破损，有行人踩空风险")
    insp.get_by_role("button", name="上报", exact=True).click()
    result = insp.get_by_test_id("report-result")
    result.wait_for()
    match = re.search(r"案件编号 (\S+)", result.inner_text())
    assert match, result.inner_text()
    number = match.group(1)
    screenshot(insp, "lifecycle-1-inspector-report")

    # ---- 受理员: the report waits in the intake queue with a running clock.
    intake = login("intake", landing="/work/intake")
    r = row(intake, number)
    r.wait_for()
    assert "待受理" in r.inner_text()
    assert r.locator("[data-light]").get_attribute("data-light") in ("green", "yellow")
    assert "剩余" in r.locator("[data-light]").inner_text()
    screenshot(intake, "lifecycle-2-intake-queue")
    r.get_by_role("button", name="受理").click()
    intake.get_by_role("status").filter(has_text=f"已受理：{number}").wait_for()
    r.wait_for(state="detached")

    # ---- 值班长 files it (the inspector chose the filing condition).
    lead = login("shiftlead", landing="/work/intake")
    lead.get_by_role("link", name="立案").click()
    r = row(lead, number)
    r.wait_for()
    assert "供水井盖" in r.inner_text()
    screenshot(lead, "lifecycle-3-filing-queue")
    r.get_by_role("button", name="立案").click()
    r.wait_for(state="detached")

    # ---- 派遣员: one click follows the routing suggestion.
    disp = login("dispatcher", landing="/work/dispatch")
    r = row(disp, number)
    suggested = r.get_by_role("button", name=re.compile("派往"))
    suggested.wait_for()
    assert "示范区供水公司" in suggested.inner_text()
    screenshot(disp, "lifecycle-4-dispatch-queue")
    suggested.click()
    r.wait_for(state="detached")

    # ---- 专业部门: accept, then feed back with the after-photo on the case page.
    dept = login("h_gs", landing="/work/department")
    r = row(dept, number)
    r.wait_for()
    assert "待签收" in r.inner_text()
    r.get_by_role("button", name="签收").click()
    dept.get_by_role("status").filter(has_text=f"已签收：{number}").wait_for()
    assert "处置中" in row(dept, number).inner_text()
    screenshot(dept, "lifecycle-5-department-todo")
    row(dept, number).get_by_role("link", name="查看").click()
    dept.get_by_test_id("case-status").filter(has_text="处置中").wait_for()
    assert "更换或修复" in dept.get_by_test_id("closing-condition").inner_text()
    dept.get_by_role("button", name="处置反馈").click()
    dialog = dept.get_by_role("dialog")
    dialog.get_by_label("处置后照片").set_input_files(
        {"name": "after.png", "mimeType": "image/png", "buffer": tiny_png(rgb=(20, 160, 60))}
    )
    dialog.get_by_label("意见").fill("已更换新井盖")
    dialog.get_by_role("button", name="确定").click()
    dept.get_by_test_id("case-status").filter(has_text="待核查").wait_for()
    expect(dept.get_by_test_id("after-photos").locator("img")).to_have_count(1)
    screenshot(dept, "lifecycle-6-case-after-feedback")

    # ---- 监督员 sees the check among their own tasks and passes it.
    insp.reload()
    task = insp.get_by_test_id("my-tasks").get_by_role("link", name=number)
    task.wait_for()
    assert "待核查" in insp.get_by_test_id("my-tasks").inner_text()
    task.click()
    insp.get_by_role("button", name="核查通过").click()
    insp.get_by_role("dialog").get_by_role("button", name="确定").click()
    insp.get_by_test_id("case-status").filter(has_text="待结案").wait_for()

    # ---- 值班长 closes it from the approvals list.
    lead.get_by_role("link", name="审批").click()
    r = row(lead, number)
    r.wait_for()
    assert "待结案" in r.inner_text()
    r.get_by_role("button", name="结案").click()
    r.wait_for(state="detached")
    lead.goto(insp.url)  # the case page
    lead.get_by_test_id("case-status").filter(has_text="已结案").wait_for()
    steps = (
        lead.get_by_test_id("timeline")
        .locator("li")
        .evaluate_all("els => els.map(e => e.dataset.action)")
    )
    assert steps == [
        "report",
        "accept_report",
        "file",
        "dispatch",
        "department_accept",
        "feedback",
        "check_pass",
        "close",
    ]
    timeline = lead.get_by_test_id("timeline").inner_text()
    for who in ("孙监督", "李受理", "赵值班", "钱派遣"):
        assert who in timeline
    assert "示范区供水公司" in timeline
    screenshot(lead, "lifecycle-7-case-closed")

    # ---- 领导's dashboard counts the closed case.
    leader = login("leader", landing="/map")
    leader.goto(f"{server.url}/dashboard")
    kpis = leader.get_by_test_id("kpis")
    kpis.wait_for()
    closed_today = kpis.locator(".kpi").filter(has_text="今日结案").locator(".value")
    assert int(closed_today.inner_text()) >= 1
    leader.wait_for_timeout(500)  # let the charts draw for the screenshot
    screenshot(leader, "lifecycle-8-dashboard")

    for page in (insp, intake, lead, disp, dept, leader):
        assert page.js_errors == [], page.js_errors
