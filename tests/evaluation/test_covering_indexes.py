"""The fact table's covering indexes hold every column the counts read, and the databases
answer a month's counts from them alone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from urbangrid.evaluation.engine import Period
from urbangrid.evaluation.indicators import COUNT_DEFS, ObjectKind
from urbangrid.evaluation.models import COVERING_INDEXES, covering_index_name
from urbangrid.evaluation.sql import FACTS, count_statements

PERIOD = Period.month("2026-10")


def columns_read(stmt: sa.Select) -> set[str]:
    return {
        el.name
        for el in visitors.iterate(stmt, {"column_collections": False})
        if isinstance(el, sa.Column) and el.table is FACTS
    }


@pytest.mark.parametrize("kind", list(COUNT_DEFS))
def test_each_statement_reads_only_its_anchors_index(kind: ObjectKind) -> None:
    for _key, defs, stmt in count_statements(kind, PERIOD):
        anchor = defs[0].anchor
        assert anchor in COVERING_INDEXES, f"{kind.value}: no covering index for {anchor}"
        missing = columns_read(stmt) - {anchor, *COVERING_INDEXES[anchor]}
        assert not missing, f"{kind.value} by {anchor} also reads {sorted(missing)}"


def test_migrated_indexes_are_the_models(session: Session) -> None:
    found = {
        ix["name"]: ix["column_names"]
        for ix in sa.inspect(session.get_bind()).get_indexes("eval_case_facts")
    }
    for anchor, columns in COVERING_INDEXES.items():
        assert found.get(covering_index_name(anchor)) == [anchor, *columns]
    assert "ix_eval_case_facts_filed" not in found  # replaced by the covering ones


@pytest.mark.parametrize("kind", [ObjectKind.DEPARTMENT, ObjectKind.GRID])
def test_counts_are_answered_from_the_index_alone(session: Session, kind: ObjectKind) -> None:
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        # an empty test table would be scanned whole: ask for the plan an index allows
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        conn.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
    for _key, defs, stmt in count_statements(kind, PERIOD):
        index = covering_index_name(defs[0].anchor)
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        params = (
            tuple(compiled.params[k] for k in compiled.positiontup or ())
            if compiled.positional
            else compiled.params
        )
        prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(prefix + str(compiled), params))
        expected = f"Index Only Scan using {index}" if postgres else f"COVERING INDEX {index}"
        assert expected in plan, plan
