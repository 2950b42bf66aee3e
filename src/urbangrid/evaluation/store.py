"""Writing fact records to ``eval_case_facts`` (insert or replace) and reading them back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from urbangrid.evaluation.facts import CaseFacts
from urbangrid.evaluation.sql import FACTS
from urbangrid.kit.types import utcnow

_FIELDS = tuple(f.name for f in fields(CaseFacts))


def fact_row(
    f: CaseFacts, jurisdiction_id: int | None = None, source_version: int | None = None
) -> dict[str, Any]:
    row = {name: getattr(f, name) for name in _FIELDS}
    row["district_code"] = f.district_code
    row["street_code"] = f.street_code
    row["community_code"] = f.community_code
    row["handle_minutes"] = f.handle_minutes
    row["jurisdiction_id"] = jurisdiction_id
    row["synced_at"] = utcnow()
    row["source_version"] = source_version
    return row


def row_fact(row: Any) -> CaseFacts:
    m = row._mapping
    return CaseFacts(**{name: m[name] for name in _FIELDS})


def save_facts(
    conn: Connection,
    facts: Iterable[CaseFacts],
    jurisdiction_id: int | None = None,
    batch: int = 5000,
    versions: Mapping[int, int] | None = None,
    jurisdictions: Mapping[int, int] | None = None,
) -> int:
    """Insert or replace the facts of these cases (delete + insert per batch, in the
    caller's transaction, so a failure leaves the table as it was). ``jurisdictions``: each
    case's own, else ``jurisdiction_id`` for all."""
    n = 0
    rows: list[dict[str, Any]] = []
    for f in facts:
        version = versions.get(f.case_id) if versions else None
        owner = jurisdictions.get(f.case_id, jurisdiction_id) if jurisdictions else jurisdiction_id
        rows.append(fact_row(f, owner, version))
        if len(rows) >= batch:
            n += _write(conn, rows)
            rows = []
    if rows:
        n += _write(conn, rows)
    return n


def _write(conn: Connection, rows: list[dict[str, Any]]) -> int:
    conn.execute(FACTS.delete().where(FACTS.c.case_id.in_([r["case_id"] for r in rows])))
    conn.execute(FACTS.insert(), rows)
    return len(rows)


def load_facts(conn: Connection, where: Any = None) -> Iterator[CaseFacts]:
    stmt = sa.select(FACTS).order_by(FACTS.c.case_id)
    if where is not None:
        stmt = stmt.where(where)
    for row in conn.execute(stmt):
        yield row_fact(row)
