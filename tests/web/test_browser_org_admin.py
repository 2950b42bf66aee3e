"""管理 in a real Chromium as the demo admin: one 管理 menu entry leads to the hub, whose
links reach every section; the department tree is built, edited and pruned, and each
refusal (a cycle, sub-units, users) is shown in Chinese with nothing changed."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from test_browser_a11y import UNNAMED
from web_harness import DemoFacts, LiveServer, open_as, wait_text

pytestmark = pytest.mark.browser


def _row(page: Any, code: str) -> Any:
    return page.locator(f"tr[data-code='{code}']")


def test_hub_and_department_tree(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    base = server.url
    page = open_as(browser, base, "admin", "/dashboard", accept_dialogs=True)
    errors = page.js_errors

    # one 管理 entry; no separate admin entries in the menu
    nav = page.get_by_role("navigation")
    assert not nav.locator("a[href^='/admin/']").count()
    nav.get_by_role("link", name="管理", exact=True).click()
    page.wait_for_url(f"{base}/admin")
    hub = page.get_by_test_id("admin-hub")
    hub.locator("a").first.wait_for()  # the page is loaded on demand
    hrefs = hub.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert set(hrefs) >= {
        "/admin/users",
        "/admin/departments",
        "/admin/grids",
        "/admin/jurisdiction",
        "/admin/audit",
        "/admin/catalog",
        "/admin/registers",
        "/admin/routing",
        "/admin/worktime",
    }
    for label in ("分类与立案条件", "台账", "派遣规则", "时限与工作日历"):
        assert hub.get_by_role("link", name=label).count() == 1
    screenshot(page, "admin-hub")
    assert page.evaluate(UNNAMED) == []

    hub.get_by_role("link", name="部门与街道办事处").click()
    page.wait_for_url(f"{base}/admin/departments")
    page.get_by_test_id("dept-table").wait_for()

    # a top unit and a team under it, the team a street office
    def create(code: str, name: str, parent: str | None, street: bool) -> None:
        page.get_by_test_id("dept-new").click()
        form = page.get_by_test_id("dept-create")
        form.get_by_label("编码").fill(code)
        form.get_by_label("名称").fill(name)
        if parent:
            form.get_by_label("上级部门").select_option(label=parent)
        if street:
            form.get_by_label("对应街道").select_option(index=1)
        form.get_by_role("button", name="创建").click()
        wait_text(page, "dept-notice", name)

    page.get_by_test_id("dept-new").click()
    assert page.evaluate(UNNAMED) == []  # the table's buttons and the create form
    page.get_by_test_id("dept-new").click()
    create("BTP", "浏览器测试处", None, False)
    create("BTT", "浏览器测试所", "浏览器测试处 (BTP)", True)
    team = _row(page, "BTT")
    assert team.get_attribute("data-depth") == "1"
    assert "街道办事处" in team.inner_text()

    # a cycle: the unit under its own team — refused, in Chinese, nothing moved
    _row(page, "BTP").get_by_role("button", name="修改").click()
    edit = page.get_by_test_id("dept-edit")
    edit.get_by_label("上级部门").select_option(label="浏览器测试所 (BTT)")
    edit.get_by_role("button", name="保存").click()
    wait_text(page, "dept-error", "是它自己或它的下级")
    edit.get_by_role("button", name="取消").click()
    assert _row(page, "BTP").get_attribute("data-depth") == "0"

    # rename the team and clear its street
    _row(page, "BTT").get_by_role("button", name="修改").click()
    edit = page.get_by_test_id("dept-edit")
    edit.get_by_label("名称").fill("浏览器测试二所")
    edit.get_by_label("对应街道").select_option(value="")
    edit.get_by_role("button", name="保存").click()
    wait_text(page, "dept-notice", "浏览器测试二所")
    page.get_by_test_id("dept-edit").wait_for(state="detached")
    assert "街道办事处" not in _row(page, "BTT").inner_text()
    assert _row(page, "BTT").get_attribute("data-depth") == "1"  # still under its unit

    # delete the unit with a team under it: refused
    _row(page, "BTP").get_by_role("button", name="删除").click()
    wait_text(page, "dept-error", "1 个下级单位")
    # a department with users: refused, saying how many
    with_users = page.locator("tr[data-code]").filter(
        has=page.locator("td[data-col='users']:not(:text-is('0'))")
    )
    assert with_users.count() > 0
    n = with_users.first.locator("td[data-col='users']").inner_text()
    with_users.first.get_by_role("button", name="删除").click()
    wait_text(page, "dept-error", f"还有 {n} 名人员")

    # disable, then delete team and unit
    _row(page, "BTT").get_by_role("button", name="停用").click()
    wait_text(page, "dept-notice", "浏览器测试二所")
    expect(_row(page, "BTT")).to_contain_text("已停用")
    _row(page, "BTT").get_by_role("button", name="删除").click()
    wait_text(page, "dept-notice", "已删除")
    _row(page, "BTP").get_by_role("button", name="删除").click()
    page.wait_for_function("() => !document.querySelector(`tr[data-code='BTP']`)")
    screenshot(page, "admin-departments")
    assert not errors, errors
    page.context.close()


def _api(base: str) -> Any:
    """An httpx client logged in as the demo admin (bearer token)."""
    import httpx
    from web_harness import DEMO_PASSWORD

    client = httpx.Client(base_url=base, timeout=30)
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


def test_inspector_grids_on_the_map_and_in_the_list(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    base = server.url
    api = _api(base)
    # a new inspector of its own, so that the demo's inspectors keep their grids
    r = api.post(
        "/api/v1/org/users",
        json={
            "username": "grid_insp",
            "display_name": "网格测试监督员",
            "password": "Start#2026",
            "roles": ["inspector"],
        },
    )
    assert r.status_code == 201, r.text
    insp = r.json()["id"]
    started = time.perf_counter()
    before = api.get("/api/v1/org/admin/grid-coverage").json()
    took = (time.perf_counter() - started) * 1000
    grids = before["grids"]
    # measured and printed, not asserted
    n_insp = len(before["inspectors"])
    print(f"\ngrid coverage: {len(grids)} grids, {n_insp} inspectors, {took:.0f} ms")
    assert before["total"] == len(grids) > 0
    assert before["uncovered"] == len([g for g in grids if not g["inspector_ids"]])
    names = {u["id"]: u["display_name"] for u in before["inspectors"]}

    page: Any = None
    try:
        page = open_as(browser, base, "admin", "/dashboard")
        errors = page.js_errors
        page.goto(f"{base}/admin/grids")
        wait_text(
            page, "grids-coverage", f"{before['total']} 个网格，其中 {before['uncovered']} 个"
        )
        page.get_by_label("监督员", exact=True).select_option(value=str(insp))
        # the map draws the grids
        page.get_by_test_id("grids-map").locator("canvas").wait_for()
        # a click on a grid of the map toggles it (the view is fitted to the grids: the
        # centre is one); a second click takes it out again
        page.locator("[data-testid=grids-map][data-ready='1']").wait_for()
        page.wait_for_timeout(500)  # the first frame of the fitted view
        canvas = page.get_by_test_id("grids-map").locator("canvas")
        canvas.click()
        wait_text(page, "grids-selected", "已选 1 个网格")
        canvas.click()
        wait_text(page, "grids-selected", "已选 0 个网格")
        screenshot(page, "admin-grids-map")
        assert page.evaluate(UNNAMED) == []

        # list mode: tick one grid (it shows who else patrols it), then add a whole
        # community of another street
        page.get_by_test_id("grids-list-mode").click()
        first = grids[0]
        page.get_by_test_id("grids-filter").fill(first["code"])
        row = page.locator(f"tr[data-grid='{first['code']}']")
        for held_by in first["inspector_ids"]:
            expect(row).to_contain_text(names[held_by])
        page.get_by_role("checkbox", name=first["code"]).check()
        wait_text(page, "grids-selected", "已选 1 个网格")
        other = next(g for g in grids if g["street_id"] != first["street_id"])
        page.get_by_label("街道", exact=True).select_option(value=str(other["street_id"]))
        page.get_by_label("社区", exact=True).select_option(value=str(other["community_id"]))
        page.get_by_role("button", name="加入整个社区").click()
        wanted = {g["code"] for g in grids if g["community_id"] == other["community_id"]}
        wanted.add(first["code"])
        wait_text(page, "grids-selected", f"已选 {len(wanted)} 个网格")
        page.get_by_test_id("grids-save").click()
        wait_text(page, "grids-notice", f"已保存 网格测试监督员 的 {len(wanted)} 个网格")

        after = api.get("/api/v1/org/admin/grid-coverage").json()
        mine = {g["code"] for g in after["grids"] if insp in g["inspector_ids"]}
        assert mine == wanted
        newly = len([g for g in grids if g["code"] in wanted and not g["inspector_ids"]])
        assert after["uncovered"] == before["uncovered"] - newly
        wait_text(page, "grids-coverage", f"其中 {after['uncovered']} 个")
        page.get_by_test_id("grids-filter").fill("")
        screenshot(page, "admin-grids-list")
        assert page.evaluate(UNNAMED) == []
        assert not errors, errors
    finally:
        # leave the shared demo as it was: no grids, the user disabled
        api.put(f"/api/v1/org/users/{insp}/grids", json={"grid_codes": []})
        api.put(f"/api/v1/org/users/{insp}/active", json={"active": False})
        if page is not None:
            page.context.close()


def test_audit_log_shows_who_when_what(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    base = server.url
    api = _api(base)
    made = api.post("/api/v1/org/admin/departments", json={"code": "AUD1", "name": "审计测试组"})
    assert made.status_code == 201, made.text
    r = api.patch(
        f"/api/v1/org/admin/departments/{made.json()['id']}", json={"name": "审计测试二组"}
    )
    assert r.status_code == 200, r.text
    assert api.delete(f"/api/v1/org/admin/departments/{made.json()['id']}").status_code == 204

    page = open_as(browser, base, "admin", "/dashboard")
    errors = page.js_errors
    page.goto(f"{base}/admin/audit")
    page.get_by_test_id("audit-table").wait_for()
    form = page.get_by_test_id("audit-filters")
    form.get_by_label("类型").select_option(label="管理操作")
    form.get_by_label("用户").fill("admin")
    form.get_by_role("button", name="筛选").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('tr[data-kind]')]"
        ".every(r => r.dataset.kind === 'admin')"
    )
    rows = page.locator("tr[data-kind='admin']")
    # newest first: the deletion, then the rename (old → new), then the creation
    expect(rows.nth(0)).to_contain_text("删除部门")
    expect(rows.nth(0)).to_contain_text("AUD1")
    expect(rows.nth(1).locator("[data-change='name']")).to_have_text(
        "名称: 审计测试组 → 审计测试二组"
    )
    expect(rows.nth(2)).to_contain_text("新建部门")
    expect(rows.nth(0)).to_contain_text("admin")
    screenshot(page, "admin-audit")
    assert page.evaluate(UNNAMED) == []
    # a day with nothing
    form.get_by_label("截止日期").fill("2020-01-01")
    form.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("没有符合条件的记录")).to_be_visible()
    assert not errors, errors
    page.context.close()


def test_jurisdiction_settings_city_admin_edits_its_districts(
    browser: Any,
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    base = server.url
    page = open_as(browser, base, "city_admin", "/dashboard")
    errors = page.js_errors
    page.goto(f"{base}/admin/jurisdiction")
    forms = page.locator("form[data-code]")
    forms.first.wait_for()
    assert forms.count() == 3  # the city and its two districts
    district = forms.nth(2)
    code = district.get_attribute("data-code")
    old_name = district.get_by_label("名称").input_value()
    old_tz = district.get_by_label("时区").input_value()

    # a bad time zone: the field error in Chinese, nothing saved (the name beside it neither)
    district.get_by_label("名称").fill("不该保存的名字")
    district.get_by_label("时区").fill("Mars/Olympus")
    district.get_by_role("button", name="保存").click()
    wait_text(page, "juris-error", "不是有效的时区名称")
    assert district.get_by_label("时区").get_attribute("aria-invalid") == "true"
    screenshot(page, "admin-jurisdiction-error")
    assert page.evaluate(UNNAMED) == []
    page.reload()
    district = page.locator(f"form[data-code='{code}']")
    expect(district.get_by_label("名称")).to_have_value(old_name)
    expect(district.get_by_label("时区")).to_have_value(old_tz)

    # a good change, then back (the demo is shared with other tests)
    district.get_by_label("名称").fill(old_name + "（改）")
    district.get_by_role("button", name="保存").click()
    wait_text(page, "juris-notice", old_name + "（改）")
    district = page.locator(f"form[data-code='{code}']")
    district.get_by_label("名称").fill(old_name)
    district.get_by_role("button", name="保存").click()
    wait_text(page, "juris-notice", f"已保存 {old_name}")
    assert not errors, errors
    page.context.close()
