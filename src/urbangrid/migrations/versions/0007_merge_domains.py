"""merge the domain branches into one line

Each domain's first migration branched from 0001_foundation so that the domains could be
built side by side; this revision joins them, so that later migrations have one parent and
``alembic revision`` works without naming a head.

Revision ID: 0007_merge_domains
Revises: 0002_geo, 0004_intake, 0005_evaluation_sync, 0006_web
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007_merge_domains"
down_revision: str | Sequence[str] | None = (
    "0002_geo",
    "0004_intake",
    "0005_evaluation_sync",
    "0006_web",
)
branch_labels: str | Sequence[str] | None = None
# 0003_cases is reached through 0006_web, which depends on it.
depends_on: str | Sequence[str] | None = "0003_cases"


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
