from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class FieldOut(BaseModel):
    name: str
    label_zh: str
    label_en: str
    type: str
    required: bool
    choices: list[str]
    ref: str | None


class RegisterOut(BaseModel):
    name: str
    label_zh: str
    label_en: str
    geometry: str
    outside_allowed: bool
    fields: list[FieldOut]


class RecordOut(BaseModel):
    code: str
    name: str
    attributes: dict[str, Any]
    geometry: dict[str, Any] | None
    lon: float | None
    lat: float | None
    grid_code: str | None
    community: str | None
    street: str | None
    active: bool
    updated_at: datetime


class RecordBody(BaseModel):
    """A record as a form sends it: text cells keyed by field name, and a GeoJSON geometry
    (WGS-84 unless ``crs`` says otherwise)."""

    name: str = Field(max_length=200)
    cells: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    geometry: dict[str, Any] | None = None
    crs: str = "wgs84"


class ImportSummary(BaseModel):
    register_name: str = Field(alias="register")
    created: int
    updated: int
    rows: int
