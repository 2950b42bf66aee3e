"""abuse limits (rate_limits) and the security log (security_events)

Revision ID: 0015_abuse_limits
Revises: 0014_catalog_per_jurisdiction
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_abuse_limits"
down_revision: str | Sequence[str] | None = "0014_catalog_per_jurisdiction"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limits")),
    )
    op.create_table(
        "security_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("jurisdiction_id", sa.BigInteger(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
    )
    with op.batch_alter_table("security_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_security_events_at"), ["at"])
        batch_op.create_index(batch_op.f("ix_security_events_kind"), ["kind"])
        batch_op.create_index(batch_op.f("ix_security_events_jurisdiction_id"), ["jurisdiction_id"])


def downgrade() -> None:
    op.drop_table("security_events")
    op.drop_table("rate_limits")
