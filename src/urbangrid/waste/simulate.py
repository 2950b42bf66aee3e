"""A generated collection chain (收集 → 运输 → 处理) for a demo district, with planted violations.

Drop points on a jittered lattice at least 150 m apart, each with 厨余 and 其他 bins, some with
可回收物 (collected Monday and Thursday) and a few with 有害垃圾 (Wednesday); one facility per
category; vehicles of one category each. Every day each category's due points are shared
among its vehicles, served in rounds of up to ``round_size`` points (2–5 min a stop), each
round delivered to the facility of the category (10 min on the weighbridge, one ticket).
Positions every ``interval_s`` with ``noise_m`` of noise (``fleet.simulate``).

Planted, each recorded as the violation key the rules must report: a vehicle stopping at a
point with no bin of its category (``mixed_at_point``), a round delivered to a facility of
another category (``mixed_at_facility``), a due point left out of its round
(``missed_collection``), a ticket printed for a delivery that never happened
(``ticket_without_trip``) and a delivery with its ticket lost (``trip_without_ticket``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from urbangrid.fleet.simulate import Leg, drive
from urbangrid.waste.rules import BEIJING, Rule, Site, Ticket, WasteCategory

W = WasteCategory


@dataclass
class Chain:
    sites: list[Site]
    site_x: np.ndarray
    site_y: np.ndarray
    vehicle_category: dict[int, WasteCategory]
    days: list[date]
    vehicle: np.ndarray = field(repr=False)
    t: np.ndarray = field(repr=False)
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    tickets: list[Ticket]
    planted: set[tuple[Rule, date, int | None, int | None]]


def _lattice(rng: np.random.Generator, n: int, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    side = int(np.ceil(np.sqrt(n)))
    gx, gy = np.meshgrid(np.arange(side) * spacing, np.arange(side) * spacing)
    jitter = spacing * 0.15  # keeps neighbours ≥ 0.7 × spacing apart
    x = gx.ravel()[:n] + rng.uniform(-jitter, jitter, n)
    y = gy.ravel()[:n] + rng.uniform(-jitter, jitter, n)
    return x, y


def generate(
    *,
    points: int = 120,
    vehicles: dict[WasteCategory, int] | None = None,
    first_day: date = date(2026, 11, 2),
    days: int = 7,
    interval_s: int = 30,
    noise_m: float = 20.0,
    round_size: int = 30,
    plant: int = 2,
    seed: int = 5,
) -> Chain:
    """``plant`` violations of each kind over the period (0 for a clean chain)."""
    rng = np.random.default_rng(seed)
    fleet = vehicles or {W.KITCHEN: 2, W.OTHER: 2, W.RECYCLABLE: 1, W.HAZARDOUS: 1}
    px, py = _lattice(rng, points, 220.0)
    sites: list[Site] = []
    for _ in range(points):
        cats = {W.KITCHEN, W.OTHER}
        schedule: dict[WasteCategory, frozenset[int]] = {}
        if rng.random() < 0.4:
            cats.add(W.RECYCLABLE)
            schedule[W.RECYCLABLE] = frozenset({0, 3})
        if rng.random() < 0.15:
            cats.add(W.HAZARDOUS)
            schedule[W.HAZARDOUS] = frozenset({2})
        sites.append(Site("point", frozenset(cats), schedule))
    span = float(px.max()) + 220.0
    facility_of: dict[WasteCategory, int] = {}
    fx, fy = [], []
    for k, cat in enumerate((W.KITCHEN, W.OTHER, W.RECYCLABLE, W.HAZARDOUS)):
        facility_of[cat] = len(sites)
        sites.append(Site("facility", frozenset({cat})))
        fx.append(span + 800.0 + 600.0 * k)
        fy.append(-600.0 if k % 2 else span + 600.0)
    depot = len(sites)
    sites.append(Site("depot", frozenset()))
    site_x = np.r_[px, fx, -800.0]
    site_y = np.r_[py, fy, -800.0]

    vehicle_category: dict[int, WasteCategory] = {}
    for cat, count in fleet.items():
        for _ in range(count):
            vehicle_category[len(vehicle_category)] = cat
    day_list = [first_day + timedelta(days=d) for d in range(days)]

    # Which day / vehicle gets each planted violation.
    def pick_days(n: int) -> list[date]:  # distinct days: one plant of a rule per day
        if n > days:
            raise ValueError(f"plant {n} of each violation needs at least {n} days")
        return [day_list[int(i)] for i in rng.choice(days, n, replace=False)]

    plants = {rule: pick_days(plant) for rule in Rule}
    planted: set[tuple[Rule, date, int | None, int | None]] = set()

    vs, ts, xs, ys = [], [], [], []
    tickets: list[Ticket] = []
    for day in day_list:
        midnight = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
        start = int(midnight.timestamp()) + 6 * 3600
        for cat in fleet:
            vehicles_of = [v for v, c in vehicle_category.items() if c == cat]
            due = [
                i for i, s in enumerate(sites[:points]) if cat in s.categories and s.due(cat, day)
            ]
            rng.shuffle(due)
            shares = np.array_split(np.array(due, dtype=np.int64), len(vehicles_of))
            for vehicle, share in zip(vehicles_of, shares, strict=True):
                stops = [int(p) for p in share]
                if day in plants[Rule.MISSED_COLLECTION] and stops:
                    plants[Rule.MISSED_COLLECTION].remove(day)
                    missed = stops.pop()
                    planted.add((Rule.MISSED_COLLECTION, day, missed, None))
                if day in plants[Rule.MIXED_AT_POINT]:
                    wrong = [i for i in range(points) if cat not in sites[i].categories]
                    if wrong:
                        plants[Rule.MIXED_AT_POINT].remove(day)
                        bad = int(rng.choice(wrong))
                        stops.insert(int(rng.integers(0, len(stops) + 1)), bad)
                        planted.add((Rule.MIXED_AT_POINT, day, bad, vehicle))
                route = [Leg(depot, 60)]
                deliveries: list[int] = []
                for r in range(0, max(len(stops), 1), round_size):
                    chunk = stops[r : r + round_size]
                    if not chunk:
                        break
                    route += [Leg(p, int(rng.integers(120, 300))) for p in chunk]
                    facility = facility_of[cat]
                    if day in plants[Rule.MIXED_AT_FACILITY]:
                        plants[Rule.MIXED_AT_FACILITY].remove(day)
                        others = [f for c, f in facility_of.items() if c != cat]
                        facility = int(rng.choice(others))
                        planted.add((Rule.MIXED_AT_FACILITY, day, facility, vehicle))
                    route.append(Leg(facility, 600))
                    deliveries.append(len(route) - 1)
                route.append(Leg(depot, 60))
                track = drive(
                    site_x,
                    site_y,
                    route,
                    start_s=start,
                    interval_s=interval_s,
                    noise_m=noise_m,
                    rng=rng,
                )
                vs.append(np.full(track.t.size, vehicle, dtype=np.int64))
                ts.append(track.t)
                xs.append(track.x)
                ys.append(track.y)
                for leg_index in deliveries:
                    facility, arrive, leave = track.truth[leg_index]
                    if day in plants[Rule.TRIP_WITHOUT_TICKET]:
                        plants[Rule.TRIP_WITHOUT_TICKET].remove(day)
                        planted.add((Rule.TRIP_WITHOUT_TICKET, day, facility, vehicle))
                        continue
                    tickets.append(
                        Ticket(
                            id=f"T{len(tickets) + 1:06d}",
                            vehicle=vehicle,
                            facility=facility,
                            time=(arrive + leave) // 2,
                            net_kg=float(rng.uniform(2000, 8000)),
                            category=cat,
                        )
                    )
                if day in plants[Rule.TICKET_WITHOUT_TRIP]:
                    plants[Rule.TICKET_WITHOUT_TRIP].remove(day)
                    facility = facility_of[cat]
                    at = start + 23 * 3600 - 6 * 3600  # 23:00, when no truck is out
                    tickets.append(
                        Ticket(f"T{len(tickets) + 1:06d}", vehicle, facility, at, 3000.0, cat)
                    )
                    planted.add((Rule.TICKET_WITHOUT_TRIP, day, facility, vehicle))
                # the next vehicle leaves a little later
                start += int(rng.integers(0, 600))
    return Chain(
        sites=sites,
        site_x=site_x,
        site_y=site_y,
        vehicle_category=vehicle_category,
        days=day_list,
        vehicle=np.concatenate(vs),
        t=np.concatenate(ts),
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        tickets=tickets,
        planted=planted,
    )
