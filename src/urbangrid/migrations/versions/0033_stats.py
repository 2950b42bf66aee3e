"""stats: the category id on the fact rows (统计分析 groups by category; a 5-digit code
alone repeats between 部件 and 事项), filled from the cases

Revision ID: 0033_stats
Revises: 0030_waste_checks
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033_stats"
down_revision: str | Sequence[str] | None = "0030_waste_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("eval_case_facts") as batch:
        batch.add_column(sa.Column("category_id", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE eval_case_facts SET category_id = "
        "(SELECT cases.category_id FROM cases WHERE cases.id = eval_case_facts.case_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("eval_case_facts") as batch:
        batch.drop_column("category_id")
