"""The interactive API documentation, /docs (Swagger UI) and /redoc (ReDoc), from the
server's own files: a bureau's intranet has no internet, so nothing comes from a CDN.

``scripts/build_frontend.sh`` copies Swagger UI and ReDoc (npm packages ``swagger-ui-dist``
and ``redoc``, pinned by ``frontend/package-lock.json``) into the built UI under
``static/dist/apidocs/``. Each page carries its own Content-Security-Policy: the app's policy
with the page's inline start-up script allowed by its SHA-256 hash, so no script from
elsewhere runs and no request leaves the site. Before the UI is built the pages say how to
build it (the OpenAPI document itself, /openapi.json, needs no build).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

from urbangrid.api.headers import content_security_policy
from urbangrid.web.routes import ASSETS_PREFIX, DIST_DIR

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
ASSETS = f"{ASSETS_PREFIX}/apidocs"
SWAGGER_JS = f"{ASSETS}/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = f"{ASSETS}/swagger-ui/swagger-ui.css"
FAVICON = f"{ASSETS}/swagger-ui/favicon-32x32.png"
REDOC_JS = f"{ASSETS}/redoc/redoc.standalone.js"
# Files that must be in the build for the pages to work.
REQUIRED = (SWAGGER_JS, SWAGGER_CSS, REDOC_JS)

# Swagger UI sends the document to swagger.io's online validator unless told not to. With
# 150-odd operations, Swagger UI 5 stops part-way when it renders every tag expanded at once:
# the tags start collapsed (a click opens one) and a filter box finds an operation by tag.
SWAGGER_PARAMETERS = {"validatorUrl": None, "docExpansion": "none", "filter": True}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _built() -> bool:
    return all((DIST_DIR / url.removeprefix(f"{ASSETS_PREFIX}/")).is_file() for url in REQUIRED)


def page_policy(page: str, tile_url: str | None) -> str:
    """The app's Content-Security-Policy, with the page's inline scripts allowed by hash."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(page)
    ]
    policy = content_security_policy(tile_url)
    if hashes:
        policy = policy.replace("script-src 'self'", "script-src 'self' " + " ".join(hashes), 1)
    return policy


def _with_policy(response: HTMLResponse, tile_url: str | None) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = page_policy(
        bytes(response.body).decode(), tile_url
    )
    return response


def _not_built(title: str, root_path: str, openapi_url: str) -> HTMLResponse:
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        "<h1>API documentation not built</h1>"
        "<p>The pages load Swagger UI and ReDoc from the built web UI, which is missing: "
        "run <code>scripts/build_frontend.sh</code> (or install the offline bundle). "
        f'The OpenAPI document is at <a href="{html.escape(root_path + openapi_url)}">'
        f"{html.escape(openapi_url)}</a>.</p></body></html>"
    )
    return HTMLResponse(body, status_code=503)


def install_api_docs(app: FastAPI, tile_url: str | None) -> None:
    """Serve /docs, its OAuth2 redirect page and /redoc from local assets (build the app
    with ``docs_url=None, redoc_url=None``)."""
    openapi_url = app.openapi_url or "/openapi.json"

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        title = f"{app.title} - Swagger UI"
        if not _built():
            return _not_built(title, root, openapi_url)
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=title,
            swagger_js_url=root + SWAGGER_JS,
            swagger_css_url=root + SWAGGER_CSS,
            swagger_favicon_url=root + FAVICON,
            oauth2_redirect_url=root + OAUTH2_REDIRECT_URL,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters={**SWAGGER_PARAMETERS, **(app.swagger_ui_parameters or {})},
        )
        return _with_policy(page, tile_url)

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return _with_policy(get_swagger_ui_oauth2_redirect_html(), tile_url)

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        title = f"{app.title} - ReDoc"
        if not _built():
            return _not_built(title, root, openapi_url)
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=title,
            redoc_js_url=root + REDOC_JS,
            redoc_favicon_url=root + FAVICON,
            with_google_fonts=False,
        )
        return _with_policy(page, tile_url)

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
