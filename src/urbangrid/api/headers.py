"""Security headers on every answer (a pure ASGI middleware: streaming answers keep
streaming).

- Content-Security-Policy: the UI's own scripts, workers and styles only; pictures from the
  site, ``data:``/``blob:`` (the map draws into canvases) and the optional tile server;
  ``frame-ancestors 'none'`` (no framing: click-jacking), no plugins, forms post to the
  site. Inline ``style`` attributes are allowed (the UI sets some); inline scripts are not.
- X-Content-Type-Options nosniff, X-Frame-Options DENY, Referrer-Policy same-origin.
- Strict-Transport-Security when the request came over TLS (directly, or through a proxy
  whose ``X-Forwarded-Proto`` uvicorn trusts: ``URBANGRID_FORWARDED_ALLOW_IPS``).

The interactive API documentation (/docs, /redoc) sends its own policy (``api/docs.py``: this one
with the page's start-up script allowed by hash), so the middleware leaves those paths alone.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_POLICY_PATHS = ("/docs", "/redoc")


def content_security_policy(tile_url: str | None) -> str:
    images = ["'self'", "data:", "blob:"]
    if tile_url:
        parts = urlsplit(tile_url.replace("{", "").replace("}", ""))
        if parts.scheme and parts.netloc:
            images.append(f"{parts.scheme}://{parts.netloc}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "worker-src 'self' blob:",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {' '.join(images)}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, tile_url: str | None = None) -> None:
        self.app = app
        self.policy = content_security_policy(tile_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        tls = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not path.startswith(NO_POLICY_PATHS):
                    headers.setdefault("Content-Security-Policy", self.policy)
                if tls:
                    headers.setdefault(
                        "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)
