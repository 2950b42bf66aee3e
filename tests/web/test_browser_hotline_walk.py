"""The headline walk of issue 15: a 12345 call registered on the 登记 screen goes through the
normal queue to 结案, each role on its own screen: 受理员 registers (from the empty form to
the case number, timed) and accepts → 监督员 verifies (核实) on the phone page → 值班长
files (立案) → 派遣员 dispatches → 专业部门 accepts and feeds back → 监督员 checks (核查) →
值班长 closes (结案). Every mouse action of every role is counted; the figures are printed
(no timed assertion) and screenshots kept."""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from web_harness import PHONE, DemoFacts, LiveServer, tiny_png

pytestmark = [pytest.mark.browser, pytest.mark.slow]

Shot = Callable[[Any, str], Path]


class Clicks:
    """Every mouse action of the walk (a click, a check, a choice in a list, a file picked),
    counted per role. Typing into a field is counted apart (``typed``)."""

    def __init__(self) -> None:
        self.by_role: Counter[str] = Counter()
        self.typed: Counter[str] = Counter()

    def click(self, role: str, locator: Any) -> None:
        locator.click()
        self.by_role[role] += 1

    def choose(self, role: str, select: Any, **option: Any) -> None:
        select.select_option(**option)
        self.by_role[role] += 1

    def check(self, role: str, locator: Any) -> None:
        locator.check()
        self.by_role[role] += 1

    def pick_file(self, role: str, locator: Any, file: dict[str, Any]) -> None:
        locator.set_input_files(file)
        self.by_role[role] += 1

    def back(self, role: str, page: Any) -> None:
        page.go_back()
        self.by_role[role] += 1

    def type(self, role: str, locator: Any, text: str) -> None:
        locator.fill(text)
        self.typed[role] += 1

    @property
    def total(self) -> int:
        return sum(self.by_role.values())


def _address_in_inspector_grid(server: LiveServer, facts: DemoFacts) -> str:
    """A 门牌 address at the centre of inspector1's grid (the caller names the address; the
    核实 task then goes to the inspector who patrols there)."""
    from sqlalchemy import select

    from urbangrid.db import make_engine, session_scope
    from urbangrid.demo.loader import DEMO_CODE
    from urbangrid.geo.addresses import AddressRow, import_addresses
    from urbangrid.org.models import Jurisdiction

    street = f"热线测试路{uuid.uuid4().hex[:6]}号"
    engine = make_engine(server.database_url)
    with session_scope(engine) as session:
        j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
        assert j is not None
        import_addresses(
            session, j, [AddressRow(1, street, facts.inspector_lon, facts.inspector_lat)]
        )
    engine.dispose()
    return street


def row(page: Any, number: str) -> Any:
    return page.locator(f'tr[data-case="{number}"]')


def test_hotline_call_registered_and_walked_to_closing(
    login: Callable[..., Any], demo_server: tuple[LiveServer, DemoFacts], screenshot: Shot
) -> None:
    server, facts = demo_server
    street = _address_in_inspector_grid(server, facts)
    text = f"12345 来电：{street}门口人行道供水井盖破损 {uuid.uuid4().hex[:6]}"
    c = Clicks()

    # ---- 受理员: from the empty 登记 form to the case number (12345 is the first channel).
    intake = login("intake", landing="/work/intake")
    c.click("受理员", intake.get_by_role("link", name="登记", exact=True))
    intake.get_by_role("heading", name="案件登记").wait_for()
    intake.wait_for_function(
        "() => document.querySelector('[data-testid=reg-map] canvas') !== null"
    )
    assert intake.get_by_label("12345 热线").is_checked()
    started = time.perf_counter()
    c.type("受理员", intake.get_by_label("问题描述"), text)
    c.type("受理员", intake.get_by_role("combobox", name="问题类别"), "01001")
    c.click("受理员", intake.get_by_role("option", name=re.compile(r"01001")).first)
    condition = intake.get_by_label("立案条件")
    value = condition.locator("option", has_text="井盖破损").get_attribute("value")
    c.choose("受理员", condition, value=value)
    c.type("受理员", intake.get_by_label("地址", exact=True), street)
    c.click("受理员", intake.get_by_role("button", name="查找地址"))
    intake.get_by_test_id("reg-position").filter(has_text=facts.inspector_grid).wait_for()
    c.type("受理员", intake.get_by_label("姓名"), "王先生")
    c.type("受理员", intake.get_by_label("联系电话"), "13800005678")
    c.check("受理员", intake.get_by_label("需要回电"))
    c.click("受理员", intake.get_by_test_id("reg-submit"))
    result = intake.get_by_test_id("reg-result")
    result.filter(has_text=re.compile(r"已登记，案件编号 \S+")).wait_for()
    register_seconds = time.perf_counter() - started
    shown = re.search(r"案件编号 (\S+)", result.inner_text())
    assert shown is not None
    number = shown.group(1)
    register_clicks = c.by_role["受理员"]
    screenshot(intake, "walk-1-registered")

    # ---- 受理员 accepts it from the intake queue (受理).
    c.click("受理员", intake.get_by_role("link", name="受理", exact=True))
    r = row(intake, number)
    r.wait_for()
    assert "待受理" in r.inner_text()
    c.click("受理员", r.get_by_role("button", name="受理"))
    intake.get_by_role("status").filter(has_text=f"已受理：{number}").wait_for()
    r.wait_for(state="detached")

    # ---- 监督员 verifies (核实) on the phone page: the task is in 我的任务.
    insp = login("inspector1", landing="/m", **PHONE)
    mine = insp.get_by_test_id("my-tasks")
    task = mine.get_by_role("link", name=number)
    task.wait_for()
    assert "待核实" in mine.inner_text()
    screenshot(insp, "walk-2-inspector-tasks")
    c.click("监督员", task)
    c.click("监督员", insp.get_by_role("button", name="核实", exact=True))
    c.click("监督员", insp.get_by_role("dialog").get_by_role("button", name="确定"))
    insp.get_by_test_id("case-status").filter(has_text="待立案").wait_for()

    # ---- 值班长 files it (立案).
    lead = login("shiftlead", landing="/work/intake")
    c.click("值班长", lead.get_by_role("link", name="立案", exact=True))
    r = row(lead, number)
    r.wait_for()
    assert "供水井盖" in r.inner_text()
    screenshot(lead, "walk-3-filing-queue")
    c.click("值班长", r.get_by_role("button", name="立案"))
    r.wait_for(state="detached")

    # ---- 派遣员: one click follows the routing suggestion.
    disp = login("dispatcher", landing="/work/dispatch")
    suggested = row(disp, number).get_by_role("button", name=re.compile("派往"))
    suggested.wait_for()
    assert "示范区供水公司" in suggested.inner_text()
    c.click("派遣员", suggested)
    row(disp, number).wait_for(state="detached")

    # ---- 专业部门: 签收, then 处置反馈 with the after-photo on the case page.
    dept = login("h_gs", landing="/work/department")
    r = row(dept, number)
    r.wait_for()
    c.click("专业部门", r.get_by_role("button", name="签收"))
    dept.get_by_role("status").filter(has_text=f"已签收：{number}").wait_for()
    c.click("专业部门", row(dept, number).get_by_role("link", name="查看"))
    dept.get_by_test_id("case-status").filter(has_text="处置中").wait_for()
    c.click("专业部门", dept.get_by_role("button", name="处置反馈"))
    dialog = dept.get_by_role("dialog")
    after = {"name": "after.png", "mimeType": "image/png", "buffer": tiny_png(rgb=(20, 160, 60))}
    c.pick_file("专业部门", dialog.get_by_label("处置后照片"), after)
    c.type("专业部门", dialog.get_by_label("意见"), "已更换新井盖")
    c.click("专业部门", dialog.get_by_role("button", name="确定"))
    dept.get_by_test_id("case-status").filter(has_text="待核查").wait_for()
    screenshot(dept, "walk-4-department-feedback")

    # ---- 监督员 checks (核查) from 我的任务.
    c.back("监督员", insp)  # from the case page back to the phone page
    task = insp.get_by_test_id("my-tasks").get_by_role("link", name=number)
    task.wait_for()
    assert "待核查" in insp.get_by_test_id("my-tasks").inner_text()
    c.click("监督员", task)
    c.click("监督员", insp.get_by_role("button", name="核查通过"))
    c.click("监督员", insp.get_by_role("dialog").get_by_role("button", name="确定"))
    insp.get_by_test_id("case-status").filter(has_text="待结案").wait_for()

    # ---- 值班长 closes it (结案) from the approvals list.
    c.click("值班长", lead.get_by_role("link", name="审批"))
    r = row(lead, number)
    r.wait_for()
    assert "待结案" in r.inner_text()
    c.click("值班长", r.get_by_role("button", name="结案"))
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
        "verify",
        "file",
        "dispatch",
        "department_accept",
        "feedback",
        "check_pass",
        "close",
    ]
    screenshot(lead, "walk-5-closed")

    per_role = dict(c.by_role)
    # What the walk did, role by role (the count is of the actions above, not a target).
    assert per_role == {"受理员": 8, "监督员": 7, "值班长": 4, "派遣员": 1, "专业部门": 5}
    assert c.total == 25
    print(
        f"\n12345 walk, registration to 结案: {c.total} clicks "
        + ", ".join(f"{role} {n}" for role, n in per_role.items())
        + f"; typed fields {sum(c.typed.values())}"
        + f"\nregistration (empty form to case number): {register_seconds:.2f} s, "
        f"{register_clicks} clicks (with the 登记 menu link)"
    )

    # ---- After 结案 the 受理员 answers the caller (答复) and calls back (回访) on the case
    # page; not part of the walk's count.
    case_url = insp.url
    intake.goto(case_url)
    panel = intake.get_by_test_id("caller-panel")
    panel.get_by_test_id("caller-name").filter(has_text="王先生").wait_for()
    assert panel.get_by_test_id("caller-wish").inner_text() == "需要回访"
    assert panel.get_by_test_id("caller-reports").inner_text() == "1"
    intake.get_by_test_id("caller-phone").filter(has_text="13800005678").wait_for()
    panel.get_by_role("button", name="答复").click()
    panel.get_by_label("答复内容").fill("井盖已更换，感谢来电")
    panel.get_by_role("button", name="保存").click()
    contacts = panel.get_by_test_id("caller-contacts")
    contacts.locator('li[data-kind="reply"]').filter(has_text="井盖已更换").wait_for()
    # A 回访 with the caller reached but no satisfaction chosen: refused, in Chinese, and
    # the form keeps what was typed.
    panel.get_by_role("button", name="回访").click()
    panel.get_by_label("备注").fill("市民表示满意")
    panel.get_by_role("button", name="保存").click()
    panel.get_by_test_id("caller-error").filter(has_text="请选择满意度").wait_for()
    assert panel.get_by_label("备注").input_value() == "市民表示满意"
    panel.get_by_label("满意", exact=True).check()
    panel.get_by_role("button", name="保存").click()
    contacts.locator('li[data-kind="callback"]').filter(has_text="满意").wait_for()
    assert panel.get_by_test_id("caller-error").count() == 0
    assert "李受理" in contacts.inner_text()
    screenshot(intake, "walk-6-reply-and-callback")
    # The department's handler reads the case, not its caller.
    dept.goto(case_url)
    dept.get_by_test_id("case-status").filter(has_text="已结案").wait_for()
    assert dept.get_by_test_id("caller-panel").count() == 0
    assert "13800005678" not in dept.content() and "王先生" not in dept.content()

    for page in (intake, insp, lead, disp, dept):
        assert page.js_errors == [], page.js_errors
