"""分类与立案条件 (/admin/catalog) in a real Chromium as the demo admin: pinyin search, a
condition's time limit edited (a bad one refused and nothing stored), a category disabled
and enabled, a bad CSV import that changes nothing and lists its lines, a good one with its
summary, and the export. On a demo database of its own (it changes the catalogue)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser_a11y import UNNAMED
from web_harness import DESK_TALL, LiveServer, make_database, open_as, start_server, wait_text

pytestmark = pytest.mark.browser

HEADER = (
    "kind,code,big_category_code,big_category_name,name,local_extension,legacy_code,"
    "local_name,filing_condition,time_limit_value,time_limit_unit,time_limit_raw,"
    "closing_condition,default_department\n"
)
ROW = "matter,06002,06,市容环境类,店面无证装修,false,,,{text},{hours},work_hour,,清理,HW\n"

FETCH = """async (url) => {
  const r = await fetch(url, {credentials: 'same-origin'});
  return await r.text();
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, frontend_built: Path) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("catalog")
    live = start_server(make_database(data_dir / "demo.db", demo=True), data_dir)
    yield live
    live.stop()


def test_admin_edits_the_catalogue_and_imports_tables(
    browser: Any,
    server: LiveServer,
    screenshot: Callable[[Any, str], Path],
    tmp_path: Path,
) -> None:
    base = server.url
    page = open_as(browser, base, "admin", "/dashboard", **DESK_TALL, accept_downloads=True)
    errors = page.js_errors
    started = time.perf_counter()
    page.goto(f"{base}/admin/catalog")
    page.get_by_role("heading", name="分类与立案条件").wait_for()
    page.locator("[data-testid=catalog-tree] details").first.wait_for()
    shown = time.perf_counter() - started
    groups = page.locator("[data-testid=catalog-tree] details").count()
    print(f"\ncatalogue screen: tree of {groups} main classes shown in {shown * 1000:.0f} ms")

    # pinyin initials find 雨水箅子
    page.get_by_label("查找类别").fill("ysbz")
    page.get_by_role("button", name="雨水箅子 (01004)", exact=True).click()
    detail = page.get_by_test_id("catalog-detail")
    detail.get_by_role("heading", name="雨水箅子 (01004)").wait_for()
    rows = page.locator("[data-testid=conditions] tr[data-condition]")
    rows.first.wait_for()
    assert "通用目录" in detail.inner_text()
    assert page.evaluate(UNNAMED) == []
    screenshot(page, "admin-catalog-category")
    api_url = "/api/v1/catalog/categories/component/01004"
    stored = page.evaluate(FETCH, api_url)

    # a bad time limit: refused, nothing stored
    rows.first.get_by_role("button", name="修改").click()
    form = page.get_by_test_id("condition-form")
    form.get_by_label("处置时限", exact=True).fill("0")
    assert page.evaluate(UNNAMED) == []
    form.get_by_role("button", name="保存").click()
    wait_text(page, "catalog-error", "时限须为正数")
    assert page.evaluate(FETCH, api_url) == stored
    # a good one: 3 working days, on the district's own version
    form.get_by_label("处置时限", exact=True).fill("3")
    form.get_by_label("时限单位").select_option("work_day")
    form.get_by_role("button", name="保存").click()
    wait_text(page, "catalog-notice", "已保存立案条件")
    assert "3 工作日" in rows.first.inner_text()
    assert "本平台版本" in detail.inner_text()
    screenshot(page, "admin-catalog-condition-saved")

    # disable: no longer offered for new cases; enable again
    detail.get_by_role("button", name="停用").click()
    # the state cell always holds the word (it is also the button's label): wait for the
    # notice, which comes once the server has answered
    wait_text(page, "catalog-notice", "已停用该类别")
    assert "01004" not in page.evaluate(FETCH, "/api/v1/catalog/categories?q=ysbz&kind=component")
    page.locator("[data-testid=catalog-tree] li", has_text="雨水箅子 (01004)").filter(
        has_text="停用"
    ).first.wait_for()
    detail.get_by_role("button", name="启用").click()
    wait_text(page, "catalog-notice", "已启用该类别")
    assert "01004" in page.evaluate(FETCH, "/api/v1/catalog/categories?q=ysbz&kind=component")

    # a CSV with bad lines: its lines and reasons listed, nothing changed
    export_url = "/api/v1/catalog/filing-conditions/export.csv"
    before = page.evaluate(FETCH, export_url)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + ROW.format(text="浏览器立案一", hours="2")
        + ROW.format(text="浏览器立案二", hours="-1")
        + ROW.replace("06002", "99999").format(text="浏览器立案三", hours="2"),
        encoding="utf-8",
    )
    page.get_by_label("CSV 文件（UTF-8）").set_input_files(str(bad))
    started = time.perf_counter()
    page.get_by_role("button", name="导入", exact=True).click()
    page.get_by_test_id("import-errors").wait_for()
    print(f"bad CSV refused and listed in {(time.perf_counter() - started) * 1000:.0f} ms")
    lines = page.locator("[data-testid=import-errors] tr[data-line]")
    assert sorted({lines.nth(i).get_attribute("data-line") for i in range(lines.count())}) == [
        "3",
        "4",
    ]
    listed = page.get_by_test_id("import-errors").inner_text()
    assert "第 3 行" in listed and "处置时限无法识别" in listed
    assert "代码“99999”不在 GB/T 47678.5 国家目录中" in listed
    screenshot(page, "admin-catalog-import-rejected")
    after = page.evaluate(FETCH, export_url)
    assert after == before
    assert len(after.splitlines()) == len(before.splitlines())

    # a good CSV: the summary
    good = tmp_path / "good.csv"
    good.write_text(HEADER + ROW.format(text="浏览器立案一", hours="2"), encoding="utf-8")
    page.get_by_label("CSV 文件（UTF-8）").set_input_files(str(good))
    page.get_by_role("button", name="导入", exact=True).click()
    wait_text(page, "import-summary", "新增类别 1")
    assert "新增立案条件 1" in page.get_by_test_id("import-summary").inner_text()
    assert page.locator("[data-testid=import-errors]").count() == 0
    assert "浏览器立案一" in page.evaluate(FETCH, export_url)
    screenshot(page, "admin-catalog-imported")

    # the export downloads the platform's table
    with page.expect_download() as got:
        page.get_by_test_id("catalog-export").click()
    path = got.value.path()
    assert path is not None and "浏览器立案一" in Path(path).read_text(encoding="utf-8")
    page.context.close()
    assert errors == []
