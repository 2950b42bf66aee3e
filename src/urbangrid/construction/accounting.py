"""Accounting and indicators of illegal-construction control (pure): m² demolished, stock
reduction against the baseline, 零增长 of new builds, patch verification, rebuilds and the
无违建 status of communities and streets, for any period and any level.

Every figure is computed from sets of record (or patch) ids per area and measure, and a
drill-down returns the same set, so a number and the list behind it never disagree; a
street's sets are the union of its communities' (records always lie in a community: the
register refuses a building outside the grids), the district's the union of its streets'.

Definitions (period = [start, end], local dates):
- ``new_found``: 新增 records discovered in the period; ``new_stopped``: those with a 制止
  by ``end``; ``days_to_stop``: their days from discovery to 制止 (median);
- ``new_demolished``: 新增 records found in the period and demolished by ``end``;
- ``stock_area_m2``: area of every 存量 record (the baseline stock);
  ``stock_reduced_m2``: area demolished in the period from 存量 records (+ legalised ones
  are not counted as reduced: they were never removed);
- ``demolished_self_m2`` / ``demolished_forced_m2``: area demolished in the period;
- ``patches_tasks``, ``patches_verified``, ``days_to_verify`` (median), ``patches_confirmed``:
  task patches (new or rebuilt) imported in the period; ``rebuilt_patches`` of them rebuilt;
- ``rebuild_rate``: rebuilt patches ÷ records demolished by ``end`` (sites to watch);
- ``clean``: 无违建 per the platform's rule (no record 在查; new records found in the period
  at most ``max_new``; settled share of the stock at least ``min_stock_cleared``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from statistics import median

from urbangrid.construction.config import CleanAreaRule


@dataclass(frozen=True)
class RecordFacts:
    id: int
    code: str
    community_id: int | None
    street_id: int | None
    new: bool  # 新增 (else 存量)
    discovered: date
    area_m2: float
    open: bool  # status 在查
    settled: bool  # demolished, closed or legalised
    demolished_on: date | None
    demolished_m2: float
    forced: bool  # 强制拆除 (else 自行拆除)
    stopped_on: date | None  # day of 制止


@dataclass(frozen=True)
class PatchFacts:
    id: int
    community_id: int | None
    street_id: int | None
    imported_on: date
    rebuilt: bool
    verified_on: date | None
    confirmed: bool  # verdict illegal


@dataclass
class AreaFigures:
    key: int | None  # community / street id, None for the district
    records: dict[str, set[int]] = field(default_factory=dict)  # measure -> record ids
    patches: dict[str, set[int]] = field(default_factory=dict)  # measure -> patch ids
    days_to_stop: list[int] = field(default_factory=list)
    days_to_verify: list[int] = field(default_factory=list)
    area: dict[int, float] = field(default_factory=dict)  # record id -> m² counted

    def m2(self, measure: str) -> float:
        return round(sum(self.area[i] for i in self.records.get(measure, ())), 2)

    def n(self, measure: str) -> int:
        return len(self.records.get(measure, ())) or len(self.patches.get(measure, ()))


RECORD_MEASURES = (
    "records",
    "open",
    "new_found",
    "new_stopped",
    "new_demolished",
    "stock",
    "stock_settled",
    "stock_reduced",
    "demolished_self",
    "demolished_forced",
    "demolished_by_end",
)
PATCH_MEASURES = ("patches_tasks", "patches_verified", "patches_confirmed", "rebuilt_patches")


def _add(fig: AreaFigures, measure: str, rid: int) -> None:
    fig.records.setdefault(measure, set()).add(rid)


def figures_by(
    records: Iterable[RecordFacts],
    patches: Iterable[PatchFacts],
    start: date,
    end: date,
    level: str,
) -> dict[int | None, AreaFigures]:
    """Figures per community, street or for the district (``level``)."""
    if level not in ("community", "street", "district"):
        raise ValueError("level is community, street or district")

    def key(obj: RecordFacts | PatchFacts) -> int | None:
        if level == "community":
            return obj.community_id
        return obj.street_id if level == "street" else None

    out: dict[int | None, AreaFigures] = {}
    for r in records:
        fig = out.setdefault(key(r), AreaFigures(key(r)))
        fig.area[r.id] = r.area_m2
        _add(fig, "records", r.id)
        if r.open:
            _add(fig, "open", r.id)
        if r.new and start <= r.discovered <= end:
            _add(fig, "new_found", r.id)
            if r.stopped_on is not None and r.stopped_on <= end:
                _add(fig, "new_stopped", r.id)
                fig.days_to_stop.append((r.stopped_on - r.discovered).days)
            if r.demolished_on is not None and r.demolished_on <= end:
                _add(fig, "new_demolished", r.id)
        if not r.new:
            _add(fig, "stock", r.id)
            if r.settled:
                _add(fig, "stock_settled", r.id)
        if r.demolished_on is not None and r.demolished_on <= end:
            _add(fig, "demolished_by_end", r.id)
        if r.demolished_on is not None and start <= r.demolished_on <= end:
            # the demolished area, not the whole building's, counts from here on
            fig.area[r.id] = r.demolished_m2
            _add(fig, "demolished_forced" if r.forced else "demolished_self", r.id)
            if not r.new:
                _add(fig, "stock_reduced", r.id)
    for p in patches:
        if not start <= p.imported_on <= end:
            continue
        fig = out.setdefault(key(p), AreaFigures(key(p)))
        fig.patches.setdefault("patches_tasks", set()).add(p.id)
        if p.rebuilt:
            fig.patches.setdefault("rebuilt_patches", set()).add(p.id)
        if p.verified_on is not None and p.verified_on <= end:
            fig.patches.setdefault("patches_verified", set()).add(p.id)
            fig.days_to_verify.append((p.verified_on - p.imported_on).days)
            if p.confirmed:
                fig.patches.setdefault("patches_confirmed", set()).add(p.id)
    return out


def _share(a: float, b: float) -> float | None:
    return a / b if b else None


def indicators(fig: AreaFigures, stock_area_m2: float, rule: CleanAreaRule) -> dict[str, object]:
    """The figures of one area as numbers (shares as fractions, None when undefined).
    ``stock_area_m2`` is the whole baseline stock of the area (the building areas)."""
    stock_reduced = fig.m2("stock_reduced")
    stock_n = fig.n("stock")
    settled = _share(fig.n("stock_settled"), stock_n)
    clean = (
        fig.n("open") == 0
        and fig.n("new_found") <= rule.max_new
        and (settled if settled is not None else 1.0) >= rule.min_stock_cleared
    )
    return {
        "records": fig.n("records"),
        "open": fig.n("open"),
        "new_found": fig.n("new_found"),
        "new_stopped": fig.n("new_stopped"),
        "new_stopped_share": _share(fig.n("new_stopped"), fig.n("new_found")),
        "new_demolished_share": _share(fig.n("new_demolished"), fig.n("new_found")),
        "days_to_stop_median": median(fig.days_to_stop) if fig.days_to_stop else None,
        "stock": stock_n,
        "stock_area_m2": round(stock_area_m2, 2),
        "stock_reduced_m2": stock_reduced,
        "stock_reduced_share": _share(stock_reduced, stock_area_m2),
        "demolished_self_m2": fig.m2("demolished_self"),
        "demolished_forced_m2": fig.m2("demolished_forced"),
        "patches_tasks": fig.n("patches_tasks"),
        "patches_verified_share": _share(fig.n("patches_verified"), fig.n("patches_tasks")),
        "days_to_verify_median": median(fig.days_to_verify) if fig.days_to_verify else None,
        "patches_confirmed_share": _share(fig.n("patches_confirmed"), fig.n("patches_verified")),
        "rebuild_rate": _share(fig.n("rebuilt_patches"), fig.n("demolished_by_end")),
        "clean": clean,
    }


def stock_area(records: Iterable[RecordFacts], level: str) -> Mapping[int | None, float]:
    """The baseline stock's building area per area key."""
    out: dict[int | None, float] = {}
    for r in records:
        if r.new:
            continue
        k = r.community_id if level == "community" else r.street_id if level == "street" else None
        out[k] = out.get(k, 0.0) + r.area_m2
    return out
