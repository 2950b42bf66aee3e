"""Indicators by level (platform, district, street, community, estate, company), the monthly
assessment with 红黑榜, the 分类日报 by street, and the rows behind every figure (drill-down).

How each row is attributed to an object (the one place this is decided):

- a **weigh ticket** (过磅单) belongs to the company of its vehicle (``waste.vehicles.company``)
  and to the vehicle's registered service street (``waste.vehicles.service_street``, a
  street code or name of the platform: the street the vehicle is assigned to collect). A ticket
  without a vehicle, or whose vehicle has no service street, counts for the platform and district
  only and is reported as unattributed (``unattributed_t``). Tonnage is not attributed to
  communities or estates: a truck's load mixes many of them, so their tonnage figures are
  null (no denominator), never a guessed share;
- an **inspection** (检查) belongs to its drop point's estate (``waste.drop_points.estate``),
  and to the community and street the drop point lies in; its rectification figures come
  from the cases its failed items opened (rectified on time: closed without its disposal
  going overdue);
- an **estate** and a **drop point** of the registers count for the estate (points by their
  ``estate``), the community and street they lie in, and the platform.

The grouping is plain Python over column rows read once (no per-object queries), so a year
of a district is one pass; ``bench/bench_waste_indicators.py`` compares it with DuckDB.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.cases.models import Case
from urbangrid.evaluation.formulas import FormulaSet, Scored
from urbangrid.evaluation.ranking import red_and_black
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.org.models import Community, Jurisdiction, Street
from urbangrid.registers.models import RegisterRecord
from urbangrid.waste.models import WasteInspection, WeighTicket
from urbangrid.waste.registers import (
    CATEGORY_LABELS,
    COMPANIES,
    DROP_POINTS,
    ESTATES,
    FACILITIES,
    TRANSFER_STATIONS,
    VEHICLES,
)

RECYCLABLE, KITCHEN, OTHER = "可回收物", "厨余垃圾", "其他垃圾"
UNATTRIBUTED = "未归属"


class Level(StrEnum):
    PLATFORM = "platform"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    ESTATE = "estate"
    COMPANY = "company"


LEVEL_LABELS = {
    Level.PLATFORM: "平台",
    Level.DISTRICT: "区",
    Level.STREET: "街道",
    Level.COMMUNITY: "社区",
    Level.ESTATE: "小区",
    Level.COMPANY: "收运企业",
}
TONNAGE_QUANTITIES = (
    "generated_t",
    "collected_t",
    "recyclables_t",
    "recycled_t",
    "treated_converted_t",
    "harmless_t",
    "kitchen_t",
    "other_t",
)
AREA_QUANTITIES = (
    "estates",
    "estates_sorting",
    "estates_compliant",
    "points",
    "points_three_fixed",
    "bins_checked",
    "bins_wrong",
    "inspections",
    "inspections_failed",
    "rectifications_due",
    "rectified_on_time",
)
TONNAGE_LEVELS = {Level.PLATFORM, Level.DISTRICT, Level.STREET, Level.COMPANY}
AREA_LEVELS = {Level.PLATFORM, Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.ESTATE}


def level_of(text: str) -> Level:
    try:
        return Level(text)
    except ValueError:
        raise InvalidInput(
            f"unknown level {text!r}; one of: {', '.join(Level)}",
            field="level",
            code="waste_level_unknown",
        ) from None


# -- the facts read once -------------------------------------------------------------------


@dataclass(frozen=True)
class TicketRow:
    id: int
    ticket_no: str
    facility_id: int
    vehicle_id: int | None
    category: str
    weighed_at: datetime
    net_kg: float


@dataclass(frozen=True)
class InspectionRow:
    id: int
    point_id: int
    inspected_at: datetime
    bins_checked: int
    bins_wrong: int
    failures: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Place:
    """A register record where it is: its estate code (points), community and street."""

    id: int
    code: str
    name: str
    estate: str | None
    community_id: int | None
    street_id: int | None
    attributes: Mapping[str, Any]


@dataclass
class Facts:
    """What the indicators of one platform and period are computed from."""

    jurisdiction: Jurisdiction
    tickets: list[TicketRow]
    inspections: list[InspectionRow]
    estates: list[Place]
    points: dict[int, Place]
    facilities: dict[int, Place]
    vehicles: dict[int, Place]
    companies: dict[str, Place]
    streets: dict[int, Street]
    communities: dict[int, Community]
    # case id → (number, rectified on time)
    cases: dict[int, tuple[str, bool]] = field(default_factory=dict)
    # vehicle id → street id of its service street (None: not registered / unknown)
    vehicle_street: dict[int, int | None] = field(default_factory=dict)


def _places(session: Session, j: Jurisdiction, *registers: str) -> list[Place]:
    rows = session.execute(
        select(
            RegisterRecord.id,
            RegisterRecord.code,
            RegisterRecord.name,
            RegisterRecord.community_id,
            RegisterRecord.street_id,
            RegisterRecord.attributes,
        ).where(
            RegisterRecord.jurisdiction_id == j.id,
            RegisterRecord.register.in_(registers),
            RegisterRecord.is_active.is_(True),
        )
    )
    return [
        Place(rid, code, name, (attrs or {}).get("estate"), cid, sid, attrs or {})
        for rid, code, name, cid, sid, attrs in rows
    ]


def load_facts(session: Session, j: Jurisdiction, start: datetime, end: datetime) -> Facts:
    tickets = [
        TicketRow(*row)
        for row in session.execute(
            select(
                WeighTicket.id,
                WeighTicket.ticket_no,
                WeighTicket.facility_id,
                WeighTicket.vehicle_id,
                WeighTicket.category,
                WeighTicket.weighed_at,
                WeighTicket.net_kg,
            ).where(
                WeighTicket.jurisdiction_id == j.id,
                WeighTicket.weighed_at >= start,
                WeighTicket.weighed_at < end,
            )
        )
    ]
    inspections: list[InspectionRow] = []
    for iid, pid, at, checklist, failures in session.execute(
        select(
            WasteInspection.id,
            WasteInspection.point_id,
            WasteInspection.inspected_at,
            WasteInspection.checklist,
            WasteInspection.failures,
        ).where(
            WasteInspection.jurisdiction_id == j.id,
            WasteInspection.inspected_at >= start,
            WasteInspection.inspected_at < end,
        )
    ):
        c = checklist or {}
        inspections.append(
            InspectionRow(
                iid,
                pid,
                at,
                int(sum((c.get("bins_checked") or {}).values())),
                int(sum((c.get("bins_wrong") or {}).values())),
                tuple(failures or ()),
            )
        )
    case_ids = sorted({f["case_id"] for i in inspections for f in i.failures if f.get("case_id")})
    cases: dict[int, tuple[str, bool]] = {}
    for chunk in range(0, len(case_ids), 5000):
        for cid, number, closed, overdue in session.execute(
            select(Case.id, Case.number, Case.closed_at, Case.handled_overdue).where(
                Case.id.in_(case_ids[chunk : chunk + 5000])
            )
        ):
            cases[cid] = (number, closed is not None and not overdue)
    streets = {
        s.id: s for s in session.scalars(select(Street).where(Street.jurisdiction_id == j.id))
    }
    communities = {
        c.id: c
        for c in session.scalars(select(Community).where(Community.street_id.in_(list(streets))))
    }
    vehicles = {p.id: p for p in _places(session, j, VEHICLES.name)}
    by_code = {s.code: s.id for s in streets.values()}
    by_name = {s.name: s.id for s in streets.values()}
    vehicle_street: dict[int, int | None] = {}
    for v in vehicles.values():
        text = str(v.attributes.get("service_street") or "").strip()
        vehicle_street[v.id] = by_code.get(text) or by_name.get(text) if text else None
    return Facts(
        jurisdiction=j,
        tickets=tickets,
        inspections=inspections,
        estates=_places(session, j, ESTATES.name),
        points={p.id: p for p in _places(session, j, DROP_POINTS.name)},
        facilities={p.id: p for p in _places(session, j, FACILITIES.name, TRANSFER_STATIONS.name)},
        vehicles=vehicles,
        companies={p.code: p for p in _places(session, j, COMPANIES.name)},
        streets=streets,
        communities=communities,
        cases=cases,
        vehicle_street=vehicle_street,
    )


# -- keys: which object a row counts for ------------------------------------------------------


def community_key(facts: Facts, community_id: int | None) -> str | None:
    c = facts.communities.get(community_id) if community_id is not None else None
    if c is None:
        return None
    s = facts.streets.get(c.street_id)
    return f"{s.code if s else '?'}-{c.code}"


def street_key(facts: Facts, street_id: int | None) -> str | None:
    s = facts.streets.get(street_id) if street_id is not None else None
    return s.code if s is not None else None


def ticket_key(facts: Facts, level: Level, t: TicketRow) -> str | None:
    """The object of ``level`` a ticket's tonnage counts for (None: not attributed)."""
    if level in (Level.PLATFORM, Level.DISTRICT):
        return facts.jurisdiction.code
    if t.vehicle_id is None:
        return None
    if level is Level.COMPANY:
        v = facts.vehicles.get(t.vehicle_id)
        company = v.attributes.get("company") if v is not None else None
        return str(company) if company else None
    if level is Level.STREET:
        return street_key(facts, facts.vehicle_street.get(t.vehicle_id))
    return None


def place_key(facts: Facts, level: Level, p: Place, *, is_estate: bool = False) -> str | None:
    if level in (Level.PLATFORM, Level.DISTRICT):
        return facts.jurisdiction.code
    if level is Level.STREET:
        return street_key(facts, p.street_id)
    if level is Level.COMMUNITY:
        return community_key(facts, p.community_id)
    if level is Level.ESTATE:
        return p.code if is_estate else p.estate
    return None


def inspection_key(facts: Facts, level: Level, i: InspectionRow) -> str | None:
    point = facts.points.get(i.point_id)
    if point is None:
        return facts.jurisdiction.code if level in (Level.PLATFORM, Level.DISTRICT) else None
    return place_key(facts, level, point)


# -- quantities by object ---------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectRow:
    key: str
    name: str
    quantities: dict[str, float]


def objects(facts: Facts, level: Level) -> list[tuple[str, str]]:
    """(key, name) of every object of the level, in a stable order."""
    j = facts.jurisdiction
    if level in (Level.PLATFORM, Level.DISTRICT):
        return [(j.code, j.name)]
    if level is Level.STREET:
        return sorted((s.code, s.name) for s in facts.streets.values())
    if level is Level.COMMUNITY:
        out = []
        for c in facts.communities.values():
            s = facts.streets.get(c.street_id)
            out.append((f"{s.code if s else '?'}-{c.code}", f"{s.name if s else ''}{c.name}"))
        return sorted(out)
    if level is Level.ESTATE:
        return sorted((e.code, e.name) for e in facts.estates)
    return sorted((c.code, c.name) for c in facts.companies.values())


def _add_ticket(q: dict[str, float], t: TicketRow, facility: Place | None) -> None:
    tonnes = t.net_kg / 1000
    attrs = facility.attributes if facility is not None else {}
    if t.category == RECYCLABLE:
        q["recyclables_t"] += tonnes
    else:
        q["collected_t"] += tonnes
    if t.category == KITCHEN:
        q["kitchen_t"] += tonnes
    if t.category == OTHER:
        q["other_t"] += tonnes
    q["treated_converted_t"] += tonnes * float(attrs.get("conversion_coefficient") or 0)
    if attrs.get("harmless"):
        q["harmless_t"] += tonnes


def quantities_by(facts: Facts, level: Level) -> tuple[list[ObjectRow], float]:
    """Every object of ``level`` with its quantities, and the tonnes not attributed to any."""
    q: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    unattributed = 0.0
    if level in TONNAGE_LEVELS:
        for t in facts.tickets:
            key = ticket_key(facts, level, t)
            if key is None:
                unattributed += t.net_kg / 1000
                continue
            _add_ticket(q[key], t, facts.facilities.get(t.facility_id))
        for row in q.values():
            row["generated_t"] = row["collected_t"] + row["recyclables_t"]
            row["recycled_t"] = row["recyclables_t"]
    if level in AREA_LEVELS:
        for e in facts.estates:
            key = place_key(facts, level, e, is_estate=True)
            if key is None:
                continue
            row = q[key]
            row["estates"] += 1
            if e.attributes.get("sorting_started"):
                row["estates_sorting"] += 1
                if e.attributes.get("three_fixed"):
                    row["estates_compliant"] += 1
        for p in facts.points.values():
            key = place_key(facts, level, p)
            if key is None:
                continue
            q[key]["points"] += 1
            if p.attributes.get("hours") and p.attributes.get("supervisor"):
                q[key]["points_three_fixed"] += 1
        for i in facts.inspections:
            key = inspection_key(facts, level, i)
            if key is None:
                continue
            row = q[key]
            row["bins_checked"] += i.bins_checked
            row["bins_wrong"] += i.bins_wrong
            row["inspections"] += 1
            if i.failures:
                row["inspections_failed"] += 1
            for f in i.failures:
                if f.get("case_id"):
                    row["rectifications_due"] += 1
                    if facts.cases.get(f["case_id"], ("", False))[1]:
                        row["rectified_on_time"] += 1
    names = (TONNAGE_QUANTITIES if level in TONNAGE_LEVELS else ()) + (
        AREA_QUANTITIES if level in AREA_LEVELS else ()
    )
    rows = [
        ObjectRow(key, name, {n: 0.0 for n in names} | dict(q.get(key, {})))
        for key, name in objects(facts, level)
    ]
    return rows, unattributed


def object_name(facts: Facts, level: Level, key: str) -> str:
    """The object's name; 404 for a key that is not an object of the platform."""
    for k, name in objects(facts, level):
        if k == key:
            return name
    raise NotFound(f"no {level.value} {key!r}", field="key")


# -- assessment and 红黑榜 -----------------------------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    """Who may be ranked and how many go on each list (formulas.json ``ranking``)."""

    size: int = 3  # at most this many on each list
    min_inspections: int = 1  # an object with fewer inspections in the month is not ranked


@dataclass(frozen=True)
class AssessedRow:
    key: str
    name: str
    quantities: dict[str, float]
    scored: Scored
    eligible: bool
    rank: int | None = None


def assess_rows(
    rows: Iterable[ObjectRow], formulas: FormulaSet, ranking: Ranking
) -> tuple[list[AssessedRow], list[AssessedRow], list[AssessedRow]]:
    """Every object assessed and ranked (best first), the 红榜 and the 黑榜.

    An object is ranked when it has a total score and at least ``min_inspections``
    inspections; the lists follow the one rule of :mod:`evaluation.ranking` (a third of the
    ranked each, at most ``size``; never the same object on both)."""
    assessed = []
    for r in rows:
        scored = formulas.assess(r.quantities)
        eligible = (
            scored.total is not None
            and r.quantities.get("inspections", 0) >= ranking.min_inspections
        )
        assessed.append(AssessedRow(r.key, r.name, r.quantities, scored, eligible))
    ranked = sorted(
        (a for a in assessed if a.eligible),
        key=lambda a: (-(a.scored.total or Fraction(0)), a.key),
    )
    ranks = {a.key: n for n, a in enumerate(ranked, start=1)}
    out = [
        AssessedRow(a.key, a.name, a.quantities, a.scored, a.eligible, ranks.get(a.key))
        for a in assessed
    ]
    out.sort(key=lambda a: (a.rank is None, a.rank or 0, a.key))
    by_key = {a.key: a for a in out}
    red, black = red_and_black(
        [by_key[a.key] for a in ranked], lambda a: a.scored.total, ranking.size
    )
    return out, red, black


def month_period(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A local month (YYYY-MM) as [start, end) instants."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise InvalidInput(
            f"month {month!r} is not YYYY-MM", field="month", code="waste_month_invalid"
        ) from None
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return (
        datetime.combine(first, time(), tz),
        datetime.combine(nxt, time(), tz),
    )


# -- 分类日报 --------------------------------------------------------------------------------


def ledger(facts: Facts, tz: ZoneInfo) -> dict[str, Any]:
    """Tonnes by category, facility, street (the vehicle's service street) and local day."""
    by_category: dict[str, float] = defaultdict(float)
    by_facility: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_street: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    by_day: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    names = {s.code: s.name for s in facts.streets.values()}
    for t in facts.tickets:
        tonnes = t.net_kg / 1000
        by_category[t.category] += tonnes
        facility = facts.facilities.get(t.facility_id)
        by_facility[facility.name if facility else str(t.facility_id)][t.category] += tonnes
        key = ticket_key(facts, Level.STREET, t)
        by_street[names.get(key, UNATTRIBUTED) if key else UNATTRIBUTED][t.category] += tonnes
        by_day[t.weighed_at.astimezone(tz).date().isoformat()][t.category] += tonnes

    def rounded(table: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        return {k: {c: round(v, 3) for c, v in cats.items()} for k, cats in sorted(table.items())}

    return {
        "by_category": {c: round(by_category[c], 3) for c in CATEGORY_LABELS if c in by_category},
        "by_facility": rounded(by_facility),
        "by_street": rounded(by_street),
        "by_day": rounded(by_day),
        "total_t": round(sum(by_category.values()), 3),
    }


# -- drill-down ------------------------------------------------------------------------------


def ticket_sources(facts: Facts, level: Level, key: str) -> Iterator[dict[str, Any]]:
    """The tickets behind an object's tonnage figures, in time order."""
    if level not in TONNAGE_LEVELS:
        return
    for t in sorted(facts.tickets, key=lambda t: (t.weighed_at, t.id)):
        if ticket_key(facts, level, t) != key:
            continue
        facility = facts.facilities.get(t.facility_id)
        vehicle = facts.vehicles.get(t.vehicle_id) if t.vehicle_id else None
        yield {
            "id": t.id,
            "ticket_no": t.ticket_no,
            "weighed_at": t.weighed_at,
            "facility": facility.name if facility else "",
            "vehicle": vehicle.code if vehicle else None,
            "category": t.category,
            "net_t": t.net_kg / 1000,
        }


def inspection_sources(facts: Facts, level: Level, key: str) -> Iterator[dict[str, Any]]:
    """The inspections behind an object's inspection figures, in time order, with the case
    ids their failed items opened (the caller shows a case number only if it reads it)."""
    if level not in AREA_LEVELS:
        return
    for i in sorted(facts.inspections, key=lambda i: (i.inspected_at, i.id)):
        if inspection_key(facts, level, i) != key:
            continue
        point = facts.points.get(i.point_id)
        yield {
            "id": i.id,
            "inspected_at": i.inspected_at,
            "point_code": point.code if point else "",
            "point_name": point.name if point else "",
            "estate": point.estate if point else None,
            "bins_checked": i.bins_checked,
            "bins_wrong": i.bins_wrong,
            "failed": bool(i.failures),
            "case_ids": [f["case_id"] for f in i.failures if f.get("case_id")],
        }


def day_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local days [start, end] (inclusive) as instants."""
    if end < start:
        raise InvalidInput("the end comes before the start", field="end")
    return datetime.combine(start, time(), tz), datetime.combine(
        end + timedelta(days=1), time(), tz
    )
