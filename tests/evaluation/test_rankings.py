"""Ranking rules of the 综合评价: the ranking minimum (少于 N 件不参与排名) and the red /
black lists (红榜 / 黑榜), as pure functions with property tests."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urbangrid.evaluation.config import EvaluationConfig, default_config
from urbangrid.evaluation.engine import (
    Evaluation,
    ObjectCounts,
    evaluate,
    month_over_month,
    rankable,
    ranked,
    ranks,
    red_black_lists,
)
from urbangrid.evaluation.indicators import COUNT_DEFS, ObjectKind
from urbangrid.evaluation.ranking import list_sizes
from urbangrid.kit.errors import InvalidInput


def ev(key: int, score: float | None, volume: int = 10) -> Evaluation:
    return Evaluation(
        ObjectKind.INSPECTOR,
        key,
        f"监督员{key}",
        {},
        {},
        {},
        None if score is None else Fraction(score).limit_denominator(1000),
        None,
        volume=volume,
    )


objects = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(0, 100)),  # score (ties are likely)
        st.integers(0, 12),  # volume
    ),
    max_size=25,
).map(lambda rows: [ev(i, s, v) for i, (s, v) in enumerate(rows)])


@settings(max_examples=300, deadline=None)
@given(objects, st.integers(1, 10), st.integers(0, 8))
def test_red_and_black_lists_never_share_an_object_and_leave_the_middle_out(
    evals: list[Evaluation], n: int, min_cases: int
) -> None:
    lists = red_black_lists(evals, n, min_cases)
    eligible = [e for e in evals if rankable(e, min_cases)]
    red = {e.key for e in lists.red}
    black = {e.key for e in lists.black}
    assert not red & black
    assert len(red) == len(lists.red) and len(black) == len(lists.black)
    # only ranked objects, never more than n on a list
    assert red | black <= {e.key for e in eligible}
    assert len(lists.red) <= n and len(lists.black) <= n
    # every black-listed score is below every red-listed one
    if lists.red and lists.black:
        assert max(e.score for e in lists.black) < min(e.score for e in lists.red)  # type: ignore[type-var]
    # the best are red, the worst black (worst first)
    scores = sorted((e.score for e in eligible), reverse=True)  # type: ignore[type-var]
    assert [e.score for e in lists.red] == scores[: len(lists.red)]
    if lists.black:
        assert [e.score for e in lists.black] == sorted(scores)[: len(lists.black)]
    # with one or two objects there is no black list; from three on, somebody is on neither
    if len(eligible) <= 2:
        assert lists.black == [] and len(lists.red) == min(1, len(eligible))
    else:
        assert len(red) + len(black) < len(eligible)


@pytest.mark.parametrize(
    ("m", "n", "sizes"),
    [(0, 5, (0, 0)), (1, 5, (1, 0)), (2, 5, (1, 0)), (3, 5, (1, 1)), (5, 5, (1, 1)),
     (6, 5, (2, 2)), (15, 5, (5, 5)), (100, 5, (5, 5)), (9, 2, (2, 2))],
)  # fmt: skip
def test_list_sizes(m: int, n: int, sizes: tuple[int, int]) -> None:
    assert list_sizes(m, n) == sizes


def test_three_inspectors_give_one_red_one_black_and_one_on_neither() -> None:
    """The issue's case: with 3 inspectors all 3 were on the red list and none on the black."""
    lists = red_black_lists([ev(1, 95), ev(2, 91), ev(3, 90)], 5)
    assert [e.key for e in lists.red] == [1]
    assert [e.key for e in lists.black] == [3]


def test_equal_scores_are_never_split_between_the_lists() -> None:
    lists = red_black_lists([ev(i, 80) for i in range(6)], 5)
    assert len(lists.red) == 2 and lists.black == []


def test_objects_below_the_minimum_are_scored_but_not_ranked() -> None:
    """A department with 2 cases and a perfect score does not outrank one with 170."""
    big, small, none = ev(1, 70, volume=170), ev(2, 100, volume=2), ev(3, None, volume=0)
    order = ranked([small, none, big], min_cases=5)
    assert [e.key for e in order] == [1, 2, 3]
    assert ranks([small, none, big], 5) == {1: 1}
    assert ranks([small, none, big], 0) == {2: 1, 1: 2}
    lists = red_black_lists([small, big], 5, min_cases=5)
    assert [e.key for e in lists.red] == [1] and lists.black == []
    changes = {c.key: c for c in month_over_month([small, big], [small, big], 5)}
    assert (changes[1].rank, changes[1].previous_rank) == (1, 1)
    assert (changes[2].rank, changes[2].previous_rank) == (None, None)


def test_volume_is_the_cases_the_object_acted_on() -> None:
    cfg = default_config()
    counts = {d.name: 0 for d in COUNT_DEFS[ObjectKind.SHIFT_LEAD]}
    counts.update(filed=3, filed_on_time=3, filed_kept=3, closed=2, closed_on_time=2)
    e = evaluate(ObjectCounts(ObjectKind.SHIFT_LEAD, 7, counts), cfg)
    assert e.volume == 5 and rankable(e, cfg.min_cases)
    counts.update(closed=1, closed_on_time=1)
    e = evaluate(ObjectCounts(ObjectKind.SHIFT_LEAD, 7, counts), cfg)
    assert e.volume == 4 and not rankable(e, cfg.min_cases)


def test_the_minimum_is_configurable_and_checked() -> None:
    data = default_config().to_json()
    import json

    raw = json.loads(data)
    assert raw["min_cases"] == 5
    raw["min_cases"] = 12
    assert EvaluationConfig.from_dict(raw).min_cases == 12
    raw["min_cases"] = -1
    with pytest.raises(InvalidInput):
        EvaluationConfig.from_dict(raw)
    del raw["min_cases"]
    assert EvaluationConfig.from_dict(raw).min_cases == 5
