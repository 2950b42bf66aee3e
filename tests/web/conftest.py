"""Browser-test fixtures (see web_harness.py): the built UI, Chromium, a live server."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from web_harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO_ROOT,
    SCREENSHOTS,
    DemoFacts,
    LiveServer,
    demo_facts,
    make_database,
    open_as,
    start_server,
)


@pytest.fixture(scope="session")
def frontend_built() -> Path:
    """Build the UI if the sources changed (a no-op in well under a second otherwise)."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: cannot build the web UI")
    script = REPO_ROOT / "scripts" / "build_frontend.sh"
    res = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        pytest.fail(f"frontend build failed:\n{res.stdout}\n{res.stderr}")
    dist = REPO_ROOT / "src" / "urbangrid" / "web" / "static" / "dist"
    assert (dist / "index.html").is_file()
    return dist


@pytest.fixture(scope="session")
def browser(frontend_built: Path) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, frontend_built: Path
) -> Iterator[LiveServer]:
    """The app on an empty migrated database (enough for pages that need no data)."""
    data_dir = tmp_path_factory.mktemp("live")
    server = start_server(make_database(data_dir / "app.db"), data_dir)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, frontend_built: Path
) -> Iterator[tuple[LiveServer, DemoFacts]]:
    """The app on the demo database (users of every role, test filing conditions)."""
    data_dir = tmp_path_factory.mktemp("demo")
    url = make_database(data_dir / "demo.db", demo=True)
    server = start_server(url, data_dir)
    yield server, demo_facts(url)
    server.stop()


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """``screenshot(page, "name")`` saves test-output/screenshots/name.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(browser: Any, demo_server: tuple[LiveServer, DemoFacts]) -> Iterator[Callable[..., Any]]:
    """``login(username, landing=..., **context_args)``: a page of the demo server logged in
    as ``username`` in its own browser context (see ``web_harness.open_as``); every context
    is closed after the test."""
    pages: list[Any] = []

    def login_as(username: str, *, landing: str, **context_args: Any) -> Any:
        page = open_as(browser, demo_server[0].url, username, landing, **context_args)
        pages.append(page)
        return page

    yield login_as
    for page in pages:
        page.context.close()
