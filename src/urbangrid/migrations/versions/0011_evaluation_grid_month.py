"""month-and-grid ordered indexes for the grid evaluation on PostgreSQL

The evaluation of every grid for a month groups 400,000 rows (at 10 M cases) into 160,000
grids. With the anchor-first covering indexes of 0010 the rows come in time order and
PostgreSQL keeps every grid's counters in a hash table of about 60 MB. An index that starts
with the local month and then the grid code gives a month's rows already grouped, so the
counts are aggregated as the rows stream by (see models.GRID_MONTH_INDEXES and
bench/bench_evaluation.py). PostgreSQL only: the month is a PostgreSQL expression, and
SQLite keeps the plain statements.

Revision ID: 0011_evaluation_grid_month
Revises: 0010_evaluation_covering
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_evaluation_grid_month"
down_revision: str | Sequence[str] | None = "0010_evaluation_covering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy as of this revision (models.GRID_MONTH_INDEXES may change in later migrations).
GRID_MONTH: dict[str, tuple[str, ...]] = {
    "filed_at": (
        "returns", "reworks", "extensions", "suspensions", "voided_at", "handle_deadline",
        "handled_at", "handle_minutes", "closed_at", "source",
    ),
    "reported_at": ("rating", "replied_at", "reply_deadline", "closed_at", "source"),
}  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for anchor, columns in GRID_MONTH.items():
        op.execute(
            f"CREATE INDEX IF NOT EXISTS ix_eval_facts_grid_month_by_{anchor} "
            f"ON eval_case_facts (date_trunc('month', timezone('Asia/Shanghai', {anchor})), "
            f"grid_code, {anchor}) INCLUDE ({', '.join(columns)})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for anchor in GRID_MONTH:
        op.execute(f"DROP INDEX IF EXISTS ix_eval_facts_grid_month_by_{anchor}")
