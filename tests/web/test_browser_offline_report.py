"""An inspector reports offline on the phone page and taps 上报 twice: one case is made when
the phone is back online, and the form empties and shows its number (issue 15, item 5)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from web_harness import PHONE, DemoFacts, LiveServer, tiny_png

pytestmark = pytest.mark.browser


def _cases_saying(database_url: str, text: str) -> list[tuple[str, int]]:
    """(number, report keys) of the cases whose description is ``text``."""
    from sqlalchemy import func, select

    from urbangrid.cases.models import Case, CaseReportKey
    from urbangrid.db import make_engine, session_scope

    engine = make_engine(database_url)
    with session_scope(engine) as session:
        rows = session.execute(
            select(Case.number, func.count(CaseReportKey.id))
            .outerjoin(CaseReportKey, CaseReportKey.case_id == Case.id)
            .where(Case.description == text)
            .group_by(Case.number)
        ).all()
    engine.dispose()
    return [(number, int(keys)) for number, keys in rows]


def test_offline_report_sent_twice_makes_one_case(
    login: Callable[..., Any],
    demo_server: tuple[LiveServer, DemoFacts],
    screenshot: Callable[[Any, str], Path],
) -> None:
    server, _ = demo_server
    text = f"离线上报：路灯不亮 {uuid.uuid4().hex[:8]}"
    page = login("inspector1", landing="/m", **PHONE)
    errors = page.js_errors

    page.get_by_label("现场照片").set_input_files(
        {"name": "p.png", "mimeType": "image/png", "buffer": tiny_png()}
    )
    page.get_by_role("img", name="现场照片预览").wait_for()
    pick = page.get_by_test_id("pick-map")
    pick.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('[data-testid=pick-map] canvas') !== null")
    page.wait_for_timeout(500)
    box = pick.bounding_box()
    assert box is not None
    pick.tap(position={"x": box["width"] / 2, "y": box["height"] / 2})
    page.get_by_text("(地图点选)").wait_for()
    page.get_by_label("问题描述").fill(text)

    # Offline: the report is kept on the phone, with its key; the form keeps it too.
    page.context.set_offline(True)
    submit = page.get_by_role("button", name="上报", exact=True)
    submit.click()
    result = page.get_by_test_id("report-result")
    result.filter(has_text="网络不通，已保存在本机").wait_for()
    page.get_by_test_id("report-pending").wait_for()
    assert "待上报 1 件" in page.get_by_test_id("outbox").inner_text()
    stored = page.evaluate("() => localStorage.getItem('urbangrid_outbox')")
    key = page.evaluate("() => JSON.parse(localStorage.getItem('urbangrid_outbox'))[0].key")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", key)

    # A second tap while it waits queues nothing new.
    submit.click()
    result.filter(has_text="正等待发送，不会重复上报").wait_for()
    assert "待上报 1 件" in page.get_by_test_id("outbox").inner_text()
    assert page.evaluate("() => JSON.parse(localStorage.getItem('urbangrid_outbox')).length") == 1
    assert page.get_by_label("问题描述").input_value() == text
    screenshot(page, "phone-offline-1-waiting")
    assert _cases_saying(server.database_url, text) == []

    # Back online: the outbox sends it; the form empties and names the case.
    page.context.set_offline(False)
    result.filter(has_text=re.compile(r"已上报，案件编号 \S+")).wait_for(timeout=20_000)
    page.wait_for_function("() => (localStorage.getItem('urbangrid_outbox') ?? '[]') === '[]'")
    assert page.get_by_label("问题描述").input_value() == ""
    assert page.get_by_test_id("outbox").count() == 0
    assert page.get_by_test_id("report-pending").count() == 0
    assert page.get_by_role("img", name="现场照片预览").count() == 0
    shown = re.search(r"案件编号 (\S+)", result.inner_text())
    assert shown is not None
    # Exactly one case, with its key stored.
    assert _cases_saying(server.database_url, text) == [(shown.group(1), 1)]
    screenshot(page, "phone-offline-2-sent")

    # The answer was lost, say: the entry, key and all, is still in the outbox after a reload.
    # The page sends it again on load and gets the same case back, not a second one.
    page.evaluate("(box) => localStorage.setItem('urbangrid_outbox', box)", stored)
    page.reload()
    result.filter(has_text=f"离线保存的上报已送达，案件编号 {shown.group(1)}").wait_for()
    page.wait_for_function("() => localStorage.getItem('urbangrid_outbox') === '[]'")
    assert _cases_saying(server.database_url, text) == [(shown.group(1), 1)]
    screenshot(page, "phone-offline-3-resent-after-reload")

    # The same key with another report is refused.
    again = page.evaluate(
        """async ([key, text]) => {
            const csrf = document.cookie.split('; ').find((c) => c.startsWith('urbangrid_csrf='));
            const r = await fetch('/api/v1/cases', {method: 'POST', headers: {
                'Content-Type': 'application/json', 'Idempotency-Key': key,
                'X-CSRF-Token': decodeURIComponent(csrf.split('=')[1])},
                body: JSON.stringify({source: 'inspector', lon: 0, lat: 0, description: text})});
            return r.status;
        }""",
        [key, text],
    )
    assert again == 409  # the same key with another report (another point, no photo)
    assert len(_cases_saying(server.database_url, text)) == 1
    assert errors == []
