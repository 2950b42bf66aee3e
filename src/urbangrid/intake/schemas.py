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


class CallerOut(BaseModel):
    """The caller of a case as the centre sees it (受理员, 值班长 only)."""

    case_id: int
    name: str | None
    phone: str | None
    callback_wanted: bool
    reports: int = Field(description="calls and reports on this case (1 + those attached)")
    contacts: list[ContactOut]
