"""A generated collection chain (``waste.simulate``) stored in a platform: the registers
(estates with polygons, drop points, companies, vehicles with terminals, facilities), the
vehicles' fixes and the weigh tickets — for the demo database and the tests of the checks.

The chain's metres are laid out around ``centre`` (lon, lat) by the local equal-area
projection; everything goes in through the ordinary imports (registers, fleet ingest,
ticket CSV), so what the demo holds passed the same checks as real data. The planted
violations come back as keys by register code: (rule, day, site code, vehicle code).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from urbangrid.fleet import service as fleet
from urbangrid.geo.projection import LocalEqualArea
from urbangrid.org.models import Jurisdiction
from urbangrid.registers import service as registers
from urbangrid.registers.spec import RegisterSpec
from urbangrid.waste import ledger
from urbangrid.waste.registers import (
    COMPANIES,
    DROP_POINTS,
    ESTATES,
    FACILITIES,
    VEHICLES,
    WEEKDAYS,
)
from urbangrid.waste.rules import BEIJING, Rule, WasteCategory
from urbangrid.waste.simulate import Chain

W = WasteCategory
SPACING = 220.0  # the lattice of waste.simulate
FACILITY_TYPE = {
    W.KITCHEN: ("厨余处理厂", "0.3", "是"),
    W.OTHER: ("焚烧厂", "0.1", "是"),
    W.RECYCLABLE: ("可回收物分拣中心", "0.9", "否"),
    W.HAZARDOUS: ("有害垃圾处置中心", "0", "是"),
}
COMPANY_OF = {W.KITCHEN: "C1", W.OTHER: "C1", W.RECYCLABLE: "C2", W.HAZARDOUS: "C2"}

PlantedKey = tuple[str, object, str | None, str | None]


@dataclass
class StoredMonth:
    point_codes: list[str]
    facility_codes: list[str]
    vehicle_codes: list[str]
    terminals: list[str]
    planted: set[PlantedKey]
    estates: int
    fixes: int
    tickets: int


def _import(session: Session, j: Jurisdiction, spec: RegisterSpec, lines: list[str]) -> None:
    rows = registers.read_rows(spec, ("\n".join(lines) + "\n").encode(), "generated.csv")
    registers.import_records(session, j, spec, rows, "wgs84")


def _csv(value: str) -> str:
    return f'"{value}"' if "," in value else value


def store_chain(
    session: Session,
    j: Jurisdiction,
    chain: Chain,
    centre: tuple[float, float],
    *,
    estate_department: str | None = None,
    company_department: str | None = None,
    prefix: str = "",
) -> StoredMonth:
    """Store ``chain`` in ``j`` (its drop points must fall in the platform's grids)."""
    n_points = sum(1 for s in chain.sites if s.kind == "point")
    side = int(np.ceil(np.sqrt(n_points)))
    half = (side - 1) * SPACING / 2
    projection = LocalEqualArea(*centre)
    lon, lat = projection.inverse(chain.site_x - half, chain.site_y - half)

    # 居住小区: a block of 2 × 2 lattice cells each, its polygon around its points
    blocks: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(n_points):
        blocks[(i // side // 2, i % side // 2)].append(i)
    estate_of: dict[int, str] = {}
    lines = ["code,name,households,property_company,sorting_started,three_fixed,"
             "responsible_department,geometry"]  # fmt: skip
    for k, (block, members) in enumerate(sorted(blocks.items())):
        code = f"{prefix}E{k + 1:03d}"
        x = chain.site_x[members] - half
        y = chain.site_y[members] - half
        x0, x1, y0, y1 = x.min() - 50, x.max() + 50, y.min() - 50, y.max() + 50
        ring_x = np.array([x0, x1, x1, x0, x0])
        ring_y = np.array([y0, y0, y1, y1, y0])
        rl, rb = projection.inverse(ring_x, ring_y)
        wkt = ", ".join(f"{a:.7f} {b:.7f}" for a, b in zip(rl, rb, strict=True))
        sorting = "是" if k % 7 else "否"
        lines.append(
            f"{code},第{k + 1}小区,{300 + 37 * k % 500},安居物业,{sorting},{sorting},"
            f'{estate_department or ""},"POLYGON(({wkt}))"'
        )
        for i in members:
            estate_of[i] = code
        del block
    _import(session, j, ESTATES, lines)

    point_codes = [f"{prefix}P{i + 1:03d}" for i in range(n_points)]
    lines = ["code,name,estate,bins,bin_count,hours,supervisor,recyclable_days,"
             "hazardous_days,lon,lat"]  # fmt: skip
    for i in range(n_points):
        site = chain.sites[i]
        bins = "|".join(c.label_zh for c in W if c in site.categories)
        days = {
            c: "|".join(WEEKDAYS[d] for d in sorted(site.schedule[c]))
            for c in (W.RECYCLABLE, W.HAZARDOUS)
            if c in site.schedule
        }
        lines.append(
            f"{point_codes[i]},{estate_of[i]}-{i + 1}号投放点,{estate_of[i]},{bins},"
            f'{2 * len(site.categories)},"06:00-08:00,18:00-20:00",督导员{i % 9 + 1},'
            f"{days.get(W.RECYCLABLE, '')},{days.get(W.HAZARDOUS, '')},"
            f"{lon[i]:.7f},{lat[i]:.7f}"
        )
    _import(session, j, DROP_POINTS, lines)

    _import(
        session,
        j,
        COMPANIES,
        [
            "code,name,licence,responsible_department",
            f"{prefix}C1,城区环卫清运公司,GL-2026-01,{company_department or ''}",
            f"{prefix}C2,再生资源回收公司,GL-2026-02,{company_department or ''}",
        ],
    )
    facility_codes: list[str] = []
    lines = ["code,name,type,categories,capacity_t_per_day,conversion_coefficient,harmless,"
             "lon,lat"]  # fmt: skip
    for i, site in enumerate(chain.sites):
        if site.kind != "facility":
            continue
        (category,) = site.categories
        kind, coefficient, harmless = FACILITY_TYPE[category]
        code = f"{prefix}F{len(facility_codes) + 1}"
        facility_codes.append(code)
        lines.append(
            f"{code},{category.label_zh}{kind},{kind},{category.label_zh},300,{coefficient},"
            f"{harmless},{lon[i]:.7f},{lat[i]:.7f}"
        )
    _import(session, j, FACILITIES, lines)

    vehicle_codes = [f"{prefix}V{v + 1:02d}" for v in chain.vehicle_category]
    terminals = [f"1390{j.code[-4:]}{v + 1:03d}" for v in chain.vehicle_category]
    _import(
        session,
        j,
        VEHICLES,
        ["code,name,company,category,terminal,capacity_t"]
        + [
            f"{vehicle_codes[v]},示A·W{v + 1:04d},{prefix}{COMPANY_OF.get(c, 'C1')},"
            f"{c.label_zh},{terminals[v]},8"
            for v, c in chain.vehicle_category.items()
        ],
    )

    # the fixes, in time order per vehicle, through the ordinary ingest
    fx, fy = projection.inverse(chain.x - half, chain.y - half)
    n = chain.t.size
    fixes = fleet.Fixes(
        terminal=[terminals[int(v)] for v in chain.vehicle],
        t=chain.t.astype(np.int64),
        lon=np.asarray(fx, dtype=np.float64),
        lat=np.asarray(fy, dtype=np.float64),
        speed=np.zeros(n),
        heading=np.zeros(n, dtype=np.int64),
        alarm=np.zeros(n, dtype=np.int64),
    )
    stored = fleet.ingest(session, j.id, fixes, "wgs84")["stored"]

    facility_at = {
        i: facility_codes[k]
        for k, i in enumerate(i for i, s in enumerate(chain.sites) if s.kind == "facility")
    }
    tare = 8000.0
    lines = ["ticket_no,facility,vehicle,category,time,gross_kg,tare_kg,net_kg"]
    for t in chain.tickets:
        when = datetime.fromtimestamp(t.time, BEIJING).isoformat()
        net = round(t.net_kg, 1)
        lines.append(
            f"{prefix}{t.id},{facility_at[t.facility]},{vehicle_codes[t.vehicle]},"
            f"{t.category.label_zh},{when},{tare + net:.1f},{tare:.1f},{net:.1f}"
        )
    if chain.tickets:
        ledger.import_tickets(session, j, ("\n".join(lines) + "\n").encode())

    def site_code(i: int | None) -> str | None:
        if i is None:
            return None
        return point_codes[i] if i < n_points else facility_at[i]

    planted: set[PlantedKey] = {
        (
            Rule(rule).value,
            day,
            site_code(site),
            vehicle_codes[vehicle] if vehicle is not None else None,
        )
        for rule, day, site, vehicle in chain.planted
    }
    return StoredMonth(
        point_codes=point_codes,
        facility_codes=facility_codes,
        vehicle_codes=vehicle_codes,
        terminals=terminals,
        planted=planted,
        estates=len(blocks),
        fixes=stored,
        tickets=len(chain.tickets),
    )
