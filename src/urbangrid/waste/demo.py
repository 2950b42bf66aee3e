"""The demo district's month of household-waste collection (生活垃圾分类), generated here:
the registers, a month of fixes every 30 s, the weigh tickets, drop-point inspections (some
failing, opening cases) and planted violations that the collection checks turn into cases.

Seeded, so the same day gives the same month; the month ends yesterday (local), so the
checks and the track replay show recent days. Idempotent: a platform that has estates
already gets nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.service import principal_for
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Jurisdiction, User, UserRole
from urbangrid.org.roles import Role
from urbangrid.registers.models import RegisterRecord
from urbangrid.waste import checks, service, simulate
from urbangrid.waste.inspection import Checklist
from urbangrid.waste.month import store_chain
from urbangrid.waste.registers import ESTATES
from urbangrid.waste.rules import WasteCategory

W = WasteCategory
# 36 drop points (a 6 × 6 lattice, 220 m apart, inside the district's grids), six vehicles
DEMO_FLEET = {W.KITCHEN: 2, W.OTHER: 2, W.RECYCLABLE: 1, W.HAZARDOUS: 1}


def generate_demo_waste_month(
    session: Session,
    jurisdiction: Jurisdiction,
    centre: tuple[float, float],
    *,
    days: int = 30,
    points: int = 36,
    seed: int = 20261201,
    now: datetime | None = None,
) -> list[str]:
    existing = session.scalar(
        select(func.count()).where(
            RegisterRecord.jurisdiction_id == jurisdiction.id,
            RegisterRecord.register == ESTATES.name,
        )
    )
    if existing:
        return [f"{existing} estates already present: no demo waste month added"]
    now = now or utcnow()
    zone = ZoneInfo(jurisdiction.timezone or "Asia/Shanghai")
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days)
    chain = simulate.generate(
        points=points,
        vehicles=dict(DEMO_FLEET),
        first_day=first,
        days=days,
        interval_s=30,
        noise_m=25.0,  # the 95th percentile of the error: most fixes 10–30 m off
        plant=3,
        seed=seed,
    )
    month = store_chain(
        session,
        jurisdiction,
        chain,
        centre,
        estate_department="HW1",
        company_department="HW",
    )
    inspections, failed = _inspections(session, jurisdiction, month.point_codes, first, days, seed)
    result = checks.run_collection_checks(session, jurisdiction, first, today, now=now)
    opened = sum(result.opened.values())
    return [
        f"waste: {month.estates} estates, {len(month.point_codes)} drop points, "
        f"{len(month.vehicle_codes)} vehicles, {len(month.facility_codes)} facilities",
        f"waste: {month.fixes} vehicle fixes, {month.tickets} weigh tickets over {days} days",
        f"waste: {inspections} inspections ({failed} failing, with cases)",
        f"waste: the collection checks opened {opened} cases "
        f"({len(month.planted)} violations planted)",
    ]


def _inspections(
    session: Session,
    j: Jurisdiction,
    point_codes: list[str],
    first: date,
    days: int,
    seed: int,
) -> tuple[int, int]:
    """Two inspections a working day at random points, about one in four failing."""
    inspector = session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.jurisdiction_id == j.id, UserRole.role == Role.INSPECTOR.value)
        .order_by(User.id)
        .limit(1)
    )
    if inspector is None:
        return 0, 0
    principal = principal_for(inspector)
    rng = random.Random(seed)
    zone = ZoneInfo(j.timezone or "Asia/Shanghai")
    made = failed = 0
    for d in range(days):
        day = first + timedelta(days=d)
        if day.weekday() >= 5:
            continue
        for slot in (7, 19):  # during the drop-off hours
            at = datetime.combine(day, time(slot, rng.randrange(60)), zone)
            point = rng.choice(point_codes)
            bad = rng.random() < 0.25
            checked = {"厨余垃圾": 2, "其他垃圾": 2}
            checklist = Checklist(
                bins_checked=checked,
                bins_wrong={"厨余垃圾": rng.randint(1, 2)} if bad else {},
                overflow=bad and rng.random() < 0.3,
                supervisor_present=not (bad and rng.random() < 0.3),
            )
            service.record_inspection(session, principal, j, point, checklist, at=at)
            made += 1
            failed += bad
    return made, failed
