"""Login / logout for API clients (bearer tokens)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from urbangrid.api.deps import (
    SESSION_COOKIE,
    CurrentPrincipal,
    DbSession,
    bearer_scheme,
    client_address,
    require_roles,
)
from urbangrid.auth import audit, service
from urbangrid.auth.limits import LOGIN_ACCOUNT, Limiter
from urbangrid.auth.models import SecurityEvent
from urbangrid.auth.principal import Principal
from urbangrid.kit.errors import DomainError, Forbidden, InvalidInput, NotFound, TooManyRequests
from urbangrid.kit.pagination import Page, PageParams, page_params
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.spreadsheet import safe_cell
from urbangrid.org import service as org
from urbangrid.org.models import User
from urbangrid.org.roles import Role
from urbangrid.org.schemas import PasswordChange

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
def login(body: LoginIn, db: DbSession, request: Request) -> TokenOut:
    """A bearer token; too many failures lock the account and the address out (429)."""
    issued = service.login(
        db,
        body.username,
        body.password,
        engine=request.app.state.engine,
        address=client_address(request),
    )
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


Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


class UnlockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str | None = Field(None, min_length=1, max_length=64)
    address: str | None = Field(None, min_length=1, max_length=64)


class SecurityEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    kind: str
    username: str | None
    user_id: int | None
    jurisdiction_id: int | None
    address: str | None
    detail: dict[str, Any]


def _events_stmt(
    db: Session,
    principal: Principal,
    kind: str | None,
    username: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Select[tuple[SecurityEvent]]:
    """The log entries of the admin's subtree: its users' and platforms' (a root admin:
    all, the failed logins of unknown names included), filtered by kind, user name and
    local days (``since`` to ``until``, both included, in the admin's time zone)."""
    stmt = select(SecurityEvent)
    if kind:
        stmt = stmt.where(SecurityEvent.kind == kind)
    if username:
        stmt = stmt.where(SecurityEvent.username == username.strip())
    if since is not None or until is not None:
        tz = ZoneInfo(org.jurisdiction_timezone(db, principal))
        if since is not None:
            stmt = stmt.where(SecurityEvent.at >= datetime.combine(since, time(), tz))
        if until is not None:
            end = datetime.combine(until + timedelta(days=1), time(), tz)
            stmt = stmt.where(SecurityEvent.at < end)
    readable = org.readable_jurisdictions(db, principal)
    if readable is not None:
        names = select(User.username).where(User.jurisdiction_id.in_(sorted(readable)))
        stmt = stmt.where(
            or_(
                SecurityEvent.jurisdiction_id.in_(sorted(readable)),
                SecurityEvent.username.in_(names),
            )
        )
    return stmt


def _events(db: Session, principal: Principal, kind: str | None, limit: int) -> list[Any]:
    stmt = _events_stmt(db, principal, kind).order_by(SecurityEvent.id.desc()).limit(limit)
    return list(db.scalars(stmt))


@router.get(
    "/security-events",
    response_model=list[SecurityEventOut],
    summary="The security log: logins, failures, lockouts, refusals, admin changes",
    **scoped(RouteScope.ADMIN),
)
def security_events(
    db: DbSession,
    principal: Admin,
    kind: str | None = Query(None, pattern="^[a-z_]{1,32}$"),
    limit: int = Query(500, ge=1, le=10_000),
) -> list[Any]:
    return _events(db, principal, kind, limit)


@router.get(
    "/security-events/page",
    response_model=Page[SecurityEventOut],
    summary="The security log, newest first, a page at a time, filtered (the 审计日志 screen)",
    **scoped(RouteScope.ADMIN),
)
def security_events_page(
    db: DbSession,
    principal: Admin,
    page: Annotated[PageParams, Depends(page_params)],
    kind: str | None = Query(None, pattern="^[a-z_]{1,32}$"),
    username: str | None = Query(None, max_length=64),
    since: date | None = Query(None, description="first local day (YYYY-MM-DD)"),
    until: date | None = Query(None, description="last local day (YYYY-MM-DD), included"),
) -> Any:
    if since is not None and until is not None and until < since:
        raise InvalidInput("the last day is before the first", field="until")
    stmt = _events_stmt(db, principal, kind, username, since, until)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.scalars(
        stmt.order_by(SecurityEvent.id.desc()).offset(page.offset).limit(page.page_size)
    ).all()
    return Page[SecurityEventOut](
        items=[SecurityEventOut.model_validate(e) for e in items],
        total=total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get(
    "/security-events.csv",
    summary="The security log as CSV (for the bureau's records)",
    **scoped(RouteScope.ADMIN),
)
def security_events_csv(
    db: DbSession,
    principal: Admin,
    kind: str | None = Query(None, pattern="^[a-z_]{1,32}$"),
    limit: int = Query(10_000, ge=1, le=100_000),
) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["id", "at", "kind", "username", "user_id", "jurisdiction_id", "address", "detail"]
    )
    for e in _events(db, principal, kind, limit):
        writer.writerow(
            safe_cell(v)
            for v in (
                e.id,
                e.at.isoformat(),
                e.kind,
                e.username,
                e.user_id,
                e.jurisdiction_id,
                e.address,
                json.dumps(e.detail, ensure_ascii=False),
            )
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="security-events.csv"'},
    )


@router.post(
    "/unlock",
    status_code=204,
    summary="Lift a lockout of an account (or, for an admin at the root, a client address)",
    responses={404: {"description": "no such account in your platforms"}},
    **scoped(RouteScope.ADMIN),
)
def unlock(body: UnlockIn, db: DbSession, principal: Admin, request: Request) -> None:
    if (body.username is None) == (body.address is None):
        raise InvalidInput("give a username or an address", field="username")
    limiter = Limiter(request.app.state.engine)
    if body.username is not None:
        user = db.scalar(select(User).where(User.username == body.username))
        readable = org.readable_jurisdictions(db, principal)
        if user is None or (readable is not None and user.jurisdiction_id not in readable):
            raise NotFound(f"no user {body.username}", field="username")
        limiter.clear(service.account_key(body.username))
    else:
        if principal.jurisdiction_id is not None:
            raise Forbidden("only an administrator of the whole installation unlocks addresses")
        limiter.clear(service.address_key(body.address))
    audit.add(
        db,
        "unlock",
        principal=principal,
        address=client_address(request),
        detail={"username": body.username, "address": body.address},
    )


@router.post(
    "/password",
    status_code=204,
    summary="Change your own password (修改密码)",
    responses={422: {"description": "wrong current password, or a weak new one"}},
    **scoped(RouteScope.AUTHENTICATED),
)
def change_password(
    body: PasswordChange,
    db: DbSession,
    principal: CurrentPrincipal,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> None:
    """The current password is checked; the new one follows the rules of every password
    (8+ characters of 2+ kinds, not the username). Your other sessions and tokens end; the
    one of this call stays."""
    token = credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)
    address = client_address(request)
    # A wrong current password counts like a failed login: guessing it here locks the
    # account as guessing at the login form does.
    limiter = Limiter(request.app.state.engine)
    key = service.account_key(principal.username)
    waiting = limiter.blocked(key)
    if waiting:
        raise TooManyRequests(
            "too many wrong passwords; try again later or ask an administrator",
            retry_after=waiting,
        )
    try:
        org.change_own_password(
            db,
            principal.user_id,
            body.current_password,
            body.new_password,
            keep_hash=service.token_hash(token) if token else None,
        )
    except DomainError as exc:
        # nothing was written by this session yet: the log entry goes in its own transaction
        audit.record(
            request.app.state.engine,
            "password",
            principal=principal,
            address=address,
            detail={"change": "own password refused", "reason": exc.code},
        )
        if exc.code == "wrong_password":
            limiter.hit(key, LOGIN_ACCOUNT)
        raise
    audit.add(
        db, "password", principal=principal, address=address, detail={"change": "own password"}
    )
