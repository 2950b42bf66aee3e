"""台账 (/admin/registers) in a real Chromium as the demo admin: a CSV with bad lines lists
them and changes nothing, good CSVs of 居住小区 and 投放点 (inside the demo grids) show
their records, both exports download, and retiring an estate a drop point refers to is
refused in Chinese while an unreferenced one is retired. On a demo database of its own (it
changes the registers)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser_a11y import UNNAMED
from web_harness import DESK_TALL, LiveServer, make_database, open_as, start_server, wait_text

pytestmark = pytest.mark.browser

FETCH = """async (url) => {
  const r = await fetch(url, {credentials: 'same-origin'});
  return await r.text();
}"""

ESTATES_EXPORT = "/api/v1/registers/waste.estates/export?format=csv"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, frontend_built: Path) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("registers")
    live = start_server(make_database(data_dir / "demo.db", demo=True), data_dir)
    yield live
    live.stop()


def square(lon: float, lat: float, half: float = 0.0001) -> str:
    """A small WKT square around a point."""
    a, b, c, d = lon - half, lat - half, lon + half, lat + half
    return f"POLYGON(({a} {b}, {c} {b}, {c} {d}, {a} {d}, {a} {b}))"


def estates_csv(rows: list[tuple[str, str, str, str]]) -> str:
    """code, name, 开展分类, WKT."""
    head = "code,name,户数,物业公司,开展分类,三定一督,geometry\n"
    return head + "".join(f'{c},{n},120,安居物业,{s},是,"{g}"\n' for c, n, s, g in rows)


def test_admin_imports_reads_exports_and_retires_register_records(
    browser: Any,
    server: LiveServer,
    screenshot: Callable[[Any, str], Path],
    tmp_path: Path,
) -> None:
    base = server.url
    page = open_as(
        browser,
        base,
        "admin",
        "/dashboard",
        **DESK_TALL,
        accept_downloads=True,
        accept_dialogs=True,
    )
    errors = page.js_errors
    page.goto(f"{base}/admin")

    # the hub links to the page
    hub = page.get_by_test_id("admin-hub")
    hub.get_by_role("link", name="台账", exact=True).click()
    page.wait_for_url(f"{base}/admin/registers")
    page.get_by_role("heading", name="台账", exact=True).wait_for()
    picker = page.get_by_label("台账", exact=True)
    picker.select_option(label="居住小区")
    wait_text(page, "registers-total", "共 0 条")
    assert page.evaluate(UNNAMED) == []

    # a point inside a demo grid
    grids = json.loads(page.evaluate(FETCH, "/api/v1/org/grids?page_size=5"))["items"]
    grid = next(g for g in grids if g["centroid_lon"] is not None)
    lon, lat = grid["centroid_lon"], grid["centroid_lat"]

    # a CSV with bad lines: every bad line listed, nothing imported, the table unchanged
    before = page.evaluate(FETCH, ESTATES_EXPORT)
    bad = tmp_path / "bad-estates.csv"
    bad.write_text(
        estates_csv(
            [
                ("EB1", "浏览器一区", "是", square(lon, lat)),
                ("EB2", "浏览器二区", "也许", square(lon, lat)),
                ("EB3", "浏览器三区", "是", square(lon + 5, lat + 5)),
            ]
        ),
        encoding="utf-8",
    )
    page.get_by_label("CSV 或 GeoJSON 文件（UTF-8）").set_input_files(str(bad))
    page.get_by_role("button", name="导入", exact=True).click()
    page.get_by_test_id("import-errors").wait_for()
    listed = page.locator("[data-testid=import-errors] li[data-line]")
    assert [listed.nth(i).get_attribute("data-line") for i in range(listed.count())] == ["3", "4"]
    text = page.get_by_test_id("import-errors").inner_text()
    assert "第 3 行：" in text and "第 4 行：" in text
    wait_text(page, "registers-error", "未导入任何内容")
    assert page.get_by_test_id("import-summary").count() == 0
    assert page.locator("[data-testid=records] tr[data-code]").count() == 0
    assert page.evaluate(FETCH, ESTATES_EXPORT) == before
    screenshot(page, "admin-registers-import-rejected")

    # good estates: the summary and the records in the table
    good = tmp_path / "estates.csv"
    good.write_text(
        estates_csv(
            [
                ("EB1", "浏览器一区", "是", square(lon, lat)),
                ("EB2", "浏览器二区", "否", square(lon, lat, 0.00005)),
            ]
        ),
        encoding="utf-8",
    )
    page.get_by_label("CSV 或 GeoJSON 文件（UTF-8）").set_input_files(str(good))
    page.get_by_role("button", name="导入", exact=True).click()
    wait_text(page, "import-summary", "新增 2 条，更新 0 条")
    assert page.get_by_test_id("import-errors").count() == 0
    wait_text(page, "registers-total", "共 2 条")
    row = page.locator("[data-testid=records] tr[data-code=EB1]")
    assert row.locator("td[data-field=sorting_started]").inner_text() == "是"
    assert row.locator("td[data-field=households]").inner_text() == "120"
    assert "浏览器一区" in row.inner_text() and grid["code"] in row.inner_text()
    eb2 = page.locator("[data-testid=records] tr[data-code=EB2]")
    assert eb2.locator("td[data-field=sorting_started]").inner_text() == "否"

    # drop points referring to an estate: multi values joined with 、
    picker.select_option(label="投放点")
    wait_text(page, "registers-total", "共 0 条")
    points = tmp_path / "points.csv"
    points.write_text(
        "code,name,所属小区,桶类,投放时间,督导员,lon,lat\n"
        f"PB1,一区1号点,EB1,厨余垃圾|其他垃圾,06:00-08:00,张三,{lon},{lat}\n"
        f"PB2,一区2号点,EB1,可回收物,18:00-20:00,,{lon + 0.00003},{lat}\n",
        encoding="utf-8",
    )
    page.get_by_label("CSV 或 GeoJSON 文件（UTF-8）").set_input_files(str(points))
    page.get_by_role("button", name="导入", exact=True).click()
    wait_text(page, "import-summary", "新增 2 条")
    wait_text(page, "registers-total", "共 2 条")
    pb1 = page.locator("[data-testid=records] tr[data-code=PB1]")
    assert pb1.locator("td[data-field=bins]").inner_text() == "厨余垃圾、其他垃圾"
    assert pb1.locator("td[data-field=estate]").inner_text() == "EB1"

    # the search box
    page.get_by_label("查找记录").fill("PB2")
    page.get_by_role("button", name="查询").click()
    wait_text(page, "registers-total", "共 1 条")
    assert page.locator("[data-testid=records] tr[data-code]").count() == 1
    assert page.evaluate(UNNAMED) == []
    screenshot(page, "admin-registers-points")
    page.get_by_label("查找记录").fill("")
    page.get_by_role("button", name="查询").click()
    wait_text(page, "registers-total", "共 2 条")

    # the exports download the platform's records
    with page.expect_download() as got:
        page.get_by_test_id("export-csv").click()
    path = got.value.path()
    assert path is not None
    csv_text = Path(path).read_text(encoding="utf-8-sig")
    assert "PB1" in csv_text and "PB2" in csv_text
    with page.expect_download() as got:
        page.get_by_test_id("export-geojson").click()
    path = got.value.path()
    assert path is not None
    features = json.loads(Path(path).read_text(encoding="utf-8"))["features"]
    assert len(features) == 2

    # retiring an estate the drop points refer to: refused in Chinese, still listed
    picker.select_option(label="居住小区")
    wait_text(page, "registers-total", "共 2 条")
    page.get_by_role("button", name="注销 EB1").click()
    wait_text(page, "registers-error", "还有 2 条在用记录引用 EB1，不能注销")
    assert page.locator("[data-testid=records] tr[data-code=EB1]").count() == 1
    screenshot(page, "admin-registers-retire-refused")
    # an estate nobody refers to is retired and leaves the list
    page.get_by_role("button", name="注销 EB2").click()
    wait_text(page, "registers-notice", "已注销 EB2")
    wait_text(page, "registers-total", "共 1 条")
    assert page.locator("[data-testid=records] tr[data-code=EB2]").count() == 0
    assert "EB2" not in page.evaluate(FETCH, ESTATES_EXPORT)
    page.context.close()
    assert errors == []
