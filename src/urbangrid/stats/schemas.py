"""Schemas of /api/v1/stats (统计分析). Durations are seconds; rates are fractions (0.953)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class PeriodOut(BaseModel):
    label: str
    kind: str = Field(description="month, quarter, year or custom")
    first: date = Field(description="first local day")
    last: date = Field(description="last local day, inclusive")
    start: datetime
    end: datetime
    timezone: str


class FiguresOut(BaseModel):
    reported: int = Field(description="上报数: cases reported in the period")
    filed: int = Field(description="立案数: of them, filed and not voided")
    closed: int = Field(description="结案数: of them, closed")
    open: int = Field(description="未结案数: filed, not voided, not closed")
    on_time: int = Field(description="fed back by the disposal deadline")
    handled: int = Field(description="fed back, with a disposal deadline")
    on_time_rate: float | None = Field(description="on_time / handled")
    median_close_s: float | None = Field(description="median time to close, seconds")
    p90_close_s: float | None = Field(description="90th percentile time to close, seconds")
    closed_durations: int = Field(description="how many durations the percentiles are of")


class ChangeOut(BaseModel):
    previous: float | None
    delta: float | None
    ratio: float | None


class CellOut(FiguresOut):
    column: str | None = Field(description="the column's key (None: no column dimension)")
    filter: dict[str, str] = Field(
        description="the query that selects the cell's cases (GET /api/v1/stats/cases)"
    )
    link: str = Field(description="the case search page with the cell's filters")


class RowOut(BaseModel):
    key: str | None
    label: str
    cells: list[CellOut]
    total: CellOut
    mom: dict[str, ChangeOut] | None = Field(None, description="环比: per figure")
    yoy: dict[str, ChangeOut] | None = Field(None, description="同比: per figure")


class ColumnOut(BaseModel):
    key: str | None
    label: str


class StatsTableOut(BaseModel):
    period: PeriodOut
    previous: PeriodOut
    year_ago: PeriodOut
    rows_dimension: str
    columns_dimension: str | None
    columns: list[ColumnOut]
    rows: list[RowOut]
    total: RowOut = Field(description="column totals and the grand total")


class RecurringOut(BaseModel):
    category_id: int | None
    category: str
    grid_code: str
    grid_name: str | None
    street: str | None
    count: int
    last_reported_at: datetime
    filter: dict[str, str]


class RecurringList(BaseModel):
    period: PeriodOut
    min_count: int
    items: list[RecurringOut]


class StatsCaseOut(BaseModel):
    id: int = Field(description="for the case page's address (/cases/{id}); show the number")
    number: str
    status: str
    source: str
    category: str | None
    street: str | None
    grid_code: str | None
    department: str | None
    reported_at: datetime
    closed_at: datetime | None
    close_seconds: int | None
