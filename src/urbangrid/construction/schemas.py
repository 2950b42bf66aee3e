from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class BatchFiguresOut(BaseModel):
    patches: int
    by_match: dict[str, int]
    tasks: int = Field(description="new and rebuilt patches that repeat no earlier one (核查)")
    verified: int
    verified_share: float | None
    median_days_to_verify: float | None
    confirmed: int
    confirmed_share: float | None = Field(description="illegal among the verified")
    by_verdict: dict[str, int]


class BatchOut(BaseModel):
    id: int
    name: str
    source: str
    imported_at: datetime
    notes: list[str]
    thresholds: dict[str, float]
    figures: BatchFiguresOut


class PatchOut(BaseModel):
    id: int
    batch_id: int
    ref: str
    geometry: dict[str, Any]
    lon: float
    lat: float
    grid_id: int | None
    community_id: int | None
    street_id: int | None
    area_m2: float
    t1: date | None
    t2: date | None
    confidence: float | None
    image_before: str | None
    image_after: str | None
    match: str
    matched_record_id: int | None
    duplicate_of_id: int | None
    overlap_m2: float
    verdict: str | None
    permit_no: str | None
    verdict_note: str
    verified_at: datetime | None
    record_id: int | None
    case_id: int | None


class VerdictBody(BaseModel):
    """核查 on the phone: legal (with its permit), not a building, or illegal."""

    verdict: Literal["legal", "not_building", "illegal"]
    permit_no: str | None = Field(None, max_length=64)
    note: str = Field("", max_length=500)
    party: str | None = Field(None, max_length=200)
    type: str | None = Field(None, max_length=32)
    structure: str | None = Field(None, max_length=32)
    floors: int | None = Field(None, ge=0, le=100)
    attachments: list[int] = Field(default_factory=list, max_length=9)


class StepBody(BaseModel):
    code: str = Field(max_length=32, description="a step of the procedure (stop_order …)")
    day: date
    document_no: str | None = Field(None, max_length=64)
    party_deadline: date | None = None
    area_m2: float | None = Field(None, ge=0)
    note: str = Field("", max_length=1000)
    attachments: list[int] = Field(default_factory=list, max_length=9)


class StepOut(BaseModel):
    id: int
    code: str
    day: date
    document_no: str | None
    party_deadline: date | None
    area_m2: float | None
    note: str
    created_at: datetime


class PendingOut(BaseModel):
    code: str
    earliest: date | None
    due: date | None


class StepsOut(BaseModel):
    record_code: str
    kind: str
    discovered: date
    taken: list[StepOut]
    pending: list[PendingOut]
    next_due: PendingOut | None
    overdue: bool


class ProcedureStepOut(BaseModel):
    code: str
    zh: str
    en: str
    after: list[str]
    applies_to: list[str]
    document: bool
    sets_party_deadline: bool
    demolition: str | None
    terminal: bool


class IndicatorRowOut(BaseModel):
    key: int | None = Field(description="community or street id; null for the district")
    name: str
    records: int
    open: int
    new_found: int
    new_stopped: int
    new_stopped_share: float | None
    new_demolished_share: float | None
    days_to_stop_median: float | None
    stock: int
    stock_area_m2: float
    stock_reduced_m2: float
    stock_reduced_share: float | None
    demolished_self_m2: float
    demolished_forced_m2: float
    patches_tasks: int
    patches_verified_share: float | None
    days_to_verify_median: float | None
    patches_confirmed_share: float | None
    rebuild_rate: float | None
    clean: bool = Field(description="无违建 by the platform's rule")


class SourcesOut(BaseModel):
    measure: str
    kind: Literal["records", "patches"]
    ids: list[int]
    codes: list[str] = Field(description="register codes (records) or patch numbers")


class RankedStreetOut(IndicatorRowOut):
    score: float | None = Field(description="weighted mean of the ranking shares (0–1)")
    rankable: bool
    rank: int | None


class RankingOut(BaseModel):
    weights: dict[str, float]
    size: int
    min_records: int
    items: list[RankedStreetOut]
    red: list[int] = Field(description="street ids on the 红榜, best first")
    black: list[int] = Field(description="street ids on the 黑榜, worst first")


class RecordRowOut(BaseModel):
    """A register record as the 违法建设 screens list and map it."""

    id: int = Field(description="the record's id (a patch's matched_record_id, record_id)")
    code: str
    name: str
    status: str = Field(description="在查 / 已拆除 / 已销号 / 已补办")
    kind: str = Field(description="new | stock")
    address: str
    area_m2: float | None
    geometry: dict[str, Any] | None
    lon: float | None
    lat: float | None
    next_step: str | None
    next_due: date | None
    overdue: bool
