"""/docs (Swagger UI) and /redoc (ReDoc) from the server's own files: no URL to another host,
every referenced asset answers, and in a real Chromium with the pages' Content-Security-Policy
and no network beyond the server, Swagger UI renders the operations with no CSP refusal."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from web_harness import LiveServer

ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")
REFERENCED = re.compile(r"""(?:src|href)=["']([^"']+)["']""")
CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


def _page(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_pages_name_no_other_host(frontend_built: Path, client: TestClient, path: str) -> None:
    html = _page(client, path)
    assert ABSOLUTE_URL.findall(html) == []
    policy = client.get(path).headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert "http" not in policy  # no CDN allowed by the page's policy either


@pytest.mark.parametrize(
    ("path", "needed"),
    [
        ("/docs", {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"}),
        ("/redoc", {"redoc.standalone.js", "favicon-32x32.png"}),
    ],
)
def test_referenced_assets_answer(
    frontend_built: Path, client: TestClient, path: str, needed: set[str]
) -> None:
    urls = REFERENCED.findall(_page(client, path))
    assert needed <= {url.rsplit("/", 1)[-1] for url in urls}, urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        response = client.get(url)
        assert response.status_code == 200, url
        kind = CONTENT_TYPES[Path(url).suffix]
        assert kind in response.headers["content-type"], (url, response.headers)
        if kind == "javascript":
            assert len(response.content) > 100_000  # the bundle, not a stub


@pytest.mark.browser
def test_swagger_ui_renders_offline_under_the_policy(
    browser: Any, live_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    page, report = _offline_page(browser, live_server)
    page.goto(f"{live_server.url}/docs")
    # The tags start collapsed (api.docs): every tag is listed; opening one shows its operations.
    tags = page.locator(".opblock-tag")
    tags.first.wait_for(timeout=60_000)
    assert tags.count() > 10, tags.count()
    page.locator(".opblock-tag", has_text="cases").first.click()
    operations = page.locator(".opblock")
    operations.first.wait_for(timeout=60_000)
    count = operations.count()
    assert count > 20, count
    assert page.locator(".opblock-summary-path", has_text="/api/v1/cases").count() > 0
    # The validator badge (swagger.io) is off: nothing tried to leave the site.
    screenshot(page, "api-docs-swagger")
    page.close()
    assert report["elsewhere"] == []
    assert report["csp"] == []
    assert report["errors"] == []


@pytest.mark.browser
def test_redoc_renders_offline_under_the_policy(
    browser: Any, live_server: LiveServer, screenshot: Callable[[Any, str], Path]
) -> None:
    page, report = _offline_page(browser, live_server)
    page.goto(f"{live_server.url}/redoc")
    operations = page.locator("[data-section-id^='tag/'][data-section-id*='/operation/']")
    operations.first.wait_for(timeout=60_000)
    assert operations.count() > 20
    screenshot(page, "api-docs-redoc")
    page.close()
    assert report["elsewhere"] == []
    # ReDoc's menu always shows Redocly's logo from their CDN; the policy blocks it (no
    # request is made) and the menu shows the text link alone. Nothing else is refused.
    assert [m for m in report["csp"] if "cdn.redoc.ly" not in m] == []
    assert report["errors"] == []


def _offline_page(browser: Any, live_server: LiveServer) -> tuple[Any, dict[str, list[str]]]:
    """A page that may reach only the live server (anything else is aborted and recorded),
    recording the console's CSP refusals and the page's errors."""
    own = urlsplit(live_server.url).netloc
    report: dict[str, list[str]] = {"elsewhere": [], "csp": [], "errors": []}
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    def only_the_server(route: Any) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            report["elsewhere"].append(route.request.url)
            route.abort()

    def console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            report["csp"].append(text)
        elif message.type == "error" and "favicon" not in text:
            report["errors"].append(text)

    page.route(re.compile(r"^(https?|wss?)://"), only_the_server)
    page.on("console", console)
    page.on("pageerror", lambda exc: report["errors"].append(str(exc)))
    return page, report
