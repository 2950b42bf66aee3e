"""task assignment: the inspector's on-leave flag (请假), the shift lead's task pool

Revision ID: 0017_task_assignment
Revises: 0016_worker_heartbeats

Who holds a 核实 / 核查 task is derived, not stored (``cases.tasks``): the inspector it was
sent to (``cases.task_inspector_id``, 派发), else the present inspectors of the case's grid,
else the shift lead's pool. So open tasks need no backfill: the day this runs, every task
without a grid inspector shows in its platform's pool. The one stored fact added is
``users.on_leave`` (everyone present).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_task_assignment"
down_revision: str | Sequence[str] | None = "0016_worker_heartbeats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("on_leave", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("on_leave")
