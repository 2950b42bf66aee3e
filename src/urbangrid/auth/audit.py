"""The security log: logins and their failures, lockouts and unlocks, refusals, and
administrators' changes, in ``security_events``.

Two ways to write, one entry shape (:func:`event_values`):

- :func:`record` in its own short transaction on the engine — for what happens when the
  request itself fails (a failed login, a lockout, a refusal: the request's work is rolled
  back, its log entry is not). Only where the caller's session has not written yet: on
  SQLite a second writer would wait for the first.
- :func:`add` in the caller's session — for a change and its entry, committed together
  (an administrator's change, a successful login)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from urbangrid.auth.models import SecurityEvent
from urbangrid.auth.principal import Principal
from urbangrid.kit.types import utcnow

T = SecurityEvent.__table__

KINDS = (
    "login",  # a successful login
    "login_failed",
    "lockout",  # an account or an address went over its limit
    "unlock",  # an admin lifted a lockout
    "refused",  # 401 / 403 answers
    "admin",  # a change by an administrator (users, departments, settings, keys …)
    "password",  # a user changed its own password (or failed to: wrong current password)
)


def event_values(
    kind: str,
    *,
    principal: Principal | None = None,
    username: str | None = None,
    address: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    name = username or (principal.username if principal else None) or ""
    return {
        "at": utcnow(),
        "kind": kind,
        "username": name[:64] or None,
        "user_id": principal.user_id if principal else None,
        "jurisdiction_id": principal.jurisdiction_id if principal else None,
        "address": (address or "")[:64] or None,
        "detail": dict(detail or {}),
    }


def record(engine: Engine, kind: str, **who: Any) -> None:
    """Log in a transaction of its own (see the module doc)."""
    with engine.begin() as conn:
        conn.execute(sa.insert(T).values(**event_values(kind, **who)))


def add(session: Session, kind: str, **who: Any) -> None:
    """Log in the caller's transaction (see the module doc)."""
    session.add(SecurityEvent(**event_values(kind, **who)))
