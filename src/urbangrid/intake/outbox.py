"""The transactional outbox: every case event becomes an outbox message in the same
transaction, so no event is lost if the receiver is down or the process stops.

The case service does not call us: an ORM ``after_insert`` hook on ``CaseEvent`` writes the
message through the very connection (and transaction) that inserts the event, so a rolled
back case change leaves no message and a committed one always has one. Rows inserted with
bulk Core statements (the historical import) are not published, on purpose.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, Session

from urbangrid.cases.models import Case, CaseEvent
from urbangrid.intake.models import OutboxMessage
from urbangrid.kit.types import utcnow

_installed = False


def case_event_type(action: str) -> str:
    return f"case.{action}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _after_insert(_mapper: Mapper[Any], connection: Connection, target: CaseEvent) -> None:
    row = connection.execute(
        select(Case.number, Case.source, Case.external_id, Case.category_id).where(
            Case.id == target.case_id
        )
    ).first()
    payload: dict[str, Any] = {
        "type": case_event_type(target.action),
        "case": {
            "id": target.case_id,
            "number": row.number if row else None,
            "source": row.source if row else None,
            "external_id": row.external_id if row else None,
            "category_id": row.category_id if row else None,
            "jurisdiction_id": target.jurisdiction_id,
        },
        "event": {
            "id": target.id,
            "seq": target.seq,
            "action": target.action,
            "from_state": target.from_state,
            "to_state": target.to_state,
            "at": _iso(target.at),
            "actor_role": target.actor_role,
            "comment": target.comment,
        },
    }
    connection.execute(
        insert(OutboxMessage).values(
            event_type=payload["type"],
            jurisdiction_id=target.jurisdiction_id,
            case_id=target.case_id,
            case_event_id=target.id,
            payload=payload,
            created_at=utcnow(),
        )
    )


def install() -> None:
    """Register the hook once per process (idempotent)."""
    global _installed
    if not _installed:
        event.listen(CaseEvent, "after_insert", _after_insert)
        _installed = True


def publish(
    session: Session,
    event_type: str,
    payload: dict[str, Any],
    *,
    jurisdiction_id: int | None = None,
    case_id: int | None = None,
) -> OutboxMessage:
    """An outbox message of intake's own (hotline reply ...), in the caller's transaction."""
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
