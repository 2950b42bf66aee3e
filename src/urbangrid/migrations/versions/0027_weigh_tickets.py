"""waste: weighbridge tickets (过磅单), the ledger of the collection chain

Revision ID: 0027_weigh_tickets
Revises: 0026_waste_inspections
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import urbangrid.kit.types

revision: str = "0027_weigh_tickets"
down_revision: str | Sequence[str] | None = "0026_waste_inspections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "waste_weigh_tickets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "jurisdiction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("ticket_no", sa.String(length=64), nullable=False),
        sa.Column(
            "facility_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "vehicle_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("weighed_at", urbangrid.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("gross_kg", sa.Float(), nullable=False),
        sa.Column("tare_kg", sa.Float(), nullable=False),
        sa.Column("net_kg", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["register_records.id"],
            name=op.f("fk_waste_weigh_tickets_facility_id_register_records"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_waste_weigh_tickets_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["register_records.id"],
            name=op.f("fk_waste_weigh_tickets_vehicle_id_register_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_weigh_tickets")),
        sa.UniqueConstraint(
            "jurisdiction_id",
            "ticket_no",
            name=op.f("uq_waste_weigh_tickets_jurisdiction_id_ticket_no"),
        ),
    )
    with op.batch_alter_table("waste_weigh_tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_waste_weigh_tickets_time", ["jurisdiction_id", "weighed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("waste_weigh_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_waste_weigh_tickets_time")

    op.drop_table("waste_weigh_tickets")
