"""Weighbridge tickets (过磅单), the daily ledger (分类日报) and the quantities the indicator
formulas read, for a platform and a period (computed by ``waste.report``, which also
attributes them to streets, communities, estates and companies).

Tickets come from the facilities' weighbridges as CSV (``ticket_no,facility,vehicle,
category,time,gross_kg,tare_kg[,net_kg]``, facility and vehicle by their register codes);
a file is checked whole (every bad line listed, nothing stored) and a ticket number already
stored is refused with its line. The quantities are computed from what is stored:

- tonnage from the tickets of the period: 清运量 (``collected_t``) is every category but
  可回收物; ``kitchen_t`` 厨余垃圾, ``other_t`` 其他垃圾, ``recyclables_t`` 可回收物;
  ``treated_converted_t`` is Σ net × the facility's 折算系数; ``harmless_t`` the net at
  facilities marked 无害化. 产生量 (``generated_t``) is taken as 清运量 + 可回收物 and
  回收利用量 (``recycled_t``) as 可回收物 — the assumption of this ledger, written here;
- estates and drop points from the registers (as they stand now);
- bins, inspections and rectification from the inspections of the period and their cases
  (rectified on time: the case closed without its disposal going overdue).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.kit.errors import ImportRejected, InvalidInput
from urbangrid.org.models import Jurisdiction
from urbangrid.registers.models import RegisterRecord
from urbangrid.waste import report
from urbangrid.waste.models import WeighTicket
from urbangrid.waste.registers import (
    CATEGORY_LABELS,
    FACILITIES,
    TRANSFER_STATIONS,
    VEHICLES,
)

RECYCLABLE, KITCHEN, OTHER = "可回收物", "厨余垃圾", "其他垃圾"


def _codes(session: Session, j: Jurisdiction, *registers: str) -> dict[str, RegisterRecord]:
    return {
        r.code: r
        for r in session.scalars(
            select(RegisterRecord).where(
                RegisterRecord.jurisdiction_id == j.id,
                RegisterRecord.register.in_(registers),
                RegisterRecord.is_active.is_(True),
            )
        )
    }


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no zone (add +08:00)")
    return moment


def import_tickets(session: Session, j: Jurisdiction, data: bytes) -> dict[str, int]:
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    except UnicodeDecodeError:
        raise InvalidInput("the CSV is not UTF-8", field="file", code="file_not_utf8") from None
    if not rows:
        raise InvalidInput("the file holds no tickets", field="file", code="file_empty")
    facilities = _codes(session, j, FACILITIES.name, TRANSFER_STATIONS.name)
    vehicles = _codes(session, j, VEHICLES.name)
    stored = set(
        session.scalars(select(WeighTicket.ticket_no).where(WeighTicket.jurisdiction_id == j.id))
    )
    seen: dict[str, int] = {}
    errors: list[dict[str, Any]] = []
    tickets: list[WeighTicket] = []
    for n, raw in enumerate(rows, start=2):
        row = {str(k).strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        problems: list[str] = []
        codes: list[str] = []  # the precise refusals of the line (kit.errors.CODES)
        no = row.get("ticket_no", "")
        if not no or len(no) > 64:
            problems.append("ticket_no is required (at most 64 characters)")
        elif no in stored:
            problems.append(f"ticket {no} is already stored")
        elif no in seen:
            problems.append(f"ticket {no} repeats line {seen[no]}")
        seen.setdefault(no, n)
        facility = facilities.get(row.get("facility", ""))
        if facility is None:
            problems.append(f"no facility or transfer station {row.get('facility')!r}")
        vehicle = vehicles.get(row.get("vehicle", "")) if row.get("vehicle") else None
        if row.get("vehicle") and vehicle is None:
            problems.append(f"no vehicle {row.get('vehicle')!r}")
            codes.append("unknown_vehicle")
        category = row.get("category", "")
        if category not in CATEGORY_LABELS:
            problems.append(f"category {category!r} is not one of {'/'.join(CATEGORY_LABELS)}")
        try:
            at = _aware(row.get("time", ""))
        except ValueError as exc:
            problems.append(str(exc) if "zone" in str(exc) else "time is not ISO 8601")
            at = None
        try:
            gross, tare = float(row.get("gross_kg", "")), float(row.get("tare_kg", ""))
            net = float(row["net_kg"]) if row.get("net_kg") else gross - tare
            if not (0 <= tare <= gross) or abs(net - (gross - tare)) > 0.5:
                problems.append(f"weights do not add up (gross {gross}, tare {tare}, net {net})")
                codes.append("ticket_weights_inconsistent")
        except ValueError:
            problems.append("gross_kg and tare_kg must be numbers")
            gross = tare = net = 0.0
        if problems:
            errors.append({"line": n, "message": "; ".join(problems), "codes": codes})
            continue
        assert facility is not None and at is not None
        tickets.append(
            WeighTicket(
                jurisdiction_id=j.id,
                ticket_no=no,
                facility_id=facility.id,
                vehicle_id=vehicle.id if vehicle else None,
                category=category,
                weighed_at=at,
                gross_kg=gross,
                tare_kg=tare,
                net_kg=net,
            )
        )
    if errors:
        raise ImportRejected(f"{len(errors)} bad ticket line(s); nothing stored", errors)
    session.add_all(tickets)
    session.flush()
    return {"stored": len(tickets)}


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidInput("give times with a zone (e.g. …+08:00)", field="start")
        if self.end <= self.start:
            raise InvalidInput("the end comes before the start", field="end")


def daily_ledger(session: Session, j: Jurisdiction, period: Period) -> dict[str, Any]:
    """分类日报: tonnes by category, facility, street and local day in the period
    (``waste.report.ledger``)."""
    facts = report.load_facts(session, j, period.start, period.end)
    return report.ledger(facts, ZoneInfo(j.timezone or "Asia/Shanghai"))


def quantities(session: Session, j: Jurisdiction, period: Period) -> dict[str, float]:
    """The quantities of ``waste.indicators.QUANTITIES`` for the platform and period — the
    platform row of ``waste.report.quantities_by`` (one code path for every level)."""
    facts = report.load_facts(session, j, period.start, period.end)
    return report.quantities_by(facts, report.Level.PLATFORM)[0][0].quantities
