"""evaluation: the case fact table the indicators are computed over

Revision ID: 0005_evaluation
Revises: 0001_foundation
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import urbangrid.kit.types

revision: str = "0005_evaluation"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMES = (
    "accepted_at",
    "verify_send_deadline",
    "verify_sent_at",
    "verify_deadline",
    "verified_at",
    "file_deadline",
    "filed_at",
    "voided_at",
    "dispatch_deadline",
    "dispatched_at",
    "handle_deadline",
    "handled_at",
    "check_send_deadline",
    "check_sent_at",
    "check_deadline",
    "checked_at",
    "close_deadline",
    "closed_at",
)
_ACTORS = (
    "reporter_id",
    "intake_operator_id",
    "verifier_id",
    "filer_id",
    "dispatcher_id",
    "check_sender_id",
    "checker_id",
    "closer_id",
    "patrol_inspector_id",
)


def upgrade() -> None:
    utc = urbangrid.kit.types.UTCDateTime
    op.create_table(
        "eval_case_facts",
        sa.Column("case_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("jurisdiction_id", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("category_code", sa.String(length=8), nullable=True),
        sa.Column("grid_code", sa.String(length=15), nullable=True),
        sa.Column("street_code", sa.String(length=9), nullable=True),
        sa.Column("community_code", sa.String(length=12), nullable=True),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        *[sa.Column(name, sa.BigInteger(), nullable=True) for name in _ACTORS],
        sa.Column("reported_at", utc(), nullable=False),
        *[sa.Column(name, utc(), nullable=True) for name in _TIMES],
        sa.Column("closing_type", sa.String(length=16), nullable=True),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("reworks", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("suspensions", sa.Integer(), nullable=False),
        sa.Column("wrong_dispatches", sa.Integer(), nullable=False),
        sa.Column("self_handled", sa.Boolean(), nullable=False),
        sa.Column("replied_at", utc(), nullable=True),
        sa.Column("reply_deadline", utc(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("handle_minutes", sa.Integer(), nullable=True),
        sa.Column("synced_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_eval_case_facts")),
    )
    op.create_index(
        "ix_eval_case_facts_dispatch", "eval_case_facts", ["dispatched_at", "department_id"]
    )
    op.create_index("ix_eval_case_facts_filed", "eval_case_facts", ["filed_at"])
    op.create_index("ix_eval_case_facts_reported", "eval_case_facts", ["reported_at"])
    op.create_index(
        op.f("ix_eval_case_facts_jurisdiction_id"), "eval_case_facts", ["jurisdiction_id"]
    )


def downgrade() -> None:
    op.drop_table("eval_case_facts")
