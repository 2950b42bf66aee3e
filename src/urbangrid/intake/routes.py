"""HTTP: Open311 GeoReport v2 under /open311/v2 (discovery at /open311/discovery.{xml,json})
and the intake admin / hotline endpoints under /api/v1/intake.

Open311 answers in its own formats (XML or JSON by suffix, errors as the spec's list with
400 / 403 / 404), not problem+json; the /api/v1 endpoints use problem+json as elsewhere.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from urbangrid.api.deps import CurrentPrincipal, DbSession, client_address, require_roles
from urbangrid.auth import audit
from urbangrid.auth.limits import Limiter, per_minute
from urbangrid.auth.principal import Principal
from urbangrid.cases.queries import get_visible_case
from urbangrid.intake import callbacks, duplicates, hotline, suggestions, webhooks
from urbangrid.intake import keys as client_keys
from urbangrid.intake import open311_format as fmt
from urbangrid.intake import open311_service as o311
from urbangrid.intake.duplicate_rules import Rules
from urbangrid.intake.models import ClientKey, WebhookSubscription
from urbangrid.intake.schemas import (
    AttachedOut,
    CallerCallbackIn,
    CallerOut,
    CallIn,
    CallOut,
    ContactOut,
    ReplyIn,
)
from urbangrid.kit.errors import Forbidden, InvalidInput, NotFound, TooManyRequests
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.types import CalendarDateTime, utcnow
from urbangrid.org import service as org
from urbangrid.org.roles import Role
from urbangrid.settings import get_settings

router = APIRouter()

OPEN311 = "/open311/v2"
CHANGESET = "2026-11-21T00:00:00Z"
_TAGS: list[str | Any] = ["open311"]
_FORMAT_DOC = "xml or json"


def _reply(format_: str, root: str, body: Any, status: int = 200) -> Response:
    content, media_type = fmt.render(format_ if format_ in fmt.FORMATS else "xml", root, body)
    return Response(content, status_code=status, media_type=media_type)


def _error(format_: str, exc: fmt.Open311Error) -> Response:
    return _reply(format_, "errors", fmt.error_body(exc.errors), exc.status)


def _check_format(format_: str) -> None:
    if format_ not in fmt.FORMATS:
        raise fmt.Open311Error(404, f"format {format_!r} is not served: use .xml or .json")


async def form_fields(request: Request) -> list[tuple[str, str]]:
    """The POST body as (name, value) pairs, repeated names kept (attribute[X][])."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return [("__bad_content_type__", kind or "none")]
    try:
        form = await request.form(max_files=0)  # Open311 takes media_url, not files
    except HTTPException:
        raise  # the body limit
    except Exception:  # malformed multipart bodies
        return [("__bad_content_type__", kind)]
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


FormFields = Annotated[list[tuple[str, str]], Depends(form_fields)]


# ---------------------------------------------------------------- discovery


@router.get(
    "/open311/discovery.{format_}",
    tags=_TAGS,
    summary="Open311 service discovery",
    **scoped(RouteScope.PUBLIC),
)
def discovery(format_: str, request: Request, db: DbSession) -> Response:
    if format_ not in fmt.FORMATS:
        return _error("xml", fmt.Open311Error(404, "use discovery.xml or discovery.json"))
    base = str(request.base_url).rstrip("/")
    body = {
        "changeset": CHANGESET,
        "contact": "The city management bureau's supervision centre (监督指挥中心)",
        "key_service": "API keys are issued by the bureau's administrator "
        "(urbangrid open311 create-key NAME)",
        "endpoints": [
            {
                "specification": fmt.SPECIFICATION_URL,
                "url": f"{base}{OPEN311}",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _reply(format_, "discovery", body)


# ---------------------------------------------------------------- services


@router.get(
    f"{OPEN311}/services.{{format_}}",
    tags=_TAGS,
    summary="GET Service List",
    **scoped(RouteScope.PUBLIC),
)
def services(format_: str, db: DbSession, jurisdiction_id: str | None = None) -> Response:
    try:
        _check_format(format_)
        jurisdiction = o311.resolve_jurisdiction(db, jurisdiction_id)
        return _reply(format_, "services", o311.list_services(db, jurisdiction))
    except fmt.Open311Error as exc:
        return _error(format_, exc)


@router.get(
    f"{OPEN311}/services/{{service_code}}.{{format_}}",
    tags=_TAGS,
    summary="GET Service Definition",
    **scoped(RouteScope.PUBLIC),
)
def service_definition(
    service_code: str, format_: str, db: DbSession, jurisdiction_id: str | None = None
) -> Response:
    try:
        _check_format(format_)
        jurisdiction = o311.resolve_jurisdiction(db, jurisdiction_id)
        definition = o311.service_definition(db, service_code, jurisdiction)
        return _reply(format_, "service_definition", definition)
    except fmt.Open311Error as exc:
        return _error(format_, exc)


# ---------------------------------------------------------------- requests


@router.post(
    f"{OPEN311}/requests.{{format_}}",
    tags=_TAGS,
    summary="POST Service Request",
    **scoped(RouteScope.CLIENT_KEY),
)
def post_request(format_: str, request: Request, db: DbSession, fields: FormFields) -> Response:
    """Form-encoded, with ``api_key``. The request is registered as a case in the intake
    queue; a refused request leaves nothing behind."""
    try:
        _check_format(format_)
        single = {k: v for k, v in fields}
        if any("\x00" in k or "\x00" in v for k, v in fields):
            raise fmt.Open311Error(400, "the request may not contain NUL characters")
        if "__bad_content_type__" in single:
            raise fmt.Open311Error(
                400, "send the request as application/x-www-form-urlencoded; charset=utf-8"
            )
        limiter = Limiter(request.app.state.engine)
        per_minute_limit = per_minute(get_settings().open311_posts_per_minute)
        address = client_address(request)
        limiter.check(f"open311:address:{address}", per_minute_limit, "requests")
        api_key = single.get("api_key") or request.query_params.get("api_key")
        key = client_keys.find_key(db, api_key, "open311")
        if key is None:
            raise fmt.Open311Error(403, "a valid api_key is required to post a request")
        limiter.check(f"open311:key:{key.id}", per_minute_limit, "requests")
        jurisdiction = o311.resolve_jurisdiction(
            db, single.get("jurisdiction_id"), key=key, required=True
        )
        assert jurisdiction is not None
        posted = o311.create_request(
            db, jurisdiction, key, single, fmt.parse_attributes(fields), now=utcnow()
        )
        return _reply(format_, "service_requests", o311.post_response(posted, jurisdiction))
    except fmt.Open311Error as exc:
        db.rollback()
        return _error(format_, exc)
    except TooManyRequests as exc:  # in the spec's own error format, with Retry-After
        db.rollback()
        response = _error(format_, fmt.Open311Error(429, exc.detail))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response


@router.get(
    f"{OPEN311}/requests.{{format_}}",
    tags=_TAGS,
    summary="GET Service Requests",
    **scoped(RouteScope.PUBLIC_CASES),
)
def get_requests(
    format_: str,
    db: DbSession,
    jurisdiction_id: str | None = None,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    updated_after: str | None = None,
    updated_before: str | None = None,
    page: str | None = None,
    page_size: str | None = None,
    extensions: str | None = None,
) -> Response:
    """Filters as the spec; default window the last 90 days (a wider range is a 400);
    ``page`` / ``page_size`` (≤ 1000) and ``updated_after`` / ``updated_before`` (v2.1)
    extensions; newest first."""
    try:
        _check_format(format_)
        jurisdiction = o311.resolve_jurisdiction(db, jurisdiction_id)
        q = o311.RequestQuery(
            ids=fmt.split_list(service_request_id),
            service_codes=fmt.split_list(service_code),
            statuses=fmt.parse_statuses(status),
            start=fmt.parse_w3c("start_date", start_date) if start_date else None,
            end=fmt.parse_w3c("end_date", end_date) if end_date else None,
            updated_after=fmt.parse_w3c("updated_after", updated_after) if updated_after else None,
            updated_before=fmt.parse_w3c("updated_before", updated_before)
            if updated_before
            else None,
            page=fmt.parse_positive_int("page", page, 1, 10**6),
            page_size=fmt.parse_positive_int(
                "page_size", page_size, fmt.MAX_PAGE_SIZE, fmt.MAX_PAGE_SIZE
            ),
            extensions=fmt.parse_bool(extensions),
        )
        rows = o311.query_requests(db, jurisdiction, q, now=utcnow())
        return _reply(format_, "service_requests", rows)
    except fmt.Open311Error as exc:
        return _error(format_, exc)


@router.get(
    f"{OPEN311}/requests/{{service_request_id}}.{{format_}}",
    tags=_TAGS,
    summary="GET Service Request",
    **scoped(RouteScope.PUBLIC_CASES),
)
def get_request(
    service_request_id: str,
    format_: str,
    db: DbSession,
    jurisdiction_id: str | None = None,
    extensions: str | None = None,
) -> Response:
    try:
        _check_format(format_)
        jurisdiction = o311.resolve_jurisdiction(db, jurisdiction_id)
        rows = o311.find_request(
            db, jurisdiction, service_request_id, extensions=fmt.parse_bool(extensions)
        )
        return _reply(format_, "service_requests", rows)
    except fmt.Open311Error as exc:
        return _error(format_, exc)


@router.get(
    f"{OPEN311}/tokens/{{token}}.{{format_}}",
    tags=_TAGS,
    summary="GET service_request_id from a token",
    **scoped(RouteScope.PUBLIC_CASES),
)
def get_token(
    token: str, format_: str, db: DbSession, jurisdiction_id: str | None = None
) -> Response:
    try:
        _check_format(format_)
        o311.resolve_jurisdiction(db, jurisdiction_id)
        return _reply(format_, "service_requests", o311.find_token(db, token))
    except fmt.Open311Error as exc:
        return _error(format_, exc)


# ---------------------------------------------------------------- /api/v1/intake admin

INTAKE = "/api/v1/intake"
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


class SubscriptionIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=8, max_length=2000)
    event_types: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    secret: str | None = Field(None, min_length=16, max_length=128)
    jurisdiction_id: int | None = None


def _admin_owns(db: DbSession, principal: Principal, jurisdiction_id: int | None) -> bool:
    """An admin manages what belongs to its subtree; installation-wide rows (no
    jurisdiction) only an admin at the root."""
    readable = org.readable_jurisdictions(db, principal)
    return readable is None or (jurisdiction_id is not None and jurisdiction_id in readable)


@router.get(f"{INTAKE}/webhooks", tags=["intake"], **scoped(RouteScope.ADMIN))
def list_webhooks(db: DbSession, principal: Admin) -> list[dict[str, Any]]:
    return [
        webhooks.describe_subscription(r)
        for r in webhooks.list_subscriptions(db)
        if _admin_owns(db, principal, r.jurisdiction_id)
    ]


@router.post(f"{INTAKE}/webhooks", tags=["intake"], status_code=201, **scoped(RouteScope.ADMIN))
def add_webhook(body: SubscriptionIn, db: DbSession, principal: Admin) -> dict[str, Any]:
    """Subscribe a receiver (for your platform, or one below it); the answer carries the
    signing secret (shown once)."""
    jurisdiction_id = body.jurisdiction_id
    if jurisdiction_id is not None or principal.jurisdiction_id is not None:
        jurisdiction_id = org.resolve_jurisdiction(
            db, principal, jurisdiction_id, field="jurisdiction_id"
        ).id
    row = webhooks.subscribe(
        db,
        body.name,
        body.url,
        body.event_types,
        secret=body.secret,
        jurisdiction_id=jurisdiction_id,
    )
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={"change": "webhook subscribed", "subscription_id": row.id},
    )
    return {**webhooks.describe_subscription(row), "secret": row.secret}


@router.delete(
    f"{INTAKE}/webhooks/{{subscription_id}}", tags=["intake"], **scoped(RouteScope.ADMIN)
)
def disable_webhook(subscription_id: int, db: DbSession, principal: Admin) -> dict[str, Any]:
    subscription = db.get(WebhookSubscription, subscription_id)
    if subscription is None or not _admin_owns(db, principal, subscription.jurisdiction_id):
        raise NotFound(f"no subscription {subscription_id}")
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={"change": "webhook disabled", "subscription_id": subscription_id},
    )
    return webhooks.describe_subscription(webhooks.deactivate(db, subscription_id))


# ---------------------------------------------------------------- 12345 hotline

HOTLINE = f"{INTAKE}/hotline"
Intake = Annotated[Principal, Depends(require_roles(Role.INTAKE_OPERATOR, Role.SHIFT_LEAD))]
Lead = Annotated[Principal, Depends(require_roles(Role.SHIFT_LEAD))]


def hotline_key(
    db: DbSession, x_api_key: Annotated[str | None, Header(description="hotline key")] = None
) -> ClientKey:
    key = client_keys.find_key(db, x_api_key, "hotline")
    if key is None:
        raise Forbidden("send the hotline platform's key in X-Api-Key")
    return key


HotlineKey = Annotated[ClientKey, Depends(hotline_key)]


class ReturnIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class CallbackIn(BaseModel):
    result: str = Field(pattern="^(satisfied|basically|dissatisfied)$")
    comment: str = Field("", max_length=2000)
    at: CalendarDateTime | None = None


@router.post(
    f"{HOTLINE}/work-orders", tags=["hotline"], status_code=201, **scoped(RouteScope.CLIENT_KEY)
)
def receive_work_order(
    body: hotline.WorkOrderIn,
    db: DbSession,
    key: HotlineKey,
    response: Response,
    request: Request,
) -> dict[str, Any]:
    """Receive a 12345 work order (X-Api-Key). Idempotent: the same ``order_id`` again
    answers 200 with the case it already has. Per key and per address at most
    ``URBANGRID_HOTLINE_ORDERS_PER_MINUTE`` a minute (429 with Retry-After beyond)."""
    limiter = Limiter(request.app.state.engine)
    limit = per_minute(get_settings().hotline_orders_per_minute)
    limiter.check(f"hotline:address:{client_address(request)}", limit, "work orders")
    limiter.check(f"hotline:key:{key.id}", limit, "work orders")
    got = hotline.receive(db, key, body)
    if not got.created:
        response.status_code = 200
    return {**hotline.describe(got.order, got.case), "created": got.created}


def _order_out(db: DbSession, principal: Principal, order_id: str) -> dict[str, Any]:
    return hotline.describe(*hotline.get_visible_order(db, principal, order_id))


def _key_order_out(db: DbSession, key: ClientKey, order_id: str) -> dict[str, Any]:
    order = hotline.get_key_order(db, key, order_id)
    return hotline.describe(order, get_visible_case(db, None, order.case_id))


@router.get(f"{HOTLINE}/work-orders/{{order_id}}", tags=["hotline"], **scoped(RouteScope.CASE))
def work_order(order_id: str, db: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """A work order whose case you read; 404 otherwise."""
    return _order_out(db, principal, order_id)


@router.get(
    f"{HOTLINE}/work-orders/{{order_id}}/status",
    tags=["hotline"],
    **scoped(RouteScope.CLIENT_KEY),
)
def work_order_status(order_id: str, db: DbSession, key: HotlineKey) -> dict[str, Any]:
    """The hotline platform polls an order's state (X-Api-Key)."""
    return _key_order_out(db, key, order_id)


@router.post(
    f"{HOTLINE}/work-orders/{{order_id}}/accept", tags=["hotline"], **scoped(RouteScope.CASE)
)
def accept_work_order(order_id: str, db: DbSession, principal: Intake) -> dict[str, Any]:
    """受理 the work order (its case leaves 待受理)."""
    hotline.accept(db, principal, order_id)
    return _order_out(db, principal, order_id)


@router.post(
    f"{HOTLINE}/work-orders/{{order_id}}/return", tags=["hotline"], **scoped(RouteScope.CASE)
)
def return_work_order(
    order_id: str, body: ReturnIn, db: DbSession, principal: Lead
) -> dict[str, Any]:
    """退单: give the order back to the hotline with a reason (voids its case)."""
    hotline.return_order(db, principal, order_id, body.reason)
    return _order_out(db, principal, order_id)


@router.post(
    f"{HOTLINE}/work-orders/{{order_id}}/callback",
    tags=["hotline"],
    **scoped(RouteScope.CLIENT_KEY),
)
def callback_work_order(
    order_id: str, body: CallbackIn, db: DbSession, key: HotlineKey
) -> dict[str, Any]:
    """回访 result sent by the hotline platform (X-Api-Key)."""
    hotline.record_callback(db, key, order_id, body.result, body.comment, at=body.at)
    return _key_order_out(db, key, order_id)


@router.get(f"{HOTLINE}/figures", tags=["hotline"], **scoped(RouteScope.CASES))
def hotline_figures(
    db: DbSession,
    principal: CurrentPrincipal,
    start: Annotated[CalendarDateTime, Query(description="first instant, with zone")],
    end: Annotated[CalendarDateTime, Query(description="end instant (exclusive), with zone")],
) -> dict[str, Any]:
    """Reply, on-time reply, completion and satisfaction rates of orders received in
    [start, end)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("give start and end with a zone", field="start/end")
    figures = hotline.figures_for(db, principal, start.astimezone(UTC), end.astimezone(UTC))
    return figures.as_dict()


# ---------------------------------------------------------------- duplicates

Operator = Annotated[
    Principal, Depends(require_roles(Role.INTAKE_OPERATOR, Role.SHIFT_LEAD, Role.DISPATCHER))
]


# 登记: the centre and leaders register cases (``cases.workflow.REPORT_ROLES``).
Registrar = Annotated[
    Principal,
    Depends(require_roles(Role.INTAKE_OPERATOR, Role.SHIFT_LEAD, Role.DISPATCHER, Role.LEADER)),
]


class MergeIn(BaseModel):
    master_case_id: int
    comment: str = Field("", max_length=1000)


@router.get(f"{INTAKE}/duplicates/nearby", tags=["intake"], **scoped(RouteScope.CASES))
def duplicates_nearby(
    db: DbSession,
    principal: Registrar,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    text: Annotated[str, Query(max_length=4000)] = "",
    category_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    radius_m: Annotated[float, Query(gt=0, le=5000)] = 100.0,
    days: Annotated[float, Query(gt=0, le=90)] = 7.0,
) -> list[dict[str, Any]]:
    """疑似重复 while registering (登记): open cases the caller reads near the point with a
    related category or similar text, best first (at most 5), before the case exists."""
    rules = Rules(radius_m=radius_m, window=timedelta(days=days))
    return duplicates.candidates_at(
        db, principal, lon=lon, lat=lat, text=text, category_id=category_id, rules=rules
    )


@router.get(f"{INTAKE}/cases/{{case_id}}/duplicates", tags=["intake"], **scoped(RouteScope.CASE))
def duplicate_candidates(
    case_id: int,
    db: DbSession,
    principal: Operator,
    radius_m: Annotated[float, Query(gt=0, le=5000)] = 100.0,
    days: Annotated[float, Query(gt=0, le=90)] = 7.0,
) -> list[dict[str, Any]]:
    """Open cases that may report the same problem (same or related category, near, recent,
    similar text), best first."""
    rules = Rules(radius_m=radius_m, window=timedelta(days=days))
    return duplicates.candidates(db, principal, case_id, rules)


@router.post(f"{INTAKE}/cases/{{case_id}}/merge", tags=["intake"], **scoped(RouteScope.CASE))
def merge_case(case_id: int, body: MergeIn, db: DbSession, principal: Lead) -> dict[str, Any]:
    """合并: void ``case_id`` as a duplicate of ``master_case_id``; its reporters follow the
    master case from now on."""
    merged = duplicates.merge(db, principal, case_id, body.master_case_id, body.comment)
    return {
        "case_id": merged.duplicate.id,
        "status": merged.duplicate.status,
        "master_case_id": merged.master.id,
        "master_number": merged.master.number,
        "reports_moved": merged.reports_moved,
    }


@router.get(f"{INTAKE}/cases/{{case_id}}/notifications", tags=["intake"], **scoped(RouteScope.CASE))
def reporter_notifications(
    case_id: int, db: DbSession, principal: Operator
) -> list[dict[str, Any]]:
    """The progress notices owed to the case's reporters, one per reporter and step."""
    get_visible_case(db, principal, case_id)
    return [
        {
            "report_id": n.report_id,
            "channel": n.channel,
            "message": n.message,
            "created_at": n.created_at,
        }
        for n in duplicates.notifications(db, case_id)
    ]


# ---------------------------------------------------------------- 答复 / 回访


@router.get(
    f"{INTAKE}/cases/{{case_id}}/caller",
    tags=["intake"],
    response_model=CallerOut,
    **scoped(RouteScope.CASE),
)
def case_caller(case_id: int, db: DbSession, principal: CurrentPrincipal) -> CallerOut:
    """The caller of a case (name, phone, 需要回访), its report count and the 答复 / 回访
    recorded so far; for the 受理员 and the 值班长 only (403 ``callback_role``)."""
    f = callbacks.caller_file(db, principal, case_id)
    return CallerOut(
        case_id=f.case.id,
        name=f.case.reporter_name,
        phone=f.case.reporter_phone,
        callback_wanted=f.case.reporter_callback,
        reports=f.reports,
        contacts=[
            ContactOut.model_validate(c).model_copy(
                update={"user_name": f.names.get(c.user_id or 0)}
            )
            for c in f.contacts
        ],
        calls=[
            CallOut(
                at=r.received_at,
                channel=str(r.attributes.get("channel", "")),
                channel_note=str(r.attributes.get("channel_note", "")),
                name=r.first_name,
                phone=r.phone,
                callback_wanted=bool(r.attributes.get("callback_wanted")),
                description=str(r.attributes.get("description", "")),
            )
            for r in f.calls
        ],
    )


@router.post(
    f"{INTAKE}/cases/{{case_id}}/calls",
    tags=["intake"],
    status_code=201,
    response_model=AttachedOut,
    responses={
        200: {"model": AttachedOut, "description": "a resend with the same Idempotency-Key"},
        409: {"description": "case_closed_meanwhile: the case ended since the hint"},
    },
    **scoped(RouteScope.CASE),
)
def attach_call(
    case_id: int,
    body: CallIn,
    db: DbSession,
    principal: CurrentPrincipal,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=64)] = None,
) -> AttachedOut:
    """并入: record a call on an open case listed as 疑似重复 instead of registering a new
    case; answers the case number to give the caller."""
    case, _, replayed = callbacks.attach_call(
        db,
        principal,
        case_id,
        callbacks.NewCall(
            channel=body.channel,
            channel_note=body.channel_note,
            description=body.description,
            reporter_name=body.reporter_name,
            reporter_phone=body.reporter_phone,
            callback_wanted=body.callback_wanted,
            address=body.address,
            attachments=tuple(body.attachments),
        ),
        key=idempotency_key,
    )
    if replayed:
        response.status_code = 200
    return AttachedOut(
        case_id=case.id,
        number=case.number,
        status=case.status,
        reports=callbacks.report_count(db, case.id),
        replayed=replayed,
    )


@router.post(
    f"{INTAKE}/cases/{{case_id}}/replies",
    tags=["intake"],
    status_code=201,
    response_model=ContactOut,
    **scoped(RouteScope.CASE),
)
def reply_to_caller(
    case_id: int, body: ReplyIn, db: DbSession, principal: CurrentPrincipal
) -> ContactOut:
    """答复: record what the caller was told (by the caller of this route, now)."""
    row = callbacks.record_reply(db, principal, case_id, body.content)
    return ContactOut.model_validate(row)


@router.post(
    f"{INTAKE}/cases/{{case_id}}/callbacks",
    tags=["intake"],
    status_code=201,
    response_model=ContactOut,
    **scoped(RouteScope.CASE),
)
def call_back(
    case_id: int, body: CallerCallbackIn, db: DbSession, principal: CurrentPrincipal
) -> ContactOut:
    """回访: record whether the caller was reached and their satisfaction (422
    ``bad_satisfaction`` / ``satisfaction_unreached``)."""
    row = callbacks.record_callback(
        db,
        principal,
        case_id,
        reached=body.reached,
        satisfaction=body.satisfaction,
        note=body.note,
    )
    return ContactOut.model_validate(row)


@router.get(f"{INTAKE}/suggestions", tags=["intake"], **scoped(RouteScope.JURISDICTION))
def text_suggestions(
    db: DbSession,
    principal: Registrar,
    text: Annotated[str, Query(max_length=4000)] = "",
    jurisdiction: Annotated[str | None, Query(description="6-digit code")] = None,
) -> list[dict[str, Any]]:
    """智能分类 while registering (登记): the classifier's top 3 categories with confidence
    for a description not yet sent (422 when no model is configured)."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction, field="jurisdiction")
    return suggestions.suggest_text(db, j, text)


@router.get(f"{INTAKE}/cases/{{case_id}}/suggestions", tags=["intake"], **scoped(RouteScope.CASE))
def category_suggestions(case_id: int, db: DbSession, principal: Operator) -> list[dict[str, Any]]:
    """智能分类: the jurisdiction's text classifier proposes category and department, top 3
    with confidence, for the operator to confirm (422 when no model is configured)."""
    case = get_visible_case(db, principal, case_id)
    return suggestions.suggest(db, case)


# ---------------------------------------------------------------- client keys (admin)


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    channel: str = Field("open311", pattern="^(open311|hotline)$")
    jurisdiction: str | None = Field(None, description="6-digit code the key reports into")


def _key_out(row: ClientKey) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "channel": row.channel,
        "prefix": row.key_prefix,
        "jurisdiction_id": row.jurisdiction_id,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
    }


@router.get(f"{INTAKE}/keys", tags=["intake"], **scoped(RouteScope.ADMIN))
def list_client_keys(db: DbSession, principal: Admin) -> list[dict[str, Any]]:
    return [
        _key_out(r)
        for r in client_keys.list_keys(db)
        if _admin_owns(db, principal, r.jurisdiction_id)
    ]


@router.post(f"{INTAKE}/keys", tags=["intake"], status_code=201, **scoped(RouteScope.ADMIN))
def create_client_key(body: KeyIn, db: DbSession, principal: Admin) -> dict[str, Any]:
    """Issue an api_key for an Open311 app or the hotline platform of your platform (or one
    below it); the key is in this answer only (its hash is stored)."""
    code = body.jurisdiction
    if code is not None or principal.jurisdiction_id is not None:
        code = org.resolve_jurisdiction(db, principal, code, field="jurisdiction").code
    row, key = client_keys.create_key(db, body.name, channel=body.channel, jurisdiction_code=code)
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={"change": "client key issued", "key_id": row.id, "channel": body.channel},
    )
    return {**_key_out(row), "key": key}


@router.delete(f"{INTAKE}/keys/{{key_id}}", tags=["intake"], **scoped(RouteScope.ADMIN))
def revoke_client_key(key_id: int, db: DbSession, principal: Admin) -> dict[str, Any]:
    key = db.get(ClientKey, key_id)
    if key is None or not _admin_owns(db, principal, key.jurisdiction_id):
        raise NotFound(f"no key {key_id}")
    audit.add(
        db, "admin", principal=principal, detail={"change": "client key revoked", "key_id": key_id}
    )
    return _key_out(client_keys.revoke_key(db, key_id))
