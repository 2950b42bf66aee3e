"""Run a request again when SQLite says "database is locked" (see ``urbangrid.db``).

The request's transaction was rolled back whole, so running it again from the start is
safe; its body is kept (bodies are bounded by ``api.limits``) and replayed. Only while no
answer has started; at most ``attempts`` times, with a short growing pause; then the error
stands (a 503 with Retry-After, not a 500). PostgreSQL never needs it: the app skips this
middleware there.
"""

from __future__ import annotations

import asyncio
import json
import random

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from urbangrid.db import is_locked_error


class RetryLocked:
    def __init__(self, app: ASGIApp, *, attempts: int = 6) -> None:
        self.app = app
        self.attempts = attempts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            # Reads never take the write lock: nothing to retry.
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        try:
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                more = message.get("more_body", False)
        except HTTPException as exc:  # the body limit (api.limits) stopped the body
            await _problem(send, exc.status_code, str(exc.detail))
            return
        for attempt in range(self.attempts):
            started = False

            async def replay() -> Message:
                return {"type": "http.request", "body": bytes(body), "more_body": False}

            async def tracked(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                await send(message)

            try:
                await self.app(scope, replay, tracked)
                return
            except Exception as exc:
                if started or not is_locked_error(exc):
                    raise
                await asyncio.sleep(0.05 * (attempt + 1) + random.random() * 0.05)
        await _problem(
            send, 503, "the database is busy with other changes; nothing was saved, try again"
        )


async def _problem(send: Send, status: int, detail: str) -> None:
    title = {413: "Payload too large", 503: "Busy"}.get(status, "Error")
    body = json.dumps(
        {
            "type": f"https://urbangrid.dev/problems/{title.replace(' ', '')}",
            "title": title,
            "status": status,
            "detail": detail,
        }
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 503:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
