"""the organisation trees behind the visibility policy: city over districts, street offices,
inspector tasks

- ``jurisdictions.parent_id`` and ``level``: a city platform (市级) over its district
  platforms (区级); a user bound to a jurisdiction reads its subtree.
- ``departments.street_id``: a street office (街道) that handles its street's cases like a
  department (属地管理).
- ``cases.task_inspector_id``: the inspector a 核实 / 核查 task was sent to (派发); an
  inspector reads the cases in its grids, its tasks and its own reports, so ``reporter_id``
  gets an index too (the three conditions are one OR of indexed columns).

Revision ID: 0012_scope_tree
Revises: 0011_evaluation_grid_month
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_scope_tree"
down_revision: str | Sequence[str] | None = "0011_evaluation_grid_month"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", ID, nullable=True))
        batch_op.add_column(
            sa.Column("level", sa.String(length=16), nullable=False, server_default="district")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_jurisdictions_parent_id_jurisdictions"),
            "jurisdictions",
            ["parent_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_jurisdictions_parent_id"), ["parent_id"])

    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("street_id", ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_departments_street_id_streets"), "streets", ["street_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_departments_street_id"), ["street_id"])

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("task_inspector_id", ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_task_inspector_id_users"), "users", ["task_inspector_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_cases_task_inspector_id"), ["task_inspector_id"])
        batch_op.create_index(batch_op.f("ix_cases_reporter_id"), ["reporter_id"])


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_cases_task_inspector_id"))
        batch_op.drop_constraint(batch_op.f("fk_cases_task_inspector_id_users"), type_="foreignkey")
        batch_op.drop_column("task_inspector_id")
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_departments_street_id"))
        batch_op.drop_constraint(batch_op.f("fk_departments_street_id_streets"), type_="foreignkey")
        batch_op.drop_column("street_id")
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jurisdictions_parent_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_jurisdictions_parent_id_jurisdictions"), type_="foreignkey"
        )
        batch_op.drop_column("level")
        batch_op.drop_column("parent_id")
