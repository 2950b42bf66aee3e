"""Request and response bodies of the intake routes written since issue 15 (答复 / 回访)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ReplyIn(BaseModel):
    """答复: what the caller was told."""

    model_config = ConfigDict(extra="forbid")

    content: str = Field(max_length=2000, description="what the caller was told")


class CallerCallbackIn(BaseModel):
    """回访: reached or not; when reached, satisfaction satisfied (满意) | basically (基本满意)
    | dissatisfied (不满意)."""

    model_config = ConfigDict(extra="forbid")

    reached: bool
    satisfaction: str | None = Field(None, max_length=16)
    note: str = Field("", max_length=2000)


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    kind: str = Field(description="reply (答复) | callback (回访)")
    user_id: int | None
    user_name: str | None = Field(None, description="who recorded it (display name)")
    at: datetime
    content: str
    reached: bool | None
    satisfaction: str | None


class CallOut(BaseModel):
    """A call attached to the case after its first report (登记 → 疑似重复 → 并入)."""

    at: datetime
    channel: str
    channel_note: str
    name: str | None
    phone: str | None
    callback_wanted: bool
    description: str


class CallIn(BaseModel):
    """A call the 登记 form attaches to an open case instead of registering a new one."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(max_length=16, description="hotline | walk_in | leader | media | other")
    channel_note: str = Field("", max_length=40, description="which channel, for other")
    description: str = Field(max_length=4000)
    reporter_name: str | None = Field(None, max_length=64)
    reporter_phone: str | None = Field(None, max_length=32)
    callback_wanted: bool = False
    address: str = Field("", max_length=500)
    attachments: list[int] = Field(
        default_factory=list,
        max_length=12,
        description="ids of photos uploaded for the call (POST /api/v1/cases/photos)",
    )


class AttachedOut(BaseModel):
    case_id: int
    number: str = Field(description="the case number to give the caller")
    status: str
    reports: int
    replayed: bool = Field(description="a resend: the call was recorded the first time")


class CallerOut(BaseModel):
    """The caller of a case as the centre sees it (受理员, 值班长 only)."""

    case_id: int
    name: str | None
    phone: str | None
    callback_wanted: bool
    reports: int = Field(description="calls and reports on this case (1 + those attached)")
    contacts: list[ContactOut]
    calls: list[CallOut] = Field(description="calls attached after the first report")
