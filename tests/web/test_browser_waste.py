"""The 垃圾分类 section in a real Chromium, on a demo database of its own with a generated
chain (tests/wastekit.py) around a demo grid: the leader's hub and drop-point map at
1366 × 768 (colours from inspections, a click on a point opens its checklist and case), the
dispatcher's replay of a vehicle's day (stops, rule breaks, play, a stop picked), and the
inspector's phone form at 375 × 812 (the nearest point from the phone's position, a refused
checklist keeps every answer, the corrected one opens its case, my recent inspections)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_browser_a11y import UNNAMED
from web_harness import (
    PHONE,
    ApiUser,
    LiveServer,
    make_database,
    open_as,
    start_server,
    tiny_png,
    wait_text,
)

import wastekit

pytestmark = pytest.mark.browser

DESK_768: dict[str, Any] = {"viewport": {"width": 1366, "height": 768}}
# a few days back, in Beijing
DAY = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=3)).date()


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, frontend_built: Path
) -> Iterator[tuple[LiveServer, wastekit.Chain, tuple[float, float]]]:
    data_dir = tmp_path_factory.mktemp("waste")
    server = start_server(make_database(data_dir / "demo.db", demo=True), data_dir)
    try:
        admin = ApiUser(server.url, "admin")
        grids = admin.get("/api/v1/org/grids", page_size=5)["items"]
        grid = next(g for g in grids if g["centroid_lon"] is not None)
        lon0, lat0 = grid["centroid_lon"], grid["centroid_lat"]
        chain = wastekit.chain(lon0, lat0, DAY, prefix="UI", terminal="13900009999")
        for register, text in chain.registers.items():
            r = admin.client.post(f"/api/v1/registers/{register}/import", content=text.encode())
            assert r.status_code == 200, (register, r.text)
        r = admin.client.post("/api/v1/fleet/positions", content=chain.positions.encode())
        assert r.status_code == 200, r.text
        admin.close()
        yield server, chain, (lon0, lat0)
    finally:
        server.stop()


def test_leader_hub_and_drop_point_map(
    browser: Any,
    world: tuple[LiveServer, wastekit.Chain, tuple[float, float]],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _, (lon0, lat0) = world
    # UI1 passes, UI2 fails (two cases), UI3 is never inspected
    inspector = ApiUser(server.url, "inspector1")
    inspector.post(
        "/api/v1/waste/inspections",
        {"point": "UI1", "bins_checked": {"厨余垃圾": 2}, "supervisor_present": True},
    )
    failed = inspector.post(
        "/api/v1/waste/inspections",
        {
            "point": "UI2",
            "bins_checked": {"其他垃圾": 2},
            "bins_wrong": {"其他垃圾": 1},
            "overflow": True,
        },
    )
    inspector.close()
    case_id = failed["failures"][0]["case_id"]
    page = open_as(browser, server.url, "leader", "/map", **DESK_768)
    errors = page.js_errors
    try:
        page.get_by_role("link", name="垃圾分类", exact=True).click()
        page.wait_for_url(f"{server.url}/waste")
        hub = page.get_by_test_id("waste-hub")
        hub.get_by_role("link", name="分类日报").wait_for()
        links = [a.inner_text() for a in hub.get_by_role("link").all()]
        assert links == ["投放点地图", "车辆轨迹", "指标", "考核与红黑榜", "分类日报"]
        hrefs = [a.get_attribute("href") for a in hub.get_by_role("link").all()]
        assert hrefs[2:] == ["/waste/indicators", "/waste/assessment", "/waste/ledger"]
        hub.get_by_role("link", name="投放点地图").click()
        page.wait_for_url(f"{server.url}/waste/map")
        wait_text(page, "count-open", "1")
        assert page.get_by_test_id("count-passed").inner_text() == "1"
        assert page.get_by_test_id("count-never").inner_text() == "1"
        page.wait_for_function(
            "() => window.__wasteMap && window.__wasteMap.loaded()"
            " && window.__wasteMap.queryRenderedFeatures({layers: ['drop-points']}).length >= 3"
        )
        assert page.evaluate(UNNAMED) == []
        # a click on UI2's circle opens it
        x, y = page.evaluate(
            "([lon, lat]) => { const p = window.__wasteMap.project([lon, lat]); "
            "const r = window.__wasteMap.getCanvas().getBoundingClientRect(); "
            "return [r.left + p.x, r.top + p.y]; }",
            [lon0 + 0.001, lat0],
        )
        page.mouse.click(x, y)
        detail = page.get_by_test_id("point-detail")
        wait_text(page, "point-detail", "UI二号投放点")
        wait_text(page, "point-cases", "垃圾桶满溢")
        text = detail.inner_text()
        assert "不合格·整改中" in text and "06:00-08:00" in text
        assert "检查 2 桶，错投 1 桶" in text
        screenshot(page, "waste-1-drop-point-map")
        # the status filter keeps the open point only
        page.get_by_label("检查状态").select_option(label="不合格·整改中")
        wait_text(page, "waste-shown", "显示 1 个投放点")
        # the case link opens the case page
        detail.get_by_role("link", name=failed["failures"][0]["case_number"]).click()
        page.wait_for_url(f"{server.url}/cases/{case_id}")
        assert errors == []
    finally:
        page.context.close()


def test_dispatcher_replays_a_vehicles_day(
    browser: Any,
    world: tuple[LiveServer, wastekit.Chain, tuple[float, float]],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, chain, _ = world
    page = open_as(browser, server.url, "dispatcher", "/work/dispatch", **DESK_768)
    errors = page.js_errors
    try:
        page.goto(f"{server.url}/waste/tracks")
        page.get_by_label("车辆", exact=True).select_option(value=chain.vehicle)
        page.get_by_label("日期", exact=True).fill(DAY.isoformat())
        page.get_by_role("button", name="查看轨迹").click()
        stops = page.get_by_test_id("stops")
        stops.wait_for()
        rows = stops.locator("tbody tr")
        assert rows.count() == 3
        names = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)]
        assert [n.split()[0] for n in names] == ["UI一号投放点", "UI二号投放点", "UI厨余处理厂"]
        violations = page.get_by_test_id("violations").inner_text()
        assert "混装" in violations and "UI二号投放点" in violations
        assert "漏收" in violations and "UI三号投放点" in violations
        assert "有运输趟次无过磅单" in violations
        assert "2 个投放点 → UI厨余处理厂" in page.get_by_test_id("trips").inner_text()
        assert page.evaluate(UNNAMED) == []
        # play at 600×: the clock moves on
        before = page.get_by_test_id("replay-clock").inner_text()
        page.get_by_label("倍速", exact=True).select_option(value="600")
        page.get_by_test_id("play").click()
        page.wait_for_function(
            "(t) => document.querySelector('[data-testid=replay-clock]').textContent !== t",
            arg=before,
        )
        page.get_by_test_id("play").click()  # pause
        # picking a stop highlights it and moves the clock there
        rows.nth(1).get_by_role("button").click()
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=stops] tr[aria-selected=true]')"
            ".length === 1"
        )
        wait_text(page, "replay-clock", "停靠：UI二号投放点")
        screenshot(page, "waste-2-track-replay")
        # a day without fixes says so
        page.get_by_label("日期", exact=True).fill((DAY - timedelta(days=30)).isoformat())
        page.get_by_role("button", name="查看轨迹").click()
        page.get_by_test_id("no-fixes").wait_for()
        assert errors == []
    finally:
        page.context.close()


def test_inspector_phone_form_keeps_a_refused_checklist(
    browser: Any,
    world: tuple[LiveServer, wastekit.Chain, tuple[float, float]],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _, (lon0, lat0) = world
    page = open_as(
        browser,
        server.url,
        "inspector1",
        "/m",
        **PHONE,
        geolocation={"longitude": lon0 - 0.0003, "latitude": lat0 - 0.00035},
        permissions=["geolocation"],
    )
    errors = page.js_errors
    try:
        page.get_by_test_id("to-waste-inspect").click()
        page.wait_for_url(f"{server.url}/waste/inspect")
        page.get_by_test_id("locate").click()
        wait_text(page, "chosen-point", "UI三号投放点")  # the nearest to the phone
        assert page.evaluate(UNNAMED) == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"page is {width}px wide on a 375px screen"
        # a bad checklist: more wrong bins than checked
        page.get_by_label("厨余垃圾检查桶数").fill("1")
        page.get_by_label("厨余垃圾错投桶数").fill("3")
        page.get_by_label("垃圾桶满溢").check()
        page.get_by_label("备注").fill("桶边有散落垃圾")
        page.get_by_label("照片（最多 9 张）").set_input_files(
            {"name": "p.png", "mimeType": "image/png", "buffer": tiny_png()}
        )
        page.get_by_test_id("inspect-photos").locator("img").wait_for()
        page.get_by_role("button", name="提交检查").click()
        wait_text(page, "inspect-error", "检查表有误")
        screenshot(page, "waste-3-phone-refused")
        # nothing typed is lost
        assert page.get_by_label("厨余垃圾检查桶数").input_value() == "1"
        assert page.get_by_label("厨余垃圾错投桶数").input_value() == "3"
        assert page.get_by_label("垃圾桶满溢").is_checked()
        assert page.get_by_label("备注").input_value() == "桶边有散落垃圾"
        assert page.get_by_test_id("inspect-photos").locator("img").count() == 1
        assert "UI三号投放点" in page.get_by_test_id("chosen-point").inner_text()
        # corrected: two failed items, two cases
        page.get_by_label("厨余垃圾错投桶数").fill("1")
        page.get_by_role("button", name="提交检查").click()
        result = page.get_by_test_id("inspect-result")
        result.wait_for()
        wait_text(page, "result-cases", "垃圾桶满溢")
        assert "2 项不合格" in result.inner_text()
        assert result.get_by_role("link").count() == 2
        wait_text(page, "my-inspections", "UI三号投放点")
        assert "已整改 0 / 2" in page.get_by_test_id("my-inspections").inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"page is {width}px wide on a 375px screen"
        screenshot(page, "waste-4-phone-submitted")
        # the photo went with the first case
        first = result.get_by_role("link").first.get_attribute("href")
        assert first is not None
        case = json.loads(
            page.evaluate(
                "async (u) => (await fetch(u, {credentials: 'same-origin'})).text()",
                "/api/v1" + first,
            )
        )
        assert len(case.get("attachments", case.get("photos", []))) == 1
        assert errors == []
    finally:
        page.context.close()


def test_admin_hub_links_the_drop_point_register(
    browser: Any, world: tuple[LiveServer, wastekit.Chain, tuple[float, float]]
) -> None:
    server, _, _ = world
    page = open_as(browser, server.url, "admin", "/dashboard", **DESK_768)
    try:
        page.goto(f"{server.url}/waste")
        hub = page.get_by_test_id("waste-hub")
        hub.get_by_role("link", name="台账").wait_for()
        assert hub.get_by_role("link", name="垃圾分类检查").is_visible()
        hub.get_by_role("link", name="台账").click()
        page.wait_for_url(f"{server.url}/admin/registers?register=waste.drop_points")
        page.get_by_text("UI一号投放点").wait_for()
        assert page.get_by_label("台账", exact=True).input_value() == "waste.drop_points"
        assert page.js_errors == []
    finally:
        page.context.close()
