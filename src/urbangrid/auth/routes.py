"""Login / logout for API clients (bearer tokens)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from urbangrid.api.deps import CurrentPrincipal, DbSession, bearer_scheme
from urbangrid.auth import service
from urbangrid.kit.scope import RouteScope, scoped

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    username: str
    roles: list[str]


@router.post(
    "/login",
    response_model=TokenOut,
    responses={401: {"description": "wrong credentials"}},
    **scoped(RouteScope.PUBLIC),
)
def login(body: LoginIn, db: DbSession) -> TokenOut:
    issued = service.login(db, body.username, body.password)
    return TokenOut(
        access_token=issued.token,
        expires_at=issued.expires_at,
        username=issued.principal.username,
        roles=sorted(r.value for r in issued.principal.roles),
    )


@router.post(
    "/logout",
    status_code=204,
    summary="Revoke the token used for this call",
    **scoped(RouteScope.AUTHENTICATED),
)
def logout(
    db: DbSession,
    _: CurrentPrincipal,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> None:
    if credentials:
        service.revoke_token(db, credentials.credentials)
