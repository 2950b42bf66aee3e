"""一张图 by the command centre's shift lead (值班长) at 1366 × 768: place names, drill-down
street → community → grid (zoom + outline + breadcrumbs), area figures equal to the API,
cluster labels that follow the zoom, grey closed clusters in the legend, the heat layer
of overdue cases, and the base map drawn from an offline MBTiles package."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from web_harness import LiveServer, log_in, make_database, start_server

pytestmark = pytest.mark.browser

VIEW = {"width": 1366, "height": 768}
SYNTHETIC = 600
TILE_ZOOM = 10


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_package(path: Path) -> Path:
    """A one-tile MBTiles package over the demo district (z 10, overzoomed by the map)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), (214, 232, 214)).save(out, format="PNG")
    x, y = tile_of(121.98, 32.16, TILE_ZOOM)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name text, value text)")
        conn.execute(
            "CREATE TABLE tiles (zoom_level int, tile_column int, tile_row int, tile_data blob)"
        )
        conn.executemany(
            "INSERT INTO metadata VALUES (?, ?)",
            [("format", "png"), ("minzoom", str(TILE_ZOOM)), ("maxzoom", str(TILE_ZOOM))],
        )
        conn.execute(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            (TILE_ZOOM, x, (1 << TILE_ZOOM) - 1 - y, out.getvalue()),
        )
    conn.close()
    return path


@pytest.fixture(scope="module")
def map_server(
    tmp_path_factory: pytest.TempPathFactory, frontend_built: Path
) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("mapareas")
    url = make_database(data_dir / "map.db", demo=True, synthetic_cases=SYNTHETIC)
    tiles = tile_package(data_dir / "base.mbtiles")
    server = start_server(url, data_dir, env={"URBANGRID_MAP_TILES_PATH": str(tiles)})
    yield server
    server.stop()


IDLE = "() => window.__map && window.__map.loaded() && !window.__map.isMoving() && window.__idle"
# Idle after the next move has ended (a move of the map), or after the next idle (data).
MARK_MOVE = """() => { window.__idle = false; window.__map.once('moveend', () =>
  window.__map.once('idle', () => { window.__idle = true; })); }"""
MARK_DATA = """() => { window.__idle = false;
  window.__map.once('idle', () => { window.__idle = true; }); }"""
OUTLINED = "() => window.__map.queryRenderedFeatures({layers: ['focus-line']}).length"
# A pixel of the map inside the named street where no case marker is drawn: [x, y, id].
FREE_SPOT = """name => {
  const m = window.__map, c = m.getCanvas();
  const w = c.clientWidth, h = c.clientHeight, r = c.getBoundingClientRect();
  for (let y = 40; y < h - 40; y += 17) for (let x = 40; x < w - 40; x += 17) {
    if (document.elementFromPoint(r.left + x, r.top + y) !== c) continue;  // popup, legend
    const around = [[x - 12, y - 12], [x + 12, y + 12]];
    if (m.queryRenderedFeatures(around, {layers: ['clusters', 'case-points']}).length) continue;
    const s = m.queryRenderedFeatures([x, y], {layers: ['area-hit-street']})[0];
    const k = m.queryRenderedFeatures([x, y], {layers: ['area-hit-community']})[0];
    if (!s || !k || s.properties.name !== name) continue;
    // Well inside the community, not on an outline.
    const inside = [[-10, -10], [10, -10], [-10, 10], [10, 10]].every(([dx, dy]) =>
      m.queryRenderedFeatures([x + dx, y + dy], {layers: ['area-hit-community']})
        .some(f => f.properties.id === k.properties.id));
    if (inside) return [x, y, s.properties.id];
  }
  return null;
}"""
LABELS_MATCH = """() => {
  const ids = new Set(window.__map.queryRenderedFeatures({layers: ['clusters']})
    .map(f => f.properties.cluster_id));
  return [document.querySelectorAll('.cluster-label').length, ids.size];
}"""


def settle(page: Any, action: Callable[[], None], *, moves: bool = True) -> None:
    """Run ``action`` (which moves the map, or changes its data) and wait until the map is
    idle again."""
    page.evaluate(MARK_MOVE if moves else MARK_DATA)
    action()
    page.wait_for_function(IDLE, timeout=20000)
    page.wait_for_timeout(200)


def figures(page: Any) -> dict[str, str]:
    box = page.get_by_test_id("area-stats")
    box.wait_for()
    keys = ("open", "overdue", "closed", "rate")
    return {k: box.get_by_test_id(f"stat-{k}").inner_text() for k in keys}


def api_figures(page: Any, base: str, params: str) -> tuple[dict[str, str], dict[str, Any]]:
    r = page.request.get(f"{base}/api/v1/web/map/area-stats?{params}")
    assert r.ok, r.text()
    st = r.json()
    rate = "—" if st["on_time_rate"] is None else f"{st['on_time_rate'] * 100:.1f}%"
    return {
        "open": str(st["open"]),
        "overdue": str(st["overdue"]),
        "closed": str(st["closed"]),
        "rate": rate,
    }, st


def test_command_map_names_drill_down_figures_clusters_and_heat(
    browser: Any, map_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    base = map_server.url
    ctx = browser.new_context(viewport=VIEW)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    tiles: list[int] = []
    page.on("response", lambda r: tiles.append(r.status) if "/api/v1/geo/tiles/" in r.url else None)
    log_in(page, base, "shiftlead", "/map", via_next=True)
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=map-points]')?.textContent) > 0"
    )
    page.wait_for_function("() => window.__map?.loaded() && !window.__map.isMoving()")
    page.wait_for_timeout(500)

    # The offline base map: tiles come from the package through our own server.
    for _ in range(100):
        if 200 in tiles:
            break
        page.wait_for_timeout(100)
    assert 200 in tiles, tiles

    # 1. Place names: streets and communities, visible, not overlapping one another.
    street_label = page.locator(".area-label-street", has_text="江滨街道")
    street_label.wait_for(state="visible")
    assert page.locator(".area-label-community:visible").count() >= 1
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.area-label')].filter(e => !e.hidden)
          .map(e => e.getBoundingClientRect()).map(r => [r.left, r.top, r.right, r.bottom])"""
    )
    assert len(boxes) >= 3
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    screenshot(page, "map-areas-1-names")

    # 2. Drill-down by the pickers: the street, one of its communities, one of its grids.
    zoom0 = page.evaluate("() => window.__map.getZoom()")
    centre0 = page.evaluate("() => window.__map.getCenter().toArray()")
    street_id = page.evaluate(
        """() => [...document.querySelectorAll('#m-street option')]
          .find(o => o.textContent === '江滨街道').value"""
    )
    settle(page, lambda: page.select_option("#m-street", street_id))
    zoom1 = page.evaluate("() => window.__map.getZoom()")
    # The view is fitted to the street: it holds the street whole and centres on it.
    streets = page.request.get(f"{base}/api/v1/geo/boundaries.geojson?level=street").json()
    shape = next(f for f in streets["features"] if str(f["properties"]["id"]) == street_id)
    xs, ys = zip(*(p for ring in shape["geometry"]["coordinates"] for p in ring), strict=True)
    (w, s_), (e, n) = page.evaluate("() => window.__map.getBounds().toArray()")
    cx, cy = page.evaluate("() => window.__map.getCenter().toArray()")
    assert w <= min(xs) and max(xs) <= e and s_ <= min(ys) and max(ys) <= n
    assert min(xs) < cx < max(xs) and min(ys) < cy < max(ys)
    assert (max(xs) - min(xs)) / (e - w) > 0.3 or (max(ys) - min(ys)) / (n - s_) > 0.6
    assert abs(zoom1 - zoom0) > 0.01 or abs(cx - centre0[0]) > 1e-4
    assert page.evaluate(OUTLINED) > 0
    page.get_by_test_id("map-crumbs").get_by_role("button", name="江滨街道").wait_for()
    want, _ = api_figures(page, base, f"street_id={street_id}")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=area-stats]')?.dataset.level === 'street'"
    )
    assert figures(page) == want
    assert int(want["open"]) > 0
    screenshot(page, "map-areas-2-street")

    community = page.locator("#m-community option").nth(1)
    community_id = community.evaluate("o => o.value")
    community_name = community.inner_text()
    settle(page, lambda: page.select_option("#m-community", community_id))
    zoom2 = page.evaluate("() => window.__map.getZoom()")
    assert zoom2 > zoom1
    page.wait_for_function(
        "() => document.querySelector('[data-testid=area-stats]')?.dataset.level === 'community'"
    )
    want, _ = api_figures(page, base, f"community_id={community_id}")
    assert figures(page) == want
    crumbs = page.get_by_test_id("map-crumbs")
    crumbs.get_by_role("button", name=community_name).wait_for()

    grid_code = page.locator("#m-grid option").nth(1).evaluate("o => o.value")
    settle(page, lambda: page.select_option("#m-grid", grid_code))
    assert page.evaluate("() => window.__map.getZoom()") > zoom2
    page.wait_for_function(
        "() => document.querySelector('[data-testid=area-stats]')?.dataset.level === 'grid'"
    )
    want, _ = api_figures(page, base, f"grid_code={grid_code}")
    assert figures(page) == want
    link = page.get_by_test_id("area-stats").get_by_test_id("area-cases")
    assert link.get_attribute("href") == f"/cases?grid={grid_code}"
    assert grid_code in crumbs.inner_text()
    screenshot(page, "map-areas-3-grid")

    # Breadcrumbs back up: the street again, then the whole district.
    settle(page, lambda: crumbs.get_by_role("button", name="江滨街道").click())
    page.wait_for_function(
        "() => document.querySelector('[data-testid=area-stats]')?.dataset.level === 'street'"
    )
    assert page.locator("#m-grid").count() == 0
    assert page.evaluate("() => window.__map.getZoom()") < zoom2
    settle(page, lambda: crumbs.get_by_role("button", name="全区").click())
    assert page.locator("#m-community").count() == 0
    assert page.evaluate(OUTLINED) == 0

    # Drill-down by clicking the map (where no case marker is): the street, then the
    # community under the same spot.
    spot = page.evaluate(FREE_SPOT, "海港街道")
    assert spot is not None
    box = page.get_by_test_id("command-map").bounding_box()
    settle(page, lambda: page.mouse.click(box["x"] + spot[0], box["y"] + spot[1]))
    crumbs.get_by_role("button", name="海港街道").wait_for()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=area-stats]')?.dataset.level === 'street'"
    )
    want, st = api_figures(page, base, f"street_id={spot[2]}")
    assert st["name"] == "海港街道" and figures(page) == want
    spot = page.evaluate(FREE_SPOT, "海港街道")
    assert spot is not None
    page.mouse.click(box["x"] + spot[0], box["y"] + spot[1])
    page.wait_for_function(
        "() => document.querySelector('[data-testid=area-stats]')?.dataset.level === 'community'"
    )
    assert page.locator("#m-community").input_value() != ""
    settle(page, lambda: crumbs.get_by_role("button", name="全区").click())

    # 3. Cluster labels follow the zoom: one label per drawn cluster, after every zoom.
    centre = page.evaluate("() => window.__map.getCenter().toArray()")
    counts = []
    for zoom in (15, 13, 14.5, 12.5):
        settle(
            page,
            lambda z=zoom: page.evaluate(
                "([c, z]) => window.__map.jumpTo({center: c, zoom: z})", [centre, z]
            ),
        )
        labels, clusters = page.evaluate(LABELS_MATCH)
        assert labels == clusters, (zoom, labels, clusters)
        counts.append(clusters)
    assert max(counts) > 0 and len(set(counts)) > 1, counts
    screenshot(page, "map-areas-4-clusters")

    # 4. Closed cases: grey clusters, and the legend names grey.
    legend = page.get_by_test_id("legend-closed")
    assert "结案" in legend.inner_text() and legend.is_visible()
    settle(page, lambda: page.select_option("#m-state", "closed"), moves=False)
    page.wait_for_function("() => document.querySelectorAll('.cluster-label').length > 0")
    tones = page.evaluate(
        "() => [...document.querySelectorAll('.cluster-label')].map(e => e.dataset.tone)"
    )
    assert tones and set(tones) == {"closed"}, tones
    screenshot(page, "map-areas-5-closed")

    # 5. The heat layer of overdue open cases: on, drawn, off.
    settle(page, lambda: page.select_option("#m-state", "open"), moves=False)
    points = page.request.get(f"{base}/api/v1/web/map/points?open_only=true").json()
    overdue = sum(1 for p in points["points"] if p[4] == 3)
    assert page.locator("[data-testid=heat-layer]").count() == 0
    page.get_by_test_id("heat-toggle").check()
    heat = page.locator("[data-testid=heat-layer]")
    heat.wait_for(state="attached")
    page.wait_for_function(
        "n => document.querySelector('[data-testid=heat-layer]').dataset.points === String(n)",
        arg=overdue,
    )
    page.wait_for_timeout(300)
    painted = page.evaluate(
        """() => { const c = document.querySelector('[data-testid=heat-layer]');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
    )
    assert (painted > 0) == (overdue > 0), (painted, overdue)
    assert overdue > 0
    screenshot(page, "map-areas-6-heat")
    page.get_by_test_id("heat-toggle").uncheck()
    page.wait_for_function("() => !document.querySelector('[data-testid=heat-layer]')")

    assert errors == []
    ctx.close()
