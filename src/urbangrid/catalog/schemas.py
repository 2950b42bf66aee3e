from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class FilingConditionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    seq: int
    description: str
    time_limit_value: Decimal
    time_limit_unit: str
    time_limit_raw: str | None
    closing_condition: str
    default_department_code: str | None
    is_active: bool


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    code: str
    big_code: str
    big_name: str
    name: str
    local_name: str | None
    is_national: bool
    legacy_code: str | None
    pinyin: str


class CategoryDetail(CategoryOut):
    conditions: list[FilingConditionOut]
