"""The simulator's generator core (pure, seeded): arrivals by category, hour and weekday;
inspector, operator and department behaviour; the outcome of every case as fact records.

Arrivals: per day the number of inspector reports is Poisson(``inspector_per_day`` ×
weekday factor) at patrol hours, the number of citizen reports Poisson(``public_per_day`` ×
7 × weekday share) at hours drawn from the fitted hour profile. Categories are drawn by
their weights, grids by a Zipf-like weight (a few hot grids, a long tail).

Handling: each category has a time limit (continuous hours here; the real service counts
working time) and a profile whose fitted quantile function gives the *shape* of handling
times; the generator rescales it so the median handling time is ``median_share`` of the
limit (capped at ``max_overrun`` limits), which leaves the overdue share to the profile's
tail: about 15–30 % with the defaults.
Returns, reworks, extensions, suspensions, wrong dispatches, voids and late steps happen
with the probabilities in ``Behaviour``.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from urbangrid.evaluation.facts import CaseFacts
from urbangrid.evaluation.simulator.params import (
    HANDLING_LOG_HOURS,
    PUBLIC_HOUR_SHARES,
    PUBLIC_WEEKDAY_SHARES,
    QUANTILE_STEP,
    REPLY_LOG_HOURS,
)


@dataclass(frozen=True)
class Category:
    code: str  # GB/T 47678.5-2026 matter code
    name: str
    profile: str  # handling profile (params.HANDLING_LOG_HOURS)
    limit_hours: float  # 处置时限, continuous hours
    inspector_weight: float
    public_weight: float


# A city's most frequent matters; weights are an assumption (no Chinese category counts
# were found), limits follow the 运城 examples in STANDARDS.md §6.
CATEGORIES: tuple[Category, ...] = (
    Category("06010", "暴露垃圾", "sanitation", 4, 18, 10),
    Category("06011", "积存垃圾渣土", "sanitation", 40, 6, 4),
    Category("06012", "道路不洁", "sanitation", 2, 8, 3),
    Category("06036", "乱堆杂物", "sanitation", 8, 10, 6),
    Category("06042", "垃圾站（箱）满溢", "sanitation", 4, 5, 5),
    Category("06035", "废弃家具设备", "sanitation", 24, 3, 4),
    Category("07001", "非法小广告", "advertising", 8, 14, 2),
    Category("07003", "违规户外广告", "advertising", 40, 2, 2),
    Category("09005", "店外经营", "street_order", 2, 8, 6),
    Category("09006", "占道经营", "street_order", 2, 6, 8),
    Category("09009", "机动车乱停放", "street_order", 2, 4, 8),
    Category("09010", "非机动车乱停放", "street_order", 2, 6, 4),
    Category("06028", "噪声扰民", "street_order", 8, 0.5, 8),
    Category("01037", "路灯异常", "facility", 16, 3, 4),
    Category("01002", "污水井盖异常", "facility", 4, 2, 3),
    Category("06013", "道路破损", "facility", 40, 2, 3),
)


@dataclass(frozen=True)
class Behaviour:
    """Probabilities and delays of the people in the loop."""

    public_share_open311: float = 0.4  # of citizen reports, the rest by hotline
    p_invalid_report: float = 0.04  # inspector report not filed (不予立案)
    p_not_confirmed: float = 0.08  # citizen report not confirmed by 核实
    p_void: float = 0.01  # filed, then voided (作废)
    p_self_handle: float = 0.06  # inspector fixes on the spot (自处理)
    p_return: float = 0.04  # department returns it (回退) → re-dispatch elsewhere
    p_extension: float = 0.05  # approved 延期 (limit × 1.5)
    p_suspend: float = 0.01  # 挂账
    p_rework: float = 0.06  # check fails, same department again
    p_late_step: float = 0.05  # a desk step (accept, file, dispatch, check …) misses its limit
    p_rating: float = 0.6  # citizen rates the result
    median_share: float = 0.35  # median handling time / time limit
    max_overrun: float = 20.0  # handling never takes longer than this many time limits
    desk_limit_minutes: int = 30  # limits of 受理/发核实/立案/派遣/发核查/结案 steps
    field_limit_minutes: int = 60  # limits of 核实 / 核查 (inspector goes to the spot)
    reply_limit_days: int = 15  # citizen reply (答复) limit


@dataclass(frozen=True)
class City:
    grid_codes: Sequence[str]
    departments: dict[str, Sequence[int]]  # profile → department ids
    inspectors: Sequence[int]
    intake_operators: Sequence[int]
    shift_leads: Sequence[int]
    dispatchers: Sequence[int]
    patrol: dict[str, int] = field(default_factory=dict)  # grid → inspector
    inspector_per_day: float = 60.0
    public_per_day: float = 25.0
    tz: str = "Asia/Shanghai"
    zipf_s: float = 0.8  # grid weight ∝ 1 / rank^s

    def inspector_of(self, grid: str) -> int:
        if grid in self.patrol:
            return self.patrol[grid]
        return self.inspectors[hash_index(grid, len(self.inspectors))]


def hash_index(text: str, n: int) -> int:
    """A stable (not per-process salted) index for a string."""
    h = 0
    for ch in text:
        h = (h * 131 + ord(ch)) % 1_000_000_007
    return h % n


def sample_quantiles(table: Sequence[float], u: float) -> float:
    """Inverse of a piecewise linear CDF given at equally spaced probabilities."""
    pos = u / QUANTILE_STEP
    i = min(int(pos), len(table) - 2)
    return table[i] + (table[i + 1] - table[i]) * (pos - i)


class _Cumulative:
    def __init__(self, weights: Sequence[float]) -> None:
        self.cum: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> int:
        return min(bisect.bisect_right(self.cum, rng.random() * self.total), len(self.cum) - 1)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:  # normal approximation, plenty for arrival counts
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Generator:
    def __init__(
        self,
        city: City,
        behaviour: Behaviour | None = None,
        seed: int = 0,
        categories: Sequence[Category] = CATEGORIES,
    ) -> None:
        self.city = city
        self.b = behaviour or Behaviour()
        self.rng = random.Random(seed)
        self.categories = list(categories)
        self._insp_cat = _Cumulative([c.inspector_weight for c in self.categories])
        self._pub_cat = _Cumulative([c.public_weight for c in self.categories])
        self._grid = _Cumulative([1 / (i + 1) ** city.zipf_s for i in range(len(city.grid_codes))])
        self._hour = _Cumulative(PUBLIC_HOUR_SHARES)
        self._medians = {p: sample_quantiles(t, 0.5) for p, t in HANDLING_LOG_HOURS.items()}
        self.next_id = 1

    # -- arrivals ---------------------------------------------------------------------
    def arrivals(self, day: date) -> list[tuple[datetime, str, Category, str]]:
        """(time, source, category, grid) of the reports of one local day, time-ordered."""
        rng, zone = self.rng, ZoneInfo(self.city.tz)
        wd = day.weekday()
        out = []
        # Inspectors patrol 08:00–18:00, fewer at weekends.
        n_insp = _poisson(rng, self.city.inspector_per_day * (1.0 if wd < 5 else 0.5))
        for _ in range(n_insp):
            minute = rng.randrange(8 * 60, 18 * 60)
            t = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
            out.append((t, "inspector", self._insp_cat, None))
        n_pub = _poisson(rng, self.city.public_per_day * 7 * PUBLIC_WEEKDAY_SHARES[wd])
        for _ in range(n_pub):
            hour = self._hour.pick(rng)
            t = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=zone)
            src = "open311" if rng.random() < self.b.public_share_open311 else "hotline"
            out.append((t, src, self._pub_cat, None))
        result = []
        for t, src, cats, _ in out:
            cat = self.categories[cats.pick(rng)]
            grid = self.city.grid_codes[self._grid.pick(rng)]
            result.append((t.astimezone(UTC), src, cat, grid))
        result.sort(key=lambda x: x[0])
        return result

    # -- one case's life --------------------------------------------------------------
    def _step(self, start: datetime, limit_minutes: int) -> tuple[datetime, datetime]:
        """(done at, deadline) of a desk or field step starting at ``start``."""
        deadline = start + timedelta(minutes=limit_minutes)
        if self.rng.random() < self.b.p_late_step:
            took = limit_minutes * (1 + self.rng.random() * 2)
        else:
            took = limit_minutes * self.rng.betavariate(2, 3)
        return start + timedelta(minutes=max(took, 0.5)), deadline

    def handling_hours(self, cat: Category) -> float:
        log_h = sample_quantiles(HANDLING_LOG_HOURS[cat.profile], self.rng.random())
        scale = cat.limit_hours * self.b.median_share
        # The LA tails reach 10^4 times the median; a bureau escalates long before that.
        return min(
            math.exp(log_h - self._medians[cat.profile]) * scale,
            cat.limit_hours * self.b.max_overrun,
        )

    def case(self, reported: datetime, source: str, cat: Category, grid: str) -> CaseFacts:
        rng, b, city = self.rng, self.b, self.city
        cid = self.next_id
        self.next_id += 1
        public = source in ("hotline", "open311")
        patrol = city.inspector_of(grid)
        # Built as keyword arguments and turned into a record once (a frozen dataclass
        # replaced step by step costs more than the rest of the generator).
        f: dict[str, object] = dict(
            case_id=cid,
            source=source,
            reported_at=reported,
            category_code=cat.code,
            grid_code=grid,
            reporter_id=None if public else patrol,
            patrol_inspector_id=patrol,
        )
        operator = rng.choice(city.intake_operators)
        accepted, _ = self._step(reported, b.desk_limit_minutes)
        f.update(accepted_at=accepted, intake_operator_id=operator)
        t = accepted
        if public:
            reply_h = math.exp(sample_quantiles(REPLY_LOG_HOURS, rng.random()))
            f.update(
                replied_at=reported + timedelta(hours=reply_h),
                reply_deadline=reported + timedelta(days=b.reply_limit_days),
            )
            sent, send_dl = self._step(t, b.desk_limit_minutes)
            verified, verify_dl = self._step(sent, b.field_limit_minutes)
            f.update(
                verify_send_deadline=send_dl,
                verify_sent_at=sent,
                verifier_id=patrol,
                verify_deadline=verify_dl,
                verified_at=verified,
            )
            t = verified
            if rng.random() < b.p_not_confirmed:
                return CaseFacts(**f)  # type: ignore[arg-type]
        elif rng.random() < b.p_invalid_report:
            return CaseFacts(**f)  # type: ignore[arg-type]
        filed, file_dl = self._step(t, b.desk_limit_minutes)
        f.update(filed_at=filed, file_deadline=file_dl, filer_id=rng.choice(city.shift_leads))
        if rng.random() < b.p_void:
            f.update(voided_at=filed + timedelta(hours=rng.uniform(0.5, 8)))
            return CaseFacts(**f)  # type: ignore[arg-type]
        closer = rng.choice(city.shift_leads)
        if not public and rng.random() < b.p_self_handle:
            closed, close_dl = self._step(filed, b.desk_limit_minutes)
            f.update(
                self_handled=True,
                closed_at=closed,
                close_deadline=close_dl,
                closer_id=closer,
                closing_type="self",
            )
            return CaseFacts(**f)  # type: ignore[arg-type]
        dispatched, dispatch_dl = self._step(filed, b.desk_limit_minutes)
        depts = city.departments[cat.profile]
        dept = rng.choice(depts)
        returns = wrong = 0
        handle_start = dispatched
        if rng.random() < b.p_return and len(depts) > 1:
            # the first department sends it back after a while; re-dispatched elsewhere
            returns, wrong = 1, 1
            handle_start += timedelta(hours=rng.uniform(1, 24))
            dept = rng.choice([d for d in depts if d != dept])
        limit = timedelta(hours=cat.limit_hours)
        extensions = 1 if rng.random() < b.p_extension else 0
        if extensions:
            limit *= 1.5
        suspensions = 1 if rng.random() < b.p_suspend else 0
        handle_dl = dispatched + limit
        handled = handle_start + timedelta(hours=self.handling_hours(cat))
        reworks = 1 if rng.random() < b.p_rework else 0
        if reworks:  # a failed check, then a second handling round
            handled += timedelta(hours=self.handling_hours(cat) * 0.5)
        check_sent, check_send_dl = self._step(handled, b.desk_limit_minutes)
        checked, check_dl = self._step(check_sent, b.field_limit_minutes)
        closed, close_dl = self._step(checked, b.desk_limit_minutes)
        f.update(
            department_id=dept,
            dispatcher_id=rng.choice(city.dispatchers),
            dispatch_deadline=dispatch_dl,
            dispatched_at=dispatched,
            handle_deadline=handle_dl,
            handled_at=handled,
            check_send_deadline=check_send_dl,
            check_sent_at=check_sent,
            check_sender_id=rng.choice(city.intake_operators),
            check_deadline=check_dl,
            checked_at=checked,
            checker_id=patrol,
            close_deadline=close_dl,
            closed_at=closed,
            closer_id=closer,
            closing_type="normal" if handled <= handle_dl else "overdue",
            returns=returns,
            wrong_dispatches=wrong,
            reworks=reworks,
            extensions=extensions,
            suspensions=suspensions,
        )
        if public and rng.random() < b.p_rating:
            on_time = handled <= handle_dl
            f.update(
                rating=rng.choices(
                    (5, 4, 3, 2, 1), (5, 3, 1, 1, 1) if on_time else (1, 2, 2, 2, 2)
                )[0],
            )
        return CaseFacts(**f)  # type: ignore[arg-type]

    def stream(self, first: date, days: int) -> Iterator[CaseFacts]:
        """Cases reported on ``days`` local days from ``first``, with their whole future
        (steps after the last day are in the future of the stream's end)."""
        for i in range(days):
            for t, source, cat, grid in self.arrivals(first + timedelta(days=i)):
                yield self.case(t, source, cat, grid)

    def truncate(self, facts: CaseFacts, now: datetime) -> CaseFacts:
        """The case as it stands at ``now``: steps after ``now`` have not happened yet."""
        return truncate_at(facts, now)


# Step time fields and the fields that exist only once that step happened.
_STEP_FIELDS = (
    ("accepted_at", ("intake_operator_id",)),
    ("verify_sent_at", ("verifier_id",)),
    ("verified_at", ()),
    ("filed_at", ("filer_id", "file_deadline")),
    ("voided_at", ()),
    ("dispatched_at", ("dispatcher_id", "department_id", "handle_deadline")),
    ("handled_at", ("check_send_deadline",)),
    ("check_sent_at", ("check_sender_id", "check_deadline")),
    ("checked_at", ("close_deadline",)),
    ("closed_at", ("closer_id", "closing_type", "rating")),
    ("replied_at", ()),
)


def truncate_at(facts: CaseFacts, now: datetime) -> CaseFacts:
    changes: dict[str, object] = {}
    for time_field, dependants in _STEP_FIELDS:
        t = getattr(facts, time_field)
        if t is not None and t > now:
            changes[time_field] = None
            for d in dependants:
                changes[d] = None
    return replace(facts, **changes)  # type: ignore[arg-type]


def demo_city(n_grids: int = 200, seed: int = 0) -> City:
    """A synthetic city for tests and benchmarks: codes under the fictional 329901."""
    rng = random.Random(seed)
    grids = []
    for i in range(n_grids):
        street, community, seq = 1 + i // 100, 1 + (i // 10) % 10, 1 + i % 10
        grids.append(f"329901{street:03d}{community:03d}{seq:03d}")
    rng.shuffle(grids)  # hot grids spread over the streets
    inspectors = list(range(1001, 1001 + max(2, n_grids // 10)))
    return City(
        grid_codes=grids,
        departments={
            "sanitation": [1, 2, 3],
            "advertising": [4, 5],
            "street_order": [6, 7],
            "facility": [8, 9, 10],
        },
        inspectors=inspectors,
        intake_operators=[2001, 2002, 2003, 2004],
        shift_leads=[3001, 3002],
        dispatchers=[4001, 4002, 4003],
        patrol={g: inspectors[i % len(inspectors)] for i, g in enumerate(sorted(grids))},
    )
