"""Collection and transport rules that open cases (pure): 混装混运, missed collection, and weigh
tickets that do not match a trip.

Input is what ``fleet.tracks`` infers (stops, trips) with the registers' facts: the category
each vehicle carries, the categories each drop point has bins for and each facility accepts,
the days each point must be collected, and the weighbridge tickets. Each rule returns
:class:`Violation` rows; the service turns them into cases (one per rule, vehicle or point,
and day, so a rule firing at every stop of a round is one case, not forty).

- ``mixed_at_point``: a vehicle stopped at a drop point that has no bin of the vehicle's
  category (a kitchen-waste truck emptying residual-waste bins mixes them);
- ``mixed_at_facility``: a vehicle delivered to a facility that does not accept its category;
- ``missed_collection``: a point due on a day had no stop of a vehicle of a category it has
  bins for (each category it holds must be collected);
- ``ticket_without_trip``: a weigh ticket with no trip of that vehicle ending at that facility
  within ``tolerance_s`` of the ticket's time; ``trip_without_ticket``: the reverse.

Invariants (tested): a rule never fires on the clean generated month; each planted violation
is found exactly once (precision and recall 1).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum

import numpy as np

from urbangrid.fleet.tracks import Trips, Visits

BEIJING = timezone(timedelta(hours=8))


class WasteCategory(StrEnum):
    RECYCLABLE = "recyclable"  # 可回收物
    HAZARDOUS = "hazardous"  # 有害垃圾
    KITCHEN = "kitchen"  # 厨余垃圾 (湿垃圾)
    OTHER = "other"  # 其他垃圾 (干垃圾)
    BULKY = "bulky"  # 大件垃圾
    RENOVATION = "renovation"  # 装修垃圾

    @property
    def label_zh(self) -> str:
        return _LABELS[self]


_LABELS = {
    WasteCategory.RECYCLABLE: "可回收物",
    WasteCategory.HAZARDOUS: "有害垃圾",
    WasteCategory.KITCHEN: "厨余垃圾",
    WasteCategory.OTHER: "其他垃圾",
    WasteCategory.BULKY: "大件垃圾",
    WasteCategory.RENOVATION: "装修垃圾",
}


class Rule(StrEnum):
    MIXED_AT_POINT = "mixed_at_point"
    MIXED_AT_FACILITY = "mixed_at_facility"
    MISSED_COLLECTION = "missed_collection"
    TICKET_WITHOUT_TRIP = "ticket_without_trip"
    TRIP_WITHOUT_TICKET = "trip_without_ticket"


@dataclass(frozen=True)
class Site:
    """A drop point or a facility, by its index in the geofences."""

    kind: str  # point | facility | depot
    categories: frozenset[WasteCategory]  # bins at a point; accepted at a facility
    # Weekdays (Monday 0) on which a point's bins of a category must be collected; a category
    # not named here is collected every day.
    schedule: Mapping[WasteCategory, frozenset[int]] = field(default_factory=dict)

    def due(self, category: WasteCategory, day: date) -> bool:
        days = self.schedule.get(category)
        return days is None or day.weekday() in days


@dataclass(frozen=True)
class Ticket:
    """A weighbridge ticket (过磅单)."""

    id: str
    vehicle: int
    facility: int  # site index
    time: int  # epoch seconds
    net_kg: float
    category: WasteCategory


@dataclass(frozen=True)
class Violation:
    rule: Rule
    day: date  # local day
    site: int | None
    vehicle: int | None
    time: int | None  # epoch seconds of the stop / ticket that shows it
    ticket: str | None = None

    @property
    def key(self) -> tuple[Rule, date, int | None, int | None]:
        """What one case is about: rule, day, site and vehicle."""
        return (self.rule, self.day, self.site, self.vehicle)


def local_day(epoch_s: int, tz: timezone) -> date:
    return datetime.fromtimestamp(epoch_s, tz).date()


def mixed_collection(
    stops: Visits,
    sites: list[Site],
    vehicle_category: Mapping[int, WasteCategory],
    tz: timezone,
) -> list[Violation]:
    out: list[Violation] = []
    for i in range(len(stops)):
        site = sites[int(stops.site[i])]
        vehicle = int(stops.vehicle[i])
        category = vehicle_category.get(vehicle)
        if category is None or site.kind == "depot" or category in site.categories:
            continue
        rule = Rule.MIXED_AT_FACILITY if site.kind == "facility" else Rule.MIXED_AT_POINT
        t = int(stops.start[i])
        out.append(Violation(rule, local_day(t, tz), int(stops.site[i]), vehicle, t))
    return _one_per_key(out)


def missed_collection(
    stops: Visits,
    sites: list[Site],
    vehicle_category: Mapping[int, WasteCategory],
    days: Iterable[date],
    tz: timezone,
) -> list[Violation]:
    served: set[tuple[int, date, WasteCategory]] = set()
    for i in range(len(stops)):
        category = vehicle_category.get(int(stops.vehicle[i]))
        if category is not None:
            served.add((int(stops.site[i]), local_day(int(stops.start[i]), tz), category))
    out: list[Violation] = []
    for day in days:
        for index, site in enumerate(sites):
            if site.kind != "point":
                continue
            if any(
                site.due(c, day) and (index, day, c) not in served for c in sorted(site.categories)
            ):
                out.append(Violation(Rule.MISSED_COLLECTION, day, index, None, None))
    return out


def ticket_matching(
    stops: Visits,
    trips: Trips,
    tickets: Iterable[Ticket],
    tz: timezone,
    tolerance_s: int = 1800,
) -> list[Violation]:
    """Pair each delivery (a trip's closing stop) with a ticket of the same vehicle and
    facility within ``tolerance_s`` of the stay; one ticket pairs with one delivery."""
    deliveries: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for i in np.flatnonzero(trips.closing).tolist():
        key = (int(stops.vehicle[i]), int(stops.site[i]))
        deliveries[key].append((int(stops.start[i]), int(stops.end[i])))
    used: set[tuple[int, int, int]] = set()
    out: list[Violation] = []
    for ticket in sorted(tickets, key=lambda k: k.time):
        key = (ticket.vehicle, ticket.facility)
        match = None
        for start, end in deliveries.get(key, []):
            if (key[0], key[1], start) in used:
                continue
            if start - tolerance_s <= ticket.time <= end + tolerance_s:
                match = start
                break
        if match is None:
            out.append(
                Violation(
                    Rule.TICKET_WITHOUT_TRIP,
                    local_day(ticket.time, tz),
                    ticket.facility,
                    ticket.vehicle,
                    ticket.time,
                    ticket.id,
                )
            )
        else:
            used.add((key[0], key[1], match))
    for (vehicle, facility), stays in deliveries.items():
        for start, _end in stays:
            if (vehicle, facility, start) not in used:
                out.append(
                    Violation(
                        Rule.TRIP_WITHOUT_TICKET,
                        local_day(start, tz),
                        facility,
                        vehicle,
                        start,
                    )
                )
    return out


def _one_per_key(violations: list[Violation]) -> list[Violation]:
    """The first violation of each (rule, day, site, vehicle)."""
    seen: dict[tuple[Rule, date, int | None, int | None], Violation] = {}
    for v in sorted(violations, key=lambda v: v.time or 0):
        seen.setdefault(v.key, v)
    return list(seen.values())


def check_collection(
    stops: Visits,
    trips: Trips,
    sites: list[Site],
    vehicle_category: Mapping[int, WasteCategory],
    days: Iterable[date],
    tickets: Iterable[Ticket],
    tz: timezone = BEIJING,
) -> list[Violation]:
    """Every rule over a period's stops, trips and tickets."""
    return [
        *mixed_collection(stops, sites, vehicle_category, tz),
        *missed_collection(stops, sites, vehicle_category, days, tz),
        *ticket_matching(stops, trips, tickets, tz),
    ]


# The national matter (GB/T 47678.5) a case of each rule is filed under: 混装混运 breaks the
# sorting (06041 垃圾未分类); a missed collection leaves waste standing (06011 积存垃圾渣土);
# a ticket and a delivery that do not match hide where waste went (06041, the chain's
# sorting record). A city with local categories for these maps them here.
MATTER_OF_RULE: dict[Rule, str] = {
    Rule.MIXED_AT_POINT: "06041",
    Rule.MIXED_AT_FACILITY: "06041",
    Rule.MISSED_COLLECTION: "06011",
    Rule.TICKET_WITHOUT_TRIP: "06041",
    Rule.TRIP_WITHOUT_TICKET: "06041",
}
RULE_LABEL_ZH: dict[Rule, str] = {
    Rule.MIXED_AT_POINT: "混装混运（投放点）",
    Rule.MIXED_AT_FACILITY: "混装混运（处理设施）",
    Rule.MISSED_COLLECTION: "漏收",
    Rule.TICKET_WITHOUT_TRIP: "磅单无对应趟次",
    Rule.TRIP_WITHOUT_TICKET: "趟次无磅单",
}


def describe(
    v: Violation,
    *,
    site: str,
    vehicle: str | None,
    category: WasteCategory | None,
    tz: tzinfo,
) -> str:
    """The case description (Chinese): the rule, the vehicle, the point or facility, when."""
    when = datetime.fromtimestamp(v.time, tz).strftime("%Y-%m-%d %H:%M") if v.time else ""
    cat = category.label_zh if category else ""
    label = RULE_LABEL_ZH[v.rule]
    if v.rule is Rule.MIXED_AT_POINT:
        return f"{label}：{cat}收运车{vehicle}于{when}在投放点{site}停靠收运，该点无{cat}桶"
    if v.rule is Rule.MIXED_AT_FACILITY:
        return f"{label}：{cat}收运车{vehicle}于{when}将垃圾运至{site}，该设施不接收{cat}"
    if v.rule is Rule.MISSED_COLLECTION:
        return f"{label}：投放点{site}{v.day.isoformat()}应收运，当日无对应类别车辆停靠收运"
    if v.rule is Rule.TICKET_WITHOUT_TRIP:
        return f"{label}：{site}过磅单{v.ticket or ''}（车辆{vehicle}，{when}）无该车到站卸运记录"
    return f"{label}：{cat}收运车{vehicle}于{when}到{site}卸运，无对应过磅单"
