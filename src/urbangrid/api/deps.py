"""Shared FastAPI dependencies: database session and the authenticated principal."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.auth.service import principal_from_token, principal_if_valid
from urbangrid.kit.errors import Forbidden, Unauthorized
from urbangrid.org.roles import Role
from urbangrid.settings import get_settings

bearer_scheme = HTTPBearer(auto_error=False, description="Token from POST /api/v1/auth/login")

SESSION_COOKIE = "urbangrid_session"
CSRF_COOKIE = "urbangrid_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a cookie session: bound to the session (an HMAC of its token under
    the server's secret), so a token planted by another site or another session fails."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, session_token: str, sent: str | None = None) -> None:
    """The double submit of a cookie session's state-changing request: the X-CSRF-Token
    header (or a form's ``csrf_token``) must be the session's own CSRF token."""
    expected = csrf_token_for(session_token)
    sent = request.headers.get(CSRF_HEADER) or sent
    if not sent or not hmac.compare_digest(sent, expected):
        raise Forbidden(
            f"missing or wrong {CSRF_HEADER} header for a cookie session", code="csrf_missing"
        )


def client_address(request: Request) -> str | None:
    """The client's address (the proxy's X-Forwarded-For when uvicorn trusts the proxy:
    ``URBANGRID_FORWARDED_ALLOW_IPS``)."""
    return request.client.host if request.client else None


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; committed when the endpoint returns without error."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit before the response is sent, so a client that got 2xx can rely
# on the data being stored, and a failing commit becomes an error response, not a lost write.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def current_principal(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials:
        token = credentials.credentials
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if token and request.method not in SAFE_METHODS:
            # A cross-site form cannot read the CSRF cookie to echo it in the header.
            check_csrf(request, token)
    if not token:
        raise Unauthorized(
            "send 'Authorization: Bearer <token>' (get one at /api/v1/auth/login)",
            code="login_required",
        )
    principal = principal_from_token(session, token)
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def optional_principal(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal | None:
    """For public reads that a logged-in caller gets in its own platform's version (the
    catalogue): the caller when a valid token or session comes with the request, else None."""
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    return principal_if_valid(session, token)


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """Dependency factory: the caller must hold one of ``roles`` (admins always pass)."""

    def check(principal: CurrentPrincipal) -> Principal:
        if principal.is_admin or principal.has(*roles):
            return principal
        wanted = ", ".join(r.value for r in roles)
        raise Forbidden(
            f"this needs one of the roles: {wanted}",
            code="role_required",
            params={"roles": [r.value for r in roles]},
            required_roles=list(roles),
        )

    return check
