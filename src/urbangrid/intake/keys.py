"""API keys of client applications (Open311 apps, the 12345 hotline platform)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.intake.models import ClientKey
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Jurisdiction

CHANNELS = ("open311", "hotline")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(
    session: Session, name: str, *, channel: str = "open311", jurisdiction_code: str | None = None
) -> tuple[ClientKey, str]:
    """A new key; returns the row and the key itself, which is not stored and shown once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("the key needs a name of 1 to 100 characters", field="name")
    if channel not in CHANNELS:
        raise InvalidInput(f"channel is one of {', '.join(CHANNELS)}", field="channel")
    jurisdiction_id = None
    if jurisdiction_code:
        jurisdiction = session.scalar(
            select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)
        )
        if jurisdiction is None:
            raise InvalidInput(f"unknown jurisdiction {jurisdiction_code}", field="jurisdiction")
        jurisdiction_id = jurisdiction.id
    key = f"{channel[:4]}_{secrets.token_urlsafe(24)}"
    row = ClientKey(
        name=name,
        channel=channel,
        key_hash=_digest(key),
        key_prefix=key[:12],
        jurisdiction_id=jurisdiction_id,
    )
    session.add(row)
    session.flush()
    return row, key


def find_key(session: Session, key: str | None, channel: str) -> ClientKey | None:
    """The active key of ``channel`` matching ``key``, or None."""
    if not key:
        return None
    row = session.scalar(select(ClientKey).where(ClientKey.key_hash == _digest(key.strip())))
    if row is None or row.revoked_at is not None or row.channel != channel:
        return None
    return row


def list_keys(session: Session) -> list[ClientKey]:
    return list(session.scalars(select(ClientKey).order_by(ClientKey.id)))


def revoke_key(session: Session, key_id: int) -> ClientKey:
    row = session.get(ClientKey, key_id)
    if row is None:
        raise NotFound(f"no client key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row
