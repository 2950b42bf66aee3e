"""district code on the evaluation facts (区级评价)

A city platform ranks its districts with the area indicators. The district of a case is the
first six digits of its grid code (its platform's GB/T 2260 code), stored beside the street
and community codes like them, so SQL groups by a column. The area anchors' covering indexes
(0010) take it, and the jurisdiction a reader's scope filters on, at their end.

Revision ID: 0013_evaluation_district
Revises: 0012_scope_tree
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_evaluation_district"
down_revision: str | Sequence[str] | None = "0012_scope_tree"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The two covering indexes as of this revision (models.COVERING_INDEXES may change later).
COVERING: dict[str, tuple[str, ...]] = {
    "filed_at": (
        "grid_code", "community_code", "street_code", "source", "voided_at", "handle_deadline",
        "handled_at", "handle_minutes", "closed_at", "file_deadline", "filer_id",
        "patrol_inspector_id", "returns", "reworks", "extensions", "suspensions",
    ),
    "reported_at": (
        "grid_code", "community_code", "street_code", "department_id", "source", "replied_at",
        "reply_deadline", "rating", "closed_at", "filed_at", "reporter_id", "self_handled",
    ),
}  # fmt: skip
ADDED = ("district_code", "jurisdiction_id")


def upgrade() -> None:
    op.add_column("eval_case_facts", sa.Column("district_code", sa.String(length=6)))
    op.execute(
        "UPDATE eval_case_facts SET district_code = substr(grid_code, 1, 6) "
        "WHERE grid_code IS NOT NULL AND length(grid_code) >= 6"
    )
    for anchor, columns in COVERING.items():
        name = f"ix_eval_facts_by_{anchor}"
        op.drop_index(name, table_name="eval_case_facts")
        op.create_index(name, "eval_case_facts", [anchor, *columns, *ADDED])


def downgrade() -> None:
    for anchor, columns in COVERING.items():
        name = f"ix_eval_facts_by_{anchor}"
        op.drop_index(name, table_name="eval_case_facts")
        op.create_index(name, "eval_case_facts", [anchor, *columns])
    with op.batch_alter_table("eval_case_facts", schema=None) as batch_op:
        batch_op.drop_column("district_code")
