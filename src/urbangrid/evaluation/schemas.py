"""Response schemas of /api/v1/evaluation."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class EvaluationOut(BaseModel):
    kind: str
    key: str
    name: str
    rank: int | None
    score: float | None
    grade: str | None
    counts: dict[str, int]
    rates: dict[str, float | None]
    band_scores: dict[str, float]
    previous_score: float | None = None
    score_change: float | None = None
    previous_rank: int | None = None
    volume: int = 0  # the cases the object acted on in the period
    ranked: bool = False  # scored and at least ``min_cases`` cases (参与排名)


class EvaluationList(BaseModel):
    period: str
    start: datetime
    end: datetime
    kind: str
    min_cases: int  # fewer cases than this: scored, listed apart, not ranked
    items: list[EvaluationOut]


class ListsOut(BaseModel):
    period: str
    kind: str
    min_cases: int
    red: list[EvaluationOut]
    black: list[EvaluationOut]


class DrillCase(BaseModel):
    id: int
    number: str  # 案件编号


class AlertCase(BaseModel):
    id: int
    number: str


class SurgeOut(BaseModel):
    series: str | list[str]
    series_name: str  # the grid and category (or the category) in words
    day: date
    count: int
    baseline: float  # the usual cases a day (mean of the 28 days before)
    level: str  # significant | very_significant
    level_zh: str  # 异常升高（显著）…
    p_value: float  # for machines; the page and the report say ``level`` instead


class RecurringOut(BaseModel):
    grid_code: str
    grid_name: str
    category_code: str
    category_name: str
    first_day: date
    last_day: date
    count: int
    case_ids: list[int]
    cases: list[AlertCase]


class HotSpotOut(BaseModel):
    grid_code: str
    grid_name: str
    category_code: str
    category_name: str
    count: int


class AlertsOut(BaseModel):
    period: str
    rule: str
    surges: list[SurgeOut]
    recurring: list[RecurringOut]
    hot_spots: list[HotSpotOut]
