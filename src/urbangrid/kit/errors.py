"""Domain errors. Services raise these; the API renders them as RFC 9457 problem+json
and the CLI prints the message and exits non-zero."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status: int = 400
    title: str = "Bad request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://urbangrid.dev/problems/{type(self).__name__}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Unauthorized(DomainError):
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class InvalidInput(DomainError):
    """Input that is well-formed but wrong (unknown code, point outside the area ...)."""

    status = 422
    title = "Invalid input"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"


class TooManyRequests(DomainError):
    """An abuse limit (too many logins, reports …): try again after ``retry_after`` seconds
    (the API sends it as the Retry-After header too)."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **extra)
        self.retry_after = retry_after


class ImportRejected(DomainError):
    """A bulk import with bad rows: nothing was imported. ``errors`` lists every bad row."""

    status = 422
    title = "Import rejected"

    def __init__(self, detail: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail, errors=errors)
        self.errors = errors

    def __str__(self) -> str:
        lines = [self.detail]
        for err in self.errors:
            where = f"line {err['line']}" if err.get("line") is not None else "file"
            lines.append(f"  {where}: {err['message']}")
        return "\n".join(lines)
