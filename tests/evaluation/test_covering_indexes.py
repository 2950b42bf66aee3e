"""The fact table's covering indexes hold every column the counts read, and the databases
answer a month's counts from them alone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from urbangrid.evaluation.engine import DEFAULT_TZ, Period
from urbangrid.evaluation.indicators import COUNT_DEFS, ObjectKind
from urbangrid.evaluation.models import (
    COVERING_INDEXES,
    GRID_MONTH_INDEXES,
    MONTH_TIME_ZONE,
    covering_index_name,
    grid_month_index_name,
)
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


def test_grid_month_statements_read_only_their_index() -> None:
    assert MONTH_TIME_ZONE == DEFAULT_TZ
    statements = count_statements(ObjectKind.GRID, PERIOD, month_index=True)
    for _key, defs, stmt in statements:
        anchor = defs[0].anchor
        missing = columns_read(stmt) - {anchor, "grid_code", *GRID_MONTH_INDEXES[anchor]}
        assert not missing, f"grid by {anchor} also reads {sorted(missing)}"
    assert {defs[0].anchor for _k, defs, _s in statements} == set(GRID_MONTH_INDEXES)


def test_grid_month_indexes_exist_on_postgresql_only(session: Session) -> None:
    conn = session.connection()
    found = {ix["name"] for ix in sa.inspect(conn).get_indexes("eval_case_facts")}
    names = {grid_month_index_name(anchor) for anchor in GRID_MONTH_INDEXES}
    if conn.dialect.name != "postgresql":
        assert not names & found
        return
    for anchor, columns in GRID_MONTH_INDEXES.items():
        definition = conn.execute(
            sa.text("SELECT pg_get_indexdef(to_regclass(:name))"),
            {"name": grid_month_index_name(anchor)},
        ).scalar_one()
        # PostgreSQL's own spelling of models.grid_month_index_ddl(anchor)
        month = f"date_trunc('month'::text, timezone('{MONTH_TIME_ZONE}'::text, {anchor}))"
        assert f"({month}, grid_code, {anchor}) INCLUDE ({', '.join(columns)})" in definition


def test_grid_month_statements_stream_from_the_month_index(session: Session) -> None:
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        pytest.skip("the month-and-grid indexes are PostgreSQL's")
    conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
    conn.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
    conn.execute(sa.text("SET LOCAL enable_hashagg = off"))  # an empty table hashes for free
    for _key, defs, stmt in count_statements(ObjectKind.GRID, PERIOD, month_index=True):
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        plan = " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
        assert f"Index Only Scan using {grid_month_index_name(defs[0].anchor)}" in plan, plan
        assert "Sort" not in plan, plan  # the index gives the grids in order
