"""违法建设 screens in a real Chromium on a demo database of their own (the demo brings a
register, steps in progress and two patch batches, ``construction.demo``):

- the enforcement team's record page: a refused step shows the Chinese reason, an allowed
  step moves the next step on;
- an inspector's phone 核查 at 375×812 (no horizontal scroll): an illegal verdict shows the
  new case's number;
- the admin's batch import: a bad file lists every bad feature in Chinese and imports
  nothing, a good one is listed with its figures;
- the leader's map at 1366×768: the legend counts records by status as the API does;
- the indicators: a figure opens the records it counts, the xlsx downloads;
- the admin's header with the 违建 entry still fits one row at 1366 px."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser_a11y import UNNAMED
from web_harness import (
    DESK,
    PHONE,
    ApiUser,
    LiveServer,
    make_database,
    open_as,
    start_server,
    tiny_png,
    wait_text,
)

pytestmark = pytest.mark.browser

API = "/api/v1/construction"
FETCH_STATUS = """async (url) => {
  const r = await fetch(url, {credentials: 'same-origin'});
  return [r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength];
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, frontend_built: Path) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("construction")
    live = start_server(make_database(data_dir / "demo.db", demo=True, construction=True), data_dir)
    yield live
    live.stop()


def no_js_errors(page: Any) -> None:
    """No uncaught error, and every visible control has a name."""
    assert page.js_errors == [], page.js_errors
    assert page.evaluate(UNNAMED) == []


def test_record_steps_refused_in_chinese_then_taken(
    browser: Any, server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    api = ApiUser(server.url, "h_zf")
    late = api.get(f"{API}/records", overdue="true", page_size=500)["items"]
    new_late = [
        r
        for r in late
        if r["status"] == "在查" and r["kind"] == "new" and r["next_step"] == "stop_order"
    ]
    assert new_late, late
    code = new_late[0]["code"]
    page = open_as(browser, server.url, "h_zf", "/work/department")
    try:
        # the work list tells of the overdue steps, and opens them
        wait_text(page, "construction-overdue", f"{len(late)} 处查处步骤已超过法定期限")
        page.click("[data-testid=construction-overdue] a")
        page.wait_for_url(f"{server.url}/construction?filter=overdue")
        wait_text(page, "crecords-total", f"共 {len(late)} 条")
        assert page.locator("#c-status").input_value() == "overdue"
        # the section's list: the overdue record is flagged, filtered by status
        page.goto(f"{server.url}/construction")
        page.wait_for_selector(f"[data-testid=crecords] tr[data-code='{code}']")
        page.select_option("#c-status", "overdue")
        wait_text(page, "crecords-total", f"共 {len(late)} 条")
        page.click(f"[data-testid=crecords] tr[data-code='{code}'] a")
        page.wait_for_url(f"{server.url}/construction/records/{code}")
        wait_text(page, "next-due", "制止")
        assert "late" in (page.get_attribute("[data-testid=next-due]", "class") or "")
        assert page.locator("#s-code option").all_inner_texts() == ["制止"]
        # 制止 needs its document number: refused, in Chinese, nothing recorded
        page.click("[data-testid=step-form] button[type=submit]")
        wait_text(page, "step-error", "制止须填写文书编号")
        assert page.locator("[data-testid=steps-taken] tr[data-step]").count() == 0
        screenshot(page, "construction-record-refused")
        page.fill("#s-doc", "示执字〔2026〕901号")
        page.click("[data-testid=step-form] button[type=submit]")
        wait_text(page, "step-notice", "已登记：制止")
        wait_text(page, "next-due", "调查")
        assert "late" not in (page.get_attribute("[data-testid=next-due]", "class") or "")
        assert page.locator("[data-testid=steps-taken] tr[data-step=stop_order]").count() == 1
        steps = api.get(f"{API}/records/{code}/steps")
        assert steps["next_due"]["code"] == "investigate" and steps["overdue"] is False
        screenshot(page, "construction-record-step")
        no_js_errors(page)
    finally:
        page.context.close()
        api.close()


def test_phone_verification_illegal_shows_the_case_number(
    browser: Any, server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    who, task = None, None
    for name in ("inspector1", "inspector2", "inspector3"):
        api = ApiUser(server.url, name)
        tasks = api.get(f"{API}/tasks")["items"]
        api.close()
        if tasks:
            who, task = name, tasks[0]
            break
    assert who and task, "the demo has no 核查 task in any inspector's grids"
    page = open_as(browser, server.url, who, "/m", **PHONE)
    try:
        page.click(".phone-links a[href='/construction/verify']")
        page.wait_for_url(f"{server.url}/construction/verify")
        page.wait_for_selector(f"[data-testid=verify-tasks] button[data-ref='{task['ref']}']")
        page.click(f"[data-testid=verify-tasks] button[data-ref='{task['ref']}']")
        page.wait_for_selector(".construction-verify .pick-map canvas")
        # 合法 asks for the permit number
        page.click("button[data-verdict=legal]")
        assert page.locator("#v-permit").is_visible()
        page.click("button[data-verdict=illegal]")
        page.fill("#v-party", "张某")
        page.select_option("#v-structure", "彩钢板")
        page.fill("#v-floors", "2")
        page.fill("#v-note", "屋顶加盖")
        page.set_input_files(
            "#v-photos", files=[{"name": "p.png", "mimeType": "image/png", "buffer": tiny_png()}]
        )
        wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"the page scrolls sideways by {wide} px"
        screenshot(page, "construction-verify-phone")
        page.click("[data-testid=verify-form] button[type=submit]")
        page.wait_for_selector("[data-testid=verify-case]")
        text = page.inner_text("[data-testid=verify-case]")
        admin = ApiUser(server.url, "admin")
        patch = admin.get(f"{API}/patches/{task['id']}")
        assert patch["verdict"] == "illegal" and patch["case_id"]
        number = admin.get(f"/api/v1/cases/{patch['case_id']}")["number"]
        admin.close()
        assert number in text
        wide = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0
        screenshot(page, "construction-verify-done")
        no_js_errors(page)
    finally:
        page.context.close()


def feature(ref: str, lon: float, lat: float, **props: Any) -> dict[str, Any]:
    d = 0.0001
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"ref": ref, **props},
    }


def test_batch_import_bad_file_then_good(
    browser: Any, server: LiveServer, screenshot: Callable[[Any, str], Path], tmp_path: Path
) -> None:
    api = ApiUser(server.url, "admin")
    before = api.get(f"{API}/batches")
    # a point inside the demo grids, away from the demo lattice: a register record's corner
    rec = api.get(f"{API}/records", page_size=1)["items"][0]
    lon, lat = rec["geometry"]["coordinates"][0][0]
    lon, lat = lon + 0.004, lat + 0.004
    bad = {
        "type": "FeatureCollection",
        "features": [
            feature("G1", lon, lat, t1="2026-01-01", t2="2026-06-01"),
            feature("B1", lon + 0.001, lat, t1="2026-06-01", t2="2026-01-01"),
            feature("B2", 100.0, 20.0),
            feature("B3", lon + 0.002, lat, confidence="high"),
        ],
    }
    (tmp_path / "bad.geojson").write_text(json.dumps(bad))
    good = {"type": "FeatureCollection", "features": [bad["features"][0]]}
    (tmp_path / "good.geojson").write_text(json.dumps(good))
    page = open_as(browser, server.url, "admin", "/dashboard")
    try:
        page.goto(f"{server.url}/construction/batches")
        page.wait_for_selector("[data-testid=batch-list] tbody tr")
        page.set_input_files("#b-file", str(tmp_path / "bad.geojson"))
        page.fill("#b-name", "测试批次")
        page.click("[data-testid=batch-import] button[type=submit]")
        page.wait_for_selector("[data-testid=batch-errors] li")
        items = page.locator("[data-testid=batch-errors] li").all_inner_texts()
        assert [i.split("：")[0] for i in items] == ["第 2 个图斑", "第 3 个图斑", "第 4 个图斑"]
        assert "后时相 2026-01-01 早于前时相 2026-06-01" in items[0]
        assert "之外" in items[1]
        assert "置信度" in items[2] and "不是数字" in items[2]
        wait_text(page, "batches-error", "未导入任何内容")
        assert len(api.get(f"{API}/batches")) == len(before)
        screenshot(page, "construction-batch-refused")
        page.set_input_files("#b-file", str(tmp_path / "good.geojson"))
        page.click("[data-testid=batch-import] button[type=submit]")
        wait_text(page, "batches-notice", "已导入批次 测试批次：1 个图斑")
        page.wait_for_selector("[data-testid=batch-list] tr[data-batch='测试批次']")
        after = api.get(f"{API}/batches")
        assert len(after) == len(before) + 1
        new = next(b for b in after if b["name"] == "测试批次")
        assert new["figures"]["patches"] == 1 and new["figures"]["by_match"] == {"new": 1}
        status = page.evaluate(FETCH_STATUS, f"{API}/batches/{new['id']}/verdicts.geojson")
        assert status[0] == 200 and "geo+json" in status[1]
        screenshot(page, "construction-batches")
        no_js_errors(page)
    finally:
        page.context.close()
        api.close()


def test_map_legend_colours_by_status(
    browser: Any, server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    api = ApiUser(server.url, "leader")
    rows = api.get(f"{API}/records", page_size=500)["items"]
    api.close()
    page = open_as(browser, server.url, "leader", "/map", viewport={"width": 1366, "height": 768})
    try:
        page.goto(f"{server.url}/construction/map")
        page.wait_for_selector("[data-testid=construction-map][data-ready=yes]")
        page.wait_for_selector("[data-testid=construction-legend] [data-legend=new]")
        expected = {
            "overdue": sum(r["overdue"] for r in rows),
            "在查": sum(r["status"] == "在查" and not r["overdue"] for r in rows),
            "已拆除": sum(r["status"] == "已拆除" and not r["overdue"] for r in rows),
        }
        assert expected["overdue"] > 0 and expected["已拆除"] > 0
        for key, n in expected.items():
            text = page.inner_text(f"[data-testid=construction-legend] [data-legend='{key}']")
            assert text.endswith(f"({n})"), (key, text)
        colours = page.evaluate(
            "() => Array.from(document.querySelectorAll('[data-legend] .swatch'))"
            ".map(s => getComputedStyle(s).backgroundColor)"
        )
        assert len(set(colours)) >= 10  # 5 record states + 7 patch states, distinct enough
        assert page.inner_text("[data-legend=overdue]").startswith("步骤超期")
        page.wait_for_timeout(500)
        screenshot(page, "construction-map")
        no_js_errors(page)
    finally:
        page.context.close()


def test_indicators_drill_down_and_export(
    browser: Any, server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    page = open_as(browser, server.url, "leader", "/map")
    try:
        page.goto(f"{server.url}/construction/indicators")
        page.fill("#i-start", "2020-01-01")
        page.dispatch_event("#i-start", "change")
        page.select_option("#i-level", "district")
        page.wait_for_selector("[data-testid=indicators] tr[data-key='null']")
        cell = page.locator(
            "[data-testid=indicators] tr[data-key='null'] td[data-col=records] button"
        )
        n = int(cell.inner_text())
        assert n >= 40
        cell.click()
        page.wait_for_selector("[data-testid=sources] li a")
        assert page.locator("[data-testid=sources] li").count() == n
        href = page.get_attribute("[data-testid=indicators-xlsx]", "href")
        assert href and "format=xlsx" in href and "level=district" in href
        status = page.evaluate(FETCH_STATUS, href)
        assert status[0] == 200 and "spreadsheet" in status[1] and status[2] > 1000
        screenshot(page, "construction-indicators")
        page.locator("[data-testid=sources] li a").first.click()
        page.wait_for_url(f"{server.url}/construction/records/**")
        page.wait_for_selector("[data-testid=crecord-facts]")
        no_js_errors(page)
    finally:
        page.context.close()


def test_admin_header_fits_one_row(browser: Any, server: LiveServer) -> None:
    page = open_as(browser, server.url, "admin", "/dashboard", **DESK)
    try:
        # the admin's menu holds 违建治理 (in the row or under 更多), never the phone page
        page.wait_for_selector(".topbar nav.main-nav > ul > li")
        menu = page.evaluate(
            "() => Array.from(document.querySelectorAll('.nav-measure [data-path]'))"
            ".map(e => e.dataset.path)"
        )
        assert "/construction" in menu and "/construction/verify" not in menu
        tops = page.evaluate(
            "() => Array.from(document.querySelectorAll('.topbar nav.main-nav > ul > li'))"
            ".map(li => li.offsetTop)"
        )
        assert len(set(tops)) == 1, tops
    finally:
        page.context.close()


def test_map_patch_details_before_after_and_click(
    browser: Any, server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    api = ApiUser(server.url, "leader")
    batches = {b["source"]: b for b in api.get(f"{API}/batches")}
    drone, satellite = batches["drone"], batches["satellite"]
    with_images = next(
        p
        for p in api.get(f"{API}/batches/{drone['id']}/patches", match="known")["items"]
        if p["image_before"] and p["matched_record_id"]
    )
    plain = api.get(f"{API}/batches/{satellite['id']}/patches", match="known")["items"][0]
    assert plain["image_before"] is None
    records = {r["id"]: r for r in api.get(f"{API}/records", page_size=500)["items"]}
    api.close()
    page = open_as(browser, server.url, "leader", "/map", viewport={"width": 1366, "height": 768})
    try:
        # a batch with images: before / after side by side, the matched record linked
        page.goto(f"{server.url}/construction/map?batch={drone['id']}&patch={with_images['id']}")
        wait_text(page, "patch-details", with_images["ref"])
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('[data-testid=before-after] img'))"
            ".filter(i => i.complete && i.naturalWidth > 0).length === 2"
        )
        record = records[with_images["matched_record_id"]]
        wait_text(page, "patch-record", record["code"])
        assert "已在台账" in page.inner_text("[data-testid=patch-details]")
        screenshot(page, "construction-map-before-after")
        # a click on the patch in the map shows it again
        page.click("[data-testid=details-close]")
        page.wait_for_selector("[data-testid=patch-details]", state="detached")
        box = page.locator("[data-testid=construction-map]").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_text(page, "patch-details", with_images["ref"])
        # without images: the patch's outline over the record's, with the overlap
        page.goto(f"{server.url}/construction/map?batch={satellite['id']}&patch={plain['id']}")
        wait_text(page, "patch-details", plain["ref"])
        page.wait_for_selector("[data-testid=patch-details] .patch-compare canvas")
        assert page.locator("[data-testid=before-after]").count() == 0
        wait_text(page, "patch-details", f"与台账重叠 {plain['overlap_m2']} ㎡")
        wait_text(page, "patch-record", records[plain["matched_record_id"]]["code"])
        page.wait_for_timeout(400)
        screenshot(page, "construction-map-patch-over-record")
        no_js_errors(page)
    finally:
        page.context.close()
