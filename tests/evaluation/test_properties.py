"""Property tests of the indicator engine over random case facts."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from urbangrid.evaluation.config import EvaluationConfig, Term, default_config
from urbangrid.evaluation.engine import Period, count, evaluate, evaluate_all
from urbangrid.evaluation.indicators import COUNT_DEFS, ObjectKind

from .strategies import fact_sets

OCT = Period.month("2026-10")
CFG = default_config()
HANDLING_KINDS = (ObjectKind.DEPARTMENT, ObjectKind.GRID, ObjectKind.STREET, ObjectKind.COMMUNITY)


@settings(max_examples=25, deadline=None)
@given(fact_sets(), st.integers(0, 20))
def test_counts_add_up(facts, extra_days) -> None:
    as_of = OCT.end + timedelta(days=extra_days)
    for kind in HANDLING_KINDS:
        for obj in count(facts, kind, OCT, as_of).values():
            c = obj.counts
            assert c["handled_on_time"] + c["handled_late"] == c["handled"]
            assert c["handled"] + c["overdue_open"] == c["due"]
            assert c["closed_on_time"] <= c["closed"] <= c["due"]
            assert c["closed_on_time"] <= c["handled_on_time"]
            assert max(c["reworked"], c["extended"]) <= c["due"]
            anchor_total = c["dispatched"] if kind is ObjectKind.DEPARTMENT else c["filed"]
            assert c["due"] <= anchor_total
            assert c["satisfied"] <= c["rated"] <= c["citizen_cases"]
            assert c["replied_on_time"] <= c["replied"] <= c["citizen_cases"]
            for name, ids in obj.case_ids.items():
                if name != "handle_minutes_sum":
                    assert len(ids) == c[name] == len(set(ids))


@settings(max_examples=25, deadline=None)
@given(fact_sets(), st.integers(0, 20))
def test_derived_counts_are_split_by_their_parts(facts, extra_days) -> None:
    """SQL adds a count with ``sum_of`` up from its parts instead of counting it: that is
    exact only if the parts' cases never overlap and together are the count's cases."""
    as_of = OCT.end + timedelta(days=extra_days)
    for kind, defs in COUNT_DEFS.items():
        by_name = {d.name: d for d in defs}
        for d in (d for d in defs if d.sum_of):
            for part in map(by_name.__getitem__, d.sum_of):
                assert (part.key, part.anchor) == (d.key, d.anchor), (kind, d.name)
                assert not part.sum_of and part.sum_field is None, (kind, d.name)
        for obj in count(facts, kind, OCT, as_of).values():
            for d in (d for d in defs if d.sum_of):
                parts = [obj.case_ids[p] for p in d.sum_of]
                assert sorted(i for ids in parts for i in ids) == sorted(obj.case_ids[d.name])


@settings(max_examples=25, deadline=None)
@given(fact_sets())
def test_objects_partition_the_cases(facts) -> None:
    """Every dispatched case of the period lands in exactly one department, every filed
    case in one grid and in one street."""
    dispatched = {f.case_id for f in facts if f.department_id and OCT.contains(f.dispatched_at)}
    depts = count(facts, ObjectKind.DEPARTMENT, OCT)
    assert sorted(i for o in depts.values() for i in o.case_ids["dispatched"]) == sorted(dispatched)
    for kind in (ObjectKind.GRID, ObjectKind.STREET):
        filed = [f.case_id for f in facts if OCT.contains(f.filed_at)]
        objs = count(facts, kind, OCT)
        assert sorted(i for o in objs.values() for i in o.case_ids["filed"]) == sorted(filed)


@settings(max_examples=25, deadline=None)
@given(fact_sets(), st.sampled_from(list(ObjectKind)))
def test_rates_scores_and_grades_stay_in_range(facts, kind) -> None:
    for ev in evaluate_all(facts, kind, OCT, CFG):
        for r in ev.rates.values():
            assert r is None or 0 <= r <= 1
        for s in ev.band_scores.values():
            assert 0 <= s <= 100
        if ev.score is None:
            assert ev.grade is None
            continue
        assert 0 <= ev.score <= 100
        band = next(g for g in CFG.grades if ev.score >= Fraction(g.min_score))
        assert ev.grade == band.grade
        # a better grade means a higher band
        better = [g for g in CFG.grades if g.min_score > band.min_score]
        assert all(ev.score < g.min_score for g in better)


@settings(max_examples=15, deadline=None)
@given(fact_sets(), st.lists(st.integers(1, 50), min_size=4, max_size=4))
def test_reweighting_moves_the_score_between_its_terms(facts, weights) -> None:
    """With any positive weights the composite stays between its smallest and largest term."""
    base = CFG.for_kind(ObjectKind.DEPARTMENT)
    terms = [Term(t.ref, w, t.invert) for t, w in zip(base.score, weights, strict=True)]
    objects = dict(CFG.objects)
    objects["department"] = type(base)(base.rates, base.bands, terms)
    cfg = EvaluationConfig("custom", objects, CFG.grades)
    cfg.validate()
    for obj in count(facts, ObjectKind.DEPARTMENT, OCT).values():
        ev = evaluate(obj, cfg)
        if ev.score is None:
            continue
        values = []
        for t in terms:
            if t.ref in ev.rates:
                r = ev.rates[t.ref]
                if r is not None:
                    values.append((1 - r if t.invert else r) * 100)
            else:
                values.append(ev.band_scores[t.ref])
        assert min(values) <= ev.score <= max(values)
