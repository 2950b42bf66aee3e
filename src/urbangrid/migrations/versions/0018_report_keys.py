"""cases: client keys of reports (case_report_keys), so a resent report makes no second case

Revision ID: 0018_report_keys
Revises: 0017_task_assignment
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_report_keys"
# 0017 is written on another branch; the chain is put in order when both land.
down_revision: str | Sequence[str] | None = "0017_task_assignment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_report_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "reporter_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_report_keys_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_case_report_keys_reporter_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_report_keys")),
        sa.UniqueConstraint("reporter_id", "key", name=op.f("uq_case_report_keys_reporter_id_key")),
    )
    with op.batch_alter_table("case_report_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_report_keys_case_id"), ["case_id"])


def downgrade() -> None:
    op.drop_table("case_report_keys")
