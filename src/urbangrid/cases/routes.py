"""/api/v1/cases — create, read, list, one POST per workflow action, photos, routing rules.

Thin: parse, call :mod:`urbangrid.cases.service`, return a schema. Refusals come back as
problem+json with ``allowed_actions``: 403 (role / department), 409 (state or stale
``version``), 422 (bad input, naming the field).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Query, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.api.deps import CurrentPrincipal, DbSession, require_roles
from urbangrid.auth import audit
from urbangrid.auth.principal import Principal
from urbangrid.cases import routing_admin, search, service, sheet
from urbangrid.cases.models import Case, RoutingRule
from urbangrid.cases.queries import (
    CaseFilters,
    get_visible_attachment,
    get_visible_case,
    reads_caller,
)
from urbangrid.cases.schemas import (
    ActionBody,
    ApproveExtensionBody,
    AssignInspectorBody,
    AttachmentOut,
    CaseCreate,
    CaseDetail,
    CaseSummary,
    CloseBody,
    DispatchBody,
    ExtensionBody,
    ForwardBody,
    ReclassifyBody,
    RoutingRuleIn,
    RoutingRuleOut,
    RoutingTrialOut,
    SuggestionOut,
    TransferBody,
    VerifyBody,
)
from urbangrid.cases.workflow import STATUS_LABELS_ZH, Action, Status
from urbangrid.kit.errors import NotFound, PayloadTooLarge
from urbangrid.kit.pagination import Page, PageParams, page_params
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.types import CalendarDate
from urbangrid.org import service as org
from urbangrid.org.roles import Role
from urbangrid.settings import get_settings

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "role or department may not do this (allowed_actions listed)"},
    404: {"description": "no such case"},
    409: {"description": "not possible in this state, or the version is stale"},
    422: {"description": "bad input; the problem names the field"},
}


def _summary(case: Case) -> CaseSummary:
    out = CaseSummary.model_validate(case)
    out.status_label = STATUS_LABELS_ZH[Status(case.status)]
    return out


def _detail(db: Session, principal: Principal, case: Case) -> CaseDetail:
    out = CaseDetail.model_validate(case)
    # Private data: the caller's name, phone and wish to be called back only for the roles
    # that call back (答复 / 回访).
    if reads_caller(principal):
        out.caller_phone = case.reporter_phone
        out.callback_wanted = case.reporter_callback
    else:
        out.reporter_name = None
    out.status_label = STATUS_LABELS_ZH[Status(case.status)]
    out.allowed_actions = service.allowed_for(db, principal, case)
    events = service.case_events(db, case.id)
    out.timeline = sheet.timeline(db, events)
    out.attachments = sheet.photos(
        db, principal, case, events, service.case_attachments(db, case.id)
    )
    out.disposal = sheet.disposal(db, case)
    return out


@router.post(
    "",
    status_code=201,
    response_model=CaseDetail,
    responses={
        **_ERRORS,
        200: {
            "model": CaseDetail,
            "description": "a resend: the case made the first time with this Idempotency-Key",
        },
        409: {"description": "the Idempotency-Key was used for another report (or: state)"},
    },
    **scoped(RouteScope.CASE),
)
def create_case(
    body: CaseCreate,
    db: DbSession,
    principal: CurrentPrincipal,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="the client's key of this report (a UUID made when the form is "
            "started), at most 64 visible ASCII characters; a resend with the same key and "
            "the same report answers 200 with the case made the first time (header "
            "Idempotent-Replayed: true) and makes no second case; the key with another "
            "report is 409. Unique per reporting user.",
        ),
    ] = None,
) -> CaseDetail:
    """上报 / 登记: a new case from any channel (201). With ``Idempotency-Key``, sending the
    same report again never makes a second case (200, the first case)."""
    new = service.NewCase(**body.model_dump())
    if idempotency_key is None:
        case = service.create_case(db, principal, new)
    else:
        reported = service.report_once(db, principal, new, idempotency_key)
        case = reported.case
        if reported.replayed:
            response.status_code = 200
            response.headers["Idempotent-Replayed"] = "true"
    return _detail(db, principal, case)


@router.get("", response_model=Page[CaseSummary], **scoped(RouteScope.CASES))
def list_cases(
    db: DbSession,
    principal: CurrentPrincipal,
    paging: Annotated[PageParams, Depends(page_params)],
    status: Annotated[list[Status] | None, Query(description="repeatable")] = None,
    jurisdiction_id: int | None = Query(None, description="one platform of your subtree"),
    department_id: int | None = None,
    grid_code: str | None = Query(None, pattern=r"^\d{15}$"),
    street_id: int | None = None,
    community_id: int | None = None,
    category_id: int | None = None,
    source: str | None = None,
    warning_level: str | None = Query(None, pattern="^(green|yellow|red)$"),
    reported_from: CalendarDate | None = Query(None, description="first day (local)"),
    reported_to: CalendarDate | None = Query(None, description="last day (local), inclusive"),
    q: str | None = Query(None, max_length=100, description="text in number/description/address"),
    open_only: bool = False,
    supervised: bool | None = None,
) -> Page[CaseSummary]:
    filters = CaseFilters(
        statuses=[s.value for s in status or []],
        jurisdiction_id=jurisdiction_id,
        department_id=department_id,
        grid_code=grid_code,
        street_id=street_id,
        community_id=community_id,
        category_id=category_id,
        source=source,
        warning_level=warning_level,
        reported_from=reported_from,
        reported_to=reported_to,
        text=q,
        open_only=open_only,
        supervised=supervised,
        timezone=org.jurisdiction_timezone(db, principal),
    )
    rows, total = service.list_cases(
        db, principal, filters, page=paging.page, page_size=paging.page_size
    )
    return Page[CaseSummary](
        items=[_summary(c) for c in rows],
        total=min(total, search.COUNT_CAP),
        total_capped=total > search.COUNT_CAP,
        page=paging.page,
        page_size=paging.page_size,
    )


async def _read_upload(file: UploadFile) -> bytes:
    limit = get_settings().max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"the file is larger than {limit} bytes", max_bytes=limit)
    return content


@router.post(
    "/photos",
    status_code=201,
    response_model=AttachmentOut,
    responses={413: {"description": "too large"}, 415: {"description": "not an image"}},
    **scoped(RouteScope.AUTHENTICATED),
)
async def upload_photo(
    db: DbSession,
    principal: CurrentPrincipal,
    file: UploadFile = File(...),
    kind: str = Form("before"),
) -> AttachmentOut:
    """Upload a photo before reporting; cite its id in ``attachments`` of the report."""
    content = await _read_upload(file)
    row = service.store_photo(db, principal, content, file.filename or "photo", kind=kind)
    return AttachmentOut.model_validate(row)


@router.get("/attachments/{attachment_id}", response_class=FileResponse, **scoped(RouteScope.CASE))
def download_attachment(
    attachment_id: int, db: DbSession, principal: CurrentPrincipal
) -> FileResponse:
    """A photo of a case you read (or your own upload not yet on a case); else 404."""
    row = get_visible_attachment(db, principal, attachment_id)
    path = service.attachment_path(row)
    if not path.is_file():  # the data directory lost it (restore without files, disk error)
        raise NotFound(f"the file of attachment {attachment_id} is missing")
    return FileResponse(path, media_type=row.content_type)


@router.get(
    "/routing-rules", response_model=list[RoutingRuleOut], **scoped(RouteScope.JURISDICTION)
)
def list_routing_rules(
    db: DbSession, principal: CurrentPrincipal, jurisdiction_id: int | None = None
) -> list[RoutingRuleOut]:
    """派遣规则 of one platform of your subtree (default: your own)."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction_id, field="jurisdiction_id")
    q = select(RoutingRule).where(RoutingRule.jurisdiction_id == j.id).order_by(RoutingRule.id)
    return [RoutingRuleOut.model_validate(r) for r in db.scalars(q)]


@router.get(
    "/routing-rules/trial", response_model=RoutingTrialOut, **scoped(RouteScope.JURISDICTION)
)
def try_routing_rules(
    db: DbSession,
    principal: CurrentPrincipal,
    jurisdiction_id: int | None = None,
    category_id: int | None = None,
    street_id: int | None = None,
    community_id: int | None = None,
    grid_id: int | None = None,
) -> RoutingTrialOut:
    """Which department would a case of this category here be suggested, by which rule."""
    trial = routing_admin.try_rules(
        db, principal, jurisdiction_id=jurisdiction_id, category_id=category_id,
        street_id=street_id, community_id=community_id, grid_id=grid_id,
    )  # fmt: skip
    found = trial.suggestion
    return RoutingTrialOut(
        street_id=trial.street_id,
        community_id=trial.community_id,
        grid_id=trial.grid_id,
        suggestion=SuggestionOut(**found.__dict__) if found else None,
    )


@router.post(
    "/routing-rules",
    status_code=201,
    response_model=RoutingRuleOut,
    **scoped(RouteScope.ADMIN),
)
def create_routing_rule(
    body: RoutingRuleIn,
    db: DbSession,
    principal: Annotated[Principal, Depends(require_roles(Role.ADMIN))],
) -> RoutingRuleOut:
    rule = routing_admin.create_rule(db, principal, body.model_dump())
    return RoutingRuleOut.model_validate(rule)


@router.put("/routing-rules/{rule_id}", response_model=RoutingRuleOut, **scoped(RouteScope.ADMIN))
def update_routing_rule(
    rule_id: int,
    body: RoutingRuleIn,
    db: DbSession,
    principal: Annotated[Principal, Depends(require_roles(Role.ADMIN))],
) -> RoutingRuleOut:
    """Change a rule (``is_active`` false deactivates it)."""
    rule = routing_admin.update_rule(db, principal, rule_id, body.model_dump())
    return RoutingRuleOut.model_validate(rule)


@router.delete("/routing-rules/{rule_id}", status_code=204, **scoped(RouteScope.ADMIN))
def delete_routing_rule(
    rule_id: int,
    db: DbSession,
    principal: Annotated[Principal, Depends(require_roles(Role.ADMIN))],
) -> None:
    routing_admin.delete_rule(db, principal, rule_id)


@router.get("/settings", response_model=dict[str, Any], **scoped(RouteScope.JURISDICTION))
def get_case_settings(
    db: DbSession, principal: CurrentPrincipal, jurisdiction_id: int | None = None
) -> dict[str, Any]:
    """Workflow steps, stage limits, office hours, calendar overrides, number pattern."""
    return service.case_settings(
        org.resolve_jurisdiction(db, principal, jurisdiction_id, field="jurisdiction_id")
    )


@router.put(
    "/settings",
    response_model=dict[str, Any],
    responses={422: {"description": "bad"}},
    **scoped(RouteScope.ADMIN),
)
def put_case_settings(
    body: dict[str, Any],
    db: DbSession,
    principal: Annotated[Principal, Depends(require_roles(Role.ADMIN))],
    jurisdiction_id: int | None = None,
) -> dict[str, Any]:
    """Replace any of ``workflow``, ``worktime``, ``case_number_pattern`` (admin, for your
    platform or one below it)."""
    jurisdiction = org.resolve_jurisdiction(db, principal, jurisdiction_id, field="jurisdiction_id")
    settings = service.update_case_settings(db, jurisdiction, body)
    audit.add(
        db,
        "admin",
        principal=principal,
        detail={"change": "case settings", "jurisdiction": jurisdiction.code, "keys": sorted(body)},
    )
    return settings


@router.get("/{case_id}", response_model=CaseDetail, responses=_ERRORS, **scoped(RouteScope.CASE))
def get_case(case_id: int, db: DbSession, principal: CurrentPrincipal) -> CaseDetail:
    """A case with its timeline (every event), photos and the caller's allowed actions."""
    return _detail(db, principal, get_visible_case(db, principal, case_id))


@router.get("/{case_id}/suggestion", response_model=SuggestionOut | None, **scoped(RouteScope.CASE))
def dispatch_suggestion(
    case_id: int, db: DbSession, principal: CurrentPrincipal
) -> SuggestionOut | None:
    """派遣建议: the department the routing rules (or the category default) point to."""
    found = service.suggest_department(db, get_visible_case(db, principal, case_id))
    return SuggestionOut(**found.__dict__) if found else None


@router.post(
    "/{case_id}/photos",
    status_code=201,
    response_model=AttachmentOut,
    responses={413: {"description": "too large"}, 415: {"description": "not an image"}},
    **scoped(RouteScope.CASE),
)
async def upload_case_photo(
    case_id: int,
    db: DbSession,
    principal: CurrentPrincipal,
    file: UploadFile = File(...),
    kind: str = Form("after"),
) -> AttachmentOut:
    """Attach a photo to a case (e.g. the after-photo before 反馈)."""
    content = await _read_upload(file)
    row = service.store_photo(
        db, principal, content, file.filename or "photo", case_id=case_id, kind=kind
    )
    return AttachmentOut.model_validate(row)


ACTION_BODIES: dict[Action, type[ActionBody]] = {
    Action.ACCEPT_REPORT: ActionBody,
    Action.VERIFY: VerifyBody,
    Action.RECLASSIFY: ReclassifyBody,
    Action.FILE: ActionBody,
    Action.NOT_FILE: ActionBody,
    Action.VOID: ActionBody,
    Action.DISPATCH: DispatchBody,
    Action.DEPARTMENT_ACCEPT: ActionBody,
    Action.RETURN: ActionBody,
    Action.FEEDBACK: ActionBody,
    Action.APPLY_EXTENSION: ExtensionBody,
    Action.APPROVE_EXTENSION: ApproveExtensionBody,
    Action.REJECT_EXTENSION: ActionBody,
    Action.APPLY_SUSPENSION: ActionBody,
    Action.APPROVE_SUSPENSION: ActionBody,
    Action.REJECT_SUSPENSION: ActionBody,
    Action.RESUME: ActionBody,
    Action.CHECK_PASS: ActionBody,
    Action.CHECK_FAIL: ActionBody,
    Action.CLOSE: CloseBody,
    Action.FORCE_CLOSE: CloseBody,
    Action.SUPERVISE: ActionBody,
    Action.APPROVE_SELF_HANDLING: ActionBody,
    Action.REJECT_SELF_HANDLING: ActionBody,
    Action.FORWARD: ForwardBody,
    Action.ASSIGN_INSPECTOR: AssignInspectorBody,
    Action.TRANSFER: TransferBody,
}


def _action_endpoint(action: Action, body_model: type[ActionBody]) -> None:
    def endpoint(
        case_id: int,
        body: body_model,  # type: ignore[valid-type]
        db: DbSession,
        principal: CurrentPrincipal,
    ) -> CaseDetail:
        data = body.model_dump(
            exclude={"version", "comment", "attachments"}, exclude_none=True, mode="json"
        )
        case = service.perform_action(
            db,
            principal,
            case_id,
            action,
            version=body.version,
            comment=body.comment,
            data=data,
            attachments=body.attachments,
        )
        return _detail(db, principal, case)

    endpoint.__name__ = f"case_{action.value}"
    router.add_api_route(
        f"/{{case_id}}/{action.value}",
        endpoint,
        methods=["POST"],
        response_model=CaseDetail,
        responses=_ERRORS,
        summary=f"{action.label_zh} ({action.value})",
        **scoped(RouteScope.CASE),
    )


for _action, _body in ACTION_BODIES.items():
    _action_endpoint(_action, _body)
