"""evaluation: rebuild the fact rows (positions by the acting role, 自处理审核 is no 结案)

The adapter now credits a step to a position only when the actor took it in that role, and
an approved self-handling sets no closer. Fact rows built before are stale: forgetting the
case version they were built from makes the evaluation sync rebuild every one of them. No
schema change; nothing is lost (the facts are derived from the case tables).

Revision ID: 0034_evaluation_fixes
Revises: 0033_stats
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0034_evaluation_fixes"
down_revision: str | Sequence[str] | None = "0033_stats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE eval_case_facts SET source_version = NULL")


def downgrade() -> None:
    # The old rows cannot be told apart from the new ones; a rebuild is harmless both ways.
    op.execute("UPDATE eval_case_facts SET source_version = NULL")
