"""The indicator engine: base counts over fact records, rates, composite score, grade,
rankings and month-over-month change. Pure: no I/O.

Counting is separate from scoring so that the database path (``sql``) only has to produce
the same integers; everything after the counts is this module's ``evaluate``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from urbangrid.evaluation.config import EvaluationConfig, ObjectConfig
from urbangrid.evaluation.facts import CaseFacts
from urbangrid.evaluation.formulas import grade_for, weighted_mean
from urbangrid.evaluation.indicators import COUNT_DEFS, VOLUME_COUNTS, CountDef, ObjectKind
from urbangrid.evaluation.ranking import red_and_black
from urbangrid.kit.errors import InvalidInput
from urbangrid.kit.types import in_calendar

DEFAULT_TZ = "Asia/Shanghai"


@dataclass(frozen=True)
class Period:
    """A half-open UTC interval [start, end) with a label (a month, quarter or any range)."""

    start: datetime
    end: datetime
    label: str

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("period bounds must carry a time zone")
        if self.end <= self.start:
            raise InvalidInput(f"period {self.label!r} ends before it starts")

    def contains(self, t: datetime | None) -> bool:
        return t is not None and self.start <= t < self.end

    @classmethod
    def month(cls, text: str, tz: str = DEFAULT_TZ) -> Period:
        """``YYYY-MM`` in the jurisdiction's local time."""
        try:
            year, month = (int(p) for p in text.split("-"))
            start_local = datetime(year, month, 1, tzinfo=ZoneInfo(tz))
        except ValueError as exc:
            raise InvalidInput(f"month must look like 2026-10, got {text!r}") from exc
        in_calendar(start_local, "month")
        end_local = (
            datetime(year + 1, 1, 1, tzinfo=ZoneInfo(tz))
            if month == 12
            else datetime(year, month + 1, 1, tzinfo=ZoneInfo(tz))
        )
        return cls(
            start_local.astimezone(UTC), end_local.astimezone(UTC), f"{year:04d}-{month:02d}"
        )

    @classmethod
    def days(cls, first: date, last: date, tz: str = DEFAULT_TZ) -> Period:
        """Whole local days ``first`` … ``last`` inclusive."""
        zone = ZoneInfo(tz)
        start = datetime(first.year, first.month, first.day, tzinfo=zone)
        end = datetime(last.year, last.month, last.day, tzinfo=zone)
        from datetime import timedelta

        return cls(
            start.astimezone(UTC), (end + timedelta(days=1)).astimezone(UTC), f"{first}..{last}"
        )

    def previous_month(self, tz: str = DEFAULT_TZ) -> Period:
        local = self.start.astimezone(ZoneInfo(tz))
        y, m = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
        return Period.month(f"{y:04d}-{m:02d}", tz)


@dataclass
class ObjectCounts:
    """Base counts of one object, with the case ids behind each count (可追溯)."""

    kind: ObjectKind
    key: Hashable
    counts: dict[str, int]
    case_ids: dict[str, list[int]] = field(default_factory=dict)


def empty_counts(kind: ObjectKind, key: Hashable) -> ObjectCounts:
    return ObjectCounts(
        kind, key, {d.name: 0 for d in COUNT_DEFS[kind]}, {d.name: [] for d in COUNT_DEFS[kind]}
    )


def count(
    facts: Iterable[CaseFacts],
    kind: ObjectKind,
    period: Period,
    as_of: datetime | None = None,
    keys: Iterable[Hashable] = (),
) -> dict[Hashable, ObjectCounts]:
    """Base counts of every object of ``kind`` that has a case in the period (plus ``keys``,
    which get zero counts when they have none). ``as_of`` defaults to the period end."""
    as_of = as_of or period.end
    defs = COUNT_DEFS[kind]
    result: dict[Hashable, ObjectCounts] = {k: empty_counts(kind, k) for k in keys}
    for f in facts:
        for d in defs:
            key = getattr(f, d.key)
            if key is None or not period.contains(getattr(f, d.anchor)):
                continue
            # An object with a case anchored in the period is listed even if all its
            # counts are 0 (the SQL path groups the same way).
            obj = result.get(key)
            if obj is None:
                obj = result[key] = empty_counts(kind, key)
            if not d.where.test(f, as_of):
                continue
            obj.counts[d.name] += _contribution(d, f)
            obj.case_ids[d.name].append(f.case_id)
    return result


def _contribution(d: CountDef, f: CaseFacts) -> int:
    if d.sum_field is None:
        return 1
    value = getattr(f, d.sum_field)
    return int(value) if value is not None else 0


def matching_case_ids(
    facts: Iterable[CaseFacts],
    kind: ObjectKind,
    key: Hashable,
    count_name: str,
    period: Period,
    as_of: datetime | None = None,
) -> list[int]:
    """Drill-down: the cases behind one number."""
    as_of = as_of or period.end
    d = next((d for d in COUNT_DEFS[kind] if d.name == count_name), None)
    if d is None:
        raise InvalidInput(f"{kind.value} has no count {count_name!r}")
    return sorted(
        f.case_id
        for f in facts
        if getattr(f, d.key) == key
        and period.contains(getattr(f, d.anchor))
        and d.where.test(f, as_of)
    )


# ---------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True)
class ObjectInfo:
    """What the scoring needs to know about an object besides its cases."""

    key: Hashable
    name: str = ""
    grid_count: int = 1  # unit grids in an area (per-grid bands)
    band_class: str = "default"  # e.g. area class "1" / "2"


@dataclass
class Evaluation:
    kind: ObjectKind
    key: Hashable
    name: str
    counts: dict[str, int]
    rates: dict[str, Fraction | None]
    band_scores: dict[str, Fraction]
    score: Fraction | None
    grade: str | None
    case_ids: dict[str, list[int]] = field(default_factory=dict)
    volume: int = 0  # the cases the object acted on (indicators.VOLUME_COUNTS)

    @property
    def score_float(self) -> float | None:
        return None if self.score is None else round(float(self.score), 2)

    def rate_float(self, name: str) -> float | None:
        r = self.rates.get(name)
        return None if r is None else float(r)


def rate(num: int, den: int) -> Fraction | None:
    return None if den == 0 else Fraction(num, den)


def band_score(rows: Sequence[tuple[float | None, float]], value: Fraction) -> Fraction:
    for upper, score in rows:
        if upper is None or value <= Fraction(upper):
            return Fraction(score)
    raise AssertionError("validated band tables end with an open row")


def grade_of(score: Fraction | None, config: EvaluationConfig) -> str | None:
    return grade_for(score, config.grades)


def evaluate(
    counts: ObjectCounts, config: EvaluationConfig, info: ObjectInfo | None = None
) -> Evaluation:
    obj: ObjectConfig = config.for_kind(counts.kind)
    info = info or ObjectInfo(counts.key)
    c = counts.counts
    rates = {name: rate(c[r.numerator], c[r.denominator]) for name, r in obj.rates.items()}
    bands: dict[str, Fraction] = {}
    for name, b in obj.bands.items():
        table = b.tables.get(info.band_class) or next(iter(b.tables.values()))
        value = Fraction(c[b.count])
        if b.per_grid:
            value /= max(info.grid_count, 1)
        bands[name] = band_score(table, value)
    pairs: list[tuple[Fraction | None, Fraction]] = []
    any_rate = False
    for term in obj.score:
        if term.ref in rates:
            r = rates[term.ref]
            if r is None:
                continue
            any_rate = True
            s = (1 - r if term.invert else r) * 100
        else:
            s = bands[term.ref]
            if term.invert:
                s = 100 - s
        pairs.append((s, Fraction(term.weight)))
    # No rate with a value means no case of any kind to judge by: not evaluated (no grade)
    # rather than a score made of volume bands alone.
    score = weighted_mean(pairs) if any_rate else None
    return Evaluation(
        counts.kind,
        counts.key,
        info.name or str(counts.key),
        dict(c),
        rates,
        bands,
        score,
        grade_of(score, config),
        counts.case_ids,
        volume=sum(c.get(n, 0) for n in VOLUME_COUNTS[counts.kind]),
    )


def evaluate_all(
    facts: Iterable[CaseFacts],
    kind: ObjectKind,
    period: Period,
    config: EvaluationConfig,
    infos: Mapping[Hashable, ObjectInfo] | None = None,
    as_of: datetime | None = None,
) -> list[Evaluation]:
    """Evaluate every object with cases in the period and every object in ``infos``."""
    infos = infos or {}
    counted = count(facts, kind, period, as_of, keys=infos.keys())
    return [evaluate(c, config, infos.get(k)) for k, c in counted.items()]


# ---------------------------------------------------------------------------------------
# Rankings, red / black lists, month-over-month change


def rankable(e: Evaluation, min_cases: int = 0) -> bool:
    """Scored, with at least ``min_cases`` cases (参与排名)."""
    return e.score is not None and e.volume >= min_cases


def ranked(evaluations: Iterable[Evaluation], min_cases: int = 0) -> list[Evaluation]:
    """Best first among the rankable; then the scored objects with too few cases; then those
    without a score; ties broken by key for a stable order."""
    return sorted(
        evaluations,
        key=lambda e: (
            e.score is None,
            not rankable(e, min_cases),
            -(e.score or 0),
            str(e.key),
        ),
    )


def ranks(evaluations: Iterable[Evaluation], min_cases: int = 0) -> dict[Hashable, int]:
    """Key → rank (1 = best) of the rankable objects; the others have none."""
    rankable_ones = [e for e in ranked(evaluations, min_cases) if rankable(e, min_cases)]
    return {e.key: i for i, e in enumerate(rankable_ones, start=1)}


@dataclass
class Lists:
    red: list[Evaluation]  # 红榜: the best
    black: list[Evaluation]  # 黑榜: the worst, worst first


def red_black_lists(evaluations: Iterable[Evaluation], n: int, min_cases: int = 0) -> Lists:
    """红榜 / 黑榜 among the rankable objects (:mod:`evaluation.ranking`'s rule)."""
    scored = [e for e in ranked(evaluations, min_cases) if rankable(e, min_cases)]
    red, black = red_and_black(scored, lambda e: e.score, n)
    return Lists(red, black)


@dataclass(frozen=True)
class Change:
    key: Hashable
    name: str
    score: Fraction | None
    previous_score: Fraction | None
    rank: int | None
    previous_rank: int | None

    @property
    def delta(self) -> Fraction | None:
        if self.score is None or self.previous_score is None:
            return None
        return self.score - self.previous_score


def month_over_month(
    current: Iterable[Evaluation], previous: Iterable[Evaluation], min_cases: int = 0
) -> list[Change]:
    """Score and rank now and in the previous period (环比), in the current ranking order;
    an object with too few cases in a period has no rank in it."""
    cur = ranked(current, min_cases)
    prev = list(previous)
    prev_by_key = {e.key: e for e in prev}
    prev_rank = ranks(prev, min_cases)
    cur_rank = ranks(cur, min_cases)
    out: list[Change] = []
    for e in cur:
        p = prev_by_key.get(e.key)
        out.append(
            Change(
                e.key,
                e.name,
                e.score,
                p.score if p else None,
                cur_rank.get(e.key),
                prev_rank.get(e.key),
            )
        )
    return out


def citizen_summary(
    facts: Iterable[CaseFacts], period: Period, as_of: datetime | None = None
) -> dict[str, Fraction | int | None]:
    """Whole-jurisdiction citizen-side rates for hotline / Open311 cases."""
    totals: dict[str, int] = defaultdict(int)
    as_of = as_of or period.end
    names = ("citizen_cases", "replied", "replied_on_time", "completed", "rated", "satisfied")
    defs = [d for d in COUNT_DEFS[ObjectKind.DEPARTMENT] if d.name in names]
    for f in facts:
        for d in defs:
            if period.contains(getattr(f, d.anchor)) and d.where.test(f, as_of):
                totals[d.name] += 1
    out: dict[str, Fraction | int | None] = {n: totals[n] for n in names}
    out["reply_rate"] = rate(totals["replied"], totals["citizen_cases"])
    out["on_time_reply_rate"] = rate(totals["replied_on_time"], totals["citizen_cases"])
    out["completion_rate"] = rate(totals["completed"], totals["citizen_cases"])
    out["satisfaction_rate"] = rate(totals["satisfied"], totals["rated"])
    return out
