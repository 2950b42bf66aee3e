"""A free-text search pages its matches from one scan (cases.search.page_of_cases): the
pages and the count are the ones the two-statement path gives, in both orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scope_world import D1, make_scope_world
from urbangrid.cases import search
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case


def test_one_scan_pages_like_sql(session: Session) -> None:
    world = make_scope_world(session)
    intake = world.who(f"{D1}/intake")
    t0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    for n in range(23):
        cases.create_case(
            session,
            intake,
            cases.NewCase(
                source="hotline",
                lon=120.0005 + (n % 4) * 0.001,
                lat=30.0005,
                description=f"翻页测试 {n}",
                filing_condition_id=world.condition.id,
            ),
            # several cases share a report time: the id breaks the tie
            now=t0 + timedelta(minutes=n // 3),
        )
    # some have no deadline (sorted last in a work list)
    for case in session.scalars(select(Case).where(Case.description.like("翻页测试 1%"))):
        case.due_at = None
    session.flush()
    base = select(Case).where(Case.jurisdiction_id == world.jurisdictions[D1].id)

    def build(use_index: bool) -> object:
        return base.where(search.case_text_matches("翻页测试", use_index=use_index))

    for order in (search.NEWEST_FIRST, search.DEADLINE_FIRST):
        for page in (1, 2, 3, 4):
            one, n_one = search.page_of_cases(
                session,
                build,
                order,
                text=True,
                page=page,
                page_size=7,  # type: ignore[arg-type]
            )
            two, n_two = search.page_of_cases(
                session,
                build,
                order,
                text=False,
                page=page,
                page_size=7,  # type: ignore[arg-type]
            )
            assert n_one == n_two == 23
            assert [c.id for c in one] == [c.id for c in two], (order, page)
