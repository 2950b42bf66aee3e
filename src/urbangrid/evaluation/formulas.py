"""Indicator formulas over named quantities, and weighted assessments of them — as data.

The case evaluation (``config`` + ``engine``) rates *case counts*. A domain programme
(垃圾分类, 违法建设, 渣土 …) rates *quantities* it measures itself: tonnes by category, bins
checked, m² demolished, estates that sort. Cities change those formulas and the weights of
their monthly assessment every year, so both are configuration (JSON), checked once when
loaded, and computed here with exact fractions:

- a *quantity* is a named number the programme computes from its ledgers (``recyclables_t``,
  ``generated_t``, …); the programme declares which names exist and what each means;
- a *formula* is ``Σ coefficient × quantity`` over ``Σ coefficient × quantity``
  (numerator over denominator; coefficients default to 1). A denominator of 0 gives no value
  (``None``): an object with nothing to measure is not rated 0. ``scale`` multiplies the
  ratio (100 for a percentage, 1 for a share);
- an *assessment* is a weighted mean of terms, each scoring one formula 0–100: ``"ratio"``
  scores ``value × 100`` (a share), ``"target"`` scores ``value ÷ target × 100`` capped at 100,
  and ``invert`` scores 100 minus that (a problem rate, where less is better). Terms without a
  value are left out and the other weights renormalised, as in the case evaluation; the
  grade is the first band whose minimum the score reaches (the bands of
  :class:`~urbangrid.evaluation.config.GradeBand`).

Invariants (tested): a formula's value does not depend on the order of its terms; scaling
every quantity by the same positive factor leaves every ratio unchanged; a score is in
[0, 100]; weights need not sum to anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from urbangrid.evaluation.config import GradeBand
from urbangrid.kit.errors import InvalidInput

Number = int | float | Fraction


def exact(value: Number | str) -> Fraction:
    """A number as an exact fraction; floats by their decimal text (0.1 is 1/10)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ValueError("a truth value is not a number")
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


@dataclass(frozen=True)
class Term:
    """``coefficient × quantity``."""

    quantity: str
    coefficient: Fraction = Fraction(1)

    def value(self, quantities: Mapping[str, Fraction]) -> Fraction:
        return self.coefficient * quantities[self.quantity]


@dataclass(frozen=True)
class Formula:
    name: str
    label_zh: str
    numerator: tuple[Term, ...]
    denominator: tuple[Term, ...]
    scale: Fraction = Fraction(1)
    label_en: str = ""

    def quantities(self) -> set[str]:
        return {t.quantity for t in (*self.numerator, *self.denominator)}

    def evaluate(self, quantities: Mapping[str, Number]) -> Fraction | None:
        """The ratio, or None when the denominator is 0. A missing quantity counts 0."""
        q = {name: exact(quantities.get(name, 0)) for name in self.quantities()}
        den = sum((t.value(q) for t in self.denominator), Fraction(0))
        if den == 0:
            return None
        num = sum((t.value(q) for t in self.numerator), Fraction(0))
        return num / den * self.scale


@dataclass(frozen=True)
class AssessmentTerm:
    formula: str
    weight: Fraction
    scoring: str = "ratio"  # ratio | target
    target: Fraction | None = None
    invert: bool = False

    def score(self, value: Fraction | None, scale: Fraction = Fraction(1)) -> Fraction | None:
        """0–100 for the formula's value (given in the formula's ``scale``: a target is in the
        same unit as the value, e.g. 35 for 35 %)."""
        if value is None:
            return None
        if self.scoring == "target":
            assert self.target is not None  # validated
            raw = value / self.target * 100
        else:
            raw = value / scale * 100
        raw = min(max(raw, Fraction(0)), Fraction(100))
        return Fraction(100) - raw if self.invert else raw


@dataclass(frozen=True)
class Assessment:
    name: str
    terms: tuple[AssessmentTerm, ...]
    grades: tuple[GradeBand, ...]


@dataclass(frozen=True)
class Scored:
    """One object's assessment: each formula's value, each term's score, the total, grade."""

    values: dict[str, Fraction | None]
    scores: dict[str, Fraction | None]
    total: Fraction | None
    grade: str | None


@dataclass(frozen=True)
class FormulaSet:
    """The formulas of a programme and (optionally) its assessment, checked against the
    quantities the programme computes."""

    formulas: dict[str, Formula]
    assessment: Assessment | None = None
    quantities: frozenset[str] = field(default_factory=frozenset)

    def values(self, quantities: Mapping[str, Number]) -> dict[str, Fraction | None]:
        unknown = sorted(set(quantities) - self.quantities) if self.quantities else []
        if unknown:
            raise InvalidInput(f"unknown quantities: {', '.join(unknown)}", field="quantities")
        return {name: f.evaluate(quantities) for name, f in self.formulas.items()}

    def assess(self, quantities: Mapping[str, Number]) -> Scored:
        values = self.values(quantities)
        if self.assessment is None:
            return Scored(values, {}, None, None)
        scores = {
            t.formula: t.score(values[t.formula], self.formulas[t.formula].scale)
            for t in self.assessment.terms
        }
        total = weighted_mean(
            (s, t.weight) for t, s in zip(self.assessment.terms, scores.values(), strict=True)
        )
        return Scored(values, scores, total, grade_for(total, self.assessment.grades))


def weighted_mean(pairs: Iterable[tuple[Fraction | None, Fraction]]) -> Fraction | None:
    """``Σ weight × score / Σ weight`` over the pairs that have a score; None if none has."""
    num = den = Fraction(0)
    for score, weight in pairs:
        if score is None:
            continue
        num += weight * score
        den += weight
    return None if den == 0 else num / den


def grade_for(score: Fraction | None, grades: Sequence[GradeBand]) -> str | None:
    """The first band (best first) whose minimum the score reaches."""
    if score is None:
        return None
    for band in grades:
        if score >= exact(band.min_score):
            return band.grade
    return grades[-1].grade


# -- loading ---------------------------------------------------------------------------------


def _terms(raw: Any, where: str, problems: list[str]) -> tuple[Term, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: a quantity name or a non-empty list of terms")
        return ()
    out: list[Term] = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"quantity": item}
        if not isinstance(item, dict) or not isinstance(item.get("quantity"), str):
            problems.append(f"{where}[{i}]: a term is a quantity name or {{quantity, coefficient}}")
            continue
        try:
            coefficient = exact(item.get("coefficient", 1))
        except (TypeError, ValueError, ZeroDivisionError):
            problems.append(f"{where}[{i}]: the coefficient is not a number")
            continue
        out.append(Term(item["quantity"], coefficient))
    return tuple(out)


def _number(raw: Any, where: str, problems: list[str]) -> Fraction | None:
    try:
        return exact(raw)
    except (TypeError, ValueError, ZeroDivisionError):
        problems.append(f"{where}: not a number")
        return None


def load_formula_set(
    data: Mapping[str, Any], quantities: Iterable[str], grades: Sequence[GradeBand] = ()
) -> FormulaSet:
    """Formulas (and an optional ``assessment``) from their JSON form; every problem is
    listed in one :class:`InvalidInput` (``problems``), nothing is half-loaded.

    ``{"formulas": {"recycling_rate": {"label_zh": "回收利用率", "numerator": ["recycled_t"],
    "denominator": ["generated_t"], "scale": 100}}, "assessment": {"name": "月度考核",
    "terms": [{"formula": "recycling_rate", "weight": 30, "scoring": "target",
    "target": 35}], "grades": [{"grade": "A", "min_score": 90, "color": "#2e7d32"}, …]}}``
    (``grades`` may be left to the caller's defaults)."""
    known = frozenset(quantities)
    problems: list[str] = []
    formulas: dict[str, Formula] = {}
    raw_formulas = data.get("formulas") if isinstance(data, Mapping) else None
    if not isinstance(raw_formulas, Mapping) or not raw_formulas:
        raise InvalidInput("formulas: expected an object of named formulas", field="formulas")
    for name, spec in raw_formulas.items():
        where = f"formulas.{name}"
        if not isinstance(spec, Mapping):
            problems.append(f"{where}: expected an object")
            continue
        numerator = _terms(spec.get("numerator"), f"{where}.numerator", problems)
        denominator = _terms(spec.get("denominator"), f"{where}.denominator", problems)
        scale = _number(spec.get("scale", 1), f"{where}.scale", problems)
        for term in (*numerator, *denominator):
            if known and term.quantity not in known:
                problems.append(f"{where}: unknown quantity {term.quantity!r}")
        if scale is not None and scale <= 0:
            problems.append(f"{where}.scale: must be positive")
        formulas[name] = Formula(
            name=name,
            label_zh=str(spec.get("label_zh", name)),
            label_en=str(spec.get("label_en", "")),
            numerator=numerator,
            denominator=denominator,
            scale=scale if scale is not None else Fraction(1),
        )
    assessment = None
    raw_assessment = data.get("assessment")
    if raw_assessment is not None:
        assessment = _assessment(raw_assessment, formulas, grades, problems)
    if problems:
        raise InvalidInput("the formulas are invalid", field="formulas", problems=problems)
    return FormulaSet(formulas=formulas, assessment=assessment, quantities=known)


def _assessment(
    raw: Any, formulas: Mapping[str, Formula], grades: Sequence[GradeBand], problems: list[str]
) -> Assessment | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("terms"), list) or not raw["terms"]:
        problems.append("assessment: expected {name, terms: [...], grades?}")
        return None
    terms: list[AssessmentTerm] = []
    for i, t in enumerate(raw["terms"]):
        where = f"assessment.terms[{i}]"
        if not isinstance(t, Mapping) or t.get("formula") not in formulas:
            problems.append(f"{where}: names no formula of this set")
            continue
        weight = _number(t.get("weight"), f"{where}.weight", problems)
        if weight is not None and weight <= 0:
            problems.append(f"{where}.weight: must be positive")
        scoring = t.get("scoring", "ratio")
        target = None
        if scoring == "target":
            target = _number(t.get("target"), f"{where}.target", problems)
            if target is not None and target <= 0:
                problems.append(f"{where}.target: must be positive")
        elif scoring != "ratio":
            problems.append(f"{where}.scoring: ratio or target")
        terms.append(
            AssessmentTerm(
                formula=t["formula"],
                weight=weight or Fraction(1),
                scoring=str(scoring),
                target=target,
                invert=bool(t.get("invert", False)),
            )
        )
    bands: list[GradeBand] = list(grades)
    if "grades" in raw:
        try:
            bands = [GradeBand(**g) for g in raw["grades"]]
        except TypeError:
            problems.append("assessment.grades: each is {grade, min_score, color}")
    mins = [exact(b.min_score) for b in bands]
    if not mins or mins != sorted(mins, reverse=True) or mins[-1] != 0:
        problems.append("assessment.grades: ordered from the best down, the last with min 0")
    return Assessment(name=str(raw.get("name", "")), terms=tuple(terms), grades=tuple(bands))


def load_formula_json(
    text: str, quantities: Iterable[str], grades: Sequence[GradeBand] = ()
) -> FormulaSet:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the formulas are not JSON: {exc}", field="formulas") from None
    if not isinstance(data, Mapping):
        raise InvalidInput("the formulas are not a JSON object", field="formulas")
    return load_formula_set(data, quantities, grades)
