"""Drop-point inspections: record the checklist, open a case per failed item on the case
engine, and show how each case is getting on (整改).

What follows an inspection is here in one place: the inspection row, then one case per
failed item (source ``inspector``, the item's matter category, the estate as the case's
subject so the estate's responsible unit is the dispatch suggestion, the inspector's photos),
each case's id kept on the inspection. The case engine does the rest (受理 → 立案 → 派遣, time
limits from the filing condition, the usual notifications and outbox).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.cases.queries import case_scope
from urbangrid.catalog.service import category_in
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Jurisdiction
from urbangrid.registers import service as registers
from urbangrid.registers.models import RegisterRecord
from urbangrid.waste import inspection as checklist_rules
from urbangrid.waste.models import WasteInspection
from urbangrid.waste.registers import DROP_POINTS, ESTATES


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
        raise InvalidInput("; ".join(problems), field="checklist", problems=problems)
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
    session: Session, jurisdiction: Jurisdiction, point_code: str | None, limit: int = 50
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
