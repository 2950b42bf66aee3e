"""Drop-point inspections: record the checklist, open a case per failed item on the case
engine, and show how each case is getting on (整改).

What follows an inspection is here in one place: the inspection row, then one case per
failed item (source ``inspector``, the item's matter category, the estate as the case's
subject so the estate's responsible unit is the dispatch suggestion, the inspector's photos),
each case's id kept on the inspection. The case engine does the rest (受理 → 立案 → 派遣, time
limits from the filing condition, the usual notifications and outbox).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.cases.queries import case_scope
from urbangrid.catalog.service import category_in
from urbangrid.fleet import tracks
from urbangrid.fleet.models import VehiclePosition
from urbangrid.geo.projection import LocalEqualArea
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Community, Jurisdiction, Street
from urbangrid.registers import service as registers
from urbangrid.registers.models import RegisterRecord
from urbangrid.waste import inspection as checklist_rules
from urbangrid.waste import replay, rules
from urbangrid.waste.models import WasteInspection, WeighTicket
from urbangrid.waste.registers import (
    COMPANIES,
    DROP_POINTS,
    ESTATES,
    FACILITIES,
    TRANSFER_STATIONS,
    VEHICLES,
)
from urbangrid.waste.replay import PointStatus, point_status
from urbangrid.waste.rules import WasteCategory


def record_inspection(
    session: Session,
    principal: Principal,
    jurisdiction: Jurisdiction,
    point_code: str,
    checklist: checklist_rules.Checklist,
    *,
    note: str = "",
    photos: tuple[int, ...] = (),
    at: datetime | None = None,
) -> WasteInspection:
    at = at or utcnow()
    problems = checklist_rules.check(checklist)
    if problems:
        raise InvalidInput(
            "; ".join(problems),
            field="checklist",
            code="waste_checklist_invalid",
            problems=problems,
        )
    point = registers.get_record(session, jurisdiction, DROP_POINTS, point_code)
    if not point.is_active or point.lon is None or point.lat is None:
        raise InvalidInput(f"drop point {point_code} is retired or has no location", field="point")
    attrs = point.attributes or {}
    local = at.astimezone(ZoneInfo(jurisdiction.timezone or "Asia/Shanghai"))
    if not checklist_rules.during_hours(attrs.get("hours"), local.time()):
        # the supervisor is only expected during the drop-off hours
        checklist = checklist_rules.Checklist(**{**checklist.__dict__, "supervisor_present": None})
    estate = None
    if attrs.get("estate"):
        estate = session.scalar(
            select(RegisterRecord).where(
                RegisterRecord.jurisdiction_id == jurisdiction.id,
                RegisterRecord.register == ESTATES.name,
                RegisterRecord.code == attrs["estate"],
            )
        )
    row = WasteInspection(
        jurisdiction_id=jurisdiction.id,
        point_id=point.id,
        inspector_id=principal.user_id,
        inspected_at=at,
        checklist={
            "bins_checked": dict(checklist.bins_checked),
            "bins_wrong": dict(checklist.bins_wrong),
            "overflow": checklist.overflow,
            "signage_ok": checklist.signage_ok,
            "clean": checklist.clean,
            "supervisor_present": checklist.supervisor_present,
        },
        note=note,
        failures=[],
    )
    session.add(row)
    session.flush()
    # What follows: one case per failed item, on the case engine.
    failures = []
    for i, failure in enumerate(checklist_rules.failures(checklist)):
        category = category_in(session, jurisdiction.id, "matter", failure.matter_code)
        if category is None:
            raise InvalidInput(
                f"the catalogue of {jurisdiction.name} has no matter {failure.matter_code}",
                field="category",
            )
        case = cases.create_case(
            session,
            principal,
            cases.NewCase(
                source="inspector",
                lon=point.lon,
                lat=point.lat,
                description=f"{point.name}：{failure.text}" + (f"（{note}）" if note else ""),
                address=point.name,
                category_id=category.id,
                subject_record_id=estate.id if estate is not None else None,
                attachments=photos if i == 0 else (),
            ),
            now=at,
        )
        failures.append({**failure.__dict__, "case_id": case.id, "case_number": case.number})
    row.failures = failures
    session.flush()
    return row


def inspection_out(
    session: Session, principal: Principal, row: WasteInspection, point: RegisterRecord
) -> dict[str, Any]:
    """An inspection with the rectification status of each case the caller may read (a
    case it may not read shows without status)."""
    scope = case_scope(session, principal)
    items = []
    for f in row.failures or []:
        case = session.get(Case, f.get("case_id")) if f.get("case_id") else None
        readable = case is not None and scope.reads(case)
        items.append(
            {
                "item": f["item"],
                "matter_code": f["matter_code"],
                "text": f["text"],
                "case_id": case.id if readable else None,
                "case_number": case.number if readable else None,
                "case_status": case.status if readable else None,
                "rectified": (case.closed_at is not None) if readable else None,
            }
        )
    return {
        "id": row.id,
        "point_code": point.code,
        "point_name": point.name,
        "inspected_at": row.inspected_at,
        "checklist": row.checklist,
        "note": row.note,
        "passed": not items,
        "failures": items,
    }


def list_inspections(
    session: Session,
    jurisdiction: Jurisdiction,
    point_code: str | None,
    limit: int = 50,
    inspector_id: int | None = None,
) -> list[tuple[WasteInspection, RegisterRecord]]:
    stmt = (
        select(WasteInspection, RegisterRecord)
        .join(RegisterRecord, RegisterRecord.id == WasteInspection.point_id)
        .where(WasteInspection.jurisdiction_id == jurisdiction.id)
        .order_by(WasteInspection.inspected_at.desc(), WasteInspection.id.desc())
        .limit(limit)
    )
    if point_code:
        stmt = stmt.where(RegisterRecord.code == point_code)
    if inspector_id is not None:
        stmt = stmt.where(WasteInspection.inspector_id == inspector_id)
    return [(i, p) for i, p in session.execute(stmt)]


def get_inspection(
    session: Session, jurisdiction: Jurisdiction, inspection_id: int
) -> tuple[WasteInspection, RegisterRecord]:
    row = session.get(WasteInspection, inspection_id) if 0 < inspection_id < 2**63 else None
    if row is None or row.jurisdiction_id != jurisdiction.id:
        raise NotFound(f"no inspection {inspection_id}")
    point = session.get(RegisterRecord, row.point_id)
    assert point is not None
    return row, point


# ---------------------------------------------------------------- the map (投放点地图)

CASE_CHUNK = 5000


def _closed_cases(session: Session, principal: Principal, ids: set[int]) -> dict[int, bool]:
    """Whether each case the caller may read is closed; the others are left out."""
    scope = case_scope(session, principal)
    out: dict[int, bool] = {}
    ordered = sorted(ids)
    for i in range(0, len(ordered), CASE_CHUNK):
        chunk = ordered[i : i + CASE_CHUNK]
        rows = session.execute(
            select(Case.id, Case.closed_at).where(Case.id.in_(chunk), scope.condition())
        )
        out.update({cid: closed is not None for cid, closed in rows})
    return out


def points_status(
    session: Session,
    principal: Principal,
    jurisdiction: Jurisdiction,
    *,
    street_id: int | None = None,
    community_id: int | None = None,
    status: PointStatus | None = None,
    stale_days: int = 30,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Every active drop point of the platform with the status of its latest inspection:
    one query for the points and their latest inspections (a correlated lookup on the
    inspections' (point, time) index), one for the cases' progress (per 5,000), one for the
    estates and two for the street and community names."""
    now = now or utcnow()
    # The latest inspection of each point: a correlated lookup on the (point, time) index.
    latest = (
        select(WasteInspection.id)
        .where(WasteInspection.point_id == RegisterRecord.id)
        .order_by(WasteInspection.inspected_at.desc(), WasteInspection.id.desc())
        .limit(1)
        .correlate(RegisterRecord)
        .scalar_subquery()
    )
    stmt = (
        select(
            RegisterRecord.code,
            RegisterRecord.name,
            RegisterRecord.lon,
            RegisterRecord.lat,
            RegisterRecord.street_id,
            RegisterRecord.community_id,
            RegisterRecord.attributes,
            WasteInspection.id,
            WasteInspection.inspected_at,
            WasteInspection.failures,
        )
        .outerjoin(WasteInspection, WasteInspection.id == latest)
        .where(
            RegisterRecord.jurisdiction_id == jurisdiction.id,
            RegisterRecord.register == DROP_POINTS.name,
            RegisterRecord.is_active.is_(True),
            RegisterRecord.lon.is_not(None),
            RegisterRecord.lat.is_not(None),
        )
        .order_by(RegisterRecord.code)
    )
    if street_id is not None:
        stmt = stmt.where(RegisterRecord.street_id == street_id)
    if community_id is not None:
        stmt = stmt.where(RegisterRecord.community_id == community_id)
    rows = session.execute(stmt).all()
    case_ids = {
        int(f["case_id"]) for *_, failures in rows for f in failures or [] if f.get("case_id")
    }
    closed = _closed_cases(session, principal, case_ids)
    estates = dict(
        session.execute(
            select(RegisterRecord.code, RegisterRecord.name).where(
                RegisterRecord.jurisdiction_id == jurisdiction.id,
                RegisterRecord.register == ESTATES.name,
            )
        ).all()
    )
    streets = dict(
        session.execute(
            select(Street.id, Street.name).where(Street.id.in_({r[4] for r in rows if r[4]}))
        ).all()
    )
    communities = dict(
        session.execute(
            select(Community.id, Community.name).where(
                Community.id.in_({r[5] for r in rows if r[5]})
            )
        ).all()
    )
    counts = {s.value: 0 for s in PointStatus}
    points = []
    for code, name, lon, lat, street, community, attributes, inspection_id, at, failures in rows:
        items = failures or []
        states = [closed.get(int(f["case_id"])) if f.get("case_id") else None for f in items]
        state = point_status(at, bool(items), states, now, stale_days)
        counts[state.value] += 1
        if status is not None and state is not status:
            continue
        attrs = attributes or {}
        estate = attrs.get("estate")
        points.append(
            {
                "code": code,
                "name": name,
                "lon": lon,
                "lat": lat,
                "street_id": street,
                "street": streets.get(street) if street else None,
                "community_id": community,
                "community": communities.get(community) if community else None,
                "estate_code": estate,
                "estate_name": estates.get(estate) if estate else None,
                "hours": attrs.get("hours"),
                "supervisor": attrs.get("supervisor"),
                "bins": list(attrs.get("bins") or []),
                "status": state.value,
                "inspection_id": inspection_id,
                "inspected_at": at,
                "failures": len(items),
                "open_cases": sum(1 for s in states if s is not True),
            }
        )
    return {"as_of": now, "stale_days": stale_days, "counts": counts, "points": points}


# ---------------------------------------------------------------- a vehicle's day (轨迹回放)

# Geofence radius around drop points and facilities (GPS noise of 10–30 m), the shortest
# stay that is a stop and the longest gap inside one stay (fleet.tracks).
FENCE_M = 50.0
MIN_DWELL_S = 60
MAX_GAP_S = 120
MAX_REPLAY_FIXES = 1500
_CATEGORY_OF_LABEL = {c.label_zh: c for c in WasteCategory}
_SITE_REGISTERS = (
    (DROP_POINTS.name, "point"),
    (TRANSFER_STATIONS.name, "station"),
    (FACILITIES.name, "facility"),
)


def _labels(values: Any) -> frozenset[WasteCategory]:
    return frozenset(_CATEGORY_OF_LABEL[v] for v in values or [] if v in _CATEGORY_OF_LABEL)


def vehicle_day(
    session: Session, jurisdiction: Jurisdiction, code: str, day: date
) -> dict[str, Any]:
    """A vehicle's fixes of a local day (thinned), its stops at drop points and facilities,
    its trips and the rules it broke that day (混装混运 at its stops, the points of its
    category nobody collected, its tickets without a delivery and deliveries without one)."""
    vehicle = registers.get_record(session, jurisdiction, VEHICLES, code)
    attrs = vehicle.attributes or {}
    zone = ZoneInfo(jurisdiction.timezone or "Asia/Shanghai")
    start = datetime.combine(day, time(0), zone)
    end = start + timedelta(days=1)
    offset = start.utcoffset() or timedelta(0)
    tz = timezone(offset)
    company = None
    if attrs.get("company"):
        company = session.scalar(
            select(RegisterRecord.name).where(
                RegisterRecord.jurisdiction_id == jurisdiction.id,
                RegisterRecord.register == COMPANIES.name,
                RegisterRecord.code == attrs["company"],
            )
        )
    category = _CATEGORY_OF_LABEL.get(attrs.get("category") or "")
    terminal = attrs.get("terminal") or None
    out: dict[str, Any] = {
        "vehicle": {
            "code": vehicle.code,
            "name": vehicle.name,
            "company_code": attrs.get("company"),
            "company_name": company,
            "category": attrs.get("category"),
            "terminal": terminal,
        },
        "day": day,
        "timezone": str(zone),
        "fixes_total": 0,
        "fixes": [],
        "stops": [],
        "trips": [],
        "violations": [],
    }
    if not terminal:
        return out
    # The vehicles of the same category (for the points nobody of that category served).
    fellows: dict[str, int] = {terminal: 0}
    if category is not None:
        for rec in session.scalars(
            select(RegisterRecord).where(
                RegisterRecord.jurisdiction_id == jurisdiction.id,
                RegisterRecord.register == VEHICLES.name,
                RegisterRecord.is_active.is_(True),
            )
        ):
            a = rec.attributes or {}
            if a.get("category") == attrs.get("category") and a.get("terminal"):
                fellows.setdefault(str(a["terminal"]), len(fellows))
    fixes = session.execute(
        select(
            VehiclePosition.terminal,
            VehiclePosition.t,
            VehiclePosition.lon,
            VehiclePosition.lat,
            VehiclePosition.speed_kmh,
        )
        .where(
            VehiclePosition.jurisdiction_id == jurisdiction.id,
            VehiclePosition.terminal.in_(sorted(fellows)),
            VehiclePosition.t >= start,
            VehiclePosition.t < end,
        )
        .order_by(VehiclePosition.terminal, VehiclePosition.t)
    ).all()
    sites = (
        session.execute(
            select(RegisterRecord).where(
                RegisterRecord.jurisdiction_id == jurisdiction.id,
                RegisterRecord.register.in_([name for name, _ in _SITE_REGISTERS]),
                RegisterRecord.is_active.is_(True),
                RegisterRecord.lon.is_not(None),
                RegisterRecord.lat.is_not(None),
            )
        )
        .scalars()
        .all()
    )
    kind_of = dict(_SITE_REGISTERS)
    site_kind = [kind_of[s.register] for s in sites]
    rule_sites = [
        rules.Site(
            "point" if k == "point" else "facility",
            _labels((s.attributes or {}).get("bins" if k == "point" else "categories")),
        )
        for s, k in zip(sites, site_kind, strict=True)
    ]
    n_all = len(fixes)
    if n_all == 0:
        return out
    # (Row.t is the row as a tuple: read the columns by position.)
    who = np.array([fellows[f[0]] for f in fixes], dtype=np.int64)
    t = np.array([int(f[1].timestamp()) for f in fixes], dtype=np.int64)
    lon = np.array([f[2] for f in fixes], dtype=np.float64)
    lat = np.array([f[3] for f in fixes], dtype=np.float64)
    proj = LocalEqualArea(float(lon.mean()), float(lat.mean()))
    fx, fy = proj.forward(lon, lat)
    if sites:
        sx, sy = proj.forward([s.lon for s in sites], [s.lat for s in sites])
        fences = tracks.Geofences.of(sx, sy, FENCE_M)
        where = fences.locate(fx, fy)
    else:
        where = np.full(n_all, tracks.OUTSIDE, dtype=np.int64)
    visits = tracks.stops(who, t, where, min_dwell_s=MIN_DWELL_S, max_gap_s=MAX_GAP_S)
    closes = np.array([k != "point" for k in site_kind], dtype=bool)
    grouped = tracks.trips(visits, closes)
    mine = np.flatnonzero(visits.vehicle == 0)
    own = np.flatnonzero(who == 0)
    # the vehicle's own fixes, thinned, keeping each stop's first and last fix
    t_own = t[own]
    forced = np.concatenate(
        [
            np.searchsorted(t_own, visits.start[mine]),
            np.searchsorted(t_own, visits.end[mine]),
        ]
    )
    keep = replay.thin(len(own), forced, MAX_REPLAY_FIXES)

    def moment(epoch: int) -> datetime:
        return datetime.fromtimestamp(epoch, UTC)

    out["fixes_total"] = len(own)
    out["fixes"] = [
        {
            "t": moment(int(t[own[i]])),
            "lon": float(lon[own[i]]),
            "lat": float(lat[own[i]]),
            "speed_kmh": float(fixes[own[i]][4]),
        }
        for i in keep.tolist()
    ]
    trip_numbers: dict[int, int] = {}
    for seq, i in enumerate(mine.tolist(), 1):
        s = sites[int(visits.site[i])]
        trip = int(grouped.trip[i])
        number = trip_numbers.setdefault(trip, len(trip_numbers) + 1) if trip >= 0 else None
        out["stops"].append(
            {
                "seq": seq,
                "site_code": s.code,
                "site_name": s.name,
                "site_kind": site_kind[int(visits.site[i])],
                "lon": s.lon,
                "lat": s.lat,
                "arrival": moment(int(visits.start[i])),
                "departure": moment(int(visits.end[i])),
                "dwell_s": int(visits.dwell[i]),
                "trip": number,
                "delivery": bool(grouped.closing[i]),
            }
        )
    for stop in out["stops"]:
        if stop["delivery"] and stop["trip"] is not None:
            on_trip = [x for x in out["stops"] if x["trip"] == stop["trip"]]
            out["trips"].append(
                {
                    "seq": stop["trip"],
                    "start": on_trip[0]["arrival"],
                    "end": stop["departure"],
                    "points": sum(1 for x in on_trip if x["site_kind"] == "point"),
                    "facility_code": stop["site_code"],
                    "facility_name": stop["site_name"],
                }
            )
    # The rules of that day.
    found: list[rules.Violation] = []
    if category is not None:
        categories = {v: category for v in fellows.values()}
        found += [
            v for v in rules.mixed_collection(visits, rule_sites, categories, tz) if v.vehicle == 0
        ]
        # points of the vehicle's category that no vehicle of the category served
        of_category = [
            rules.Site(r.kind, r.categories & {category}, r.schedule) for r in rule_sites
        ]
        found += rules.missed_collection(visits, of_category, categories, [day], tz)
    site_index = {s.id: i for i, s in enumerate(sites)}
    tickets = [
        rules.Ticket(
            w.ticket_no,
            0,
            site_index[w.facility_id],
            int(w.weighed_at.timestamp()),
            w.net_kg,
            _CATEGORY_OF_LABEL.get(w.category, WasteCategory.OTHER),
        )
        for w in session.scalars(
            select(WeighTicket).where(
                WeighTicket.jurisdiction_id == jurisdiction.id,
                WeighTicket.vehicle_id == vehicle.id,
                WeighTicket.weighed_at >= start,
                WeighTicket.weighed_at < end,
            )
        )
        if w.facility_id in site_index
    ]
    own_visits = tracks.Visits(*(a[mine] for a in _visit_arrays(visits)))
    own_trips = tracks.Trips(grouped.trip[mine], grouped.closing[mine])
    found += rules.ticket_matching(own_visits, own_trips, tickets, tz)
    for v in sorted(found, key=lambda v: (v.time or 0, v.rule.value, v.site or -1)):
        s = sites[v.site] if v.site is not None else None
        out["violations"].append(
            {
                "rule": v.rule.value,
                "time": moment(v.time) if v.time is not None else None,
                "site_code": s.code if s else None,
                "site_name": s.name if s else None,
                "ticket": v.ticket,
            }
        )
    return out


def _visit_arrays(v: tracks.Visits) -> tuple[Any, ...]:
    return (v.vehicle, v.site, v.start, v.end, v.fixes)
