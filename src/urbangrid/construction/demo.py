"""违法建设 demo data for the demo district, generated here (seeded, deterministic):

- a register of illegal buildings (违建台账) on a lattice of plots around the district's
  centre: stock (存量) records under enforcement (在查), some demolished (已拆除), one closed
  (已销号) and one made legal (已补办); a few new (新增) ones with enforcement steps in
  progress, one of them overdue (its 制止 not recorded in time);
- two patch batches (图斑) drawn by ``construction.simulate`` on the same lattice — patches
  on known buildings, rebuilds of demolished ones, new builds, false positives and
  duplicates (within a batch and of the first batch) — imported through
  ``service.import_batch`` so that matching and 核查 tasks are real; some tasks of the first
  batch already have their verdicts.

Everything goes through the services (register records, steps, batches, verdicts), so the
demo obeys the same checks as a user would."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.auth.service import principal_for
from urbangrid.cases import service as cases
from urbangrid.construction import procedure as proc
from urbangrid.construction import service
from urbangrid.construction.models import Patch, PatchBatch
from urbangrid.construction.registers import BUILDINGS, STRUCTURES, TYPES
from urbangrid.construction.simulate import Generated, generate
from urbangrid.geo.projection import LocalEqualArea
from urbangrid.org.models import Jurisdiction, User, UserRole
from urbangrid.org.roles import Role
from urbangrid.registers import service as registers

SEED = 20261204
N_RECORDS = 36
N_PATCHES = 40
PLOT_M = 70.0
RESPONSIBLE = "ZF"  # 区城管执法大队
# 新增 records: days since found and the steps taken (制止 the next day, the others spread up
# to two days ago); the last one is left overdue (no 制止 yet).
NEW_PLANS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (45, ("stop_order", "investigate", "determine", "demolition_order")),
    (30, ("stop_order", "investigate")),
    (8, ("stop_order",)),
    (25, ("stop_order", "self_demolition", "acceptance")),
    (6, ()),
)
# 存量 under enforcement: investigated, determined and ordered to demolish lately (days ago),
# the party's deadline still ahead; one is left overdue (nothing done since it was found).
STOCK_PLAN: tuple[tuple[str, int], ...] = (
    ("investigate", 30),
    ("determine", 20),
    ("demolition_order", 10),
)


def _admin(session: Session, j: Jurisdiction) -> User:
    user = session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.jurisdiction_id == j.id, UserRole.role == Role.ADMIN.value)
        .order_by(User.id)
        .limit(1)
    )
    assert user is not None, f"{j.name} has no admin"
    return user


def _picture(outline: shapely.Polygon | None, centre: shapely.Point) -> str:
    """A small aerial-like picture (SVG as a data URL): bare ground 60 m × 45 m around
    ``centre`` with ``outline`` (metres) drawn as a roof when there is one."""
    roof = ""
    if outline is not None:
        ring = np.asarray(outline.exterior.coords)[:-1]
        px = (ring[:, 0] - centre.x) * 2 + 60
        py = 45 - (ring[:, 1] - centre.y) * 2
        points = " ".join(f"{x:.0f},{y:.0f}" for x, y in zip(px, py, strict=True))
        roof = f"<polygon points='{points}' fill='#b0413e' stroke='#5a1f1d'/>"
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 120 90'>"
        f"<rect width='120' height='90' fill='#9db37a'/>{roof}</svg>"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _images(gen: Generated, i: int) -> dict[str, str]:
    """前时相 / 后时相 pictures of generated patch ``i``: a building before when the patch was
    drawn on a standing one; after, the patch's outline unless it is a false positive."""
    centre = shapely.centroid(gen.patches[i])
    standing = gen.truth[i] == "known" and gen.truth_record[i] >= 0
    before = gen.records[gen.truth_record[i]] if standing else None
    after = None if gen.false_positive[i] else gen.patches[i]
    return {"image_before": _picture(before, centre), "image_after": _picture(after, centre)}


def _box(p: shapely.Polygon) -> dict[str, Any]:
    return dict(mapping(p))


def _step(
    session: Session, principal: Any, j: Jurisdiction, code: str, step: str, day: date, n: int
) -> date:
    """Take ``step`` on the first day the procedure allows it, not before ``day``."""
    record = registers.get_record(session, j, BUILDINGS, code)
    history = service.steps_of(session, record)
    pending = proc.pending(
        proc.default_procedure(),
        service.record_kind(record, j),
        service.discovered_on(record),
        service.taken(history),
        cases.work_clock(j).calendar,
    )
    allowed = {p.code: p for p in pending}
    earliest = allowed[step].earliest
    when = max(day, earliest) if earliest else day
    rule = proc.default_procedure().rule(step)
    assert rule is not None
    service.take_step(
        session,
        principal,
        j,
        code,
        service.NewStep(
            code=step,
            day=when,
            document_no=f"示执字〔{when.year}〕{n:03d}号" if rule.document else None,
            party_deadline=when + timedelta(days=40) if rule.sets_party_deadline else None,
            note="示范数据",
        ),
    )
    return when


def load_construction_demo(session: Session, j: Jurisdiction) -> list[str]:
    """The demo's register, steps, batches and verdicts for ``j``; a line of what was made."""
    if j.geometry is None:
        return [f"{j.name}: no boundary, no 违法建设 demo"]
    if session.scalar(select(PatchBatch.id).where(PatchBatch.jurisdiction_id == j.id)):
        return [f"{j.name}: 违法建设 demo already loaded"]
    rng = np.random.default_rng(SEED)
    gen = generate(N_RECORDS, N_PATCHES, seed=SEED, demolished_share=0.25, plot_m=PLOT_M)
    # The lattice in metres, centred on the district's centre, back to lon/lat.
    projection = LocalEqualArea.around(shape(j.geometry))
    allgeoms = np.concatenate([gen.records, gen.patches])
    minx, miny, maxx, maxy = shapely.total_bounds(allgeoms)
    shift = (-(minx + maxx) / 2, -(miny + maxy) / 2)

    def lonlat(geoms: np.ndarray) -> np.ndarray:
        moved = shapely.transform(geoms, lambda xy: xy + np.asarray(shift))
        return shapely.transform(moved, lambda xy: np.column_stack(projection.inverse(*xy.T)))

    records = lonlat(gen.records)
    patches = lonlat(gen.patches)
    principal = principal_for(_admin(session, j))
    today = service.local_today(j)

    made_records = steps = 0
    overdue_at = int(np.flatnonzero(~gen.demolished)[1])
    closed_at = int(np.flatnonzero(gen.demolished)[0])
    legalised_at = int(np.flatnonzero(~gen.demolished)[0])
    for i, polygon in enumerate(records):
        demolished = bool(gen.demolished[i])
        found = date(2022, 3, 1) + timedelta(days=int(rng.integers(0, 600)))
        status = "已拆除" if demolished else "在查"
        if i == closed_at:
            status = "已销号"
        elif i == legalised_at:
            status = "已补办"
        area = float(shapely.area(gen.records[i]))
        cells = {
            "name": f"存量违建{i + 1:03d}",
            "address": f"滨江示范区滨江路{i + 1}号",
            "party": f"当事人{i + 1:03d}",
            "source": "巡查发现",
            "discovered": found.isoformat(),
            "kind": "存量",
            "type": TYPES[i % len(TYPES)],
            "structure": STRUCTURES[i % len(STRUCTURES)],
            "floors": str(1 + i % 3),
            "area_measured": f"{area:.1f}",
            "status": status,
            "responsible_department": RESPONSIBLE,
        }
        if status in ("已拆除", "已销号"):
            cells |= {
                "demolished_area": f"{area:.1f}",
                "demolished_on": (found + timedelta(days=200)).isoformat(),
                "demolition": "自行拆除" if i % 2 else "强制拆除",
            }
        if status == "已补办":
            cells["permit_no"] = "建字第329901202400017号"
        registers.save_record(session, j, BUILDINGS, f"WJ{i + 1:04d}", cells, _box(polygon))
        made_records += 1
        if status == "在查" and i != overdue_at:
            for step, ago in STOCK_PLAN:
                _step(session, principal, j, f"WJ{i + 1:04d}", step, today - timedelta(days=ago), i)
                steps += 1

    # 新增: on free plots next to the lattice (east of it), with steps in progress.
    x_east = maxx - minx + PLOT_M
    for n, (age, plan) in enumerate(NEW_PLANS):
        cx, cy = x_east / 2 + PLOT_M * (1 + n % 2), (n - 2) * PLOT_M
        local = shapely.box(cx - 8, cy - 6, cx + 8, cy + 6)
        geom = shapely.transform(
            np.asarray([local], dtype=object),
            lambda xy: np.column_stack(projection.inverse(*xy.T)),
        )[0]
        found = today - timedelta(days=age)
        code = f"XZ{n + 1:04d}"
        registers.save_record(
            session,
            j,
            BUILDINGS,
            code,
            {
                "name": f"新增违建{n + 1:02d}",
                "address": f"滨江示范区新村{n + 1}号",
                "party": f"新增当事人{n + 1:02d}",
                "source": "群众举报" if n % 2 else "巡查发现",
                "discovered": found.isoformat(),
                "kind": "新增",
                "type": TYPES[n % len(TYPES)],
                "structure": "彩钢板",
                "floors": "1",
                "area_measured": "192",
                "status": "在查",
                "responsible_department": RESPONSIBLE,
            },
            _box(geom),
        )
        made_records += 1
        for k, step in enumerate(plan):
            spread = (age - 3) * k // max(1, len(plan) - 1)
            _step(session, principal, j, code, step, found + timedelta(days=1 + spread), steps + 1)
            steps += 1

    # Two batches: the first pass of patches alternately, then the duplicates with the rest.
    n_first = int(np.count_nonzero(gen.duplicate_of < 0))
    order = np.arange(len(patches))
    first = order[(order < n_first) & (order % 2 == 0)]
    second = order[~np.isin(order, first)]
    batches: list[PatchBatch] = []
    parts = ((first, today - timedelta(days=60)), (second, today - timedelta(days=20)))
    for b, (ids, t2) in enumerate(parts):
        features = [
            {
                "type": "Feature",
                "geometry": _box(patches[i]),
                "properties": {
                    "ref": f"P{b + 1}-{k + 1:03d}",
                    "t1": (t2 - timedelta(days=90)).isoformat(),
                    "t2": t2.isoformat(),
                    "confidence": round(0.6 + 0.4 * float(rng.random()), 2),
                    # the drone batch links its before / after images
                    **(_images(gen, i) if b == 1 else {}),
                },
            }
            for k, i in enumerate(ids)
        ]
        data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        batches.append(
            service.import_batch(
                session,
                principal,
                j,
                name=f"{t2.year}年第{b + 1}期" + ("卫星图斑" if b == 0 else "无人机图斑"),
                source="satellite" if b == 0 else "drone",
                data=data,
                filename=f"batch{b + 1}.geojson",
            )
        )
    # 核查 of the first batch: its false positives are not buildings, two tasks illegal,
    # one legal; the rest wait for the inspectors.
    verdicts = 0
    tasks = list(
        session.scalars(
            select(Patch)
            .where(Patch.batch_id == batches[0].id, Patch.match.in_(service.TASK_MATCHES))
            .order_by(Patch.id)
        )
    )
    refs = {f"P1-{k + 1:03d}": bool(gen.false_positive[i]) for k, i in enumerate(first)}
    illegal = legal = 0
    for patch in tasks:
        if refs.get(patch.ref):
            verdict = service.Verdict(verdict="not_building", note="空地，无建筑")
        elif illegal < 2:
            illegal += 1
            verdict = service.Verdict(
                verdict="illegal", party="示范当事人", type=TYPES[1], structure="彩钢板", floors=1
            )
        elif legal < 1:
            legal += 1
            verdict = service.Verdict(verdict="legal", permit_no="建字第329901202500031号")
        else:
            continue
        service.record_verdict(session, principal, j, patch.id, verdict)
        verdicts += 1
    open_tasks = session.scalar(
        select(func.count()).select_from(service.tasks_query(principal, j).subquery())
    )
    session.flush()
    return [
        f"{j.name}: 违法建设 {made_records} register records, {steps} enforcement steps, "
        f"{len(batches)} patch batches ({len(patches)} patches), {verdicts} verdicts, "
        f"{open_tasks} 核查 tasks open"
    ]
