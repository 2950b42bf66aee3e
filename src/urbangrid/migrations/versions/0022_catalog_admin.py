"""catalog: a category can be disabled (categories.is_active) from the catalogue screen

Revision ID: 0022_catalog_admin
Revises: 0021_callbacks
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_catalog_admin"
# Written beside other issue-15 migrations; the chain is put in order when they land.
down_revision: str | Sequence[str] | None = "0021_callbacks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        batch.add_column(
            sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("is_active")
