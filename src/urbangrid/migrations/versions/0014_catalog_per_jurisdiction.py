"""categories per platform: shared directory plus each platform's local versions

A category row gets a jurisdiction: None for the shared national directory, else the platform
(and the platforms below it) it belongs to — a local category or a local version of a shared
one, with its own 立案条件. Uniqueness moves from (kind, code) to (kind, code, jurisdiction),
with a partial unique index keeping the shared directory unique.

Revision ID: 0014_catalog_per_jurisdiction
Revises: 0013_evaluation_district
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_catalog_per_jurisdiction"
down_revision: str | Sequence[str] | None = "0013_evaluation_district"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SHARED = sa.text("jurisdiction_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jurisdiction_id", ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_categories_jurisdiction_id_jurisdictions"),
            "jurisdictions",
            ["jurisdiction_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_categories_jurisdiction_id"), ["jurisdiction_id"])
        batch_op.drop_constraint("uq_categories_kind_code", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_categories_kind_code_jurisdiction_id"),
            ["kind", "code", "jurisdiction_id"],
        )
    op.create_index(
        "uq_categories_shared_kind_code",
        "categories",
        ["kind", "code"],
        unique=True,
        sqlite_where=SHARED,
        postgresql_where=SHARED,
    )


def downgrade() -> None:
    op.drop_index("uq_categories_shared_kind_code", table_name="categories")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_categories_kind_code_jurisdiction_id"), type_="unique"
        )
        batch_op.create_unique_constraint("uq_categories_kind_code", ["kind", "code"])
        batch_op.drop_index(batch_op.f("ix_categories_jurisdiction_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_categories_jurisdiction_id_jurisdictions"), type_="foreignkey"
        )
        batch_op.drop_column("jurisdiction_id")
