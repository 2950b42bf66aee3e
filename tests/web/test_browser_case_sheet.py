"""The case page and its printable sheets at 1366 × 768, and the department handler's phone
flow at 375 × 812, in real Chromium against the demo server.

- case page: the time limit in words, the disposal deadline and 按期 kept after 结案, photos
  under their step with the author, 改类 and 延期 amounts in the timeline, the SLA
  watcher's warnings folded into one line;
- 案件处理单 / 审批单: print media hides the header, buttons and map; the sheet fits A4 width
  and page.pdf() makes an A4 PDF;
- phone: the work list as cards, 签收, 延期, several photos with 反馈, 回退, never wider than
  the screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from web_harness import PHONE, SCREENSHOTS, ApiUser, DemoFacts, LiveServer, tiny_png

pytestmark = pytest.mark.browser

Shot = Callable[[Any, str], Path]
DESK_768: dict[str, Any] = {"viewport": {"width": 1366, "height": 768}}
# A4 is 210 mm wide: 794 CSS px at 96 dpi.
A4_PX = 794
NO_SIDE_SCROLL = "() => document.scrollingElement.scrollWidth"


def _photo(user: ApiUser, kind: str, rgb: tuple[int, int, int]) -> int:
    res = user.client.post(
        "/api/v1/cases/photos",
        files={"file": ("p.png", tiny_png(rgb=rgb), "image/png")},
        data={"kind": kind},
    )
    assert res.status_code == 201, res.text
    return int(res.json()["id"])


def _conditions(user: ApiUser) -> tuple[dict, dict]:
    """01001's filing conditions counted in work hours and in working days."""
    conds = user.get("/api/v1/catalog/categories/component/01001")["conditions"]
    hour = next(c for c in conds if c["time_limit_unit"] == "work_hour")
    day = next(c for c in conds if c["time_limit_unit"] == "work_day")
    return hour, day


def _n(value: str) -> str:
    return format(Decimal(value).normalize(), "f")


def _report(users: dict[str, ApiUser], facts: DemoFacts, text: str, **extra: Any) -> dict:
    insp = users["inspector1"]
    cat = insp.get("/api/v1/catalog/categories/component/01001")
    return insp.post(
        "/api/v1/cases",
        {
            "source": "inspector",
            "lon": facts.inspector_lon,
            "lat": facts.inspector_lat,
            "category_id": cat["id"],
            "filing_condition_id": _conditions(insp)[0]["id"],
            "description": text,
            **extra,
        },
    )


def _warn(server: LiveServer, case_id: int, levels: tuple[str, ...]) -> None:
    """What the SLA watcher records when a case turns yellow, then red (one warn event
    each), done here on this case only so other tests' cases keep their lights."""
    from urbangrid.cases import service
    from urbangrid.cases import workflow as wf
    from urbangrid.cases.models import Case
    from urbangrid.db import make_engine, session_scope

    engine = make_engine(server.database_url)
    with session_scope(engine) as s:
        for level in levels:
            case = s.get(Case, case_id)
            assert case is not None
            service.perform_action(
                s,
                None,
                case_id,
                wf.Action.WARN,
                version=case.version,
                data={"level": level},
                actor=wf.Actor.system(),
            )
            s.flush()
    engine.dispose()


def _late_case(server: LiveServer, facts: DemoFacts, condition: dict) -> int:
    """A case walked five days ago whose department fed back three days after dispatch on
    a 4-work-hour limit: closed late (through the service with past times, as the tests
    of the case package do)."""
    from datetime import timedelta

    from sqlalchemy import select

    from urbangrid.auth.service import principal_for
    from urbangrid.cases import service
    from urbangrid.db import make_engine, session_scope
    from urbangrid.kit.types import utcnow
    from urbangrid.org.models import User

    engine = make_engine(server.database_url)
    t0 = utcnow() - timedelta(days=5)
    with session_scope(engine) as s:

        def who(name: str) -> Any:
            return principal_for(s.scalar(select(User).where(User.username == name)))

        case = service.create_case(
            s,
            who("inspector1"),
            service.NewCase(
                source="inspector", lon=facts.inspector_lon, lat=facts.inspector_lat,
                category_id=condition["category_id"], filing_condition_id=condition["id"],
                description="超期样例：井盖缺失",
            ),
            now=t0,
        )  # fmt: skip
        steps = [
            ("intake", "accept_report", 1),
            ("shiftlead", "file", 2),
            ("dispatcher", "dispatch", 3),
            ("h_gs", "department_accept", 4),
            ("h_gs", "feedback", 3 * 24 * 60),
            ("inspector1", "check_pass", 3 * 24 * 60 + 60),
            ("shiftlead", "close", 3 * 24 * 60 + 120),
        ]
        for name, action, minutes in steps:
            service.perform_action(
                s, who(name), case.id, action, version=case.version,
                now=t0 + timedelta(minutes=minutes),
            )  # fmt: skip
        case_id = int(case.id)
    engine.dispose()
    return case_id


@pytest.fixture
def users(demo_server: tuple[LiveServer, DemoFacts]) -> Any:
    server, _ = demo_server
    made = {
        name: ApiUser(server.url, name)
        for name in ("inspector1", "intake", "shiftlead", "dispatcher", "h_gs", "h_hw")
    }
    yield made
    for u in made.values():
        u.close()


def test_case_page_and_print_sheets_at_1366(
    login: Callable[..., Any],
    demo_server: tuple[LiveServer, DemoFacts],
    users: dict[str, ApiUser],
    screenshot: Shot,
) -> None:
    server, facts = demo_server
    before = _photo(users["inspector1"], "before", (200, 60, 40))
    case = _report(users, facts, "井盖松动，车辆经过有响声", attachments=[before])
    case = users["intake"].act(case, "accept_report")
    # 改类: the filing condition of 01001 counted in working days instead of work hours.
    hour, day = _conditions(users["intake"])
    case = users["intake"].act(
        case, "reclassify", category_id=case["category_id"], filing_condition_id=day["id"]
    )
    hours, days = _n(hour["time_limit_value"]), _n(day["time_limit_value"])
    case = users["shiftlead"].act(case, "file")
    case = users["dispatcher"].act(case, "dispatch")
    case = users["h_gs"].act(case, "department_accept")
    _warn(server, case["id"], ("yellow", "red"))
    case = users["h_gs"].get(f"/api/v1/cases/{case['id']}")
    case = users["h_gs"].act(case, "apply_extension", extra="2", comment="等待井盖备件")
    case = users["dispatcher"].act(case, "approve_extension", extra="1", comment="同意延期一天")
    after = [_photo(users["h_gs"], "after", (20, 160 + i * 20, 60)) for i in range(2)]
    case = users["h_gs"].act(case, "feedback", attachments=after, comment="已复位井盖")
    case = users["inspector1"].act(case, "check_pass")
    case = users["shiftlead"].act(case, "close")
    number = case["number"]
    # Another department's handler does not see the case at all.
    assert users["h_hw"].client.get(f"/api/v1/cases/{case['id']}").status_code == 404

    page = login("shiftlead", landing="/work/intake", **DESK_768)
    page.goto(f"{server.url}/cases/{case['id']}")
    page.get_by_test_id("case-status").filter(has_text="已结案").wait_for()
    limit = page.get_by_test_id("time-limit").inner_text()
    assert f"{days} 个工作日" in limit and "已延期 1 个工作日" in limit, limit
    assert "_" not in limit and "urgent" not in limit
    disposal = page.get_by_test_id("disposal")
    assert disposal.get_by_test_id("disposal-result").get_attribute("data-result") == "on_time"
    assert "按期" in disposal.inner_text()
    assert "不计时" not in page.locator("dl.facts").first.inner_text()
    title = page.locator("#case-title").inner_text()
    assert "按期" in title and "不计时" not in title, title

    steps = page.get_by_test_id("photo-steps")
    expect(steps.locator('[data-step="report"] img')).to_have_count(1)
    expect(steps.locator('[data-step="feedback"] img')).to_have_count(2)
    feedback_head = steps.locator('[data-step="feedback"] h3').inner_text()
    assert "处置" in feedback_head and "专业部门" in feedback_head and "处置员" in feedback_head
    assert "监督员" in steps.locator('[data-step="report"] h3').inner_text()

    timeline = page.get_by_test_id("timeline")
    warn = timeline.locator('li[data-action="warn"]')
    expect(warn).to_have_count(1)
    assert warn.get_attribute("data-count") == "2"
    assert "系统计时提醒 ×2" in warn.inner_text() and "已超时" in warn.inner_text()
    same = re.compile(r"(\S+) → \1(?!\S)")
    for text in timeline.locator("li").all_inner_texts():
        assert not same.search(text), text
    recl = timeline.locator('li[data-action="reclassify"]').inner_text()
    assert f"{hours} 个工作小时 → {days} 个工作日" in recl, recl
    approve = timeline.locator('li[data-action="approve_extension"]').inner_text()
    assert "批准: 1 个工作日" in approve and "申请: 2 个工作日" in approve, approve
    assert page.evaluate(NO_SIDE_SCROLL) <= 1366
    screenshot(page, "case-page-closed-1366")

    # A case closed late: 超期 and by how much (the amount the API measured, in words).
    late = _late_case(server, facts, {**hour, "category_id": case["category_id"]})
    late_api = users["dispatcher"].get(f"/api/v1/cases/{late}")["disposal"]
    assert late_api["on_time"] is False and Decimal(late_api["overdue_amount"]) > 0
    page.goto(f"{server.url}/cases/{late}")
    page.get_by_test_id("case-status").filter(has_text="已结案").wait_for()
    result = page.get_by_test_id("disposal").get_by_test_id("disposal-result")
    assert result.get_attribute("data-result") == "late"
    assert result.inner_text() == f"超期 {_n(late_api['overdue_amount'])} 个工作小时"
    screenshot(page, "case-page-closed-late-1366")
    page.goto(f"{server.url}/cases/{case['id']}")
    page.get_by_test_id("case-status").filter(has_text="已结案").wait_for()

    # ---- 案件处理单: print media, A4.
    page.get_by_test_id("print-sheet").click()
    sheet = page.get_by_test_id("case-sheet")
    sheet.wait_for()
    assert page.get_by_test_id("sheet-number").inner_text() == number
    assert "按期" in sheet.inner_text() and f"{days} 个工作日" in sheet.inner_text()
    expect(page.get_by_test_id("sheet-steps").locator('tr[data-action="warn"]')).to_have_count(1)
    expect(sheet.locator(".sheet-photos img")).to_have_count(3)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.sheet-photos img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    screenshot(page, "case-sheet-screen-1366")
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => ['.topbar', '[data-testid=print-now]', '.actions-bar'].map(sel => {
            const el = document.querySelector(sel);
            return el ? getComputedStyle(el).display : 'absent';
        })"""
    )
    assert hidden[0] == "none" and hidden[1] == "none" and hidden[2] == "none", hidden
    assert page.locator("button:visible").count() == 0
    page.set_viewport_size({"width": A4_PX, "height": 1123})
    assert page.evaluate(NO_SIDE_SCROLL) <= A4_PX
    screenshot(page, "case-sheet-print-a4")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf[:5] == b"%PDF-"
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 3, pages
    (SCREENSHOTS / "case-sheet.pdf").write_bytes(pdf)

    # ---- 审批单: the 延期 application with its decision.
    page.emulate_media(media="screen")
    page.set_viewport_size(DESK_768["viewport"])
    page.goto(f"{server.url}/cases/{case['id']}/sheet?kind=approval")
    approval = page.get_by_test_id("sheet-approval")
    expect(approval).to_have_count(1)
    text = approval.inner_text()
    assert "等待井盖备件" in text and "同意延期一天" in text and "批准延期" in text
    assert "申请: 2 个工作日" in text and "批准: 1 个工作日" in text
    page.emulate_media(media="print")
    assert page.locator("button:visible").count() == 0
    screenshot(page, "approval-sheet-print")

    # ---- printing the case page itself: no header, buttons or map.
    page.emulate_media(media="print")
    page.goto(f"{server.url}/cases/{case['id']}")
    page.get_by_test_id("case-status").wait_for()
    assert page.locator("button:visible").count() == 0
    assert page.evaluate("() => getComputedStyle(document.querySelector('.topbar')).display") == (
        "none"
    )
    assert page.locator(".case-map").is_hidden()

    # The same words in English: working days, the result, the folded alerts.
    page.emulate_media(media="screen")
    page.get_by_role("button", name="English").click()
    page.get_by_test_id("time-limit").filter(has_text="working days").wait_for()
    limit = page.get_by_test_id("time-limit").inner_text()
    assert f"{days} working days" in limit and "extended by 1 working day" in limit, limit
    assert "On time" in page.get_by_test_id("disposal").inner_text()
    assert "Timer alerts ×2" in page.get_by_test_id("timeline").inner_text()
    page.get_by_role("button", name="中文").click()
    assert page.js_errors == []


def test_department_handler_on_a_phone(
    login: Callable[..., Any],
    demo_server: tuple[LiveServer, DemoFacts],
    users: dict[str, ApiUser],
    screenshot: Shot,
) -> None:
    server, facts = demo_server
    made = []
    for text in ("手机签收：井盖缺失，行人绕行", "手机回退：不属于供水井盖"):
        case = _report(users, facts, text)
        case = users["intake"].act(case, "accept_report")
        case = users["shiftlead"].act(case, "file")
        made.append(users["dispatcher"].act(case, "dispatch"))
    keep, back = made

    page = login("h_gs", landing="/work/department", **PHONE)
    cards = page.get_by_test_id("work-cards")
    card = cards.locator(f'[data-card="{keep["number"]}"]')
    card.wait_for()
    assert page.get_by_test_id("worklist").count() == 0  # no squeezed table
    assert "待签收" in card.inner_text() and "井盖缺失" in card.inner_text()
    assert page.evaluate(NO_SIDE_SCROLL) <= 375
    screenshot(page, "phone-handler-cards")
    card.get_by_role("button", name="签收").click()
    page.get_by_role("status").filter(has_text=f"已签收：{keep['number']}").wait_for()
    assert "处置中" in card.inner_text()

    # 延期 from the case page: the unit said in words, the dialog within the screen.
    card.get_by_role("link", name="查看").click()
    page.get_by_test_id("case-status").filter(has_text="处置中").wait_for()
    assert page.evaluate(NO_SIDE_SCROLL) <= 375
    page.get_by_role("button", name="申请延期").click()
    dialog = page.get_by_role("dialog")
    assert "工作小时" in dialog.inner_text()
    assert "仅工作日的上班时间" in dialog.get_by_test_id("extension-unit-help").inner_text()
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    dialog.get_by_label("延长时间").fill("2")
    dialog.get_by_label("原因").fill("需协调停水")
    screenshot(page, "phone-handler-extension")
    dialog.get_by_role("button", name="确定").click()
    page.get_by_test_id("case-status").filter(has_text="延期待审批").wait_for()
    current = users["dispatcher"].get(f"/api/v1/cases/{keep['id']}")
    users["dispatcher"].act(current, "approve_extension")
    page.get_by_test_id("case-status").filter(has_text="处置中").wait_for()

    # 反馈 with three photos chosen at once.
    page.get_by_role("button", name="处置反馈").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("处置后照片").set_input_files(
        [
            {"name": f"{i}.png", "mimeType": "image/png", "buffer": tiny_png(rgb=(i * 60, 150, 9))}
            for i in range(3)
        ]
    )
    assert "已选择 3 张照片" in dialog.get_by_test_id("chosen-photos").inner_text()
    dialog.get_by_label("意见").fill("已补装井盖")
    assert page.evaluate(NO_SIDE_SCROLL) <= 375
    dialog.get_by_role("button", name="确定").click()
    page.get_by_test_id("case-status").filter(has_text="待核查").wait_for()
    expect(page.get_by_test_id("after-photos").locator("img")).to_have_count(3)
    head = page.locator('[data-step="feedback"] h3').inner_text()
    assert "处置" in head and "3" in head
    assert page.evaluate(NO_SIDE_SCROLL) <= 375
    screenshot(page, "phone-handler-after-feedback")
    stored = users["h_gs"].get(f"/api/v1/cases/{keep['id']}")
    assert sorted(a["step"] for a in stored["attachments"]) == ["feedback"] * 3

    # 回退 the other case: back on the list with the confirmation.
    page.goto(f"{server.url}/work/department")
    other = page.get_by_test_id("work-cards").locator(f'[data-card="{back["number"]}"]')
    other.get_by_role("link", name="查看").click()
    page.get_by_test_id("case-status").filter(has_text="待签收").wait_for()
    page.get_by_role("button", name="回退").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("原因").fill("非本单位管辖")
    dialog.get_by_role("button", name="确定").click()
    page.get_by_role("status").filter(has_text=back["number"]).wait_for()
    page.wait_for_url(f"{server.url}/work/department")
    page.get_by_role("heading", name=re.compile("待办")).wait_for()
    expect(page.locator(f'[data-card="{back["number"]}"]')).to_have_count(0)
    assert page.evaluate(NO_SIDE_SCROLL) <= 375
    screenshot(page, "phone-handler-after-return")
    assert users["h_gs"].client.get(f"/api/v1/cases/{back['id']}").status_code == 404
    assert page.js_errors == []
