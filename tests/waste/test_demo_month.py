"""The demo database's month of waste collection: registers in the demo grids, fixes every
30 s, weigh tickets, inspections with cases, and the planted violations as cases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.cases.models import Case
from urbangrid.demo.loader import DEMO_CODE, load_demo
from urbangrid.fleet.models import VehiclePosition
from urbangrid.org.models import Jurisdiction
from urbangrid.registers.models import RegisterRecord
from urbangrid.waste import checks
from urbangrid.waste.models import WasteInspection, WasteViolation, WeighTicket
from urbangrid.waste.rules import Rule

NOW = datetime(2026, 12, 4, 4, tzinfo=UTC)


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_demo_has_a_month_of_the_chain_and_its_violation_cases(session: Session) -> None:
    load_demo(session, with_cases=False, with_waste=True)
    session.commit()
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_CODE))
    assert j is not None
    registers = Counter(
        session.scalars(
            select(RegisterRecord.register).where(RegisterRecord.jurisdiction_id == j.id)
        )
    )
    assert registers["waste.drop_points"] == 36 and registers["waste.vehicles"] == 6
    assert registers["waste.estates"] > 0 and registers["waste.facilities"] == 4
    assert registers["waste.companies"] == 2
    # every drop point and estate lies in a demo grid
    placed = session.scalars(
        select(RegisterRecord).where(
            RegisterRecord.register.in_(["waste.drop_points", "waste.estates"])
        )
    ).all()
    assert all(r.grid_id is not None for r in placed)
    # fixes every 30 s of each vehicle's rounds
    fixes = count(session, VehiclePosition)
    assert fixes > 20_000
    terminal = session.scalar(select(VehiclePosition.terminal).limit(1))
    times = session.scalars(
        select(VehiclePosition.t)
        .where(VehiclePosition.terminal == terminal)
        .order_by(VehiclePosition.t)
        .limit(50)
    ).all()
    steps = {int((b - a).total_seconds()) for a, b in pairwise(times)}
    assert 30 in steps
    assert count(session, WeighTicket) > 100
    # inspections, the failing ones with cases
    inspections = session.scalars(select(WasteInspection)).all()
    failing = [i for i in inspections if i.failures]
    assert inspections and failing and len(failing) < len(inspections)
    assert all(f["case_id"] for i in failing for f in i.failures)
    # each planted violation is a case, of every rule
    violations = session.scalars(select(WasteViolation)).all()
    assert {v.rule for v in violations} == {r.value for r in Rule}
    assert all(v.case_id for v in violations)
    sensor = session.scalar(select(func.count()).where(Case.source == "sensor"))
    assert sensor == len(violations) == 15
    # checking the month again opens nothing; loading the demo again adds nothing
    first = min(v.day for v in violations)
    again = checks.run_collection_checks(session, j, first, first + timedelta(days=31), now=NOW)
    assert sum(again.opened.values()) == 0
    before = (count(session, VehiclePosition), count(session, Case))
    report = load_demo(session, with_cases=False, with_waste=True)
    assert any("no demo waste month added" in line for line in report)
    assert (count(session, VehiclePosition), count(session, Case)) == before
