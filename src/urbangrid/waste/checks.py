"""The collection checks (收运监管): the rules of ``waste.rules`` over what is stored, each
violation opening one case on the case engine.

For the local days of a period: the stored fixes of the registered vehicles' terminals are
projected to metres, stops at the drop points and facilities inferred (``fleet.tracks``:
50 m geofence, dwell ≥ 60 s, gaps ≤ 120 s), trips closed at the facilities, and the rules run
with the registers' facts (each vehicle's category, each point's bins and 收运日, each
facility's accepted categories) and the stored weigh tickets. A day no vehicle reported on
is not judged (no data is not a missed collection); a day not yet over is not judged.

Each violation has a key (rule, day, site, vehicle); the key is stored with the case it
opened, so a second run, or a run over an overlapping period, opens nothing new.

What follows a new violation, here in one place: the case (source ``sensor`` 物联感知,
registered by the system; the rule's matter category; at the point, or at the facility
when it lies in the grids, else at the platform's stand-in point; the subject record whose
responsible unit is the dispatch suggestion — the vehicle's company for what a vehicle did,
the point's estate for a missed collection), the violation row, and an outbox message
``waste.violation`` (the case's own ``report`` event reaches the outbox by the case hook).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, cast
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.catalog.service import category_in
from urbangrid.fleet import tracks
from urbangrid.fleet.models import VehiclePosition
from urbangrid.geo.projection import LocalEqualArea
from urbangrid.intake import outbox
from urbangrid.intake.adapters import channel_principal, stand_in_point
from urbangrid.kit.errors import DomainError, InvalidInput
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Jurisdiction
from urbangrid.registers.models import RegisterRecord
from urbangrid.waste import rules
from urbangrid.waste.models import WasteViolation, WeighTicket
from urbangrid.waste.registers import (
    COMPANIES,
    DROP_POINTS,
    ESTATES,
    FACILITIES,
    TRANSFER_STATIONS,
    VEHICLES,
    WEEKDAYS,
)

GEOFENCE_M = 50.0
MIN_DWELL_S = 60
MAX_GAP_S = 120
MAX_DAYS = 62
# fixes this long before and after the period are read, for a stay across midnight
MARGIN = timedelta(hours=3)
CATEGORY_OF_LABEL = {c.label_zh: c for c in rules.WasteCategory}
SCHEDULE_FIELDS = {
    rules.WasteCategory.RECYCLABLE: "recyclable_days",
    rules.WasteCategory.HAZARDOUS: "hazardous_days",
}


@dataclass
class CheckResult:
    start: date
    end: date  # exclusive
    days_checked: int
    found: dict[str, int]  # per rule, violations in the period
    opened: dict[str, int]  # per rule, cases opened by this run
    case_ids: list[int]
    case_numbers: list[str] = field(default_factory=list)


def _records(session: Session, j: Jurisdiction, *registers: str) -> list[RegisterRecord]:
    return list(
        session.scalars(
            select(RegisterRecord)
            .where(
                RegisterRecord.jurisdiction_id == j.id,
                RegisterRecord.register.in_(registers),
                RegisterRecord.is_active.is_(True),
            )
            .order_by(RegisterRecord.id)
        )
    )


def _categories(labels: Any) -> frozenset[rules.WasteCategory]:
    return frozenset(CATEGORY_OF_LABEL[x] for x in (labels or []) if x in CATEGORY_OF_LABEL)


def _schedule(attrs: dict[str, Any]) -> dict[rules.WasteCategory, frozenset[int]]:
    out = {}
    for category, name in SCHEDULE_FIELDS.items():
        days = attrs.get(name) or []
        if days:
            out[category] = frozenset(WEEKDAYS.index(d) for d in days if d in WEEKDAYS)
    return out


def violation_key(v: rules.Violation, site_id: int | None, vehicle_id: int | None) -> str:
    return f"{v.rule.value}:{v.day.isoformat()}:{site_id or '-'}:{vehicle_id or '-'}"


def run_collection_checks(
    session: Session,
    jurisdiction: Jurisdiction,
    start: date,
    end: date,
    *,
    now: datetime | None = None,
) -> CheckResult:
    """Run the collection rules over the local days [start, end) and open a case for each
    violation not seen before. Returns the counts per rule."""
    if end <= start:
        raise InvalidInput(
            "the end comes before the start", field="end", code="check_period_invalid"
        )
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(
            f"check at most {MAX_DAYS} days at a time",
            field="end",
            code="check_period_too_long",
            params={"days": MAX_DAYS},
        )
    now = now or utcnow()
    zone = ZoneInfo(jurisdiction.timezone or "Asia/Shanghai")
    tz = cast(timezone, zone)  # the rules take any tzinfo
    today = now.astimezone(zone).date()
    last = min(end, today)  # a day not yet over is not judged
    result = CheckResult(start, end, 0, {r.value: 0 for r in rules.Rule}, {}, [])
    result.opened = dict(result.found)
    if last <= start:
        return result

    points = [p for p in _records(session, jurisdiction, DROP_POINTS.name) if p.lon is not None]
    plants = [
        f
        for f in _records(session, jurisdiction, FACILITIES.name, TRANSFER_STATIONS.name)
        if f.lon is not None
    ]
    vehicles = _records(session, jurisdiction, VEHICLES.name)
    site_records = points + plants
    sites = [
        rules.Site(
            "point",
            _categories((p.attributes or {}).get("bins")),
            _schedule(p.attributes or {}),
        )
        for p in points
    ]
    sites += [
        rules.Site("facility", _categories((f.attributes or {}).get("categories"))) for f in plants
    ]
    vehicle_index: dict[str, int] = {}
    vehicle_category: dict[int, rules.WasteCategory] = {}
    for i, v in enumerate(vehicles):
        attrs = v.attributes or {}
        category = CATEGORY_OF_LABEL.get(attrs.get("category") or "")
        if attrs.get("terminal") and category is not None:
            vehicle_index[str(attrs["terminal"])] = i
            vehicle_category[i] = category
    if not site_records or not vehicle_index:
        return result

    t0 = datetime(start.year, start.month, start.day, tzinfo=zone) - MARGIN
    t1 = datetime(last.year, last.month, last.day, tzinfo=zone) + MARGIN
    rows = session.execute(
        select(
            VehiclePosition.terminal, VehiclePosition.t, VehiclePosition.lon, VehiclePosition.lat
        ).where(
            VehiclePosition.jurisdiction_id == jurisdiction.id,
            VehiclePosition.terminal.in_(list(vehicle_index)),
            VehiclePosition.t >= t0,
            VehiclePosition.t < t1,
        )
    ).all()
    if not rows:
        return result
    lons = np.array([r.lon for r in site_records], dtype=np.float64)
    lats = np.array([r.lat for r in site_records], dtype=np.float64)
    projection = LocalEqualArea(float(lons.mean()), float(lats.mean()))
    sx, sy = projection.forward(lons, lats)
    fences = tracks.Geofences.of(sx, sy, GEOFENCE_M)
    terminal_col, time_col, lon_col, lat_col = zip(*rows, strict=True)
    vehicle = np.array([vehicle_index[x] for x in terminal_col], dtype=np.int64)
    t = np.array([int(_utc(x).timestamp()) for x in time_col], dtype=np.int64)
    fx, fy = projection.forward(
        np.array(lon_col, dtype=np.float64), np.array(lat_col, dtype=np.float64)
    )
    stops = tracks.stops(
        vehicle, t, fences.locate(fx, fy), min_dwell_s=MIN_DWELL_S, max_gap_s=MAX_GAP_S
    )
    trips = tracks.trips(stops, np.array([s.kind == "facility" for s in sites]))

    site_of_record = {r.id: i for i, r in enumerate(site_records)}
    vehicle_of_record = {v.id: i for i, v in enumerate(vehicles) if i in vehicle_category}
    tickets = [
        rules.Ticket(
            id=k.ticket_no,
            vehicle=vehicle_of_record[k.vehicle_id],
            facility=site_of_record[k.facility_id],
            time=int(_utc(k.weighed_at).timestamp()),
            net_kg=k.net_kg,
            category=CATEGORY_OF_LABEL.get(k.category, rules.WasteCategory.OTHER),
        )
        for k in session.scalars(
            select(WeighTicket).where(
                WeighTicket.jurisdiction_id == jurisdiction.id,
                WeighTicket.weighed_at >= t0,
                WeighTicket.weighed_at < t1,
            )
        )
        if k.vehicle_id in vehicle_of_record and k.facility_id in site_of_record
    ]
    # the days judged: in the period, over, and with at least one fix
    reported = {rules.local_day(int(x), tz) for x in np.unique(t // 3600 * 3600)}
    days = [
        start + timedelta(days=d)
        for d in range((last - start).days)
        if start + timedelta(days=d) in reported
    ]
    result.days_checked = len(days)
    wanted = set(days)
    found = [
        v
        for v in rules.check_collection(stops, trips, sites, vehicle_category, days, tickets, tz)
        if v.day in wanted
    ]
    by_key: dict[str, rules.Violation] = {}
    for v in sorted(found, key=lambda v: (v.time or 0, v.rule.value)):
        site_id = site_records[v.site].id if v.site is not None else None
        vehicle_id = vehicles[v.vehicle].id if v.vehicle is not None else None
        by_key.setdefault(violation_key(v, site_id, vehicle_id), v)
    counts = Counter(v.rule.value for v in by_key.values())
    result.found.update(counts)
    known = set(
        session.scalars(
            select(WasteViolation.key).where(
                WasteViolation.jurisdiction_id == jurisdiction.id,
                WasteViolation.day >= start,
                WasteViolation.day < end,
            )
        )
    )
    context = _Context(session, jurisdiction, zone, site_records, vehicles, vehicle_category, now)
    for key, v in by_key.items():
        if key in known:
            continue
        case = context.open_case(key, v)
        result.opened[v.rule.value] += 1
        result.case_ids.append(case.id)
        result.case_numbers.append(case.number)
    return result


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class _Context:
    session: Session
    jurisdiction: Jurisdiction
    zone: ZoneInfo
    sites: list[RegisterRecord]
    vehicles: list[RegisterRecord]
    vehicle_category: dict[int, rules.WasteCategory]
    now: datetime

    def _by_code(self, register: str, code: Any) -> RegisterRecord | None:
        if not code:
            return None
        return self.session.scalar(
            select(RegisterRecord).where(
                RegisterRecord.jurisdiction_id == self.jurisdiction.id,
                RegisterRecord.register == register,
                RegisterRecord.code == str(code),
                RegisterRecord.is_active.is_(True),
            )
        )

    def _place(self, site: RegisterRecord) -> tuple[float, float, str]:
        assert site.lon is not None and site.lat is not None
        try:
            cases.locate(self.session, self.jurisdiction, site.lon, site.lat)
            return site.lon, site.lat, site.name
        except DomainError:  # a facility outside the district's grids
            stand_in = stand_in_point(self.session, self.jurisdiction)
            if stand_in is None:
                raise
            return stand_in[0], stand_in[1], f"{site.name}（辖区外）"

    def open_case(self, key: str, v: rules.Violation) -> Case:
        session, j = self.session, self.jurisdiction
        site = self.sites[v.site] if v.site is not None else None
        vehicle = self.vehicles[v.vehicle] if v.vehicle is not None else None
        assert site is not None
        matter = rules.MATTER_OF_RULE[v.rule]
        category = category_in(session, j.id, "matter", matter)
        if category is None:
            raise InvalidInput(
                f"the catalogue of {j.name} has no matter {matter}",
                field="category",
                code="category_not_found",
                params={"code": matter},
            )
        if vehicle is not None:
            subject = self._by_code(COMPANIES.name, (vehicle.attributes or {}).get("company"))
        else:
            subject = self._by_code(ESTATES.name, (site.attributes or {}).get("estate"))
        lon, lat, address = self._place(site)
        text = rules.describe(
            v,
            site=f"{site.name}（{site.code}）",
            vehicle=f"{vehicle.name}（{vehicle.code}）" if vehicle is not None else None,
            category=self.vehicle_category.get(v.vehicle) if v.vehicle is not None else None,
            tz=self.zone,
        )
        case = cases.create_case(
            session,
            channel_principal(j, "waste_checks"),
            cases.NewCase(
                source="sensor",
                lon=lon,
                lat=lat,
                description=text,
                address=address,
                category_id=category.id,
                subject_record_id=subject.id if subject is not None else None,
                jurisdiction_id=j.id,
                comment="收运监管自动发现",
            ),
            now=self.now,
        )
        seen = datetime.fromtimestamp(v.time, UTC) if v.time is not None else None
        session.add(
            WasteViolation(
                jurisdiction_id=j.id,
                key=key,
                rule=v.rule.value,
                day=v.day,
                site_id=site.id,
                vehicle_id=vehicle.id if vehicle is not None else None,
                seen_at=seen,
                ticket_no=v.ticket,
                case_id=case.id,
                detected_at=self.now,
            )
        )
        session.flush()
        outbox.publish(
            session,
            "waste.violation",
            {
                "rule": v.rule.value,
                "day": v.day.isoformat(),
                "site": site.code,
                "vehicle": vehicle.code if vehicle is not None else None,
                "ticket_no": v.ticket,
                "case_number": case.number,
            },
            jurisdiction_id=j.id,
            case_id=case.id,
        )
        return case
