"""12345 hotline interface (热线工单): receive a work order idempotently, accept (受理) or
return it (退单 with a reason), reply when its case ends (办结回复), record the citizen's
callback (回访). Each step is also published to the outbox (``hotline.*`` events) so the
hotline platform can subscribe to them as a webhook.

A work order becomes a case through the case service (source ``hotline``, registered by
the system), so it waits in 待受理 like every other report. Accepting is the operator's
受理 on that case; returning voids the case (作废, a shift lead's action in the workflow)
with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases import service as cases
from urbangrid.cases import workflow as wf
from urbangrid.cases.models import Case
from urbangrid.cases.queries import case_scope
from urbangrid.geo.crs import to_wgs84
from urbangrid.intake import hotline_rates, outbox, webhooks
from urbangrid.intake.adapters import channel_principal, stand_in_point
from urbangrid.intake.models import ClientKey, HotlineWorkOrder, OutboxMessage, Report
from urbangrid.intake.open311_service import category_for
from urbangrid.kit.errors import Conflict, InvalidInput, NotFound
from urbangrid.kit.types import CalendarDateTime, utcnow
from urbangrid.org import service as org
from urbangrid.org.models import Jurisdiction

TERMINAL = frozenset(s.value for s in wf.TERMINAL)


class WorkOrderIn(BaseModel):
    """A work order as the hotline platform sends it."""

    order_id: str = Field(min_length=1, max_length=64, description="工单编号, unique")
    content: str = Field(min_length=1, max_length=4000, description="诉求内容")
    title: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=1000)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: str = Field("wgs84", pattern="^(wgs84|gcj02|bd09)$", description="of lon/lat")
    citizen_name: str | None = Field(None, max_length=64)
    citizen_phone: str | None = Field(None, max_length=32)
    service_code: str | None = Field(None, description="our service code, e.g. M06001")
    received_at: CalendarDateTime | None = Field(None, description="when the hotline took the call")
    due_at: CalendarDateTime | None = Field(None, description="reply deadline set by the hotline")
    jurisdiction: str | None = Field(None, description="6-digit code, if the key has none")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        return value


@dataclass(frozen=True)
class Received:
    order: HotlineWorkOrder
    case: Case
    created: bool


def _jurisdiction(session: Session, key: ClientKey, code: str | None) -> Jurisdiction:
    if key.jurisdiction_id is not None:
        j = session.get(Jurisdiction, key.jurisdiction_id)
        assert j is not None
        if code and code != j.code:
            raise InvalidInput(f"this key reports into {j.code}, not {code}", field="jurisdiction")
        return j
    if code:
        j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
        if j is None:
            raise InvalidInput(f"unknown jurisdiction {code}", field="jurisdiction")
        return j
    found = list(session.scalars(select(Jurisdiction).limit(2)))
    if len(found) != 1:
        raise InvalidInput("name the jurisdiction (6-digit code)", field="jurisdiction")
    return found[0]


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f"{name} needs a time zone (…Z or +08:00)", field=name)
    return value


def get_order(session: Session, order_id: str) -> HotlineWorkOrder:
    order = session.scalar(select(HotlineWorkOrder).where(HotlineWorkOrder.order_id == order_id))
    if order is None:
        raise NotFound(f"no work order {order_id}")
    return order


def get_visible_order(
    session: Session, principal: Principal | None, order_id: str
) -> tuple[HotlineWorkOrder, Case]:
    """A work order whose case the caller reads (the visibility policy decides), with the
    case; 404 otherwise, as for an order that does not exist."""
    order = session.scalar(select(HotlineWorkOrder).where(HotlineWorkOrder.order_id == order_id))
    if order is not None:
        case = session.get(Case, order.case_id)
        if case is not None and case_scope(session, principal).reads(case):
            return order, case
    raise NotFound(f"no work order {order_id}")


def get_key_order(session: Session, key: ClientKey, order_id: str) -> HotlineWorkOrder:
    """A work order the hotline platform behind ``key`` may see: one received for the
    key's jurisdiction or a platform below it (any, for a key bound to none)."""
    order = session.scalar(select(HotlineWorkOrder).where(HotlineWorkOrder.order_id == order_id))
    if order is not None and (
        key.jurisdiction_id is None
        or order.jurisdiction_id in org.jurisdiction_subtree(session, key.jurisdiction_id)
    ):
        return order
    raise NotFound(f"no work order {order_id}")


def receive(
    session: Session, key: ClientKey, body: WorkOrderIn, *, now: datetime | None = None
) -> Received:
    """Register the work order once. The same ``order_id`` again gives the existing case
    (also when two deliveries race: the unique constraint decides, the loser reads)."""
    now = now or utcnow()
    existing = session.scalar(
        select(HotlineWorkOrder).where(HotlineWorkOrder.order_id == body.order_id)
    )
    if existing is not None:
        # Idempotent for the platform that sent it; another platform's key learns nothing.
        try:
            get_key_order(session, key, body.order_id)
        except NotFound:
            raise Conflict(f"order_id {body.order_id} is taken", field="order_id") from None
        case = session.get(Case, existing.case_id)
        assert case is not None
        return Received(existing, case, False)
    jurisdiction = _jurisdiction(session, key, body.jurisdiction)
    received_at = _aware(body.received_at, "received_at") or now
    due_at = _aware(body.due_at, "due_at")
    category_id = None
    if body.service_code:
        category = category_for(session, body.service_code, jurisdiction)
        if category is None:
            raise InvalidInput(f"unknown service_code {body.service_code}", field="service_code")
        category_id = category.id
    if (body.lon is None) != (body.lat is None):
        raise InvalidInput("lon and lat go together", field="lon/lat")
    exact = body.lon is not None
    if exact:
        assert body.lon is not None and body.lat is not None
        xs, ys = to_wgs84([body.lon], [body.lat], body.crs)
        lon, lat = float(xs[0]), float(ys[0])
    else:
        point = stand_in_point(session, jurisdiction)
        if point is None:
            raise InvalidInput(
                f"{jurisdiction.name} needs lon/lat with each work order", field="lon/lat"
            )
        lon, lat = point
    text = f"{body.title}\n{body.content}" if body.title else body.content
    try:
        with session.begin_nested():
            case = cases.create_case(
                session,
                channel_principal(jurisdiction, "hotline"),
                cases.NewCase(
                    source=wf.Source.HOTLINE.value,
                    lon=lon,
                    lat=lat,
                    description=text,
                    address=body.address or "",
                    category_id=category_id,
                    reporter_name=body.citizen_name,
                    reporter_phone=body.citizen_phone,
                    external_id=body.order_id,
                    jurisdiction_id=jurisdiction.id,
                    comment=f"12345 工单 {body.order_id}",
                ),
                now=now,
            )
            report = Report(
                jurisdiction_id=jurisdiction.id,
                channel="hotline",
                external_id=body.order_id,
                case_id=case.id,
                original_case_id=case.id,
                client_key_id=key.id,
                first_name=body.citizen_name,
                phone=body.citizen_phone,
                address_string=body.address,
                location_exact=exact,
                received_at=received_at,
            )
            session.add(report)
            session.flush()
            order = HotlineWorkOrder(
                jurisdiction_id=jurisdiction.id,
                order_id=body.order_id,
                case_id=case.id,
                report_id=report.id,
                received_at=received_at,
                due_at=due_at,
                payload=body.model_dump(mode="json"),
            )
            session.add(order)
            session.flush()
    except IntegrityError:
        order = get_order(session, body.order_id)
        existing_case = session.get(Case, order.case_id)
        assert existing_case is not None
        return Received(order, existing_case, False)
    return Received(order, case, True)


def _publish(session: Session, order: HotlineWorkOrder, kind: str, **extra: Any) -> None:
    case = session.get(Case, order.case_id)
    outbox.publish(
        session,
        f"hotline.{kind}",
        {
            "order_id": order.order_id,
            "case_number": case.number if case else None,
            **extra,
        },
        jurisdiction_id=order.jurisdiction_id,
        case_id=order.case_id,
    )


def accept(
    session: Session, principal: Principal, order_id: str, *, now: datetime | None = None
) -> HotlineWorkOrder:
    """受理: the operator takes the order; the case moves on from 待受理."""
    now = now or utcnow()
    order, case = get_visible_order(session, principal, order_id)
    if order.state != "received":
        raise Conflict(f"work order {order_id} is already {order.state}")
    cases.perform_action(
        session, principal, case.id, wf.Action.ACCEPT_REPORT, version=case.version, now=now
    )
    order.state = "accepted"
    order.accepted_at = now
    _publish(session, order, "accepted", at=now.isoformat())
    return order


def return_order(
    session: Session,
    principal: Principal,
    order_id: str,
    reason: str,
    *,
    now: datetime | None = None,
) -> HotlineWorkOrder:
    """退单: send the order back to the hotline with a reason; its case is voided."""
    now = now or utcnow()
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a return (退单) needs a reason", field="reason")
    order, case = get_visible_order(session, principal, order_id)
    if order.state not in ("received", "accepted"):
        raise Conflict(f"work order {order_id} is already {order.state}")
    cases.perform_action(
        session,
        principal,
        case.id,
        wf.Action.VOID,
        version=case.version,
        comment=f"退单: {reason}",
        now=now,
    )
    order.state = "returned"
    order.returned_at = now
    order.return_reason = reason
    _publish(session, order, "returned", reason=reason, at=now.isoformat())
    return order


def record_callback(
    session: Session,
    key: ClientKey,
    order_id: str,
    result: str,
    comment: str = "",
    *,
    at: datetime | None = None,
) -> HotlineWorkOrder:
    """回访: the citizen's rating of a replied order, sent by the hotline platform."""
    if result not in hotline_rates.CALLBACK_RESULTS:
        raise InvalidInput(
            f"result is one of {', '.join(hotline_rates.CALLBACK_RESULTS)}", field="result"
        )
    order = get_key_order(session, key, order_id)
    if order.replied_at is None:
        raise Conflict(f"work order {order_id} has not been replied to yet")
    order.callback_at = _aware(at, "at") or utcnow()
    order.callback_result = result
    order.callback_comment = comment.strip() or None
    return order


def reply_text(status: str, comment: str) -> str:
    label = wf.Status(status).label_zh
    return f"您反映的问题已办结（{label}）。{comment}".strip()


@webhooks.on_message
def _reply_when_case_ends(session: Session, message: OutboxMessage) -> None:
    """办结回复: when a case reaches a terminal state, every hotline order on it (merged
    duplicates included) gets its reply, unless it was returned."""
    if not message.event_type.startswith("case.") or message.case_id is None:
        return
    event = message.payload.get("event") or {}
    status = event.get("to_state")
    if status not in TERMINAL:
        return
    report_ids = select(Report.id).where(Report.case_id == message.case_id)
    for order in session.scalars(
        select(HotlineWorkOrder).where(
            HotlineWorkOrder.report_id.in_(report_ids),
            HotlineWorkOrder.replied_at.is_(None),
            HotlineWorkOrder.state != "returned",
        )
    ):
        at = datetime.fromisoformat(event["at"]) if event.get("at") else message.created_at
        order.replied_at = at
        order.reply_outcome = status
        order.reply_text = reply_text(status, event.get("comment") or "")
        order.state = "replied"
        _publish(session, order, "reply", outcome=status, text=order.reply_text, at=at.isoformat())


def figures_for(
    session: Session, principal: Principal | None, start: datetime, end: datetime
) -> hotline_rates.HotlineFigures:
    """The hotline rates of the orders received in [start, end) whose cases the caller
    reads (the visibility policy)."""
    scope = case_scope(session, principal)
    stmt = (
        select(HotlineWorkOrder)
        .join(Case, Case.id == HotlineWorkOrder.case_id)
        .where(
            HotlineWorkOrder.received_at >= start,
            HotlineWorkOrder.received_at < end,
            scope.condition(),
        )
    )
    return hotline_rates.figures(
        hotline_rates.OrderFacts(
            received_at=o.received_at,
            returned=o.state == "returned",
            replied_at=o.replied_at,
            due_at=o.due_at,
            outcome=o.reply_outcome,
            callback=o.callback_result,
        )
        for o in session.scalars(stmt)
    )


def describe(order: HotlineWorkOrder, case: Case | None) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "state": order.state,
        "case_id": order.case_id,
        "case_number": case.number if case else None,
        "case_status": case.status if case else None,
        "received_at": order.received_at,
        "accepted_at": order.accepted_at,
        "returned_at": order.returned_at,
        "return_reason": order.return_reason,
        "replied_at": order.replied_at,
        "reply_text": order.reply_text,
        "reply_outcome": order.reply_outcome,
        "callback_at": order.callback_at,
        "callback_result": order.callback_result,
    }
