"""违法建设 with the database: patch batches (import, match, 核查 verdicts) and enforcement
steps on the register's records.

What follows each change is here, in the function that makes it:

- ``import_batch``: the batch and its patches are stored in one go (nothing when a feature
  is bad); each new or rebuilt patch that repeats no earlier patch is a 核查 task in its grid.
- ``record_verdict``: the verdict on the patch; for an illegal building also a register
  record (the patch's polygon, 新增 or 存量 against the baseline date) and a 私搭乱建 case on
  the case engine about that record (its responsible unit is the dispatch suggestion).
- ``take_step``: the step, after the procedure's checks; a demolition marks the record
  已拆除 with the area taken down, 销号 marks it 已销号.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases import service as cases
from urbangrid.cases.search import escape_like
from urbangrid.catalog.service import category_in
from urbangrid.construction import accounting
from urbangrid.construction import procedure as proc
from urbangrid.construction.config import settings_of
from urbangrid.construction.matching import PatchMatch, match_patches, overlap_pairs
from urbangrid.construction.models import EnforcementStep, Patch, PatchBatch
from urbangrid.construction.patches import check_batch
from urbangrid.construction.registers import (
    BUILDINGS,
    STATUS_CLOSED,
    STATUS_DEMOLISHED,
    STATUS_LEGALISED,
)
from urbangrid.evaluation.formulas import weighted_mean
from urbangrid.evaluation.ranking import red_and_black
from urbangrid.geo.crs import Crs
from urbangrid.geo.features import Feature, parse_geojson, read_zipped_shapefile
from urbangrid.geo.projection import LocalEqualArea, area_m2
from urbangrid.kit.errors import Conflict, InvalidInput, NotFound
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Community, Jurisdiction, Street
from urbangrid.org.roles import Role
from urbangrid.registers import service as registers
from urbangrid.registers.models import RegisterRecord

BATCH_SOURCES = {"satellite": "卫星图斑", "drone": "无人机比对", "model": "卫星图斑"}
VERDICTS = ("legal", "not_building", "illegal")
ILLEGAL_MATTER = "06001"  # 私搭乱建
TASK_MATCHES = (PatchMatch.NEW.value, PatchMatch.REBUILT.value)
DUPLICATE = "duplicate"


def local_today(j: Jurisdiction, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(j.timezone or "Asia/Shanghai")).date()


# -- reading a batch file ----------------------------------------------------------------


def read_batch_file(data: bytes, filename: str) -> list[Feature]:
    """GeoJSON, or a zipped shapefile (.shp with its .dbf / .shx / .prj)."""
    name = filename.lower()
    if name.endswith((".geojson", ".json")):
        return parse_geojson(data)
    if name.endswith(".zip"):
        return read_zipped_shapefile(data)
    raise InvalidInput(
        "send a GeoJSON (.geojson) or a zipped shapefile (.zip)", code="patch_file_unreadable"
    )


# -- importing and matching ----------------------------------------------------------------


def _projection(j: Jurisdiction, geoms: np.ndarray) -> LocalEqualArea:
    if j.geometry:
        return LocalEqualArea.around(shape(j.geometry))
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    return LocalEqualArea((minx + maxx) / 2, (miny + maxy) / 2)


def _register_polygons(
    session: Session, j: Jurisdiction
) -> tuple[list[RegisterRecord], np.ndarray, np.ndarray]:
    rows = list(
        session.scalars(
            select(RegisterRecord).where(
                RegisterRecord.jurisdiction_id == j.id,
                RegisterRecord.register == BUILDINGS.name,
                RegisterRecord.geometry.is_not(None),
            )
        )
    )
    geoms = np.asarray([shape(r.geometry) for r in rows], dtype=object)
    demolished = np.asarray(
        [(r.attributes or {}).get("status") in (STATUS_DEMOLISHED, STATUS_CLOSED) for r in rows],
        dtype=bool,
    )
    return rows, geoms, demolished


def import_batch(
    session: Session,
    principal: Principal,
    j: Jurisdiction,
    *,
    name: str,
    source: str,
    data: bytes,
    filename: str,
    crs: Crs | str = Crs.WGS84,
) -> PatchBatch:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("name the batch (1–100 characters)", code="batch_name_invalid")
    if source not in BATCH_SOURCES:
        raise InvalidInput(
            f"source is one of {', '.join(BATCH_SOURCES)}", code="batch_source_invalid"
        )
    exists = session.scalar(
        select(PatchBatch.id).where(PatchBatch.jurisdiction_id == j.id, PatchBatch.name == name)
    )
    if exists is not None:
        raise Conflict(f"a batch named {name} exists", code="batch_exists", params={"name": name})
    features = read_batch_file(data, filename)
    area = shape(j.geometry) if j.geometry else None
    checked = check_batch(features, crs, area, j.name)
    geoms = np.asarray([p.geometry for p in checked.patches], dtype=object)
    located, where = registers.locate(session, j, BUILDINGS, list(geoms), Crs.WGS84)
    checked.raise_for_errors(
        [
            {"line": p.index + 1, "message": f"feature {p.index + 1}: {problem}"}
            for p, problem in zip(checked.patches, where, strict=True)
            if problem
        ]
    )

    settings = settings_of(j)
    projection = _projection(j, geoms)
    patches_m = projection.project(geoms)
    records, record_geoms, demolished = _register_polygons(session, j)
    matches = match_patches(
        patches_m,
        projection.project(record_geoms) if len(records) else record_geoms,
        demolished,
        settings.thresholds,
    )
    duplicate_of = _duplicates(session, j, patches_m, matches.kind, projection)
    batch = PatchBatch(
        jurisdiction_id=j.id,
        name=name,
        source=source,
        notes=checked.notes,
        thresholds={
            "min_patch_share": settings.thresholds.min_patch_share,
            "min_record_share": settings.thresholds.min_record_share,
        },
        imported_by=principal.user_id,
    )
    session.add(batch)
    session.flush()
    areas = shapely.area(patches_m)
    rows: list[Patch] = []
    for i, (p, loc) in enumerate(zip(checked.patches, located, strict=True)):
        rows.append(
            Patch(
                batch_id=batch.id,
                jurisdiction_id=j.id,
                ref=p.ref,
                geometry=mapping(p.geometry),
                lon=loc.lon,
                lat=loc.lat,
                grid_id=loc.grid_id,
                community_id=loc.community_id,
                street_id=loc.street_id,
                area_m2=round(float(areas[i]), 2),
                t1=p.t1,
                t2=p.t2,
                confidence=p.confidence,
                image_before=p.image_before,
                image_after=p.image_after,
                match=str(matches.kind[i]),
                matched_record_id=records[matches.record[i]].id if matches.record[i] >= 0 else None,
                overlap_m2=round(float(matches.overlap_m2[i]), 2),
            )
        )
    session.add_all(rows)
    session.flush()
    # Duplicates inside the batch point at the first of them, now that it has an id.
    for i, dup in enumerate(duplicate_of):
        if dup is None:
            continue
        rows[i].match = DUPLICATE
        rows[i].duplicate_of_id = dup.id if isinstance(dup, Patch) else rows[dup].id
    session.flush()
    return batch


def _duplicates(
    session: Session,
    j: Jurisdiction,
    patches_m: np.ndarray,
    kinds: np.ndarray,
    projection: LocalEqualArea,
) -> list[Patch | int | None]:
    """For each task patch (new or rebuilt), the earlier patch it repeats: a stored patch of
    an earlier batch (a Patch) or an earlier patch of this batch (its index); None if none.
    Two patches repeat each other when each covers at least half of the other."""
    out: list[Patch | int | None] = [None] * len(patches_m)
    task = np.flatnonzero(np.isin(kinds, TASK_MATCHES))
    if not len(task):
        return out
    earlier = list(
        session.scalars(
            select(Patch).where(Patch.jurisdiction_id == j.id, Patch.match.in_(TASK_MATCHES))
        )
    )
    if earlier:
        stored = projection.project(np.asarray([shape(p.geometry) for p in earlier], dtype=object))
        pi, si, areas = overlap_pairs(patches_m[task], stored)
        same = (areas >= 0.5 * shapely.area(patches_m[task][pi])) & (
            areas >= 0.5 * shapely.area(stored[si])
        )
        for a, b in zip(pi[same].tolist(), si[same].tolist(), strict=True):
            if out[task[a]] is None:
                out[task[a]] = earlier[b]
    pi, qi, areas = overlap_pairs(patches_m[task], patches_m[task])
    same = (
        (pi > qi)
        & (areas >= 0.5 * shapely.area(patches_m[task][pi]))
        & (areas >= 0.5 * shapely.area(patches_m[task][qi]))
    )
    for a, b in sorted(zip(pi[same].tolist(), qi[same].tolist(), strict=True)):
        if out[task[a]] is None:
            out[task[a]] = int(task[b]) if out[task[b]] is None else out[task[b]]
    return out


# -- reading batches and tasks -------------------------------------------------------------


def get_batch(session: Session, j: Jurisdiction, batch_id: int) -> PatchBatch:
    batch = session.get(PatchBatch, batch_id) if 0 < batch_id < 2**63 else None
    if batch is None or batch.jurisdiction_id != j.id:
        raise NotFound(f"no patch batch {batch_id}", code="batch_not_found")
    return batch


@dataclass(frozen=True)
class BatchFigures:
    patches: int
    by_match: dict[str, int]
    tasks: int
    verified: int
    verified_share: float | None
    median_days_to_verify: float | None
    confirmed: int  # verdict illegal
    confirmed_share: float | None  # of the verified
    by_verdict: dict[str, int]


def batch_figures(session: Session, batch: PatchBatch) -> BatchFigures:
    rows = session.execute(
        select(Patch.match, Patch.verdict, Patch.verified_at).where(Patch.batch_id == batch.id)
    ).all()
    by_match: dict[str, int] = {}
    by_verdict: dict[str, int] = {}
    days: list[float] = []
    tasks = verified = confirmed = 0
    for match, verdict, verified_at in rows:
        by_match[match] = by_match.get(match, 0) + 1
        if match in TASK_MATCHES:
            tasks += 1
            if verdict is not None:
                verified += 1
                by_verdict[verdict] = by_verdict.get(verdict, 0) + 1
                confirmed += verdict == "illegal"
                if verified_at is not None:
                    days.append((verified_at - batch.imported_at).total_seconds() / 86400)
    return BatchFigures(
        patches=len(rows),
        by_match=by_match,
        tasks=tasks,
        verified=verified,
        verified_share=verified / tasks if tasks else None,
        median_days_to_verify=round(median(days), 2) if days else None,
        confirmed=confirmed,
        confirmed_share=confirmed / verified if verified else None,
        by_verdict=by_verdict,
    )


def tasks_query(principal: Principal, j: Jurisdiction) -> Any:
    """Patches waiting for 核查: an inspector's are those in the grids they patrol."""
    stmt = select(Patch).where(
        Patch.jurisdiction_id == j.id,
        Patch.match.in_(TASK_MATCHES),
        Patch.verdict.is_(None),
    )
    if principal.roles <= {Role.INSPECTOR}:
        stmt = stmt.where(Patch.grid_id.in_(principal.grid_ids or {-1}))
    return stmt.order_by(Patch.id)


def get_patch(session: Session, principal: Principal, j: Jurisdiction, patch_id: int) -> Patch:
    """A patch of the platform; for an inspector only one in the grids they patrol."""
    patch = session.get(Patch, patch_id) if 0 < patch_id < 2**63 else None
    if patch is None or patch.jurisdiction_id != j.id:
        raise NotFound(f"no patch {patch_id}", code="patch_not_found")
    if principal.roles <= {Role.INSPECTOR} and patch.grid_id not in principal.grid_ids:
        raise NotFound(f"no patch {patch_id}", code="patch_not_found")
    return patch


# -- 核查 verdicts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    verdict: str
    permit_no: str | None = None
    note: str = ""
    party: str | None = None
    type: str | None = None
    structure: str | None = None
    floors: int | None = None
    photos: tuple[int, ...] = ()


def record_verdict(
    session: Session,
    principal: Principal,
    j: Jurisdiction,
    patch_id: int,
    verdict: Verdict,
    *,
    now: datetime | None = None,
) -> Patch:
    now = now or utcnow()
    patch = get_patch(session, principal, j, patch_id)
    if patch.match not in TASK_MATCHES:
        raise Conflict(
            "this patch is not a 核查 task (already known, or a repeat of another)",
            code="patch_not_a_task",
        )
    if patch.verdict is not None:
        raise Conflict("this patch has a verdict already", code="patch_verified")
    if verdict.verdict not in VERDICTS:
        raise InvalidInput(f"verdict is one of {', '.join(VERDICTS)}", code="verdict_invalid")
    if verdict.verdict == "legal" and not (verdict.permit_no or "").strip():
        raise InvalidInput(
            "a legal building needs its permit number", code="verdict_permit_missing"
        )
    patch.verdict = verdict.verdict
    patch.permit_no = (verdict.permit_no or "").strip() or None
    patch.verdict_note = verdict.note
    patch.verified_by = principal.user_id
    patch.verified_at = now
    if verdict.verdict == "illegal":
        _open_record_and_case(session, principal, j, patch, verdict, now)
    session.flush()
    return patch


def _open_record_and_case(
    session: Session,
    principal: Principal,
    j: Jurisdiction,
    patch: Patch,
    verdict: Verdict,
    now: datetime,
) -> None:
    batch = session.get(PatchBatch, patch.batch_id)
    assert batch is not None
    settings = settings_of(j)
    found = local_today(j, now)
    built = patch.t2 or found
    cells = {
        "name": f"{batch.name} 图斑 {patch.ref}",
        "address": "",
        "party": verdict.party or "",
        "source": BATCH_SOURCES[batch.source],
        "discovered": found.isoformat(),
        "kind": "新增" if built > settings.baseline_date else "存量",
        "type": verdict.type or "",
        "structure": verdict.structure or "",
        "floors": "" if verdict.floors is None else str(verdict.floors),
        "area_estimated": f"{patch.area_m2:.2f}",
        "status": "在查",
    }
    record, _ = registers.save_record(
        session, j, BUILDINGS, f"TB{batch.id}-{patch.ref}"[:64], cells, patch.geometry
    )
    category = category_in(session, j.id, "matter", ILLEGAL_MATTER)
    if category is None:
        raise InvalidInput(
            f"the catalogue of {j.name} has no matter {ILLEGAL_MATTER} (私搭乱建)",
            code="category_missing",
            params={"code": ILLEGAL_MATTER},
        )
    case = cases.create_case(
        session,
        principal,
        cases.NewCase(
            source="inspector",
            lon=patch.lon,
            lat=patch.lat,
            description=f"图斑 {patch.ref}（{batch.name}）核查为违法建设"
            + (f"：{verdict.note}" if verdict.note else ""),
            address=record.name,
            category_id=category.id,
            subject_record_id=record.id,
            attachments=verdict.photos,
        ),
        now=now,
    )
    patch.record_id = record.id
    patch.case_id = case.id


# -- enforcement steps ---------------------------------------------------------------------


def record_kind(record: RegisterRecord, j: Jurisdiction) -> proc.RecordKind:
    attrs = record.attributes or {}
    if attrs.get("kind") == "新增":
        return proc.RecordKind.NEW
    if attrs.get("kind") == "存量":
        return proc.RecordKind.STOCK
    found = discovered_on(record)
    return proc.RecordKind.NEW if found > settings_of(j).baseline_date else proc.RecordKind.STOCK


def discovered_on(record: RegisterRecord) -> date:
    raw = (record.attributes or {}).get("discovered")
    return date.fromisoformat(raw) if raw else record.created_at.date()


def steps_of(session: Session, record: RegisterRecord) -> list[EnforcementStep]:
    return list(
        session.scalars(
            select(EnforcementStep)
            .where(EnforcementStep.record_id == record.id)
            .order_by(EnforcementStep.day, EnforcementStep.id)
        )
    )


def taken(rows: list[EnforcementStep]) -> list[proc.TakenStep]:
    return [proc.TakenStep(r.code, r.day, r.document_no, r.party_deadline) for r in rows]


@dataclass(frozen=True)
class NewStep:
    code: str
    day: date
    document_no: str | None = None
    party_deadline: date | None = None
    area_m2: float | None = None
    note: str = ""
    photos: tuple[int, ...] = ()


def take_step(
    session: Session,
    principal: Principal,
    j: Jurisdiction,
    record_code: str,
    step: NewStep,
    *,
    now: datetime | None = None,
) -> EnforcementStep:
    record = registers.get_record(session, j, BUILDINGS, record_code)
    procedure = proc.default_procedure()
    history = steps_of(session, record)
    if nothing_pending(record, history):
        status = (record.attributes or {}).get("status")
        raise InvalidInput(
            f"record {record_code} is {status}: no step is pending",
            code="step_record_settled",
            params={"status": status},
        )
    refusals = proc.check_step(
        procedure,
        record_kind(record, j),
        discovered_on(record),
        taken(history),
        proc.TakenStep(step.code, step.day, step.document_no, step.party_deadline),
        cases.work_clock(j).calendar,
        local_today(j, now),
    )
    if refusals:
        first = refusals[0]
        raise InvalidInput(
            "; ".join(f"{r.code} {r.params}" for r in refusals),
            code=first.code,
            params={**first.params, "refusals": [r.code for r in refusals]},
        )
    rule = procedure.rule(step.code)
    assert rule is not None
    attrs = dict(record.attributes or {})
    if rule.demolition:
        full = building_area(record)
        area = step.area_m2 if step.area_m2 is not None else full
        if area <= 0 or area > full * 1.5 + 1:
            raise InvalidInput(
                f"the area demolished ({area} m²) does not fit the building ({full:.1f} m²)",
                code="step_area_invalid",
                params={"area": area, "building": round(full, 1)},
            )
        attrs.update(
            status=STATUS_DEMOLISHED,
            demolished_area=round(area, 2),
            demolished_on=step.day.isoformat(),
            demolition="自行拆除" if rule.demolition == "self" else "强制拆除",
        )
    if rule.terminal:
        attrs["status"] = STATUS_CLOSED
    record.attributes = attrs
    row = EnforcementStep(
        jurisdiction_id=j.id,
        record_id=record.id,
        code=step.code,
        day=step.day,
        document_no=(step.document_no or "").strip() or None,
        party_deadline=step.party_deadline,
        area_m2=attrs.get("demolished_area") if rule.demolition else None,
        note=step.note,
        photos=list(step.photos),
        user_id=principal.user_id,
    )
    session.add(row)
    session.flush()
    return row


def building_area(record: RegisterRecord) -> float:
    """Measured area, else estimated, else the polygon's (m²)."""
    attrs = record.attributes or {}
    for key in ("area_measured", "area_estimated"):
        if attrs.get(key):
            return float(attrs[key])
    if record.geometry:
        return area_m2(shape(record.geometry))
    return 0.0


def is_settled(record: RegisterRecord) -> bool:
    return (record.attributes or {}).get("status") in (
        STATUS_DEMOLISHED,
        STATUS_CLOSED,
        STATUS_LEGALISED,
    )


def steps_view(
    session: Session, j: Jurisdiction, record: RegisterRecord, *, now: datetime | None = None
) -> dict[str, Any]:
    procedure = proc.default_procedure()
    history = steps_of(session, record)
    calendar = cases.work_clock(j).calendar
    kind = record_kind(record, j)
    found = discovered_on(record)
    today = local_today(j, now)
    idle = nothing_pending(record, history)
    nxt = None if idle else proc.next_due(procedure, kind, found, taken(history), calendar)
    return {
        "record_code": record.code,
        "kind": kind.value,
        "discovered": found,
        "taken": history,
        "pending": [] if idle else proc.pending(procedure, kind, found, taken(history), calendar),
        "next_due": nxt,
        "overdue": bool(nxt and nxt.due and today > nxt.due),
    }


def nothing_pending(record: RegisterRecord, history: list[EnforcementStep]) -> bool:
    """A settled record waits for no step: made legal (已补办), closed (已销号), or demolished
    without its demolition recorded here (imported as 已拆除); one demolished through the
    procedure still waits for 验收 and 销号."""
    return is_settled(record) and not (
        (record.attributes or {}).get("status") == STATUS_DEMOLISHED and history
    )


def verdicts_geojson(session: Session, batch: PatchBatch) -> str:
    """A FeatureCollection of the batch's patches with match and verdict (本地核查结果)."""
    rows = session.scalars(select(Patch).where(Patch.batch_id == batch.id).order_by(Patch.id))
    features = [
        {
            "type": "Feature",
            "geometry": p.geometry,
            "properties": {
                "ref": p.ref,
                "batch": batch.name,
                "match": p.match,
                "verdict": p.verdict,
                "permit_no": p.permit_no,
                "verified_at": p.verified_at.isoformat() if p.verified_at else None,
                "area_m2": p.area_m2,
                "note": p.verdict_note,
            },
        }
        for p in rows
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


# -- indicators ------------------------------------------------------------------------------


def _local_date(j: Jurisdiction, moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(j.timezone or "Asia/Shanghai")).date()


def load_facts(
    session: Session, j: Jurisdiction
) -> tuple[list[accounting.RecordFacts], list[accounting.PatchFacts]]:
    stops: dict[int, date] = {
        record_id: day
        for record_id, day in session.execute(
            select(EnforcementStep.record_id, EnforcementStep.day).where(
                EnforcementStep.jurisdiction_id == j.id, EnforcementStep.code == "stop_order"
            )
        )
    }
    records = []
    for r in session.scalars(
        select(RegisterRecord).where(
            RegisterRecord.jurisdiction_id == j.id,
            RegisterRecord.register == BUILDINGS.name,
            RegisterRecord.is_active.is_(True),
        )
    ):
        attrs = r.attributes or {}
        demolished_on = attrs.get("demolished_on")
        status = attrs.get("status") or "在查"
        area = building_area(r)
        records.append(
            accounting.RecordFacts(
                id=r.id,
                code=r.code,
                community_id=r.community_id,
                street_id=r.street_id,
                new=record_kind(r, j) is proc.RecordKind.NEW,
                discovered=discovered_on(r),
                area_m2=round(area, 2),
                open=status == "在查",
                settled=is_settled(r),
                demolished_on=date.fromisoformat(demolished_on) if demolished_on else None,
                demolished_m2=float(attrs.get("demolished_area") or area),
                forced=attrs.get("demolition") == "强制拆除",
                stopped_on=stops.get(r.id),
            )
        )
    patches = []
    rows = session.execute(
        select(Patch, PatchBatch.imported_at)
        .join(PatchBatch, PatchBatch.id == Patch.batch_id)
        .where(Patch.jurisdiction_id == j.id, Patch.match.in_(TASK_MATCHES))
    )
    for p, imported_at in rows:
        imported_on = _local_date(j, imported_at)
        assert imported_on is not None
        patches.append(
            accounting.PatchFacts(
                id=p.id,
                community_id=p.community_id,
                street_id=p.street_id,
                imported_on=imported_on,
                rebuilt=p.match == PatchMatch.REBUILT.value,
                verified_on=_local_date(j, p.verified_at),
                confirmed=p.verdict == "illegal",
            )
        )
    return records, patches


def area_names(session: Session, j: Jurisdiction, level: str) -> dict[int | None, str]:
    if level == "district":
        return {None: j.name}
    if level == "street":
        rows = session.execute(select(Street.id, Street.name).where(Street.jurisdiction_id == j.id))
    else:
        rows = session.execute(
            select(Community.id, Community.name)
            .join(Street, Street.id == Community.street_id)
            .where(Street.jurisdiction_id == j.id)
        )
    return {**{key: name for key, name in rows}, None: "（未落网格）"}


def indicator_rows(
    session: Session, j: Jurisdiction, start: date, end: date, level: str
) -> list[dict[str, Any]]:
    """One row per area with figures (areas without any record or patch are left out)."""
    if end < start:
        raise InvalidInput("the period ends before it starts", code="period_invalid")
    if level not in ("community", "street", "district"):
        raise InvalidInput("level is community, street or district", code="level_invalid")
    records, patches = load_facts(session, j)
    figures = accounting.figures_by(records, patches, start, end, level)
    stock = accounting.stock_area(records, level)
    names = area_names(session, j, level)
    rule = settings_of(j).clean_area
    rows = [
        {
            "key": key,
            "name": names.get(key, str(key)),
            **accounting.indicators(fig, stock.get(key, 0.0), rule),
        }
        for key, fig in figures.items()
    ]
    return sorted(rows, key=lambda r: (r["key"] is None, r["name"]))


def indicator_sources(
    session: Session,
    j: Jurisdiction,
    start: date,
    end: date,
    level: str,
    key: int | None,
    measure: str,
) -> list[int]:
    """The record (or patch) ids behind one figure: the same sets the figure counts."""
    if measure not in accounting.RECORD_MEASURES + accounting.PATCH_MEASURES:
        raise InvalidInput(
            f"no measure {measure}", code="measure_invalid", params={"measure": measure}
        )
    indicator_rows(session, j, start, end, level)  # the same checks of the arguments
    records, patches = load_facts(session, j)
    fig = accounting.figures_by(records, patches, start, end, level).get(key)
    if fig is None:
        return []
    return sorted(fig.records.get(measure) or fig.patches.get(measure) or set())


def street_ranking(session: Session, j: Jurisdiction, start: date, end: date) -> dict[str, Any]:
    """The streets scored by the weighted shares of the platform's rule, ranked, and the
    红榜 / 黑榜 (the one rule of :mod:`evaluation.ranking`)."""
    rule = settings_of(j).ranking
    rows = [r for r in indicator_rows(session, j, start, end, "street") if r["key"] is not None]
    items = []
    for row in rows:
        score = weighted_mean(
            (None if row[name] is None else Fraction(row[name]), Fraction(weight))
            for name, weight in rule.weights
        )
        rankable = score is not None and row["records"] >= rule.min_records
        items.append({**row, "score": score, "rankable": rankable, "rank": None})
    ranked = sorted((i for i in items if i["rankable"]), key=lambda i: (-i["score"], i["name"]))
    for n, item in enumerate(ranked, start=1):
        item["rank"] = n
    red, black = red_and_black(ranked, lambda i: i["score"], rule.size)
    items.sort(key=lambda i: (i["rank"] is None, i["rank"] or 0, i["name"]))
    return {
        "weights": dict(rule.weights),
        "size": rule.size,
        "min_records": rule.min_records,
        "items": items,
        "red": [i["key"] for i in red],
        "black": [i["key"] for i in black],
    }


# -- the register as the 违法建设 screens list it ------------------------------------------------


@dataclass(frozen=True)
class RecordRow:
    record: RegisterRecord
    status: str
    kind: str
    next_step: str | None
    next_due: date | None
    overdue: bool


def record_rows(
    session: Session,
    j: Jurisdiction,
    *,
    status: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    now: datetime | None = None,
) -> list[RecordRow]:
    """The platform's active records with their status and next step (steps read in one
    query); ``status`` (在查 …) and ``overdue`` filter, ``q`` matches code or name."""
    stmt = select(RegisterRecord).where(
        RegisterRecord.jurisdiction_id == j.id,
        RegisterRecord.register == BUILDINGS.name,
        RegisterRecord.is_active.is_(True),
    )
    for word in (q or "").split():
        like = f"%{escape_like(word)}%"
        stmt = stmt.where(
            RegisterRecord.code.like(like, escape="\\")
            | RegisterRecord.name.like(like, escape="\\")
        )
    records = list(session.scalars(stmt.order_by(RegisterRecord.code)))
    history: dict[int, list[EnforcementStep]] = {}
    for s in session.scalars(
        select(EnforcementStep)
        .where(EnforcementStep.jurisdiction_id == j.id)
        .order_by(EnforcementStep.day, EnforcementStep.id)
    ):
        history.setdefault(s.record_id, []).append(s)
    procedure = proc.default_procedure()
    calendar = cases.work_clock(j).calendar
    today = local_today(j, now)
    out: list[RecordRow] = []
    for r in records:
        st = (r.attributes or {}).get("status") or "在查"
        if status and st != status:
            continue
        kind = record_kind(r, j)
        nxt = None
        if not nothing_pending(r, history.get(r.id, [])):
            nxt = proc.next_due(
                procedure, kind, discovered_on(r), taken(history.get(r.id, [])), calendar
            )
        late = bool(nxt and nxt.due and today > nxt.due)
        if overdue is not None and late != overdue:
            continue
        out.append(
            RecordRow(r, st, kind.value, nxt.code if nxt else None, nxt.due if nxt else None, late)
        )
    return out
