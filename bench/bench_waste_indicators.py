"""垃圾分类 indicators for a year of a district: the product vs DuckDB on the same rows.

    uv run python bench/bench_waste_indicators.py [--quick] [--days 365] [--keep]

1. Generates a district into a fresh SQLite database (migrated): ``--streets`` streets of
   four communities, estates on them (three drop points each), collection companies,
   vehicles (one category and one service street each), four facilities; then, for
   ``--days`` days, two weigh tickets per vehicle a day and one inspection per drop point a
   week (bins checked and wrongly filled per category; a failed one opens a case, closed
   on time, closed late or still open).
2. The product: ``waste.report.load_facts`` (reads the rows back) and ``quantities_by``
   for the streets and the estates, then every formula of ``formulas.json`` per object —
   what ``GET /api/v1/waste/indicators?level=street|estate`` does.
3. DuckDB: the same rows (read from the same SQLite database; inspections' checklists and
   failures flattened to columns and a link table) loaded into DuckDB as Arrow tables, then
   the quantities and the ratios computed in SQL with the attribution rules of
   ``waste.report`` (a ticket counts for its vehicle's service street; an inspection for
   its drop point's estate and street).
4. Checks that both give the same numbers (every quantity, and 厨余分出率, 资源化利用率,
   投放准确率, 问题发现率, 按期整改率, 分类体系达标率 per object) and prints seconds and the
   ratio. DuckDB's time excludes loading; the product's includes reading from SQLite (its
   real path), so the ratio flatters DuckDB.

``--quick`` (the test command runs it): 3 streets, 30 days.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from sqlalchemy import insert, select

from urbangrid.cases.models import Case
from urbangrid.db import make_engine, session_scope
from urbangrid.migrations.runner import upgrade
from urbangrid.org.models import Community, Jurisdiction, Street, User
from urbangrid.registers.models import RegisterRecord
from urbangrid.waste import indicators, report
from urbangrid.waste.models import WasteInspection, WeighTicket

CATEGORIES = ("厨余垃圾", "其他垃圾", "可回收物", "有害垃圾")
FACILITIES = (  # code, category, conversion coefficient, harmless
    ("F1", "其他垃圾", 0.3, True),
    ("F2", "厨余垃圾", 0.5, True),
    ("F3", "可回收物", 0.0, False),
    ("F4", "有害垃圾", 0.0, True),
)
ESTATES_PER_STREET = 40
POINTS_PER_ESTATE = 3
VEHICLES_PER_STREET = 6


def generate(url: str, streets: int, days: int, seed: int = 17) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    engine = make_engine(url)
    upgrade(engine)
    counts: dict[str, int] = {}
    with session_scope(engine) as s:
        j = Jurisdiction(code="330100", name="基准区", timezone="Asia/Shanghai")
        s.add(j)
        s.flush()
        user = User(username="bench_inspector", display_name="监督员", password_hash="x")
        s.add(user)
        s.flush()
        street_ids, community_ids = [], []
        for n in range(streets):
            st = Street(jurisdiction_id=j.id, code=f"{n + 1:03d}", name=f"第{n + 1}街道")
            s.add(st)
            s.flush()
            street_ids.append(st.id)
            for m in range(4):
                c = Community(street_id=st.id, code=f"{m + 1:03d}", name=f"第{m + 1}社区")
                s.add(c)
                s.flush()
                community_ids.append((st.id, c.id))
        records: list[dict[str, Any]] = []

        def record(register: str, code: str, attrs: dict[str, Any], **where: Any) -> None:
            records.append(
                {
                    "jurisdiction_id": j.id,
                    "register": register,
                    "code": code,
                    "name": code,
                    "attributes": attrs,
                    "is_active": True,
                    **where,
                }
            )

        for code, category, coef, harmless in FACILITIES:
            attrs = {"categories": [category], "conversion_coefficient": coef, "harmless": harmless}
            record("waste.facilities", code, {"type": "其他", **attrs})
        for n in range(max(2, streets // 2)):
            record("waste.companies", f"C{n}", {})
        n_companies = max(2, streets // 2)
        vehicle_codes = []
        for n in range(len(street_ids)):
            for k in range(VEHICLES_PER_STREET):
                code = f"V{n}-{k}"
                vehicle_codes.append(code)
                street = f"{n + 1:03d}" if k else ""  # one vehicle a street has none
                attrs = {
                    "company": f"C{(n + k) % n_companies}",
                    "category": CATEGORIES[k % 4],
                    "service_street": street,
                }
                record("waste.vehicles", code, attrs)
        point_codes = []
        for n, (sid, cid) in enumerate(
            sc for sc in community_ids for _ in range(ESTATES_PER_STREET // 4)
        ):
            estate = f"E{n}"
            record(
                "waste.estates",
                estate,
                {
                    "sorting_started": bool(rng.random() < 0.85),
                    "three_fixed": bool(rng.random() < 0.6),
                },
                street_id=sid,
                community_id=cid,
            )
            for k in range(POINTS_PER_ESTATE):
                code = f"P{n}-{k}"
                point_codes.append(code)
                attrs = {"estate": estate, "bins": ["厨余垃圾", "其他垃圾"], "hours": "06:00-08:00"}
                if rng.random() < 0.7:
                    attrs["supervisor"] = "督导员"
                record("waste.drop_points", code, attrs, street_id=sid, community_id=cid)
        s.execute(insert(RegisterRecord), records)
        ids = dict(
            s.execute(
                select(RegisterRecord.code, RegisterRecord.id).where(
                    RegisterRecord.jurisdiction_id == j.id
                )
            ).all()
        )
        start = datetime(2025, 1, 1, tzinfo=UTC) - timedelta(hours=8)
        tickets = []
        facility_of = {c: code for code, c, _, _ in FACILITIES}
        for d in range(days):
            day = start + timedelta(days=d)
            for code in vehicle_codes:
                category = CATEGORIES[int(code.rsplit("-", 1)[1]) % 4]
                for trip in range(2):
                    net = float(rng.integers(800, 9000))
                    tare = 9000.0
                    tickets.append(
                        {
                            "jurisdiction_id": j.id,
                            "ticket_no": f"{code}-{d}-{trip}",
                            "facility_id": ids[facility_of[category]],
                            "vehicle_id": ids[code] if rng.random() > 0.02 else None,
                            "category": category,
                            "weighed_at": day + timedelta(hours=7 + trip * 6),
                            "gross_kg": tare + net,
                            "tare_kg": tare,
                            "net_kg": net,
                        }
                    )
        for chunk in range(0, len(tickets), 20000):
            s.execute(insert(WeighTicket), tickets[chunk : chunk + 20000])
        counts["tickets"] = len(tickets)
        # inspections: each point once a week; a failed one opens a case
        inspections, cases = [], []
        case_no = 0
        for week in range(math.ceil(days / 7)):
            for n, code in enumerate(point_codes):
                at = start + timedelta(days=week * 7 + n % 7, hours=9)
                if at >= start + timedelta(days=days):
                    continue
                checked = {"厨余垃圾": int(rng.integers(1, 6)), "其他垃圾": int(rng.integers(1, 6))}
                wrong = {
                    k: int(rng.integers(0, v + 1)) if rng.random() < 0.3 else 0
                    for k, v in checked.items()
                }
                failures = []
                if any(wrong.values()) or rng.random() < 0.05:
                    case_no += 1
                    fate = rng.random()
                    cases.append(
                        {
                            "jurisdiction_id": j.id,
                            "number": f"B{case_no:08d}",
                            "year": 2025,
                            "source": "inspector",
                            "lon": 120.0,
                            "lat": 30.0,
                            "status": "closed" if fate < 0.8 else "dispatched",
                            "reported_at": at,
                            "closed_at": at + timedelta(days=2) if fate < 0.8 else None,
                            "handled_overdue": bool(fate < 0.15),
                        }
                    )
                    failures.append(
                        {
                            "item": "wrong_bins",
                            "matter_code": "06041",
                            "text": "",
                            "case_no": case_no,
                        }
                    )
                inspections.append(
                    {
                        "jurisdiction_id": j.id,
                        "point_id": ids[code],
                        "inspector_id": user.id,
                        "inspected_at": at,
                        "checklist": {"bins_checked": checked, "bins_wrong": wrong},
                        "failures": failures,
                        "note": "",
                    }
                )
        for chunk in range(0, len(cases), 20000):
            s.execute(insert(Case), cases[chunk : chunk + 20000])
        case_ids = dict(s.execute(select(Case.number, Case.id)).all())
        for i in inspections:
            for f in i["failures"]:
                f["case_id"] = case_ids[f"B{f.pop('case_no'):08d}"]
        for chunk in range(0, len(inspections), 20000):
            s.execute(insert(WasteInspection), inspections[chunk : chunk + 20000])
        counts |= {"inspections": len(inspections), "cases": len(cases)}
        counts |= {"points": len(point_codes), "vehicles": len(vehicle_codes)}
        counts["jurisdiction_id"] = j.id
        counts["days"] = days
    engine.dispose()
    return counts


def product(url: str, jurisdiction_id: int, days: int) -> tuple[float, dict[str, dict[str, Any]]]:
    engine = make_engine(url)
    formulas = indicators.default_formulas()
    start = datetime(2025, 1, 1, tzinfo=UTC) - timedelta(hours=8)
    out: dict[str, dict[str, Any]] = {}
    with session_scope(engine) as s:
        j = s.get(Jurisdiction, jurisdiction_id)
        assert j is not None
        t0 = time.perf_counter()
        facts = report.load_facts(s, j, start, start + timedelta(days=days))
        for level in (report.Level.STREET, report.Level.ESTATE):
            rows, _ = report.quantities_by(facts, level)
            for r in rows:
                values = formulas.values(r.quantities)
                out[f"{level.value}:{r.key}"] = {**r.quantities, **values}
        seconds = time.perf_counter() - t0
    engine.dispose()
    return seconds, out


STREET_SQL = """
with tq as (
  select s.code as key,
    sum(case when t.category <> '可回收物' then t.net_kg end) / 1000 as collected_t,
    sum(case when t.category = '可回收物' then t.net_kg end) / 1000 as recyclables_t,
    sum(case when t.category = '厨余垃圾' then t.net_kg end) / 1000 as kitchen_t,
    sum(t.net_kg * f.coef) / 1000 as treated_converted_t
  from tickets t join vehicles v on v.id = t.vehicle_id
  join streets s on s.code = v.service_street
  join facilities f on f.id = t.facility_id
  group by s.code
), iq as (
  select s.code as key, count(*) as inspections, sum(i.failed) as inspections_failed,
    sum(i.bins_checked) as bins_checked, sum(i.bins_wrong) as bins_wrong
  from inspections i join points p on p.id = i.point_id join streets s on s.id = p.street_id
  group by s.code
), cq as (
  select s.code as key, count(*) as rectifications_due,
    sum(case when c.closed and not c.overdue then 1 else 0 end) as rectified_on_time
  from inspection_cases ic join inspections i on i.id = ic.inspection_id
  join points p on p.id = i.point_id join streets s on s.id = p.street_id
  join cases c on c.id = ic.case_id
  group by s.code
), eq as (
  select s.code as key, count(*) as estates,
    sum(case when e.sorting and e.three_fixed then 1 else 0 end) as estates_compliant
  from estates e join streets s on s.id = e.street_id group by s.code
)
select s.code as key, tq.collected_t, tq.recyclables_t, tq.kitchen_t, tq.treated_converted_t,
  iq.inspections, iq.inspections_failed, iq.bins_checked, iq.bins_wrong,
  cq.rectifications_due, cq.rectified_on_time, eq.estates, eq.estates_compliant
from streets s left join tq on tq.key = s.code left join iq on iq.key = s.code
left join cq on cq.key = s.code left join eq on eq.key = s.code
"""

ESTATE_SQL = """
with iq as (
  select p.estate as key, count(*) as inspections, sum(i.failed) as inspections_failed,
    sum(i.bins_checked) as bins_checked, sum(i.bins_wrong) as bins_wrong
  from inspections i join points p on p.id = i.point_id group by p.estate
), cq as (
  select p.estate as key, count(*) as rectifications_due,
    sum(case when c.closed and not c.overdue then 1 else 0 end) as rectified_on_time
  from inspection_cases ic join inspections i on i.id = ic.inspection_id
  join points p on p.id = i.point_id join cases c on c.id = ic.case_id group by p.estate
)
select e.code as key, null as collected_t, null as recyclables_t, null as kitchen_t,
  null as treated_converted_t, iq.inspections, iq.inspections_failed, iq.bins_checked,
  iq.bins_wrong, cq.rectifications_due, cq.rectified_on_time, 1 as estates,
  case when e.sorting and e.three_fixed then 1 else 0 end as estates_compliant
from estates e left join iq on iq.key = e.code left join cq on cq.key = e.code
"""

RATIOS = """
select *,
  100.0 * kitchen_t / nullif(collected_t, 0) as kitchen_separation,
  100.0 * (recyclables_t + treated_converted_t) / nullif(recyclables_t + collected_t, 0)
    as resource_rate,
  100.0 * (bins_checked - bins_wrong) / nullif(bins_checked, 0) as drop_accuracy,
  100.0 * inspections_failed / nullif(inspections, 0) as problem_rate,
  100.0 * rectified_on_time / nullif(rectifications_due, 0) as rectified_on_time_rate,
  100.0 * estates_compliant / nullif(estates, 0) as system_compliance
from ({q})
"""


def arrow_tables(url: str, jurisdiction_id: int) -> dict[str, pa.Table]:
    """The same rows, read from the SQLite database, as Arrow tables for DuckDB."""
    engine = make_engine(url)
    with session_scope(engine) as s:
        tickets = s.execute(
            select(
                WeighTicket.facility_id,
                WeighTicket.vehicle_id,
                WeighTicket.category,
                WeighTicket.net_kg,
            )
        ).all()
        recs = s.execute(
            select(
                RegisterRecord.id,
                RegisterRecord.register,
                RegisterRecord.code,
                RegisterRecord.street_id,
                RegisterRecord.attributes,
            ).where(RegisterRecord.jurisdiction_id == jurisdiction_id)
        ).all()
        insp = s.execute(
            select(
                WasteInspection.id,
                WasteInspection.point_id,
                WasteInspection.checklist,
                WasteInspection.failures,
            )
        ).all()
        cases = s.execute(select(Case.id, Case.closed_at, Case.handled_overdue)).all()
        streets = s.execute(select(Street.id, Street.code)).all()
    engine.dispose()

    def table(**cols: list[Any]) -> pa.Table:
        return pa.table(cols)

    by = {reg: [r for r in recs if r.register == reg] for reg in {r.register for r in recs}}
    return {
        "tickets": table(
            facility_id=[t[0] for t in tickets],
            vehicle_id=[t[1] for t in tickets],
            category=[t[2] for t in tickets],
            net_kg=[t[3] for t in tickets],
        ),
        "vehicles": table(
            id=[r.id for r in by["waste.vehicles"]],
            service_street=[
                r.attributes.get("service_street") or None for r in by["waste.vehicles"]
            ],
        ),
        "facilities": table(
            id=[r.id for r in by["waste.facilities"]],
            coef=[
                float(r.attributes.get("conversion_coefficient") or 0)
                for r in by["waste.facilities"]
            ],
        ),
        "estates": table(
            code=[r.code for r in by["waste.estates"]],
            street_id=[r.street_id for r in by["waste.estates"]],
            sorting=[bool(r.attributes.get("sorting_started")) for r in by["waste.estates"]],
            three_fixed=[bool(r.attributes.get("three_fixed")) for r in by["waste.estates"]],
        ),
        "points": table(
            id=[r.id for r in by["waste.drop_points"]],
            estate=[r.attributes.get("estate") for r in by["waste.drop_points"]],
            street_id=[r.street_id for r in by["waste.drop_points"]],
        ),
        "inspections": table(
            id=[i[0] for i in insp],
            point_id=[i[1] for i in insp],
            bins_checked=[sum(i[2]["bins_checked"].values()) for i in insp],
            bins_wrong=[sum(i[2]["bins_wrong"].values()) for i in insp],
            failed=[1 if i[3] else 0 for i in insp],
        ),
        "inspection_cases": table(
            inspection_id=[i[0] for i in insp for f in i[3] if f.get("case_id")],
            case_id=[f["case_id"] for i in insp for f in i[3] if f.get("case_id")],
        ),
        "cases": table(
            id=[c[0] for c in cases],
            closed=[c[1] is not None for c in cases],
            overdue=[bool(c[2]) for c in cases],
        ),
        "streets": table(id=[s_[0] for s_ in streets], code=[s_[1] for s_ in streets]),
    }


def with_duckdb(tables: dict[str, pa.Table]) -> tuple[float, dict[str, dict[str, Any]]]:
    con = duckdb.connect()
    for name, t in tables.items():
        con.register(f"{name}_arrow", t)
        con.execute(f"create table {name} as select * from {name}_arrow")
    t0 = time.perf_counter()
    out: dict[str, dict[str, Any]] = {}
    for level, sql in (("street", STREET_SQL), ("estate", ESTATE_SQL)):
        cur = con.execute(RATIOS.format(q=sql))
        names = [d[0] for d in cur.description]
        for row in cur.fetchall():
            rec = dict(zip(names, row, strict=True))
            out[f"{level}:{rec.pop('key')}"] = rec
    seconds = time.perf_counter() - t0
    con.close()
    return seconds, out


def compare(ours: dict[str, dict[str, Any]], theirs: dict[str, dict[str, Any]]) -> int:
    """Mismatching figures (a None on one side is a 0 or no value on the other)."""
    bad = 0
    assert set(ours) == set(theirs), set(ours) ^ set(theirs)
    for key, row in theirs.items():
        mine = ours[key]
        for name, value in row.items():
            a = mine.get(name)
            a = float(a) if a is not None else None
            b = float(value) if value is not None else None
            if name.endswith(("_t",)) or name in (
                "inspections",
                "bins_checked",
                "bins_wrong",
                "inspections_failed",
                "rectifications_due",
                "rectified_on_time",
                "estates",
                "estates_compliant",
            ):
                a, b = a or 0.0, b or 0.0
            if (a is None) != (b is None) or (
                a is not None and b is not None and abs(a - b) > 1e-6 * max(1, abs(b))
            ):
                bad += 1
                if bad <= 5:
                    print(f"mismatch {key} {name}: product {a} duckdb {b}")
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--streets", type=int, default=12)
    ap.add_argument("--keep", action="store_true", help="keep the SQLite file")
    args = ap.parse_args()
    days, streets = (30, 3) if args.quick else (args.days, args.streets)
    folder = Path(tempfile.mkdtemp(prefix="bench-waste-"))
    url = f"sqlite:///{folder / 'district.db'}"
    t0 = time.perf_counter()
    counts = generate(url, streets, days)
    print(
        f"district: {streets} streets, {counts['points']} drop points, {counts['vehicles']} "
        f"vehicles, {days} days: {counts['tickets']} tickets, {counts['inspections']} "
        f"inspections, {counts['cases']} cases (generated in {time.perf_counter() - t0:.1f} s)"
    )
    ours_s, ours = product(url, counts["jurisdiction_id"], days)
    duck_s, theirs = with_duckdb(arrow_tables(url, counts["jurisdiction_id"]))
    bad = compare(ours, theirs)
    print(
        f"indicators by street and estate ({len(ours)} objects): product {ours_s:.3f} s, "
        f"DuckDB {duck_s:.3f} s, ratio product / DuckDB {ours_s / duck_s:.1f}"
    )
    print(f"identical {bad == 0} ({bad} mismatching figures)")
    assert bad == 0, "the product and DuckDB disagree"
    if not args.keep:
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()
    else:
        print(f"kept {url}")


if __name__ == "__main__":
    main()
