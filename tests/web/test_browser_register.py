"""The 受理员 registers a 12345 call on the 登记 screen: from the empty form to the case
number, timed; and the form names the missing field when location or category is left out
(issue 15, scope item 1)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_browser_a11y import UNNAMED
from web_harness import DemoFacts, LiveServer, log_in, tiny_png

pytestmark = pytest.mark.browser


def _case_by_number(database_url: str, number: str) -> dict[str, Any]:
    from sqlalchemy import select

    from urbangrid.cases.models import Attachment, Case, CaseReportKey
    from urbangrid.catalog.models import Category
    from urbangrid.db import make_engine, session_scope

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        category = session.get(Category, case.category_id) if case.category_id else None
        keys = session.scalars(select(CaseReportKey).where(CaseReportKey.case_id == case.id)).all()
        row = {
            "source": case.source,
            "status": case.status,
            "category": category.code if category else None,
            "lon": case.lon,
            "lat": case.lat,
            "description": case.description,
            "reporter_name": case.reporter_name,
            "reporter_phone": case.reporter_phone,
            "urgency": case.urgency,
            "keys": len(keys),
            "photos": len(
                session.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
            ),
        }
    engine.dispose()
    return row


def _cases_saying(database_url: str, text: str) -> int:
    from sqlalchemy import func, select

    from urbangrid.cases.models import Case
    from urbangrid.db import make_engine, session_scope

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        n = session.scalar(select(func.count(Case.id)).where(Case.description == text))
    engine.dispose()
    return int(n or 0)


def _place_on_map(page: Any) -> None:
    pick = page.get_by_test_id("reg-map")
    pick.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('[data-testid=reg-map] canvas') !== null")
    page.wait_for_timeout(300)
    box = pick.bounding_box()
    assert box is not None
    pick.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    page.get_by_test_id("reg-position").filter(has_text="(地图点选)").wait_for()


def test_intake_registers_a_hotline_call(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    text = f"12345 来电：人行道井盖破损 {uuid.uuid4().hex[:8]}"
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, server.url, "intake", "/work/intake")
    # The menu offers 登记 to the 受理员.
    page.get_by_role("link", name="登记", exact=True).click()
    page.wait_for_url(f"{server.url}/register")
    page.get_by_role("heading", name="案件登记").wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=reg-map] canvas') !== null")

    started = time.perf_counter()
    page.get_by_label("12345 热线").check()
    page.get_by_label("问题描述").fill(text)
    page.get_by_role("combobox", name="问题类别").fill("01001")
    page.get_by_role("option", name=re.compile(r"01001")).first.click()
    page.get_by_label("立案条件").select_option(index=1)
    # The demo has no 门牌 addresses: the search finds nothing and the operator places the
    # point by hand.
    page.get_by_label("地址", exact=True).fill("不存在路 999 号")
    page.get_by_role("button", name="查找地址").click()
    page.get_by_test_id("reg-address-msg").filter(has_text="未找到该地址").wait_for()
    _place_on_map(page)
    page.get_by_label("姓名").fill("王先生")
    page.get_by_label("联系电话").fill("13800001234")
    page.get_by_label("需要回电").check()
    screenshot(page, "register-1-filled")
    submit = page.get_by_test_id("reg-submit")
    # A double click sends the form twice at most once per key: one case.
    submit.dblclick()
    result = page.get_by_test_id("reg-result")
    result.filter(has_text=re.compile(r"已登记，案件编号 \S+")).wait_for()
    elapsed = time.perf_counter() - started
    print(f"\nregistration, empty form to case number: {elapsed:.2f} s")

    shown = re.search(r"案件编号 (\S+)", result.inner_text())
    assert shown is not None
    number = shown.group(1)
    screenshot(page, "register-2-registered")
    case = _case_by_number(server.database_url, number)
    assert case["source"] == "hotline"
    assert case["category"] == "01001"
    assert case["description"] == text
    assert case["reporter_name"] == "王先生"
    assert case["reporter_phone"] == "13800001234"
    assert case["keys"] == 1
    assert _cases_saying(server.database_url, text) == 1
    # The point is the one shown on the form before it was cleared: inside the demo area.
    assert -180 <= case["lon"] <= 180 and -90 <= case["lat"] <= 90
    # The form is empty again for the next call.
    assert page.get_by_label("问题描述").input_value() == ""
    assert "输入地址查找" in page.get_by_test_id("reg-position").inner_text()

    # The link opens the case; it is in the normal queue (受理).
    page.get_by_test_id("reg-case-link").click()
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    page.get_by_text(number).first.wait_for()
    # The 受理员 calls back: the phone is on the case page for that role.
    page.get_by_test_id("caller-phone").filter(has_text="13800001234").wait_for()
    screenshot(page, "register-3-case")
    case_id = int(page.url.rsplit("/", 1)[1])
    assert errors == []

    # A leader reads the case but does not call back: no phone, neither page nor API.
    other = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(other, server.url, "leader", "/map")
    other.goto(f"{server.url}/cases/{case_id}")
    other.get_by_text(number).first.wait_for()
    assert other.get_by_test_id("caller-phone").count() == 0
    assert "13800001234" not in other.content()
    api = other.evaluate("async (id) => (await fetch(`/api/v1/cases/${id}`)).json()", case_id)
    assert api["number"] == number and api["caller_phone"] is None
    assert "13800001234" not in str(api)


def test_register_names_the_missing_fields(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    text = f"来访：占道经营 {uuid.uuid4().hex[:8]}"
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, server.url, "intake", "/work/intake")
    page.goto(f"{server.url}/register")
    page.get_by_role("heading", name="案件登记").wait_for()
    page.get_by_label("来访").check()
    page.get_by_label("问题描述").fill(text)
    assert page.evaluate(UNNAMED) == []  # every control of the form has a name

    # Nothing placed, no category: both fields are named.
    page.get_by_test_id("reg-submit").click()
    page.get_by_test_id("reg-err-location").filter(has_text="请填写位置").wait_for()
    page.get_by_test_id("reg-err-category").filter(has_text="请选择问题类别").wait_for()
    screenshot(page, "register-bad-1-both-missing")

    # A category but still no location: only the location is named.
    page.get_by_role("combobox", name="问题类别").fill("01001")
    page.get_by_role("option", name=re.compile(r"01001")).first.click()
    page.get_by_test_id("reg-submit").click()
    page.get_by_test_id("reg-err-location").wait_for()
    assert page.get_by_test_id("reg-err-category").count() == 0
    screenshot(page, "register-bad-2-no-location")
    assert _cases_saying(server.database_url, text) == 0

    # A point outside the platform's grids: the server's 422 (code and params) is shown on
    # the location field, in Chinese.
    pick = page.get_by_test_id("reg-map")
    page.wait_for_function("() => document.querySelector('[data-testid=reg-map] canvas') !== null")
    pick.click(position={"x": 12, "y": 12})
    page.get_by_test_id("reg-position").filter(has_text="(地图点选)").wait_for()
    page.get_by_test_id("reg-submit").click()
    page.wait_for_function("() => !document.querySelector('[data-testid=reg-submit]').disabled")
    page.wait_for_function(
        "() => /位置|范围|网格/.test("
        "document.querySelector('[data-testid=reg-err-location]')?.textContent ?? '')"
    )
    assert page.get_by_test_id("reg-err-category").count() == 0
    shown = page.get_by_test_id("reg-err-location").inner_text()
    assert not re.search(r"[a-z]{4,}", shown), shown  # no raw English
    screenshot(page, "register-bad-3-outside")
    assert _cases_saying(server.database_url, text) == 0

    # Placed by hand: the form registers (a walk-in is a public report, source web).
    _place_on_map(page)
    page.get_by_test_id("reg-submit").click()
    result = page.get_by_test_id("reg-result")
    result.filter(has_text="已登记").wait_for()
    number = re.search(r"案件编号 (\S+)", result.inner_text())
    assert number is not None
    assert _case_by_number(server.database_url, number.group(1))["source"] == "web"

    # The next call about the same place and category: the form hints 疑似重复 with the case
    # just registered, before anything is sent.
    page.get_by_label("问题描述").fill(text + "（再次来电）")
    page.get_by_role("combobox", name="问题类别").fill("01001")
    page.get_by_role("option", name=re.compile(r"01001")).first.click()
    _place_on_map(page)
    hint = page.get_by_test_id("reg-duplicates")
    hint.filter(has_text=number.group(1)).wait_for()
    assert "疑似重复" in hint.inner_text()
    screenshot(page, "register-bad-4-duplicate-hint")


def test_register_offers_the_classifier_top_three(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
    tmp_path: Path,
) -> None:
    """With the bureau's classifier configured, typing the description offers its top 3
    categories with confidence; one click fills the category."""
    from sqlalchemy import select

    from urbangrid.catalog.models import Category
    from urbangrid.db import make_engine, session_scope
    from urbangrid.demo.loader import DEMO_CODE
    from urbangrid.intake.classifier.model import TrainParams, train
    from urbangrid.intake.classifier.store import save_model
    from urbangrid.intake.open311_service import service_code
    from urbangrid.org.models import Jurisdiction

    server, _ = demo_server
    engine = make_engine(server.database_url)
    phrases = ("供水井盖破损有人差点踩空", "污水井盖缺失污水外溢", "雨水井盖移位下雨积水")
    places = ("东门", "西门", "小区", "路边", "桥下")
    with session_scope(engine) as session:
        cats = [
            session.scalar(
                select(Category).where(Category.kind == "component", Category.code == code)
            )
            for code in ("01001", "01002", "01003")
        ]
        assert all(cats)
        labels = [service_code(c) for c in cats if c is not None]
        texts = [f"{p}{phrase}{n}" for phrase in phrases for p in places for n in range(6)]
        model = train(texts, [lab for lab in labels for _ in range(30)], TrainParams(folds=3))
        path = save_model(model, tmp_path / "model.zip")
        j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
        assert j is not None
        before = dict(j.settings or {})
        intake = {**before.get("intake", {}), "classifier_model": str(path)}
        j.settings = {**before, "intake": intake}
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        log_in(page, server.url, "intake", "/work/intake")
        page.goto(f"{server.url}/register")
        page.get_by_role("heading", name="案件登记").wait_for()
        page.get_by_label("问题描述").fill("小区门口供水井盖破损，有人差点踩空")
        chips = page.get_by_test_id("reg-suggestions")
        chips.wait_for()
        buttons = chips.get_by_role("button")
        assert buttons.count() == 3
        first = buttons.first.inner_text()
        assert "(01001)" in first and re.search(r"\d+%", first), first
        buttons.first.click()
        page.wait_for_function(
            "() => document.getElementById('reg-cat')?.value.includes('(01001)')"
        )
        page.get_by_label("立案条件").wait_for()
        screenshot(page, "register-4-suggestions")
    finally:
        with session_scope(engine) as session:
            j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
            assert j is not None
            j.settings = before
        engine.dispose()


def test_register_places_the_point_from_an_address(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    """An address the 门牌 list knows places the point (and its grid) without a map click."""
    from sqlalchemy import select

    from urbangrid.db import make_engine, session_scope
    from urbangrid.demo.loader import DEMO_CODE
    from urbangrid.geo.addresses import AddressRow, import_addresses
    from urbangrid.org.models import Jurisdiction

    server, facts = demo_server
    street = f"登记测试路{uuid.uuid4().hex[:6]}号"
    engine = make_engine(server.database_url)
    with session_scope(engine) as session:
        j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
        assert j is not None
        import_addresses(
            session, j, [AddressRow(1, street, facts.inspector_lon, facts.inspector_lat)]
        )
    engine.dispose()

    text = f"媒体报道：井盖缺失 {uuid.uuid4().hex[:8]}"
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, server.url, "intake", "/work/intake")
    page.goto(f"{server.url}/register")
    page.get_by_role("heading", name="案件登记").wait_for()
    page.get_by_label("媒体曝光").check()
    page.get_by_label("问题描述").fill(text)
    page.get_by_role("combobox", name="问题类别").fill("01001")
    page.get_by_role("option", name=re.compile(r"01001")).first.click()
    page.get_by_label("地址", exact=True).fill(street)
    page.get_by_role("button", name="查找地址").click()
    position = page.get_by_test_id("reg-position")
    position.filter(has_text="(地址定位)").wait_for()
    position.filter(has_text=facts.inspector_grid).wait_for()
    page.get_by_label("照片（市民提供，可多张）").set_input_files(
        {"name": "p.png", "mimeType": "image/png", "buffer": tiny_png()}
    )
    page.get_by_test_id("reg-photo-count").filter(has_text="已选 1 张照片").wait_for()
    screenshot(page, "register-5-address")
    page.get_by_test_id("reg-submit").click()
    result = page.get_by_test_id("reg-result")
    result.filter(has_text="已登记").wait_for()
    number = re.search(r"案件编号 (\S+)", result.inner_text())
    assert number is not None
    case = _case_by_number(server.database_url, number.group(1))
    assert case["source"] == "media" and case["category"] == "01001"
    assert case["photos"] == 1
    assert abs(case["lon"] - facts.inspector_lon) < 1e-6
    assert abs(case["lat"] - facts.inspector_lat) < 1e-6


def test_leader_registers_an_assignment(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
) -> None:
    """A leader registers 领导交办 only (the channel the workflow lets a leader report on)."""
    server, _ = demo_server
    text = f"领导交办：河道漂浮物 {uuid.uuid4().hex[:8]}"
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, server.url, "leader", "/map")
    page.get_by_role("link", name="登记", exact=True).click()
    page.get_by_role("heading", name="案件登记").wait_for()
    radios = page.get_by_role("radio")
    assert radios.count() == 1
    assert page.get_by_label("领导交办").is_checked()
    page.get_by_label("问题描述").fill(text)
    page.get_by_role("combobox", name="问题类别").fill("01001")
    page.get_by_role("option", name=re.compile(r"01001")).first.click()
    _place_on_map(page)
    page.get_by_test_id("reg-submit").click()
    result = page.get_by_test_id("reg-result")
    result.filter(has_text="已登记").wait_for()
    number = re.search(r"案件编号 (\S+)", result.inner_text())
    assert number is not None
    assert _case_by_number(server.database_url, number.group(1))["source"] == "leader"
    # The 疑似重复 hint works for a leader too (no refused request behind the form).
    page.get_by_label("问题描述").fill(text)
    page.get_by_role("combobox", name="问题类别").fill("01001")
    page.get_by_role("option", name=re.compile(r"01001")).first.click()
    _place_on_map(page)
    page.get_by_test_id("reg-duplicates").filter(has_text=number.group(1)).wait_for()


def _reports_on(database_url: str, case_id: int) -> int:
    from sqlalchemy import func, select

    from urbangrid.db import make_engine, session_scope
    from urbangrid.intake.models import Report

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        n = session.scalar(select(func.count(Report.id)).where(Report.case_id == case_id))
    engine.dispose()
    return int(n or 0)


def test_register_attaches_a_call_to_a_duplicate(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    """并入 from the 疑似重复 hint: the call is recorded on the open case (no new case) and
    the operator gives the caller that number; a case closed meanwhile is refused with the
    form kept as it was."""
    from sqlalchemy import select
    from web_harness import ApiUser

    from urbangrid.db import make_engine, session_scope
    from urbangrid.demo.loader import DEMO_CODE
    from urbangrid.geo.addresses import AddressRow, import_addresses
    from urbangrid.org.models import Jurisdiction

    server, facts = demo_server
    # A place of its own (the other tests' cases are elsewhere), with a 门牌 address.
    lon, lat = facts.inspector_lon + 0.0003, facts.inspector_lat + 0.0001
    street = f"并入测试路{uuid.uuid4().hex[:6]}号"
    engine = make_engine(server.database_url)
    with session_scope(engine) as session:
        j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
        assert j is not None
        import_addresses(session, j, [AddressRow(1, street, lon, lat)])
    engine.dispose()
    api = ApiUser(server.url, "intake")
    category = api.get("/api/v1/catalog/categories/component/01001")["id"]
    first = {"source": "hotline", "lon": lon, "lat": lat, "category_id": category}
    open_case = api.post("/api/v1/cases", {**first, "description": "井盖破损，第一位来电"})
    doomed = api.post("/api/v1/cases", {**first, "description": "井盖破损，另一案"})
    api.close()

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, server.url, "intake", "/work/intake")
    page.goto(f"{server.url}/register")
    page.get_by_role("heading", name="案件登记").wait_for()

    def fill_call(text: str) -> Any:
        page.get_by_label("问题描述").fill(text)
        page.get_by_role("combobox", name="问题类别").fill("01001")
        page.get_by_role("option", name=re.compile(r"01001")).first.click()
        page.get_by_label("地址", exact=True).fill(street)
        page.get_by_role("button", name="查找地址").click()
        page.get_by_test_id("reg-position").filter(has_text="(地址定位)").wait_for()
        page.get_by_label("姓名").fill("赵女士")
        page.get_by_label("联系电话").fill("13700002222")
        page.get_by_label("需要回电").check()
        hint = page.get_by_test_id("reg-duplicates")
        hint.filter(has_text=open_case["number"]).filter(has_text=doomed["number"]).wait_for()
        return hint

    text = f"来电：井盖破损又有人反映 {uuid.uuid4().hex[:6]}"
    hint = fill_call(text)
    screenshot(page, "register-6-duplicate-attach")
    hint.get_by_role("button", name=f"将来电并入案件 {open_case['number']}").click()
    result = page.get_by_test_id("reg-result")
    result.filter(has_text=f"已并入案件 {open_case['number']}（共 2 次反映）").wait_for()
    assert _cases_saying(server.database_url, text) == 0  # no new case
    assert _reports_on(server.database_url, open_case["id"]) == 1
    assert page.get_by_label("问题描述").input_value() == ""  # ready for the next call

    # The case page shows the count and the added caller to the 受理员.
    page.get_by_test_id("reg-case-link").click()
    panel = page.get_by_test_id("caller-panel")
    panel.get_by_test_id("caller-reports").filter(has_text="2").wait_for()
    calls = panel.get_by_test_id("caller-calls")
    assert "赵女士" in calls.inner_text() and "13700002222" in calls.inner_text()
    assert text in calls.inner_text() and "需要回访" in calls.inner_text()
    screenshot(page, "register-7-attached-call-on-case")

    # The other case is closed (作废) meanwhile: 并入 is refused, the form keeps its content.
    page.goto(f"{server.url}/register")
    page.get_by_role("heading", name="案件登记").wait_for()
    hint = fill_call(text + "（二）")
    lead = ApiUser(server.url, "shiftlead")
    lead.act(doomed, "void", comment="误报")
    lead.close()
    hint.get_by_role("button", name=f"将来电并入案件 {doomed['number']}").click()
    refusal = page.get_by_test_id("reg-err-dup")
    refusal.filter(has_text=f"案件 {doomed['number']} 已办结").wait_for()
    assert page.get_by_label("问题描述").input_value() == text + "（二）"
    assert page.get_by_label("联系电话").input_value() == "13700002222"
    assert page.get_by_test_id("reg-result").count() == 0
    assert _reports_on(server.database_url, doomed["id"]) == 0
    assert _cases_saying(server.database_url, text + "（二）") == 0
    screenshot(page, "register-8-attach-refused")
    assert errors == []


def test_register_other_channel_names_it(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
) -> None:
    """其他: the operator says which channel (a short text, required); it is kept with the
    registration (the 上报 step's note)."""
    from sqlalchemy import select

    from urbangrid.cases.models import Case, CaseEvent
    from urbangrid.db import make_engine, session_scope

    server, _ = demo_server
    text = f"市长信箱转来：路灯不亮 {uuid.uuid4().hex[:8]}"
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    log_in(page, server.url, "intake", "/work/intake")
    page.goto(f"{server.url}/register")
    page.get_by_role("heading", name="案件登记").wait_for()
    page.get_by_label("其他", exact=True).check()
    page.get_by_label("问题描述").fill(text)
    page.get_by_role("combobox", name="问题类别").fill("01001")
    page.get_by_role("option", name=re.compile(r"01001")).first.click()
    _place_on_map(page)
    page.get_by_test_id("reg-submit").click()
    page.get_by_test_id("reg-err-channel").filter(has_text="请说明是哪个渠道").wait_for()
    assert _cases_saying(server.database_url, text) == 0
    page.get_by_label("其他渠道说明（如市长信箱、网格群）").fill("市长信箱")
    assert page.get_by_test_id("reg-err-channel").count() == 0
    page.get_by_test_id("reg-submit").click()
    result = page.get_by_test_id("reg-result")
    result.filter(has_text="已登记").wait_for()
    number = re.search(r"案件编号 (\S+)", result.inner_text())
    assert number is not None
    engine = make_engine(server.database_url)
    with session_scope(engine) as session:
        case = session.scalar(select(Case).where(Case.number == number.group(1)))
        assert case is not None and case.source == "web"
        first = session.scalar(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
        assert first is not None and first.comment == "登记渠道：其他（市长信箱）"
    engine.dispose()
