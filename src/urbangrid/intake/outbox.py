"""The transactional outbox. Case events are captured by the hook at the end of
:mod:`urbangrid.intake.models` (same transaction as the case change); :func:`publish` adds
intake's own messages (hotline replies ...) in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from urbangrid.intake.models import OutboxMessage
from urbangrid.kit.types import utcnow


def publish(
    session: Session,
    event_type: str,
    payload: dict[str, Any],
    *,
    jurisdiction_id: int | None = None,
    case_id: int | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        event_type=event_type,
        jurisdiction_id=jurisdiction_id,
        case_id=case_id,
        payload={"type": event_type, **payload},
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message
