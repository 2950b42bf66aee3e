"""Request body limits, applied before anything parses or spools a body (pure ASGI).

A request that carries a user's credentials (bearer token or session cookie) may send up to
``max_request_bytes`` (a photo and its form); any other — login, Open311 apps, the 12345
interface, anybody — up to ``anonymous_max_request_bytes``, below the size at which the
multipart parser would spill to a temporary file, so an unauthenticated request never
writes to disk. A declared Content-Length over the limit is answered 413 at once, without
reading the body; a chunked body is counted as it arrives and stopped at the limit.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from urbangrid.api.deps import SESSION_COOKIE


def _has_credentials(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return True
        if name == b"cookie" and SESSION_COOKIE.encode() + b"=" in value:
            return True
    return False


class BodyLimit:
    def __init__(self, app: ASGIApp, *, user_limit: int, anonymous_limit: int) -> None:
        self.app = app
        self.user_limit = user_limit
        self.anonymous_limit = anonymous_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.user_limit if _has_credentials(scope) else self.anonymous_limit
        declared = next((v for k, v in scope.get("headers", ()) if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, f"the request body is larger than {limit} bytes")
            return message

        await self.app(scope, counted, send)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": "https://urbangrid.dev/problems/PayloadTooLarge",
            "title": "Payload too large",
            "status": 413,
            "detail": f"the request body is larger than {limit} bytes",
            "max_bytes": limit,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
