"""waste: violations of the collection rules found by the checks, one per case

Revision ID: 0030_waste_checks
Revises: 0027_weigh_tickets
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import urbangrid.kit.types

revision: str = "0030_waste_checks"
down_revision: str | Sequence[str] | None = "0027_weigh_tickets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "waste_violations",
        sa.Column("id", _ID, nullable=False),
        sa.Column("jurisdiction_id", _ID, nullable=False),
        sa.Column("key", sa.String(length=96), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("site_id", _ID, nullable=True),
        sa.Column("vehicle_id", _ID, nullable=True),
        sa.Column("seen_at", urbangrid.kit.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ticket_no", sa.String(length=64), nullable=True),
        sa.Column("case_id", _ID, nullable=True),
        sa.Column("detected_at", urbangrid.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_waste_violations_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_waste_violations_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["register_records.id"],
            name=op.f("fk_waste_violations_site_id_register_records"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["register_records.id"],
            name=op.f("fk_waste_violations_vehicle_id_register_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_violations")),
        sa.UniqueConstraint(
            "jurisdiction_id", "key", name=op.f("uq_waste_violations_jurisdiction_id_key")
        ),
    )
    with op.batch_alter_table("waste_violations", schema=None) as batch_op:
        batch_op.create_index("ix_waste_violations_day", ["jurisdiction_id", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("waste_violations", schema=None) as batch_op:
        batch_op.drop_index("ix_waste_violations_day")
    op.drop_table("waste_violations")
