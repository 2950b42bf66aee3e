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


class LedgerByStreetOut(LedgerOut):
    """分类日报 with the tonnes by street (a vehicle's service street) and by local day."""

    by_street: dict[str, dict[str, float]] = Field(default_factory=dict)
    by_day: dict[str, dict[str, float]] = Field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None


class FormulaOut(BaseModel):
    name: str
    label_zh: str
    label_en: str


class ObjectIndicatorsOut(BaseModel):
    """One object of a level: its indicators (None when the denominator is 0) and inputs."""

    key: str
    name: str
    values: dict[str, float | None]
    quantities: dict[str, float]


class IndicatorsByLevelOut(IndicatorsOut):
    """The platform's figures (as before) and, for ``level``, one row per object."""

    level: str = "platform"
    start: datetime | None = None
    end: datetime | None = None
    formulas: list[FormulaOut] = Field(default_factory=list)
    rows: list[ObjectIndicatorsOut] = Field(default_factory=list)
    # tonnes of the period's tickets that count for no object of the level (no vehicle, or
    # the vehicle has no service street / company)
    unattributed_t: float = 0.0
    tonnage_attributed: bool = True  # False: this level has no tonnage figures
    inspections_attributed: bool = True  # False: this level has no inspection figures


class AssessedOut(BaseModel):
    key: str
    name: str
    rank: int | None
    eligible: bool
    inspections: int
    total: float | None
    grade: str | None
    values: dict[str, float | None]
    scores: dict[str, float | None]


class TermOut(BaseModel):
    formula: str
    label_zh: str
    label_en: str
    weight: float
    scoring: str
    target: float | None


class AssessmentOut(BaseModel):
    """Monthly assessment (月度考核) of the streets or estates, with 红榜 and 黑榜."""

    month: str
    level: str
    name: str
    terms: list[TermOut]
    size: int  # at most this many on each list
    min_inspections: int  # fewer inspections in the month: not ranked
    items: list[AssessedOut]
    red: list[AssessedOut]
    black: list[AssessedOut]


class CaseRefOut(BaseModel):
    case_id: int | None  # None: a case the caller may not read
    number: str | None
    rectified_on_time: bool | None


class TicketSourceOut(BaseModel):
    id: int
    ticket_no: str
    weighed_at: datetime
    facility: str
    vehicle: str | None
    category: str
    net_t: float


class InspectionSourceOut(BaseModel):
    id: int
    inspected_at: datetime
    point_code: str
    point_name: str
    estate: str | None
    bins_checked: int
    bins_wrong: int
    failed: bool
    cases: list[CaseRefOut]


class SourcesOut(BaseModel):
    """The rows behind an object's figures in the period, a page of them, and their sums
    over all pages (equal to the quantities the figure is computed from)."""

    kind: str
    level: str
    key: str
    name: str
    total: int
    page: int
    page_size: int
    sums: dict[str, float]
    tickets: list[TicketSourceOut] = Field(default_factory=list)
    inspections: list[InspectionSourceOut] = Field(default_factory=list)


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
