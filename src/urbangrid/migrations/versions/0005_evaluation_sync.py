"""evaluation: remember which case version each fact row was built from

Incremental sync compares it with ``cases.version`` (event times can be back-dated by the
simulator, so neither ``updated_at`` nor event times make a reliable watermark).

Revision ID: 0005_evaluation_sync
Revises: 0005_evaluation
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_evaluation_sync"
down_revision: str | Sequence[str] | None = "0005_evaluation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("eval_case_facts") as batch:
        batch.add_column(sa.Column("source_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("eval_case_facts") as batch:
        batch.drop_column("source_version")
