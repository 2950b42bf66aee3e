"""The command map updates live (server-sent events) when another user changes a case,
and a marker clicks through to the case page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from web_harness import (
    ApiUser,
    LiveServer,
    condition_id,
    demo_facts,
    log_in,
    make_database,
    start_server,
)

pytestmark = pytest.mark.browser

SYNTHETIC = 400


@pytest.fixture(scope="module")
def busy_server(
    tmp_path_factory: pytest.TempPathFactory, frontend_built: Path
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("busy")
    url = make_database(data_dir / "busy.db", demo=True, synthetic_cases=SYNTHETIC)
    server = start_server(url, data_dir)
    yield server
    server.stop()


def shown(page: Any) -> int:
    return int(page.get_by_test_id("map-points").inner_text())


def test_command_map_updates_live_and_clicks_through(
    browser: Any, busy_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    server = busy_server
    page = browser.new_page(viewport={"width": 1366, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The map's workers, tiles and styles live within the Content-Security-Policy.
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    log_in(page, server.url, "leader", "/map")
    page.get_by_test_id("live-state").filter(has_text="实时更新中").wait_for()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=map-points]').textContent) > 0"
    )
    page.wait_for_function("() => window.__mapStats !== undefined")
    before = shown(page)
    # Open cases only: the closed share of the synthetic load is not on the map.
    assert 0 < before < SYNTHETIC
    stats = page.evaluate("window.__mapStats")
    assert stats["points"] == before
    screenshot(page, "map-1-command-map")

    # Another user registers a hotline report: it appears without a reload.
    spot = demo_facts(server.database_url, "inspector3")
    intake = ApiUser(server.url, "intake")
    case = intake.post(
        "/api/v1/cases",
        {
            "source": "hotline",
            "lon": spot.inspector_lon,
            "lat": spot.inspector_lat,
            "description": "实时测试：路面塌陷",
            "filing_condition_id": condition_id(intake),
        },
    )
    recent = page.get_by_test_id("recent-changes")
    recent.get_by_role("link", name=case["number"]).wait_for(timeout=15000)
    page.wait_for_function(
        "n => Number(document.querySelector('[data-testid=map-points]').textContent) === n",
        arg=before + 1,
    )
    # Its grid now counts it among the open cases (colours the grid).
    page.wait_for_function(
        "code => (window.__map.getFeatureState({source: 'grids', id: code}).open || 0) >= 1",
        arg=case["grid_code"],
        timeout=15000,
    )

    # Click-through: zoom onto the new case and click its marker.
    page.evaluate(
        "([lon, lat]) => window.__map.jumpTo({center: [lon, lat], zoom: 19})",
        [case["lon"], case["lat"]],
    )
    page.wait_for_function("() => window.__map.loaded() && !window.__map.isMoving()")
    page.wait_for_timeout(500)
    canvas = page.get_by_test_id("command-map")
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup_link = page.locator(".maplibregl-popup").get_by_role("link", name=case["number"])
    popup_link.wait_for()
    screenshot(page, "map-2-live-case-popup")

    # The shift lead voids it meanwhile: it leaves the map of open cases.
    lead = ApiUser(server.url, "shiftlead")
    lead.act(intake.get(f"/api/v1/cases/{case['id']}"), "void", comment="重复上报")
    page.wait_for_function(
        "n => Number(document.querySelector('[data-testid=map-points]').textContent) === n",
        arg=before,
        timeout=15000,
    )
    assert "作废" in recent.inner_text()

    popup_link.click()
    page.wait_for_url(f"{server.url}/cases/{case['id']}")
    page.get_by_test_id("case-status").filter(has_text="作废").wait_for()
    intake.close()
    lead.close()
    assert errors == []
    page.close()
