"""API shapes of cases (Pydantic 2)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from urbangrid.cases.workflow import MAX_EXTENSION, ClosingType, Source, WarningLevel


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Source
    lon: float = Field(ge=-180, le=180, description="WGS-84 longitude")
    lat: float = Field(ge=-90, le=90, description="WGS-84 latitude")
    description: str = Field("", max_length=4000)
    address: str = Field("", max_length=500)
    category_id: int | None = None
    filing_condition_id: int | None = None
    urgency: str = Field("normal", pattern="^(normal|urgent)$")
    reporter_name: str | None = Field(None, max_length=64)
    reporter_phone: str | None = Field(None, max_length=32)
    callback_wanted: bool = Field(False, description="需要回访: the caller asks to be called back")
    external_id: str | None = Field(None, max_length=64)
    component_id: int | None = None
    self_handled: bool = Field(False, description="自处理: the inspector fixed it on the spot")
    attachments: list[int] = Field(default_factory=list, description="ids of uploaded photos")
    jurisdiction_id: int | None = None
    comment: str = Field("", max_length=2000)


class ActionBody(BaseModel):
    """Every action names the case version the caller saw (optimistic lock)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    comment: str = Field("", max_length=2000, description="reason / note")
    attachments: list[int] = Field(default_factory=list)


class VerifyBody(ActionBody):
    confirmed: bool = True


class ReclassifyBody(ActionBody):
    category_id: int | None = None
    filing_condition_id: int


class DispatchBody(ActionBody):
    department_id: int | None = Field(None, description="omit to use the routing suggestion")


class ForwardBody(ActionBody):
    department_id: int = Field(description="转派: your department or one of its sub-units")


class AssignInspectorBody(ActionBody):
    inspector_id: int = Field(description="派发: the inspector who does the 核实 / 核查")


class TransferBody(ActionBody):
    jurisdiction_id: int | None = Field(
        None, description="派遣到区: the district platform; omit for the one the point lies in"
    )


class ExtensionBody(ActionBody):
    extra: Decimal = Field(
        gt=0,
        le=MAX_EXTENSION,
        allow_inf_nan=False,
        decimal_places=2,
        description="extra time in the unit of the disposal limit",
    )


class ApproveExtensionBody(ActionBody):
    extra: Decimal | None = Field(
        None,
        gt=0,
        le=MAX_EXTENSION,
        allow_inf_nan=False,
        decimal_places=2,
        description="grant less or more than asked",
    )


class CloseBody(ActionBody):
    closing_type: ClosingType | None = None


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int | None
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    # 照片环节 and author: the event that cited the photo (null while not yet cited).
    step: str | None = Field(None, description="action of the event that cited the photo")
    step_seq: int | None = None
    author_id: int | None = None
    author_role: str | None = None
    author_name: str | None = Field(
        None, description="staff display name; a citizen's name only for the callback roles"
    )


class CategoryRefOut(BaseModel):
    id: int
    code: str
    name: str


class DisposalOut(BaseModel):
    """处置结果: kept after 结案 (the deadline of the last assignment and whether the
    department's 反馈 came in time)."""

    deadline: datetime
    finished_at: datetime | None = Field(None, description="the department's last 反馈")
    on_time: bool | None = Field(None, description="按期 (true) / 超期 (false); null: no 反馈")
    overdue_amount: Decimal | None = Field(None, description="超期 by, in the limit's unit")
    unit: str | None = None


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    action: str
    actor_id: int | None
    actor_role: str
    at: datetime
    from_state: str | None
    to_state: str
    comment: str
    data: dict[str, Any]
    attachments: list[int]
    # 改类: from → to; 延期: asked and granted, in the unit of the disposal limit.
    category_from: CategoryRefOut | None = None
    category_to: CategoryRefOut | None = None
    limit_from: dict[str, str] | None = None
    limit_to: dict[str, str] | None = None
    extension_requested: Decimal | None = None
    extension_granted: Decimal | None = None
    extension_unit: str | None = None


class CaseSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    jurisdiction_id: int
    number: str
    source: str
    status: str
    status_label: str = ""
    category_id: int | None
    filing_condition_id: int | None
    department_id: int | None
    grid_code: str | None
    street_id: int | None
    community_id: int | None
    lon: float
    lat: float
    address: str
    description: str
    urgency: str
    warning_level: WarningLevel
    due_at: datetime | None
    disposal_deadline: datetime | None
    stage_deadline: datetime | None
    supervised: bool
    task_inspector_id: int | None
    version: int
    reported_at: datetime
    closed_at: datetime | None
    closing_type: str | None


class CaseDetail(CaseSummary):
    external_id: str | None
    component_id: int | None
    reporter_id: int | None
    reporter_name: str | None
    caller_phone: str | None = Field(
        None,
        description="the reporter's phone (reporter_phone), only for the roles that call "
        "back (受理员, 值班长: 答复 / 回访); null for everyone else",
    )
    callback_wanted: bool | None = Field(
        None,
        description="需要回访: the caller asked to be called back; like caller_phone, only "
        "for the roles that call back, null for everyone else",
    )
    self_handled: bool
    limit_value: Decimal | None
    limit_unit: str | None
    extension_total: Decimal
    requested_extension: Decimal | None
    suspended_since: datetime | None
    returns: int
    reworks: int
    extensions: int
    suspensions: int
    dispatch_count: int
    wrong_dispatches: int
    supervision_count: int
    verified_ok: bool | None
    handled_overdue: bool
    accepted_at: datetime | None
    verified_at: datetime | None
    filed_at: datetime | None
    dispatched_at: datetime | None
    first_dispatched_at: datetime | None
    department_accepted_at: datetime | None
    handled_at: datetime | None
    checked_at: datetime | None
    allowed_actions: list[str] = Field(default_factory=list)
    disposal: DisposalOut | None = None
    timeline: list[EventOut] = Field(default_factory=list)
    attachments: list[AttachmentOut] = Field(default_factory=list)


class SuggestionOut(BaseModel):
    department_id: int
    department_name: str
    reason: str
    rule_id: int | None = None


class RoutingRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department_id: int
    category_id: int | None = None
    kind: str | None = Field(None, pattern="^(component|matter)$")
    big_code: str | None = Field(None, pattern=r"^\d{2}$")
    area_level: str = Field("jurisdiction", pattern="^(jurisdiction|street|community|grid)$")
    area_id: int | None = None
    priority: int = Field(0, ge=-1000, le=1000)
    note: str = Field("", max_length=500)
    jurisdiction_id: int | None = None
    is_active: bool = True


class RoutingRuleOut(RoutingRuleIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: int
    is_active: bool


class RoutingTrialOut(BaseModel):
    """派遣规则 tester: the area the site lies in and the department the rules pick."""

    street_id: int | None
    community_id: int | None
    grid_id: int | None
    suggestion: SuggestionOut | None
