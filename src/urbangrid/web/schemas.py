"""Response schemas of the web UI's own endpoints (``/api/v1/web/...``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


# ---------------------------------------------------------------- 一张图: area statistics
class AreaStatsOut(BaseModel):
    """Figures of one street, community or grid over the cases the caller reads."""

    level: str  # street | community | grid
    id: int
    code: str
    name: str
    street_id: int
    street_name: str
    community_id: int | None
    community_name: str | None
    period_from: date
    period_to: date
    open: int
    overdue: int
    closed: int  # closed (结案) in the period
    closed_on_time: int
    on_time_rate: float | None  # closed_on_time / closed; None when nothing closed
    # Query parameters of the case list (案件查询) filtered by this area.
    cases_query: dict[str, str]
    now: datetime
