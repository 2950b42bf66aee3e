from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


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
    is_active: bool = True
    jurisdiction_id: int | None = None


class CategoryDetail(CategoryOut):
    conditions: list[FilingConditionOut]


class CategoryChange(BaseModel):
    """One or more category fields to change (分类 admin); absent fields stay."""

    model_config = ConfigDict(extra="forbid")

    local_name: str | None = Field(None, max_length=100)
    default_department_code: str | None = Field(None, max_length=32)
    is_active: bool | None = None


class ConditionChange(BaseModel):
    """立案条件 fields to change; the time limit as written (``2紧急工作时``) or value + unit."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, max_length=2000)
    time_limit_raw: str | None = Field(None, max_length=64)
    time_limit_value: str | None = Field(None, max_length=20)
    time_limit_unit: str | None = Field(None, max_length=32)
    closing_condition: str | None = Field(None, max_length=2000)
    default_department_code: str | None = Field(None, max_length=32)
