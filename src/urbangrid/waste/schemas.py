from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class InspectionBody(BaseModel):
    """A drop-point checklist (投放点检查) as the inspector's phone sends it."""

    point: str = Field(max_length=64, description="drop point code")
    bins_checked: dict[str, int] = Field(default_factory=dict)
    bins_wrong: dict[str, int] = Field(default_factory=dict)
    overflow: bool = False
    signage_ok: bool = True
    clean: bool = True
    supervisor_present: bool | None = None
    note: str = Field("", max_length=500)
    attachments: list[int] = Field(default_factory=list, max_length=9)


class FailureOut(BaseModel):
    item: str
    matter_code: str
    text: str
    case_id: int | None
    case_number: str | None
    case_status: str | None
    rectified: bool | None


class InspectionOut(BaseModel):
    id: int
    point_code: str
    point_name: str
    inspected_at: datetime
    checklist: dict[str, Any]
    note: str
    passed: bool
    failures: list[FailureOut]


class TicketImportOut(BaseModel):
    stored: int


class LedgerOut(BaseModel):
    """分类日报: tonnes by category and by facility."""

    by_category: dict[str, float]
    by_facility: dict[str, dict[str, float]]
    total_t: float


class IndicatorOut(BaseModel):
    name: str
    label_zh: str
    label_en: str
    value: float | None  # in the formula's scale (per cent)
    score: float | None  # 0–100 when the assessment scores it


class IndicatorsOut(BaseModel):
    quantities: dict[str, float]
    indicators: list[IndicatorOut]
    assessment: str | None
    total: float | None
    grade: str | None


class CheckBody(BaseModel):
    """The local days [start, end) to run the collection checks over."""

    start: date
    end: date


class CheckOut(BaseModel):
    """收运监管: violations per rule in the period, and the cases this run opened."""

    start: date
    end: date
    days_checked: int
    found: dict[str, int]
    opened: dict[str, int]
    case_numbers: list[str]
