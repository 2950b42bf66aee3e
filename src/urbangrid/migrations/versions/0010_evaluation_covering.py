"""covering indexes on eval_case_facts, one per count anchor

The month's counts of an anchor (dispatched_at for departments, filed_at for areas …) read
a dozen of the fact table's fifty columns. An index that starts with the anchor and holds
those columns lets PostgreSQL answer with an index-only scan over one contiguous range, and
SQLite from a covering index (see bench/bench_evaluation.py). Replaces the three plain
anchor indexes of 0005_evaluation.

Revision ID: 0010_evaluation_covering
Revises: 0009_case_bigram_search
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_evaluation_covering"
down_revision: str | Sequence[str] | None = "0009_case_bigram_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy as of this revision (models.COVERING_INDEXES may grow in later migrations).
COVERING: dict[str, tuple[str, ...]] = {
    "dispatched_at": (
        "department_id", "dispatcher_id", "dispatch_deadline", "handle_deadline", "handled_at",
        "handle_minutes", "closed_at", "returns", "reworks", "extensions", "suspensions",
        "wrong_dispatches",
    ),
    "filed_at": (
        "grid_code", "community_code", "street_code", "source", "voided_at", "handle_deadline",
        "handled_at", "handle_minutes", "closed_at", "file_deadline", "filer_id",
        "patrol_inspector_id", "returns", "reworks", "extensions", "suspensions",
    ),
    "reported_at": (
        "grid_code", "community_code", "street_code", "department_id", "source", "replied_at",
        "reply_deadline", "rating", "closed_at", "filed_at", "reporter_id", "self_handled",
    ),
    "accepted_at": ("intake_operator_id", "verify_send_deadline", "verify_sent_at"),
    "verify_sent_at": ("verifier_id", "verify_deadline", "verified_at"),
    "handled_at": ("check_sender_id", "check_send_deadline", "check_sent_at"),
    "check_sent_at": ("checker_id", "check_deadline", "checked_at"),
    "closed_at": ("closer_id", "close_deadline"),
}  # fmt: skip


def upgrade() -> None:
    for anchor, columns in COVERING.items():
        op.create_index(f"ix_eval_facts_by_{anchor}", "eval_case_facts", [anchor, *columns])
    op.drop_index("ix_eval_case_facts_dispatch", table_name="eval_case_facts")
    op.drop_index("ix_eval_case_facts_filed", table_name="eval_case_facts")
    op.drop_index("ix_eval_case_facts_reported", table_name="eval_case_facts")


def downgrade() -> None:
    op.create_index(
        "ix_eval_case_facts_dispatch", "eval_case_facts", ["dispatched_at", "department_id"]
    )
    op.create_index("ix_eval_case_facts_filed", "eval_case_facts", ["filed_at"])
    op.create_index("ix_eval_case_facts_reported", "eval_case_facts", ["reported_at"])
    for anchor in COVERING:
        op.drop_index(f"ix_eval_facts_by_{anchor}", table_name="eval_case_facts")
