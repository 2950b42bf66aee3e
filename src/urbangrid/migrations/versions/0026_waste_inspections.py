"""waste: drop-point inspections (投放点检查) and the cases they opened

Revision ID: 0026_waste_inspections
Revises: 0025_case_subject
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import urbangrid.kit.types

revision: str = "0026_waste_inspections"
down_revision: str | Sequence[str] | None = "0025_case_subject"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "waste_inspections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "jurisdiction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("point_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "inspector_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("inspected_at", urbangrid.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "checklist",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "failures",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", urbangrid.kit.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["users.id"], name=op.f("fk_waste_inspections_inspector_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_waste_inspections_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["register_records.id"],
            name=op.f("fk_waste_inspections_point_id_register_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_inspections")),
    )
    with op.batch_alter_table("waste_inspections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_waste_inspections_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(
            "ix_waste_inspections_point_time", ["point_id", "inspected_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("waste_inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_waste_inspections_point_time")
        batch_op.drop_index(batch_op.f("ix_waste_inspections_jurisdiction_id"))

    op.drop_table("waste_inspections")
