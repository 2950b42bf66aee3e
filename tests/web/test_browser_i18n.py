"""Issue 15 (6): messages in the user's language and only the actions the role may take,
in real Chromium in Chinese: the 受理员 sees no 立案 menu or button; a refused action reads
in Chinese (not the server's English detail); a department's 回退 ends on its work list with
a confirmation instead of an error page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from web_harness import ApiUser, DemoFacts, LiveServer, condition_id, demo_facts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

Shot = Callable[[Any, str], Path]
CJK = re.compile(r"[\u4e00-\u9fff]")


def new_case(server: LiveServer, until: str) -> dict[str, Any]:
    """A 12345 report (供水井盖) walked by the API until its status is ``until``."""
    spot = demo_facts(server.database_url, "inspector1")
    intake = ApiUser(server.url, "intake")
    case: dict[str, Any] = intake.post(
        "/api/v1/cases",
        {
            "source": "hotline",
            "lon": spot.inspector_lon,
            "lat": spot.inspector_lat,
            "description": "语言测试：井盖破损",
            "filing_condition_id": condition_id(intake),
        },
    )
    steps: dict[str, tuple[str, str, dict[str, Any]]] = {
        "pending_intake": ("intake", "accept_report", {}),
        "pending_verify": ("inspector1", "verify", {"confirmed": True}),
        "pending_filing": ("shiftlead", "file", {}),
        "pending_dispatch": ("dispatcher", "dispatch", {}),
    }
    users = {"intake": intake}
    while case["status"] != until:
        who, action, data = steps[case["status"]]
        user = users.setdefault(who, ApiUser(server.url, who))
        case = user.act(case, action, **data)
    for user in users.values():
        user.close()
    return case


def test_intake_sees_no_filing_menu_or_button(
    login: Callable[..., Any], demo_server: tuple[LiveServer, DemoFacts], screenshot: Shot
) -> None:
    server = demo_server[0]
    case = new_case(server, "pending_filing")
    page = login("intake", landing="/work/intake")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="受理", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="立案", exact=True)).to_have_count(0)
    screenshot(page, "i18n-1-intake-menu")
    # The case page offers only what the server lists for the role (改类, not 立案).
    page.goto(f"{server.url}/cases/{case['id']}")
    page.get_by_test_id("case-status").filter(has_text="待立案").wait_for()
    bar = page.get_by_role("toolbar", name="可执行操作")
    expect(bar.locator("button[data-action=file]")).to_have_count(0)
    expect(bar.get_by_role("button", name="立案", exact=True)).to_have_count(0)
    screenshot(page, "i18n-2-intake-case-without-filing")


def test_a_refused_action_reads_in_chinese(
    login: Callable[..., Any], demo_server: tuple[LiveServer, DemoFacts], screenshot: Shot
) -> None:
    server = demo_server[0]
    case = new_case(server, "pending_intake")
    page = login("intake", landing="/work/intake")
    page.goto(f"{server.url}/cases/{case['id']}")
    page.get_by_test_id("case-status").filter(has_text="待受理").wait_for()
    page.locator("button[data-action=accept_report]").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    # Meanwhile the shift lead accepts it: the 受理员's 受理 is refused by the server.
    lead = ApiUser(server.url, "shiftlead")
    lead.act(case, "accept_report")
    lead.close()
    dialog.get_by_role("button", name="确定").click()
    alert = dialog.get_by_role("alert")
    alert.wait_for()
    text = alert.inner_text()
    assert CJK.search(text), text
    assert "受理" in text or "修改" in text, text
    for english in ("not possible", "changed since", "reload", "needs one of"):
        assert english not in text, text
    screenshot(page, "i18n-3-refusal-in-chinese")


def test_department_return_ends_on_the_work_list(
    login: Callable[..., Any], demo_server: tuple[LiveServer, DemoFacts], screenshot: Shot
) -> None:
    server = demo_server[0]
    case = new_case(server, "dispatched")
    page = login("h_gs", landing="/work/department")
    row = page.locator(f'tr[data-case="{case["number"]}"]')
    row.wait_for()
    row.get_by_role("link", name="查看").click()
    page.get_by_test_id("case-status").filter(has_text="待签收").wait_for()
    page.locator("button[data-action=return]").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("原因").fill("不属于本单位职责")
    dialog.get_by_role("button", name="确定").click()
    # Back on the department's list with a confirmation, not on "no case …".
    page.wait_for_url(f"{server.url}/work/department")
    status = page.get_by_role("status").filter(has_text=f"已回退案件 {case['number']}")
    status.wait_for()
    expect(page.locator("p.error")).to_have_count(0)
    expect(page.locator(f'tr[data-case="{case["number"]}"]')).to_have_count(0)
    assert "no case" not in page.content()
    screenshot(page, "i18n-4-department-return-confirmed")


def test_refused_reads_in_the_users_language(
    login: Callable[..., Any], demo_server: tuple[LiveServer, DemoFacts], screenshot: Shot
) -> None:
    server = demo_server[0]
    page = login("intake", landing="/work/intake")
    # A list not for the role, reached inside the app (no link leads there any more).
    page.evaluate(
        "() => { history.pushState(null, '', '/work/filing');"
        " dispatchEvent(new PopStateEvent('popstate')); }"
    )
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "“立案”列表不对您的角色开放", alert.inner_text()
    screenshot(page, "i18n-5-list-refused-zh")
    # A case the user does not see: no "no case …" in English.
    page.goto(f"{server.url}/cases/987654")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "案件 987654 不存在或已不在您的范围内", alert.inner_text()
    # The same refusal in English after switching the language.
    page.get_by_role("button", name="English").click()
    page.reload()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "Case 987654 does not exist or is no longer yours to see"
    screenshot(page, "i18n-6-case-refused-en")
