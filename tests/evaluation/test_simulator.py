from __future__ import annotations

import importlib.util
import math
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from urbangrid.evaluation.engine import Period, count
from urbangrid.evaluation.indicators import ObjectKind
from urbangrid.evaluation.simulator import params
from urbangrid.evaluation.simulator.generator import (
    Generator,
    demo_city,
    sample_quantiles,
    truncate_at,
)

REPO = Path(__file__).resolve().parents[2]
STEPS = (
    "reported_at",
    "accepted_at",
    "verify_sent_at",
    "verified_at",
    "filed_at",
    "dispatched_at",
    "handled_at",
    "check_sent_at",
    "checked_at",
    "closed_at",
)


def two_months() -> list:
    return list(Generator(demo_city(60), seed=3).stream(date(2026, 9, 1), 61))


def test_same_seed_same_stream() -> None:
    a = list(Generator(demo_city(30), seed=9).stream(date(2026, 10, 1), 5))
    b = list(Generator(demo_city(30), seed=9).stream(date(2026, 10, 1), 5))
    c = list(Generator(demo_city(30), seed=10).stream(date(2026, 10, 1), 5))
    assert a == b and a != c


def test_every_case_is_internally_consistent() -> None:
    facts = two_months()
    assert len({f.case_id for f in facts}) == len(facts)
    for f in facts:
        times = [getattr(f, s) for s in STEPS if getattr(f, s) is not None]
        assert times == sorted(times), f
        if f.dispatched_at:
            assert f.department_id and f.handle_deadline and f.filed_at
        if f.is_public:
            assert f.reporter_id is None and f.verified_at is not None
        else:
            assert f.reporter_id == f.patrol_inspector_id
        if f.self_handled:
            assert f.dispatched_at is None and f.closed_at is not None


def test_stream_has_every_path_in_plausible_shares() -> None:
    facts = two_months()
    n = len(facts)
    share = lambda pred: sum(1 for f in facts if pred(f)) / n  # noqa: E731
    assert 0.2 < share(lambda f: f.is_public) < 0.45
    assert share(lambda f: f.reworks > 0) > 0.02
    assert share(lambda f: f.extensions > 0) > 0.02
    assert share(lambda f: f.returns > 0) > 0.01
    assert share(lambda f: f.voided_at is not None) > 0.002
    assert share(lambda f: f.self_handled) > 0.02
    assert share(lambda f: f.filed_at is None) > 0.02
    dispatched = [f for f in facts if f.handled_at and f.handle_deadline]
    late = sum(f.handled_at > f.handle_deadline for f in dispatched) / len(dispatched)
    assert 0.1 < late < 0.4
    # grades spread: the month is not all A
    counts = count(facts, ObjectKind.GRID, Period.month("2026-10"))
    assert len(counts) > 30


def test_weekday_and_hour_profiles() -> None:
    facts = two_months()
    zone = ZoneInfo("Asia/Shanghai")
    insp_hours = Counter(f.reported_at.astimezone(zone).hour for f in facts if not f.is_public)
    assert set(insp_hours) <= set(range(8, 18))
    pub = [f.reported_at.astimezone(zone) for f in facts if f.is_public]
    night = sum(1 for t in pub if t.hour < 7) / len(pub)
    assert night < sum(params.PUBLIC_HOUR_SHARES[:7]) * 2 + 0.02
    weekend = sum(1 for f in facts if f.reported_at.astimezone(zone).weekday() >= 5)
    weekday = len(facts) - weekend
    assert weekend / 2 < weekday / 5  # fewer reports per weekend day


def test_quantile_sampling_follows_the_table() -> None:
    table = params.HANDLING_LOG_HOURS["sanitation"]
    assert sample_quantiles(table, 0.0) == table[0]
    assert sample_quantiles(table, 0.5) == table[10]
    assert math.isclose(sample_quantiles(table, 0.525), (table[10] + table[11]) / 2)
    assert sample_quantiles(table, 1.0) == table[-1]


def test_truncation_hides_the_future() -> None:
    f = next(x for x in two_months() if x.closed_at and x.is_public and x.rating)
    now = f.dispatched_at
    t = truncate_at(f, now)
    assert t.dispatched_at == now and t.handled_at is None and t.closed_at is None
    assert t.rating is None and t.closer_id is None
    assert truncate_at(f, datetime.max.replace(tzinfo=ZoneInfo("UTC"))) == f


def test_stored_parameters_match_a_refit(shared_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location("fit", REPO / "bench" / "fit_simulator_params.py")
    assert spec and spec.loader
    fit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fit)
    got = fit.fit(shared_dir)
    assert got["handling_log_hours_quantiles"] == params.HANDLING_LOG_HOURS
    assert got["handling_lognormal"] == params.HANDLING_LOGNORMAL
    assert got["handling_sample_sizes"] == params.HANDLING_SAMPLE_SIZES
    assert got["reply_log_hours_quantiles"] == params.REPLY_LOG_HOURS
    assert got["public_hour_shares"] == params.PUBLIC_HOUR_SHARES
    assert got["public_weekday_shares"] == params.PUBLIC_WEEKDAY_SHARES


@pytest.mark.parametrize("profile", sorted(params.HANDLING_LOG_HOURS))
def test_tables_are_quantile_functions(profile: str) -> None:
    table = params.HANDLING_LOG_HOURS[profile]
    assert len(table) == round(1 / params.QUANTILE_STEP) + 1
    assert list(table) == sorted(table)
