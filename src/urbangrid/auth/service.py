"""Login, token issue / check / revoke."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from urbangrid.auth import audit
from urbangrid.auth.limits import LOGIN_ACCOUNT, LOGIN_ADDRESS, Limiter
from urbangrid.auth.models import ApiToken
from urbangrid.auth.passwords import verify_nobody, verify_password
from urbangrid.auth.principal import Principal
from urbangrid.kit.errors import TooManyRequests, Unauthorized
from urbangrid.kit.types import utcnow
from urbangrid.org.models import User
from urbangrid.org.roles import Role
from urbangrid.settings import get_settings


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    principal: Principal


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_for(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=frozenset(Role(r.role) for r in user.roles),
        jurisdiction_id=user.jurisdiction_id,
        department_id=user.department_id,
        grid_ids=frozenset(g.grid_id for g in user.grids),
    )


def authenticate(session: Session, username: str, password: str) -> User:
    """The user whose password this is; 401 otherwise, after the same work whether the
    account exists or not."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_nobody(password)
        raise Unauthorized("wrong username or password")
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise Unauthorized("wrong username or password")
    return user


def issue_token(
    session: Session, user: User, *, kind: str = "bearer", ttl: timedelta | None = None
) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + (ttl or timedelta(hours=get_settings().token_ttl_hours))
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), kind=kind, expires_at=expires))
    session.flush()
    return IssuedToken(token=token, expires_at=expires, principal=principal_for(user))


def account_key(username: str) -> str:
    return f"login:account:{username.strip().lower()}"


def address_key(address: str | None) -> str:
    return f"login:address:{address or 'unknown'}"


def locked_accounts(engine: Engine) -> frozenset[str]:
    """The (lower-case) names of the accounts locked out now by failed logins."""
    return Limiter(engine).blocked_keys(account_key(""))


def login(
    session: Session,
    username: str,
    password: str,
    *,
    kind: str = "bearer",
    engine: Engine | None = None,
    address: str | None = None,
) -> IssuedToken:
    """Check the password and issue a token. With ``engine``, the abuse limits apply: a
    blocked account or address is refused (429) before any password work, every failure
    counts against both (an unknown name counts like a known one, so a lockout says nothing
    about whether the account exists), a success clears the account's count, and each
    outcome goes to the security log."""
    if engine is None:
        return issue_token(session, authenticate(session, username, password), kind=kind)
    limiter = Limiter(engine)
    waiting = max(limiter.blocked(account_key(username)), limiter.blocked(address_key(address)))
    if waiting:
        audit.record(
            engine,
            "refused",
            username=username,
            address=address,
            detail={"reason": "locked out", "retry_after": waiting},
        )
        raise TooManyRequests(
            f"too many failed logins; try again in {math.ceil(waiting / 60)} min "
            "or ask an administrator to unlock the account",
            retry_after=waiting,
        )
    try:
        user = authenticate(session, username, password)
    except Unauthorized:
        audit.record(engine, "login_failed", username=username, address=address)
        for key, limit in (
            (account_key(username), LOGIN_ACCOUNT),
            (address_key(address), LOGIN_ADDRESS),
        ):
            limiter.hit(key, limit)
            if limiter.blocked(key):  # this failure was the last one allowed
                audit.record(
                    engine, "lockout", username=username, address=address, detail={"key": key}
                )
        raise
    limiter.clear(account_key(username))  # before this session writes (SQLite: one writer)
    issued = issue_token(session, user, kind=kind)
    audit.add(session, "login", principal=issued.principal, address=address)
    return issued


def principal_from_token(session: Session, token: str) -> Principal:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("the token is unknown, expired or revoked; log in again")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the token's user is disabled")
    return principal_for(user)


def principal_if_valid(session: Session, token: str | None) -> Principal | None:
    """The token's principal, or None when there is no valid token (pages and public reads
    that serve anonymous callers too)."""
    if not token:
        return None
    try:
        return principal_from_token(session, token)
    except Unauthorized:
        return None


def token_hash(token: str) -> str:
    """The stored form of a token (to keep the caller's own session when others end)."""
    return _digest(token)


def revoke_token(session: Session, token: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
