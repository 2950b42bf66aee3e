"""Evaluation configuration: rate formulas, weights, volume score bands and grade bands.

A bureau revises these every year, so they are data (JSON) with the values of
STANDARDS.md §7 as defaults. Base counts are fixed in ``indicators``; everything computed
from them is here:

- a *rate* is ``numerator / denominator`` of two base counts (a Fraction, exact);
- a *band* turns a count (optionally per unit grid) into a 0–100 score by the first row
  whose upper bound (inclusive) is not below the value, from a table chosen by the object's
  band class (e.g. 一类区域 / 二类区域);
- the composite score is ``Σ weight × term / Σ weight`` over the terms that have a value,
  where a rate term scores ``rate × 100`` or, when inverted (a "negative" rate such as
  返工率), ``(1 − rate) × 100``. Terms without a value (denominator 0) are left out and the
  weights of the others renormalised, so an object is never punished for having no cases
  of a kind. The area formula in §7 has weights summing to 70; the normalisation makes it
  a 0–100 score as well.
- grades: the first band whose minimum the score reaches, A [90,100] … E [0,40).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from urbangrid.evaluation.indicators import COUNT_DEFS, ObjectKind
from urbangrid.kit.errors import InvalidInput


@dataclass(frozen=True)
class RateDef:
    numerator: str
    denominator: str
    label_zh: str


@dataclass(frozen=True)
class BandDef:
    count: str
    label_zh: str
    # band class → rows of (upper bound inclusive, or None for "above all", score)
    tables: dict[str, list[tuple[float | None, float]]]
    per_grid: bool = False  # divide the count by the object's number of unit grids


@dataclass(frozen=True)
class Term:
    ref: str  # a rate name or a band name
    weight: float
    invert: bool = False


@dataclass(frozen=True)
class ObjectConfig:
    rates: dict[str, RateDef]
    bands: dict[str, BandDef] = field(default_factory=dict)
    score: list[Term] = field(default_factory=list)


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min_score: float
    color: str


# The fewest cases (``indicators.VOLUME_COUNTS``) an object needs in the period to be ranked.
DEFAULT_MIN_CASES = 5


@dataclass(frozen=True)
class EvaluationConfig:
    name: str
    objects: dict[str, ObjectConfig]
    grades: list[GradeBand]
    # 参与排名的最少案件数: objects with fewer cases are scored but listed apart, unranked.
    min_cases: int = DEFAULT_MIN_CASES
    # The name shown in reports (the bureau's words, e.g. "2026 年度考评办法").
    title_zh: str = "综合评价标准（默认权重）"

    def for_kind(self, kind: ObjectKind) -> ObjectConfig:
        # Districts are areas: a configuration written before 区级评价 scores them as streets.
        if kind is ObjectKind.DISTRICT and kind.value not in self.objects:
            return self.objects[ObjectKind.STREET.value]
        return self.objects[kind.value]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvaluationConfig:
        try:
            objects = {
                kind: ObjectConfig(
                    rates={k: RateDef(**v) for k, v in obj["rates"].items()},
                    bands={
                        k: BandDef(
                            count=v["count"],
                            label_zh=v["label_zh"],
                            tables={
                                c: [(None if hi is None else float(hi), float(s)) for hi, s in rows]
                                for c, rows in v["tables"].items()
                            },
                            per_grid=bool(v.get("per_grid", False)),
                        )
                        for k, v in obj.get("bands", {}).items()
                    },
                    score=[Term(**t) for t in obj.get("score", [])],
                )
                for kind, obj in data["objects"].items()
            }
            grades = [GradeBand(**g) for g in data["grades"]]
            config = cls(
                name=str(data.get("name", "custom")),
                objects=objects,
                grades=grades,
                min_cases=int(data.get("min_cases", DEFAULT_MIN_CASES)),
                title_zh=str(data.get("title_zh") or data.get("name") or "综合评价标准"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"evaluation configuration is malformed: {exc!r}") from exc
        config.validate()
        return config

    @classmethod
    def from_json(cls, text: str) -> EvaluationConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"evaluation configuration is not JSON: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: Path) -> EvaluationConfig:
        return cls.from_json(path.read_text(encoding="utf-8"))

    def validate(self) -> None:
        """Every reference resolves, weights are positive, bands and grades are ordered."""
        problems: list[str] = []
        for kind in ObjectKind:
            if kind.value not in self.objects and kind is not ObjectKind.DISTRICT:
                problems.append(f"no configuration for {kind.value}")
        for kind_name, obj in self.objects.items():
            try:
                kind = ObjectKind(kind_name)
            except ValueError:
                problems.append(f"unknown object kind {kind_name!r}")
                continue
            counts = {d.name for d in COUNT_DEFS[kind]}
            for name, rate in obj.rates.items():
                for ref in (rate.numerator, rate.denominator):
                    if ref not in counts:
                        problems.append(f"{kind_name}.{name}: unknown count {ref!r}")
            for name, band in obj.bands.items():
                if band.count not in counts:
                    problems.append(f"{kind_name}.{name}: unknown count {band.count!r}")
                for cls_name, rows in band.tables.items():
                    bounds = [hi for hi, _ in rows]
                    if not rows or bounds[-1] is not None or None in bounds[:-1]:
                        problems.append(
                            f"{kind_name}.{name}[{cls_name}]: the last row (and only it) "
                            "must have no upper bound"
                        )
                    elif bounds[:-1] != sorted(bounds[:-1]):  # type: ignore[type-var]
                        problems.append(f"{kind_name}.{name}[{cls_name}]: bounds not ascending")
            for term in obj.score:
                if term.ref not in obj.rates and term.ref not in obj.bands:
                    problems.append(f"{kind_name}: score term {term.ref!r} is no rate or band")
                if term.weight <= 0:
                    problems.append(f"{kind_name}: weight of {term.ref!r} must be positive")
        if self.min_cases < 0:
            problems.append("min_cases must be 0 or more")
        mins = [g.min_score for g in self.grades]
        if not mins or mins != sorted(mins, reverse=True) or mins[-1] != 0:
            problems.append("grades must be ordered from the best down, the last with min 0")
        if problems:
            raise InvalidInput("evaluation configuration is invalid", problems=problems)


def _r(num: str, den: str, label: str) -> RateDef:
    return RateDef(num, den, label)


def _handling_rates() -> dict[str, RateDef]:
    return {
        "disposal_rate": _r("handled", "due", "处置率"),
        "on_time_disposal_rate": _r("handled_on_time", "due", "按期处置率"),
        "overdue_disposal_rate": _r("handled_late", "due", "超期处置率"),
        "overdue_open_rate": _r("overdue_open", "due", "超期未处置率"),
        "extension_rate": _r("extended", "due", "延期率"),
        # 返工率 = 返工数 / 应结案数 (应结案数 = 处置数 + 超期未处置数 = 应处置数 here).
        "rework_rate": _r("reworked", "due", "返工率"),
        "closing_rate": _r("closed", "due", "结案率"),
        "on_time_closing_rate": _r("closed_on_time", "due", "按期结案率"),
        "reply_rate": _r("replied", "citizen_cases", "答复率"),
        "on_time_reply_rate": _r("replied_on_time", "citizen_cases", "按时答复率"),
        "completion_rate": _r("completed", "citizen_cases", "办结率"),
        "satisfaction_rate": _r("satisfied", "rated", "满意率"),
    }


# Volume bands from §7 (upper bound inclusive → score).
_VOLUME_HIGH_IS_GOOD: list[tuple[float | None, float]] = [
    (100, 0),
    (300, 40),
    (500, 60),
    (1200, 75),
    (2000, 90),
    (None, 100),
]
_DEPT_FILED: list[tuple[float | None, float]] = [
    (50, 100),
    (100, 90),
    (200, 75),
    (500, 60),
    (1000, 40),
    (None, 0),
]
_AREA_CLASS1: list[tuple[float | None, float]] = [
    (0, 100),
    (2, 90),
    (4, 75),
    (6, 60),
    (8, 40),
    (None, 0),
]
_AREA_CLASS2: list[tuple[float | None, float]] = [
    (0, 100),
    (3, 90),
    (5, 75),
    (7, 60),
    (9, 40),
    (None, 0),
]


def _area_config() -> ObjectConfig:
    return ObjectConfig(
        rates={
            "public_report_rate": _r("public_filed", "filed", "监督举报率"),
            "void_rate": _r("voided", "filed", "作废率"),
            **_handling_rates(),
        },
        bands={
            "filed_score": BandDef(
                "filed",
                "立案数分值",
                {"1": list(_AREA_CLASS1), "2": list(_AREA_CLASS2)},
                per_grid=True,
            )
        },
        score=[
            Term("public_report_rate", 10, invert=True),
            Term("filed_score", 20),
            Term("closing_rate", 30),
            Term("on_time_closing_rate", 10),
        ],
    )


def default_config() -> EvaluationConfig:
    """The §7 defaults (China Unicom 数字城管 weights, CJ/T 292 grade bands)."""
    return EvaluationConfig(
        name="STANDARDS §7 defaults",
        objects={
            ObjectKind.DEPARTMENT.value: ObjectConfig(
                rates=_handling_rates(),
                bands={
                    "filed_score": BandDef(
                        "dispatched", "立案数分值", {"default": list(_DEPT_FILED)}
                    )
                },
                score=[
                    Term("filed_score", 10),
                    Term("closing_rate", 30),
                    Term("on_time_disposal_rate", 30),
                    Term("rework_rate", 30, invert=True),
                ],
            ),
            ObjectKind.DISTRICT.value: _area_config(),
            ObjectKind.STREET.value: _area_config(),
            ObjectKind.COMMUNITY.value: _area_config(),
            ObjectKind.GRID.value: _area_config(),
            ObjectKind.INSPECTOR.value: ObjectConfig(
                rates={
                    "valid_report_rate": _r("valid_reports", "reports", "有效上报率"),
                    "missed_rate": _r("missed", "patrol_filed", "漏报率"),
                    "on_time_verify_rate": _r("verified_on_time", "verify_due", "按时核实率"),
                    "on_time_check_rate": _r("checked_on_time", "check_due", "按时核查率"),
                },
                score=[
                    Term("valid_report_rate", 40),
                    Term("missed_rate", 20, invert=True),
                    Term("on_time_verify_rate", 20),
                    Term("on_time_check_rate", 20),
                ],
            ),
            ObjectKind.INTAKE_OPERATOR.value: ObjectConfig(
                rates={
                    "on_time_verify_send_rate": _r(
                        "verify_sent_on_time", "verify_send_due", "核实按时派发率"
                    ),
                    "on_time_check_send_rate": _r(
                        "check_sent_on_time", "check_send_due", "核查按时派发率"
                    ),
                },
                bands={
                    "accepted_score": BandDef(
                        "accepted", "受理数分值", {"default": list(_VOLUME_HIGH_IS_GOOD)}
                    )
                },
                score=[
                    Term("accepted_score", 25),
                    Term("on_time_verify_send_rate", 40),
                    Term("on_time_check_send_rate", 35),
                ],
            ),
            ObjectKind.SHIFT_LEAD.value: ObjectConfig(
                rates={
                    "on_time_filing_rate": _r("filed_on_time", "filed", "按时立案率"),
                    # 准确立案率 = (立案数 − 作废数) / 立案数
                    "accurate_filing_rate": _r("filed_kept", "filed", "准确立案率"),
                    "on_time_closing_rate": _r("closed_on_time", "closed", "按时结案率"),
                },
                score=[
                    Term("on_time_filing_rate", 25),
                    Term("accurate_filing_rate", 40),
                    Term("on_time_closing_rate", 35),
                ],
            ),
            ObjectKind.DISPATCHER.value: ObjectConfig(
                rates={
                    "on_time_dispatch_rate": _r("dispatched_on_time", "dispatched", "按时派遣率"),
                    "accurate_dispatch_rate": _r(
                        "dispatched_accurately", "dispatched", "准确派遣率"
                    ),
                },
                bands={
                    "dispatched_score": BandDef(
                        "dispatched", "派遣数分值", {"default": list(_VOLUME_HIGH_IS_GOOD)}
                    )
                },
                score=[
                    Term("dispatched_score", 20),
                    Term("on_time_dispatch_rate", 40),
                    Term("accurate_dispatch_rate", 40),
                ],
            ),
        },
        grades=[
            GradeBand("A", 90, "green"),
            GradeBand("B", 75, "blue"),
            GradeBand("C", 60, "yellow"),
            GradeBand("D", 40, "red"),
            GradeBand("E", 0, "black"),
        ],
    )
