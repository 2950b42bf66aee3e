"""Render every error as application/problem+json (RFC 9457)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from urbangrid.kit.errors import DomainError

PROBLEM_JSON = "application/problem+json"


def problem_response(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(exc.status, exc.problem(request.url.path))

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
            "instance": request.url.path,
        }
        return problem_response(exc.status_code, body)
