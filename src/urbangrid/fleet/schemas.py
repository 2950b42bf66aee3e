from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class IngestSummary(BaseModel):
    received: int
    stored: int
    duplicates: int


class FixOut(BaseModel):
    model_config = {"from_attributes": True}

    t: datetime
    lon: float
    lat: float
    speed_kmh: float
    heading: int
