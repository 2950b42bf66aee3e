"""The waste-sorting formulas on a hand-computed month of one street (numbers written out)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbangrid.evaluation.formulas import Formula, Term, load_formula_set
from urbangrid.kit.errors import InvalidInput
from urbangrid.waste import indicators

# A street in one month. Treatment: an incinerator took 500 t (coefficient 0.3 → 150 t) and
# a kitchen-waste plant 150 t (0.5 → 75 t): Σ 处理量 × 折算系数 = 225 t.
MONTH = {
    "generated_t": 1000,
    "collected_t": 900,
    "recyclables_t": 200,
    "recycled_t": 360,
    "treated_converted_t": Fraction(500) * Fraction("0.3") + Fraction(150) * Fraction("0.5"),
    "harmless_t": 980,
    "kitchen_t": 162,
    "other_t": 570,
    "other_baseline_t": 600,
    "estates": 40,
    "estates_sorting": 34,
    "estates_compliant": 30,
    "points": 120,
    "points_three_fixed": 90,
    "bins_checked": 250,
    "bins_wrong": 30,
    "inspections": 80,
    "inspections_failed": 24,
    "rectifications_due": 24,
    "rectified_on_time": 21,
}

EXPECTED = {
    "recycling_rate": Fraction(36),  # 360 / 1000
    "resource_rate": Fraction(425, 11),  # (200 + 225) / (200 + 900) = 38.636… %
    "harmless_rate": Fraction(98),  # 980 / 1000
    "estate_coverage": Fraction(85),  # 34 / 40
    "system_compliance": Fraction(75),  # 30 / 40
    "three_fixed_coverage": Fraction(75),  # 90 / 120
    "kitchen_separation": Fraction(18),  # 162 / 900
    "reduction_rate": Fraction(5),  # (600 − 570) / 600
    "drop_accuracy": Fraction(88),  # (250 − 30) / 250
    "problem_rate": Fraction(30),  # 24 / 80
    "rectified_on_time_rate": Fraction(175, 2),  # 21 / 24 = 87.5 %
}


def test_national_formulas_on_the_hand_computed_month() -> None:
    values = indicators.default_formulas().values(MONTH)
    assert values == EXPECTED


def test_monthly_assessment_weights_and_grade() -> None:
    scored = indicators.default_formulas().assess(MONTH)
    # 厨余分出率 18 % against a 20 % target → 90; 减量率 5 % of 5 % → 100; 分类体系达标率 75;
    # 投放准确率 88; weights 30 / 10 / 30 / 30.
    assert scored.scores == {
        "kitchen_separation": 90,
        "reduction_rate": 100,
        "system_compliance": 75,
        "drop_accuracy": 88,
    }
    assert scored.total == Fraction(30 * 90 + 10 * 100 + 30 * 75 + 30 * 88, 100)  # 85.9
    assert scored.grade == "B"


def test_nothing_to_measure_is_no_value_and_weights_renormalise() -> None:
    month = {**MONTH, "bins_checked": 0, "bins_wrong": 0}
    scored = indicators.default_formulas().assess(month)
    assert scored.values["drop_accuracy"] is None
    assert scored.total == Fraction(30 * 90 + 10 * 100 + 30 * 75, 70)
    empty = indicators.default_formulas().assess({})
    assert empty.total is None and empty.grade is None


def test_target_scores_are_capped_and_inverted_terms_reward_less() -> None:
    data = {
        "formulas": {
            "problems": {
                "numerator": ["inspections_failed"],
                "denominator": ["inspections"],
                "scale": 100,
            },
            "kitchen": {"numerator": ["kitchen_t"], "denominator": ["collected_t"], "scale": 100},
        },
        "assessment": {
            "terms": [
                {"formula": "problems", "weight": 1, "invert": True},
                {"formula": "kitchen", "weight": 1, "scoring": "target", "target": 10},
            ]
        },
    }
    scored = indicators.load(data).assess(MONTH)
    assert scored.scores == {"problems": 70, "kitchen": 100}  # 18 % ≥ 10 % target → capped


def test_a_bad_configuration_lists_every_problem_and_loads_nothing() -> None:
    data = {
        "formulas": {
            "a": {"numerator": ["recycled_t"], "denominator": ["nonsense_t"]},
            "b": {"numerator": [], "denominator": ["generated_t"]},
            "c": {
                "numerator": [{"quantity": "kitchen_t", "coefficient": "x"}],
                "denominator": ["collected_t"],
                "scale": -1,
            },
        },
        "assessment": {
            "terms": [
                {"formula": "zzz", "weight": 1},
                {"formula": "a", "weight": 0, "scoring": "median"},
            ]
        },
    }
    with pytest.raises(InvalidInput) as err:
        indicators.load(data)
    problems = err.value.extra["problems"]
    assert any("unknown quantity 'nonsense_t'" in p for p in problems)
    assert any(p.startswith("formulas.b.numerator") for p in problems)
    assert any("coefficient is not a number" in p for p in problems)
    assert any("formulas.c.scale: must be positive" in p for p in problems)
    assert any("names no formula" in p for p in problems)
    assert any("weight: must be positive" in p for p in problems)
    assert any("scoring: ratio or target" in p for p in problems)


def test_unknown_quantities_in_the_input_are_refused() -> None:
    with pytest.raises(InvalidInput):
        indicators.default_formulas().values({"generated_tons": 5})


amounts = st.integers(min_value=0, max_value=10**6)


@given(
    st.lists(st.tuples(st.sampled_from(sorted(indicators.QUANTITIES)), amounts), max_size=8),
    st.dictionaries(st.sampled_from(sorted(indicators.QUANTITIES)), amounts),
    st.integers(min_value=1, max_value=1000),
)
def test_term_order_and_common_scale_do_not_change_a_ratio(
    terms: list[tuple[str, int]], quantities: dict[str, int], factor: int
) -> None:
    num = tuple(Term(q, Fraction(c)) for q, c in terms)
    formula = Formula("f", "f", num, (Term("generated_t"),))
    reordered = Formula("f", "f", tuple(reversed(num)), (Term("generated_t"),))
    assert formula.evaluate(quantities) == reordered.evaluate(quantities)
    scaled = {k: v * factor for k, v in quantities.items()}
    assert formula.evaluate(quantities) == formula.evaluate(scaled)


@given(st.dictionaries(st.sampled_from(sorted(indicators.QUANTITIES)), amounts))
def test_scores_stay_between_0_and_100(quantities: dict[str, int]) -> None:
    scored = indicators.default_formulas().assess(quantities)
    for s in scored.scores.values():
        assert s is None or 0 <= s <= 100
    assert scored.total is None or 0 <= scored.total <= 100


def test_formulas_load_from_json_text_with_a_clear_error() -> None:
    from urbangrid.evaluation.formulas import load_formula_json

    with pytest.raises(InvalidInput, match="not JSON"):
        load_formula_json("{", indicators.QUANTITIES)
    with pytest.raises(InvalidInput, match="named formulas"):
        load_formula_set({"formulas": []}, indicators.QUANTITIES)
