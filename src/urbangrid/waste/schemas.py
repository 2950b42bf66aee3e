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


class PointStatusOut(BaseModel):
    """A drop point on the map (投放点地图), coloured by its latest inspection."""

    code: str
    name: str
    lon: float
    lat: float
    street_id: int | None
    street: str | None
    community_id: int | None
    community: str | None
    estate_code: str | None
    estate_name: str | None
    hours: str | None
    supervisor: str | None
    bins: list[str]
    status: str  # never | open | stale | passed | rectified (waste.replay.PointStatus)
    inspection_id: int | None
    inspected_at: datetime | None
    failures: int  # failed items of the latest inspection
    open_cases: int  # of them, cases not known to be closed


class PointsStatusOut(BaseModel):
    as_of: datetime
    stale_days: int
    counts: dict[str, int]  # per status, over the area filters (before the status filter)
    points: list[PointStatusOut]


class VehicleOut(BaseModel):
    code: str
    name: str  # the plate (车牌)
    company_code: str | None
    company_name: str | None
    category: str | None
    terminal: str | None


class ReplayFixOut(BaseModel):
    t: datetime
    lon: float
    lat: float
    speed_kmh: float


class StopOut(BaseModel):
    seq: int
    site_code: str
    site_name: str
    site_kind: str  # point | station | facility
    lon: float
    lat: float
    arrival: datetime
    departure: datetime
    dwell_s: int
    trip: int | None  # the trip it belongs to (1-based), None after the last delivery
    delivery: bool  # the stop that ends its trip


class TripOut(BaseModel):
    seq: int
    start: datetime
    end: datetime
    points: int  # drop-point stops on the trip
    facility_code: str
    facility_name: str


class ViolationOut(BaseModel):
    rule: str  # waste.rules.Rule
    time: datetime | None
    site_code: str | None
    site_name: str | None
    ticket: str | None


class VehicleDayOut(BaseModel):
    """A vehicle's day for the replay (车辆轨迹回放)."""

    vehicle: VehicleOut
    day: date
    timezone: str
    fixes_total: int
    fixes: list[ReplayFixOut]  # thinned (waste.replay.thin)
    stops: list[StopOut]
    trips: list[TripOut]
    violations: list[ViolationOut]
