"""Every route declares what it reads (its scope), next to its path:

    @router.get("/{case_id}", response_model=CaseDetail, **scoped(RouteScope.CASE))

The declaration lands in the route's OpenAPI operation as ``x-urbangrid-scope`` (so API
readers see it too), and the authorisation matrix test (``tests/test_authorisation_matrix.py``)
refuses a route without one and checks each route against what its scope promises. How the
scope is enforced is the visibility policy (``cases.queries``) and the one jurisdiction
resolver (``org.service.resolve_jurisdiction``); docs/scope.md has the table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

SCOPE_KEY = "x-urbangrid-scope"


class RouteScope(StrEnum):
    # No login, nothing from cases (health, Open311 discovery and services, login page).
    PUBLIC = "public"
    # No login: the public Open311 view of cases, through the visibility policy.
    PUBLIC_CASES = "public-cases"
    # A machine client with an API key (12345 platform): its own work orders.
    CLIENT_KEY = "client-key"
    # Any logged-in user; nothing from cases or other platforms (own session, own uploads).
    AUTHENTICATED = "authenticated"
    # One case or something of one case (photo, work order, duplicates): 404 outside.
    CASE = "case"
    # Lists and aggregates of cases (work lists, map, live feed, evaluation, exports).
    CASES = "cases"
    # Reference data of a platform in the caller's subtree: 404 for other platforms.
    JURISDICTION = "jurisdiction"
    # Administration of a platform in the caller's subtree (admin role).
    ADMIN = "admin"


def scoped(scope: RouteScope) -> dict[str, Any]:
    """Keyword arguments for a route decorator that declare its scope."""
    return {"openapi_extra": {SCOPE_KEY: scope.value}}


def scope_of_route(route: Any) -> RouteScope | None:
    """The declared scope of a FastAPI route (None: undeclared)."""
    extra = getattr(route, "openapi_extra", None) or {}
    value = extra.get(SCOPE_KEY)
    return RouteScope(value) if value is not None else None


def api_routes(app: Any) -> list[Any]:
    """Every FastAPI route of ``app``, those of included routers too (FastAPI keeps an
    included router as one entry of ``app.routes``)."""
    from fastapi.routing import APIRoute

    out: list[APIRoute] = []
    for entry in app.routes:
        if isinstance(entry, APIRoute):
            out.append(entry)
        elif hasattr(entry, "effective_route_contexts"):
            for context in entry.effective_route_contexts():
                route = context.original_route
                if isinstance(route, APIRoute):
                    # Our routers carry their whole prefix: the route's path is the URL's.
                    assert context.path == route.path, (context.path, route.path)
                    out.append(route)
    return out
