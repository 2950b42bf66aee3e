"""Free-text search over cases (案件查询): number, description and address contain the text.

One expression for every database: ``lower(column) LIKE '%text%'``. On PostgreSQL it also
carries a condition a GIN index answers (migration ``0009_case_bigram_search``): the set of
two-character substrings (bigrams) of the column must contain every bigram of the text.
Bigrams rather than pg_trgm's trigrams because Chinese search words are mostly two
characters (井盖, 占道, 垃圾), too short for a trigram index to help; the LIKE then drops the
few rows whose bigrams all occur but not side by side. A one-character text has no bigram
and keeps the plain LIKE (a scan limited by the other filters). SQLite has no such index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from urbangrid.cases.models import Case
from urbangrid.db import fetch_tuples

# The SQL function of the index; the migration creates it with the same definition.
BIGRAMS_FUNCTION = "ug_bigrams"
# Case lists count matches up to here: "10,000+" serves a reader as well as the exact figure,
# and counting every match of a common word among a million cases costs more than the page.
COUNT_CAP = 10_000
# Above this many matches a search pages in the list's own order without the text index:
# a page of matches turns up within a few hundred rows, sooner than the index collects all
# of them (bench_worklists, 1 M cases).
COMMON_TEXT_MATCHES = 2_000


def capped_count(session: Session, q: sa.Select[Any]) -> int:
    """How many cases ``q`` selects, counted up to ``COUNT_CAP + 1`` (which means "more")."""
    sub = q.order_by(None).with_only_columns(Case.id).limit(COUNT_CAP + 1).subquery()
    return int(session.scalar(sa.select(sa.func.count()).select_from(sub)) or 0)


@dataclass(frozen=True)
class SortKey:
    """One key of a case list's order (SQL and Python sort the same way)."""

    column: Any
    descending: bool = False
    nulls_last: bool = False

    def sql(self) -> Any:
        out = self.column.desc() if self.descending else self.column.asc()
        return out.nulls_last() if self.nulls_last else out


NEWEST_FIRST = (SortKey(Case.reported_at, True), SortKey(Case.id, True))
DEADLINE_FIRST = (SortKey(Case.due_at, nulls_last=True), SortKey(Case.id))


def page_of_cases(
    session: Session,
    build: Callable[[bool], sa.Select[Any]],
    order: Sequence[SortKey],
    *,
    text: bool,
    text_index: bool = True,
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[Case], int]:
    """One page of a case list in ``order`` and the number of its cases (capped as
    ``capped_count``). ``build(use_index)`` gives the list's statement (the text condition
    with or without the bigram index).

    A free-text search reads its matches once: their ids and sort keys come back in one scan
    (at most ``COUNT_CAP`` of them), the count is their number and the page is sorted here,
    instead of a count scan and then a page scan that tests the text on the same rows again
    (the open cases holding a common phrase: 463 → see docs/web.md). Past the cap, or
    without text, the count and the page are two statements as before; a text with more
    than ``COMMON_TEXT_MATCHES`` matches pages without the index (see ``case_text_matches``).
    """
    q = build(text_index)
    offset = (page - 1) * page_size
    total: int | None = None
    if text:
        # Raw driver tuples: converting 10,000 timestamps costs more than the scan. (A
        # connection's execute does not flush the session as its own does: flush first.)
        session.flush()
        rows = fetch_tuples(
            session.connection(),
            q.order_by(None).with_only_columns(Case.id, *(k.column for k in order))
            .limit(COUNT_CAP + 1),
        )  # fmt: skip
        total = len(rows)
        if total <= COUNT_CAP:
            for i, key in reversed(list(enumerate(order, start=1))):
                # Stable sorts, last key first. NULLs go last ascending and first descending
                # (PostgreSQL's default), or last whenever the key says nulls_last.
                flip = key.descending and key.nulls_last
                rows.sort(
                    key=lambda r, i=i, flip=flip: (
                        (r[i] is None) != flip,
                        r[i] if r[i] is not None else 0,
                    ),
                    reverse=key.descending,
                )
            chosen = [r[0] for r in rows[offset : offset + page_size]]
            found = {c.id: c for c in session.scalars(sa.select(Case).where(Case.id.in_(chosen)))}
            return [found[i] for i in chosen], total
    if total is None:
        total = capped_count(session, q)
    if text and text_index and total > COMMON_TEXT_MATCHES:
        q = build(False)
    page_rows = session.scalars(
        q.order_by(*(k.sql() for k in order)).offset(offset).limit(page_size)
    ).all()
    return list(page_rows), total


def bigrams(text: str) -> list[str]:
    """The distinct two-character substrings of ``text``, in first-seen order; the same set
    as the SQL function ``ug_bigrams`` gives."""
    seen: dict[str, None] = {}
    for i in range(len(text) - 1):
        seen.setdefault(text[i : i + 2], None)
    return list(seen)


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards taken literally (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class CaseTextMatch(ColumnElement[bool]):
    """Any of ``columns`` contains ``needle`` (already lower-cased), ignoring case."""

    type = sa.Boolean()
    inherit_cache = False  # the needle decides the SQL shape (bigrams or not)

    def __init__(self, columns: Sequence[Any], needle: str, *, use_index: bool = True) -> None:
        self.columns = list(columns)
        self.needle = needle
        self.use_index = use_index

    def likes(self) -> ColumnElement[bool]:
        pattern = f"%{escape_like(self.needle)}%"
        return sa.or_(*(sa.func.lower(c).like(pattern, escape="\\") for c in self.columns))


# Both compilations are wrapped in parentheses: the element is an OR of several columns, and
# SQLAlchemy does not know a custom element's precedence, so without them the surrounding
# ANDs (the visibility policy, the other filters) would bind to the first LIKE only.


@compiles(CaseTextMatch)
def _compile_default(element: CaseTextMatch, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.likes(), **kw)})"


@compiles(CaseTextMatch, "postgresql")
def _compile_postgresql(element: CaseTextMatch, compiler: Any, **kw: Any) -> str:
    grams = bigrams(element.needle) if element.use_index else []
    if not grams:
        return f"({compiler.process(element.likes(), **kw)})"
    wanted = sa.cast(sa.literal(grams, ARRAY(sa.Text)), ARRAY(sa.Text))
    indexed = sa.or_(
        *(
            getattr(sa.func, BIGRAMS_FUNCTION)(sa.func.lower(c), type_=ARRAY(sa.Text)).op("@>")(
                wanted
            )
            for c in element.columns
        )
    )
    # Two separate conditions, not (grams AND like) OR …: the first is then exactly the
    # bitmap scan's index condition, which PostgreSQL does not evaluate again row by row
    # (ug_bigrams is costly), leaving only the cheap LIKEs as the filter.
    return f"({compiler.process(sa.and_(indexed, element.likes()), **kw)})"


def case_text_matches(text: str, *, use_index: bool = True) -> ColumnElement[bool]:
    """Cases whose number, description or address contains ``text`` (any case).

    ``use_index=False`` leaves out the bigram condition. For a common word that is faster
    when a page is wanted in some index's order (newest first): the planner can then walk
    that index and stop after a page of matches, where the bigram condition — whose
    selectivity PostgreSQL underestimates badly for several bigrams of one phrase, taking
    them as independent — makes it collect and sort every match."""
    return CaseTextMatch(
        [Case.number, Case.description, Case.address], text.strip().lower(), use_index=use_index
    )
