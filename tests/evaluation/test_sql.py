"""The SQL path must give exactly the pure engine's counts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, Phase, given, settings

from urbangrid.evaluation.config import default_config
from urbangrid.evaluation.engine import Period, count, evaluate, matching_case_ids
from urbangrid.evaluation.indicators import COUNT_DEFS, ObjectKind
from urbangrid.evaluation.simulator.generator import Generator, demo_city
from urbangrid.evaluation.sql import FACTS, case_ids_sql, count_sql, whole_local_month
from urbangrid.evaluation.store import load_facts, save_facts

from .month_fixture import D1, october
from .strategies import fact_sets

OCT = Period.month("2026-10")
MICRO = timedelta(microseconds=1)


def assert_same(conn, facts, period=OCT, as_of=None) -> None:
    for kind in ObjectKind:
        pure = count(facts, kind, period, as_of)
        sql = count_sql(conn, kind, period, as_of)
        assert {k: v.counts for k, v in sql.items()} == {k: v.counts for k, v in pure.items()}, kind
        for key, obj in pure.items():
            a = evaluate(obj, default_config())
            b = evaluate(sql[key], default_config())
            assert (a.rates, a.score, a.grade) == (b.rates, b.score, b.grade)


def test_hand_month_in_sql(engine) -> None:
    facts = october()
    with engine.begin() as conn:
        assert save_facts(conn, facts) == 30
    with engine.connect() as conn:
        assert list(load_facts(conn)) == facts  # the stored record is the record
        assert_same(conn, facts)
        d1 = count_sql(conn, ObjectKind.DEPARTMENT, OCT)[D1].counts
        assert (d1["dispatched"], d1["due"], d1["handled_on_time"], d1["overdue_open"]) == (
            10,
            9,
            6,
            2,
        )
        assert case_ids_sql(conn, ObjectKind.DEPARTMENT, D1, "overdue_open", OCT) == [6, 9]
        for kind in (ObjectKind.INSPECTOR, ObjectKind.GRID):
            for d in COUNT_DEFS[kind]:
                for key in count(facts, kind, OCT):
                    assert case_ids_sql(conn, kind, key, d.name, OCT) == matching_case_ids(
                        facts, kind, key, d.name, OCT
                    )


def test_simulated_months_in_sql(engine) -> None:
    facts = list(Generator(demo_city(50), seed=5).stream(date(2026, 9, 20), 45))
    with engine.begin() as conn:
        save_facts(conn, facts)
    with engine.connect() as conn:
        assert_same(conn, facts)
        assert_same(conn, facts, as_of=OCT.end + timedelta(days=3))
        assert_same(conn, facts, Period.days(date(2026, 10, 3), date(2026, 10, 9)))


def test_month_boundaries_in_sql(engine) -> None:
    """Cases whose anchor (filing, report, dispatch) falls in the first and last instant of
    the local month, and just outside it: the month tests and slices that PostgreSQL's
    statements add (the month of the grid indexes, one slice per connection) keep exactly
    the period's rows."""
    from dataclasses import fields, replace

    base = october()[0]
    times = [f.name for f in fields(base) if f.name.endswith(("_at", "_deadline"))]
    facts = []
    for a, anchor in enumerate(("filed_at", "reported_at", "dispatched_at")):
        for i, edge in enumerate([OCT.start - MICRO, OCT.start, OCT.end - MICRO, OCT.end]):
            shift = edge - getattr(base, anchor)
            moved = {t: getattr(base, t) + shift for t in times if getattr(base, t) is not None}
            facts.append(replace(base, case_id=100 * (a + 1) + i, **moved))
    with engine.begin() as conn:
        save_facts(conn, facts)
    with engine.connect() as conn:
        assert_same(conn, facts)
        for kind in (ObjectKind.DEPARTMENT, ObjectKind.GRID):
            pure = {k: v.counts for k, v in count(facts, kind, OCT).items()}
            for workers in (1, 3):
                sql = count_sql(conn, kind, OCT, workers=workers)
                assert {k: v.counts for k, v in sql.items()} == pure, (kind, workers)


def test_whole_local_month() -> None:
    assert whole_local_month(OCT) == datetime(2026, 10, 1)
    assert whole_local_month(Period.month("2026-12")) == datetime(2026, 12, 1)
    assert whole_local_month(Period.days(date(2026, 10, 1), date(2026, 10, 30))) is None
    assert whole_local_month(Period.month("2026-10", "Europe/Paris")) is None
    quarter = Period(OCT.start, Period.month("2026-12").end, "2026 Q4")
    assert whole_local_month(quarter) is None


def test_saving_again_replaces(engine) -> None:
    facts = october()
    with engine.begin() as conn:
        save_facts(conn, facts)
        save_facts(conn, facts[:5])
        n = conn.execute(FACTS.select().with_only_columns(FACTS.c.case_id)).all()
    assert len(n) == 30


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.generate],  # shrinking through a database is too slow
)
@given(facts=fact_sets())
def test_random_facts_in_sql(engine, facts) -> None:
    with engine.begin() as conn:
        conn.execute(FACTS.delete())
        save_facts(conn, facts)
    with engine.connect() as conn:
        assert_same(conn, facts)


def test_statements_run_concurrently_on_one_snapshot(engine) -> None:
    """On PostgreSQL a kind's statements run on several connections sharing the caller's
    snapshot; the counts equal the serial ones, and a transaction that has written (whose
    rows the other connections could not see) is counted serially, its own rows included."""
    from dataclasses import replace

    import sqlalchemy as sa

    facts = october()
    with engine.begin() as conn:
        save_facts(conn, facts)
    checkouts: list[int] = []
    sa.event.listen(engine, "checkout", lambda *_: checkouts.append(1))
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        for kind in (ObjectKind.DEPARTMENT, ObjectKind.GRID, ObjectKind.INSPECTOR):
            serial = count_sql(conn, kind, OCT, workers=1)
            before = len(checkouts)
            concurrent = count_sql(conn, kind, OCT, workers=3)
            assert {k: v.counts for k, v in concurrent.items()} == {
                k: v.counts for k, v in serial.items()
            }
            assert (len(checkouts) > before) == postgres, kind  # other connections used
        extra = replace(facts[0], case_id=max(f.case_id for f in facts) + 1)
        save_facts(conn, [extra])  # not committed
        before = len(checkouts)
        assert_same(conn, [*facts, extra])
        assert len(checkouts) == before  # serial: this transaction has written
