"""intake: 答复 / 回访 of a case's caller (intake_caller_contacts) and the caller's wish to be
called back (cases.reporter_callback)

Revision ID: 0021_callbacks
Revises: 0020_notifications
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_callbacks"
# Written beside 0019 and 0020 on other branches; the chain is put in order when they land.
down_revision: str | Sequence[str] | None = "0020_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reporter_callback", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "intake_caller_contacts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("jurisdiction_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", _ID, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_intake_caller_contacts_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_intake_caller_contacts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_caller_contacts")),
    )
    with op.batch_alter_table("intake_caller_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_caller_contacts_case_id"), ["case_id"])
        batch_op.create_index(
            batch_op.f("ix_intake_caller_contacts_jurisdiction_id"), ["jurisdiction_id"]
        )


def downgrade() -> None:
    op.drop_table("intake_caller_contacts")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("reporter_callback")
