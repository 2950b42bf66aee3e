"""垃圾分类 reports in a real Chromium at 1366×768 as the demo leader: the indicators by
estate with a figure opened down to its inspections and their cases, the monthly assessment
with its ranking rule and grades, and the 分类日报 by facility and street; each page's export
answers an xlsx. Data: registers, weigh tickets and inspections put in through the API on a
demo database of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_browser_a11y import UNNAMED
from web_harness import (
    ApiUser,
    LiveServer,
    demo_facts,
    make_database,
    open_as,
    start_server,
    wait_text,
)

from worldkit import add_matter_conditions

pytestmark = pytest.mark.browser

SCREEN = {"viewport": {"width": 1366, "height": 768}}
BEIJING = timedelta(hours=8)
FETCH_STATUS = """async (url) => {
  const r = await fetch(url, {credentials: 'same-origin'});
  return [r.status, r.headers.get('content-type')];
}"""


def add_conditions(database_url: str) -> None:
    """Time limits for the matters an inspection's failed items open (the demo catalogue
    has none for them)."""

    from urbangrid.db import make_engine, session_scope

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        add_matter_conditions(session, ("06041", "06042"), seq=9)
    engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, frontend_built: Path) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("waste-reports")
    url = make_database(data_dir / "demo.db", demo=True)
    add_conditions(url)
    live = start_server(url, data_dir)
    yield live
    live.stop()


def square(lon: float, lat: float, half: float) -> str:
    a, b, c, d = lon - half, lat - half, lon + half, lat + half
    return f"POLYGON(({a} {b}, {c} {b}, {c} {d}, {a} {d}, {a} {b}))"


def put(api: ApiUser, path: str, text: str) -> None:
    r = api.client.post(path, content=text.encode())
    assert r.status_code == 200, r.text


def seed(server: LiveServer) -> dict[str, Any]:
    """Two estates and points in the demo inspector's first grid, a company with two
    vehicles (one with the grid's street as its service street), two facilities, three
    tickets an hour ago and three inspections now."""
    facts = demo_facts(server.database_url)
    lon, lat = facts.inspector_lon, facts.inspector_lat
    street_code = facts.inspector_grid[6:9]
    admin = ApiUser(server.url, "admin")
    street = next(s for s in admin.get("/api/v1/org/streets") if s["code"] == street_code)
    put(
        admin,
        "/api/v1/registers/waste.estates/import",
        "code,name,开展分类,三定一督,geometry\n"
        f'WE1,浏览器花园,是,是,"{square(lon - 0.0002, lat, 0.00008)}"\n'
        f'WE2,浏览器新村,是,否,"{square(lon + 0.0002, lat, 0.00008)}"\n',
    )
    put(
        admin,
        "/api/v1/registers/waste.drop_points/import",
        "code,name,所属小区,桶类,投放时间,督导员,lon,lat\n"
        f"WP1,花园1号点,WE1,厨余垃圾|其他垃圾,00:00-23:59,李,{lon - 0.0002},{lat}\n"
        f"WP2,新村1号点,WE2,厨余垃圾|其他垃圾,,,{lon + 0.0002},{lat}\n",
    )
    put(admin, "/api/v1/registers/waste.companies/import", "code,name\nWC1,浏览器清运\n")
    put(
        admin,
        "/api/v1/registers/waste.vehicles/import",
        "code,name,所属企业,运输类别,服务街道\n"
        f"WV1,浙B001,WC1,其他垃圾,{street_code}\nWV2,浙B002,WC1,厨余垃圾,\n",
    )
    put(
        admin,
        "/api/v1/registers/waste.facilities/import",
        "code,name,设施类型,接收类别,折算系数,无害化处理,lon,lat\n"
        "WF1,浏览器焚烧厂,焚烧厂,其他垃圾,0.3,是,122.5,30.1\n"
        "WF2,浏览器厨余厂,厨余处理厂,厨余垃圾,0.5,是,122.6,30.1\n",
    )
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    put(
        admin,
        "/api/v1/waste/tickets/import",
        "ticket_no,facility,vehicle,category,time,gross_kg,tare_kg\n"
        f"WT1,WF1,WV1,其他垃圾,{hour_ago},16000,9000\n"
        f"WT2,WF2,WV2,厨余垃圾,{hour_ago},8000,5000\n"
        f"WT3,WF1,WV1,其他垃圾,{hour_ago},12000,9000\n",
    )
    admin.close()
    insp = ApiUser(server.url, "inspector1")
    numbers = []
    for body in (
        {"point": "WP1", "bins_checked": {"其他垃圾": 4}, "bins_wrong": {"其他垃圾": 1}},
        {"point": "WP1", "bins_checked": {"厨余垃圾": 4}},
        {"point": "WP2", "bins_checked": {"其他垃圾": 2}, "bins_wrong": {"其他垃圾": 2}},
    ):
        out = insp.post("/api/v1/waste/inspections", body)
        numbers += [f["case_number"] for f in out["failures"]]
    insp.close()
    return {"street": street["name"], "numbers": numbers}


def test_leader_reads_indicators_assessment_and_ledger(
    browser: Any, server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    seeded = seed(server)
    today = (datetime.now(UTC) + BEIJING).date()
    first, last = (today - timedelta(days=2)).isoformat(), (today + timedelta(days=1)).isoformat()
    base = server.url
    page = open_as(browser, base, "leader", "/map", **SCREEN)
    errors = page.js_errors

    # indicators by estate: WE1 3 of 4 + 4 bins right (87.5 %), WE2 0 of 2
    page.goto(f"{base}/waste/indicators")
    page.get_by_role("heading", name="垃圾分类指标").wait_for()
    page.get_by_label("统计层级").select_option(label="小区")
    page.get_by_label("开始日期").fill(first)
    page.get_by_label("结束日期").fill(last)
    table = page.get_by_test_id("waste-indicators")
    row = table.locator("tr[data-key=WE1]")
    row.wait_for()
    accuracy = row.locator("button[data-formula=drop_accuracy]")
    assert accuracy.inner_text() == "87.5%"
    assert table.locator("tr[data-key=WE2] button[data-formula=drop_accuracy]").inner_text() == (
        "0.0%"
    )
    # tonnage is not counted by estate: no link, a dash
    assert row.locator("button[data-formula=kitchen_separation]").count() == 0
    assert page.evaluate(UNNAMED) == []
    accuracy.click()
    wait_text(page, "waste-sources-sums", "共 2 次检查：抽查 8 桶，混投 1 桶")
    sources = page.get_by_test_id("waste-sources")
    assert seeded["numbers"][0] in sources.inner_text()  # WP1's case, linked
    assert sources.get_by_role("link", name=seeded["numbers"][0]).count() == 1
    href = page.get_by_test_id("waste-export").get_attribute("href")
    assert href is not None and "format=xlsx" in href and "level=estate" in href
    status, ctype = page.evaluate(FETCH_STATUS, href)
    assert status == 200 and "spreadsheetml" in ctype
    screenshot(page, "waste-indicators-estates")

    # by street: the tickets of WV1 (its service street), 10 t of 其他垃圾
    page.get_by_label("统计层级").select_option(label="街道")
    street_row = table.locator("tr", has_text=seeded["street"])
    street_row.locator("button[data-formula=resource_rate]").click()
    wait_text(page, "waste-sources-sums", "共 2 张过磅单，净重合计 10 吨")

    # the monthly assessment: the ranking rule, grades, the lists
    page.goto(f"{base}/waste/assessment")
    page.get_by_label("考核月份").fill(today.strftime("%Y-%m"))
    wait_text(page, "waste-rule-estate", "少于 2 次")
    estates = page.get_by_test_id("waste-assess-estate")
    graded = estates.locator("tr[data-key=WE1] .grade")
    graded.wait_for()
    assert graded.inner_text() in {"A", "B", "C", "D", "E"}
    # WE2 has one inspection: scored, not ranked; the one ranked estate is the red list
    # alone, and nobody is on the black list (evaluation.ranking)
    assert "数据不足" in estates.locator("tr[data-key=WE2]").inner_text()
    assert "浏览器花园 A" in page.get_by_test_id("waste-red-estate").inner_text()
    assert page.get_by_test_id("waste-black-estate").inner_text().endswith("无")
    href = page.get_by_test_id("waste-export-street").get_attribute("href")
    assert page.evaluate(FETCH_STATUS, href)[0] == 200
    assert page.evaluate(UNNAMED) == []
    screenshot(page, "waste-assessment")

    # 分类日报: 13 t in all, 10 t for the street, 3 t unattributed
    page.goto(f"{base}/waste/ledger")
    page.get_by_label("开始日期").fill(first)
    page.get_by_label("结束日期").fill(last)
    wait_text(page, "ledger-total", "13")
    streets = page.get_by_test_id("ledger-streets")
    assert "10" in streets.locator("tr", has_text=seeded["street"]).inner_text()
    assert "3" in streets.locator("tr", has_text="未归属").inner_text()
    assert "浏览器焚烧厂" in page.get_by_test_id("ledger-facilities").inner_text()
    href = page.get_by_test_id("waste-export").get_attribute("href")
    assert page.evaluate(FETCH_STATUS, href)[0] == 200
    screenshot(page, "waste-ledger")
    assert errors == []
    page.context.close()
