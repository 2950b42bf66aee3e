"""Migrations: every revision fits Alembic's version column, and the migrated schema is the
models' (no model change without its migration), on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from urbangrid.db import Base
from urbangrid.migrations.runner import alembic_config

# Expression indexes made in raw SQL on PostgreSQL (the models cannot declare them).
RAW_SQL_INDEXES = {
    "ix_cases_number_bigrams",
    "ix_cases_description_bigrams",
    "ix_cases_address_bigrams",
    "ix_eval_facts_grid_month_by_filed_at",
    "ix_eval_facts_grid_month_by_reported_at",
}


def test_revision_ids_fit_the_version_column() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    too_long = [r.revision for r in scripts.walk_revisions() if len(r.revision) > 32]
    assert not too_long, f"alembic_version.version_num is VARCHAR(32): {too_long}"


def test_the_migrated_schema_is_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    left = [
        d
        for d in diffs
        if not (isinstance(d, tuple) and d[0] == "remove_index" and d[1].name in RAW_SQL_INDEXES)
    ]
    assert not left, left
