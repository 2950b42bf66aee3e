"""Login, token issue / check / revoke."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.auth.models import ApiToken
from urbangrid.auth.passwords import verify_password
from urbangrid.auth.principal import Principal
from urbangrid.kit.errors import Unauthorized
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
    user = session.scalar(select(User).where(User.username == username))
    # Verify even for unknown users would leak less timing; argon2 cost dominates anyway.
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
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


def login(session: Session, username: str, password: str, *, kind: str = "bearer") -> IssuedToken:
    return issue_token(session, authenticate(session, username, password), kind=kind)


def principal_from_token(session: Session, token: str) -> Principal:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthorized("the token is unknown, expired or revoked; log in again")
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the token's user is disabled")
    return principal_for(user)


def revoke_token(session: Session, token: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True
