"""web: indexes on cases for the department to-do list and the map's grid counts

Revision ID: 0006_web
Revises: 0001_foundation
Depends on: 0003_cases
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_web"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0003_cases"


def upgrade() -> None:
    op.create_index(
        "ix_cases_department_status_due",
        "cases",
        ["department_id", "status", "due_at"],
        unique=False,
    )
    op.create_index(
        "ix_cases_status_grid",
        "cases",
        ["status", "grid_code"],
        unique=False,
        postgresql_include=["due_at", "warning_level", "jurisdiction_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_cases_status_grid", table_name="cases")
    op.drop_index("ix_cases_department_status_due", table_name="cases")
