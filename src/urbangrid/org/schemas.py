from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from urbangrid.org.roles import Role


class JurisdictionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    timezone: str
    source_crs: str
    parent_id: int | None = None
    level: str = "district"


class StreetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    jurisdiction_id: int
    code: str
    name: str
    is_placeholder: bool


class CommunityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    street_id: int
    code: str
    name: str
    is_placeholder: bool


class GridOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    community_id: int
    name: str | None
    area_m2: float | None
    centroid_lon: float | None
    centroid_lat: float | None


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    jurisdiction_id: int
    parent_id: int | None
    code: str
    name: str
    kind: str | None
    street_id: int | None = None
    contact_name: str | None
    phone: str | None
    email: str | None
    is_active: bool


class DepartmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    parent_code: str | None = None
    kind: str | None = None
    street_code: str | None = Field(
        None, pattern=r"^\d{3}$", description="a street office (街道): the street it handles"
    )
    jurisdiction: str | None = Field(None, description="a platform of your subtree (6 digits)")
    contact_name: str | None = None
    phone: str | None = None
    email: str | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    roles: list[Role]
    jurisdiction_id: int | None
    department_id: int | None
    grid_codes: list[str]
    is_active: bool
    on_leave: bool = False  # 请假: no 核实 / 核查 task goes to it (its grids' go to the pool)
    # Locked out by failed logins (an administrator's list only; an admin unlocks it).
    locked: bool = False


class OnLeaveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on_leave: bool = Field(description="请假 (true) or back on duty (false)")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=256, description="8+ characters, 2+ kinds")
    roles: list[Role] = Field(min_length=1)
    department_code: str | None = None
    grid_codes: list[str] = []
    jurisdiction: str | None = Field(None, description="a platform of your subtree (6 digits)")


class ActiveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool = Field(description="启用 (true) or 停用 (false)")


class RolesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[Role] = Field(min_length=1, max_length=20)
    department_code: str | None = Field(None, max_length=32)


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=256, description="8+ characters, 2+ kinds")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256, description="8+ characters, 2+ kinds")


# --- administration screens (机构管理) -------------------------------------------------------


class DepartmentAdminOut(DepartmentOut):
    """A department in the admin's tree with what depends on it."""

    users_count: int
    open_cases_count: int


class DepartmentPatch(BaseModel):
    """Fields left out stay as they are; ``parent_id`` / ``street_id`` null clears them."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100)
    parent_id: int | None = Field(None, ge=1, description="null: a top unit")
    street_id: int | None = Field(None, ge=1, description="a street office's street; null clears")
    is_active: bool | None = None


class CoverageGrid(BaseModel):
    code: str
    community_id: int
    street_id: int
    inspector_ids: list[int]


class CoverageOut(BaseModel):
    """The grids of a platform with their inspectors; ``uncovered`` counts the gaps."""

    jurisdiction: str
    total: int
    uncovered: int
    grids: list[CoverageGrid]
    inspectors: list[UserOut]


class GridsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grid_codes: list[str] = Field(max_length=5000, description="the inspector's whole grid set")


class JurisdictionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100)
    timezone: str | None = Field(None, min_length=1, max_length=64, description="IANA name")
    source_crs: Literal["wgs84", "gcj02", "bd09"] | None = None


class DepartmentAdminCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=1, max_length=100)
    parent_id: int | None = Field(None, ge=1)
    street_id: int | None = Field(None, ge=1, description="a street office (街道): its street")
    kind: str | None = Field(None, max_length=32)
    jurisdiction: str | None = Field(None, description="a platform of your subtree (6 digits)")
