"""Render every error as application/problem+json (RFC 9457), each with a stable ``code``
and its ``params`` (``urbangrid.kit.errors.CODES``) for the UI to word in the user's
language; ``detail`` stays the English text for API clients."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from urbangrid.auth import audit
from urbangrid.kit.errors import DomainError, TooManyRequests

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


def problem_response(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def _log_refusal(request: Request, exc: DomainError) -> None:
    """401 and 403 answers go to the security log (the request's own session has been
    rolled back by now, so the entry's transaction waits for nobody)."""
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        return
    principal = getattr(request.state, "principal", None)
    try:
        audit.record(
            engine,
            "refused",
            principal=principal,
            address=request.client.host if request.client else None,
            detail={
                "status": exc.status,
                "method": request.method,
                "path": request.url.path,
                "reason": exc.detail[:300],
            },
        )
    except Exception:
        log.warning("could not log a refusal of %s", request.url.path, exc_info=True)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        if exc.status in (401, 403):
            _log_refusal(request, exc)
        response = problem_response(exc.status, exc.problem(request.url.path))
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        malformed_json = False
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                malformed_json = True
            errors.append({"field": _field(err.get("loc", ())), "message": err.get("msg", "")})
        if malformed_json:
            body = {
                "type": "https://urbangrid.dev/problems/MalformedJSON",
                "title": "Malformed JSON",
                "status": 400,
                "detail": "the request body is not valid JSON",
                "code": "malformed_json",
                "params": {},
                "instance": request.url.path,
                "errors": errors,
            }
            return problem_response(400, body)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        body = {
            "type": "https://urbangrid.dev/problems/ValidationError",
            "title": "Invalid request",
            "status": 422,
            "detail": detail,
            "code": "validation_error",
            "params": {"field": errors[0]["field"]} if errors else {},
            "instance": request.url.path,
            "errors": errors,
        }
        return problem_response(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        body = {
            "type": "about:blank",
            "title": str(exc.detail) if exc.status_code != 404 else "Not found",
            "status": exc.status_code,
            "detail": str(exc.detail)
            if exc.status_code != 404
            else f"no resource at {request.url.path}",
            "code": "route_not_found" if exc.status_code == 404 else "http_error",
            "params": {},
            "instance": request.url.path,
        }
        return problem_response(exc.status_code, body)
