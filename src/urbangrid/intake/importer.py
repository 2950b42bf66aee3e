"""Historical import of cases (历史案件导入): ``urbangrid import cases FILE --mapping M``.

Unlike live intake, the bulk import writes rows directly — it does not call
``create_case`` / ``perform_action`` per case — but every case and event is produced by the
pure workflow (:func:`urbangrid.cases.workflow.start_case` / ``decide`` / ``evolve``), so the
stored snapshot equals the state rebuilt from the events, as for live cases:

- 上报 at the original creation time, then 受理, 核实 (for channels that need it), 立案 and
  派遣 to the mapped department at that same time — the source knows only creation and
  closing, and its requests are routed to the owning agency on creation;
- for a closed row: 签收, 处置反馈, 核查 and 结案 at the original closing time; a closed row
  without a department is force-closed (强制结案) then;
- every event says in its comment that it was imported and from which line; the first
  (上报) event keeps the source's own category / channel / status labels in its comment and
  in ``data["source_labels"]``, and carries ``data["imported_from"]`` (the file name): the SLA
  watcher leaves such cases alone;
- with a source due time (``[columns] due``) the 派遣 event's deadline is the source's, so
  the on-time verdict (``handled_overdue``) is the source's own; otherwise the filing
  condition's limit gives it;
- the import's own actor holds the centre's roles, with no user id.

Imported events are inserted with bulk statements, so they are not published to webhooks.
Everything happens in the caller's transaction: a failure anywhere leaves the database as
it was. Rows that cannot be read are skipped and listed with the reason; with ``strict``
one bad row rejects the whole file.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import tomllib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from urbangrid.cases import service as cases
from urbangrid.cases import workflow as wf
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.cases.worktime import WorkClock, WorkTimeError
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.service import categories_in
from urbangrid.intake import import_rules as rules
from urbangrid.intake.models import ImportBatch
from urbangrid.kit.errors import ImportRejected
from urbangrid.kit.text import pinyin_initials
from urbangrid.kit.types import utcnow
from urbangrid.org.models import Department, Jurisdiction
from urbangrid.org.roles import Role

_IMPORT_ROLES = frozenset(
    r.value
    for r in (
        Role.INSPECTOR,
        Role.INTAKE_OPERATOR,
        Role.SHIFT_LEAD,
        Role.DISPATCHER,
        Role.DEPARTMENT_HANDLER,
        Role.LEADER,
    )
)


@dataclass
class ImportReport:
    file: str
    mapping: str
    jurisdiction: str
    rows: int = 0
    imported: int = 0
    closed: int = 0
    open: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    clamped: list[int] = field(default_factory=list)
    batch_id: int | None = None

    def skip_counts(self) -> dict[str, int]:
        """Skipped rows by kind of reason, most frequent first."""
        kinds = Counter(str(s.get("kind") or "other") for s in self.skipped)
        return dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))

    def lines(self) -> list[str]:
        out = [
            f"{self.file}: {self.rows} rows, {self.imported} imported "
            f"({self.closed} closed, {self.open} open), {len(self.skipped)} skipped "
            f"into {self.jurisdiction}"
        ]
        if self.skipped:
            out.append("  skipped by reason: " + describe_counts(self.skip_counts()))
        if self.clamped:
            out.append(
                f"  {len(self.clamped)} closed before created: close time set to the "
                'created time (closed_before_created = "clamp")'
            )
        out += [
            f"  line {s['line']}: skipped ({s.get('external_id') or '-'}): {s['reason']}"
            for s in self.skipped
        ]
        return out


def describe_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counts.items())


def shipped_mappings() -> dict[str, Path]:
    folder = resources.files("urbangrid.intake") / "mappings"
    return {p.name: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


def load_mapping(path: Path | str) -> rules.ImportMapping:
    """A mapping file, or the name of one shipped with UrbanGrid (``la_myla311``)."""
    path = Path(path)
    if not path.exists():
        shipped = shipped_mappings()
        name = path.name if path.name.endswith(".toml") else f"{path.name}.toml"
        if name not in shipped:
            raise ImportRejected(
                f"mapping {path} not found (shipped: {', '.join(sorted(shipped))})", []
            )
        path = shipped[name]
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return rules.parse_mapping(raw)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, rules.MappingError) as exc:
        raise ImportRejected(f"mapping {path}: {exc}", []) from None


def read_rows(
    path: Path, mapping: rules.ImportMapping
) -> tuple[list[rules.Row], list[rules.Skip], int]:
    """Parsed rows, skipped rows, and the number of data rows."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ImportRejected(f"cannot read {path}: {exc.strerror}", []) from None
    with handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or [])
        wanted = {c for names in mapping.columns.values() for c in names}
        missing = sorted(wanted - header)
        if missing:
            raise ImportRejected(
                f"{path.name} lacks the column(s) {', '.join(missing)} named by the mapping",
                [{"line": 1, "message": f"missing column {c}"} for c in missing],
            )
        good: list[rules.Row] = []
        bad: list[rules.Skip] = []
        seen: dict[str, int] = {}
        total = 0
        try:
            for raw in reader:
                total += 1
                line = reader.line_num
                try:
                    row = rules.parse_row(line, raw, mapping)
                except rules.Skip as skip:
                    bad.append(skip)
                    continue
                if row.external_id in seen:
                    bad.append(
                        rules.Skip(
                            line,
                            f"same id as line {seen[row.external_id]}",
                            row.external_id,
                            "repeated id",
                        )
                    )
                    continue
                seen[row.external_id] = line
                good.append(row)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportRejected(f"{path.name} is not readable CSV: {exc}", []) from None
    return good, bad, total


# ---------------------------------------------------------------- reference data


def _jurisdiction(session: Session, spec: rules.JurisdictionSpec) -> Jurisdiction:
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == spec.code))
    if found is not None:
        return found
    settings: dict[str, Any] = {}
    if spec.open311_id:
        settings["open311"] = {"jurisdiction_id": spec.open311_id}
    j = Jurisdiction(
        code=spec.code,
        name=spec.name,
        timezone=spec.timezone,
        source_crs=spec.source_crs,
        settings=settings,
    )
    session.add(j)
    session.flush()
    return j


def _categories(
    session: Session, mapping: rules.ImportMapping, jurisdiction: Jurisdiction
) -> dict[str, Category]:
    """service code → category of the jurisdiction's catalogue; the mapping's local
    categories are created as the jurisdiction's own."""
    existing = {(c.kind, c.code): c for c in categories_in(session, jurisdiction.id)}
    for lc in mapping.local_categories:
        if (lc.kind, lc.code) not in existing:
            cat = Category(
                jurisdiction_id=jurisdiction.id,
                kind=lc.kind,
                code=lc.code,
                big_code=lc.big_code,
                big_name=lc.big_name,
                name=lc.name,
                is_national=False,
                pinyin=pinyin_initials(lc.name),
                conditions=[],
            )
            session.add(cat)
            existing[(lc.kind, lc.code)] = cat
    out: dict[str, Category] = {}
    unknown = []
    for code in mapping.service_codes:
        kind = "matter" if code[0] == "M" else "component"
        cat = existing.get((kind, code[1:]))
        if cat is None:
            unknown.append(code)
            continue
        out[code] = cat
    if unknown:
        raise ImportRejected(
            f"the mapping names categories that do not exist: {', '.join(unknown)}",
            [{"line": None, "message": f"unknown category {c}"} for c in unknown],
        )
    session.flush()
    return out


def _same(condition: FilingCondition, spec: rules.DefaultCondition) -> bool:
    return (
        condition.description == spec.description
        and Decimal(condition.time_limit_value) == spec.limit_value
        and condition.time_limit_unit == spec.limit_unit
    )


def _limit_text(condition: FilingCondition) -> str:
    return f"{condition.time_limit_value} {condition.time_limit_unit}"


def _condition(
    session: Session, category: Category, mapping: rules.ImportMapping
) -> FilingCondition:
    """The filing condition (and so the time limit) of the category's imported cases.

    Without a ``[default_condition]`` the category's first active condition. With one, and
    the category has no active condition (or its first is the mapping's own), the mapping's.
    When the category already has a different condition, ``filing_condition`` in the mapping
    says which wins: never silently."""
    active = sorted(
        (c for c in category.conditions if c.is_active), key=lambda c: (c.seq, c.id or 0)
    )
    spec = mapping.default_condition
    if spec is None:
        if active:
            return active[0]
        raise ImportRejected(
            f"category {category.kind} {category.code} has no filing condition and the "
            "mapping gives no [default_condition]",
            [],
        )
    if active and _same(active[0], spec):
        return active[0]
    if active:
        if mapping.filing_condition is None:
            raise ImportRejected(
                f"category {category.kind} {category.code} {category.name} already has the "
                f"filing condition {active[0].description!r} ({_limit_text(active[0])}), "
                f"unlike the mapping's [default_condition] ({spec.limit_value} "
                f'{spec.limit_unit}): say which wins with filing_condition = "existing" '
                'or "mapping" in the mapping',
                [],
            )
        if mapping.filing_condition == "existing":
            return active[0]
    for c in category.conditions:
        if _same(c, spec):
            return c
    condition = FilingCondition(
        seq=max((c.seq for c in category.conditions), default=0) + 1,
        description=spec.description,
        time_limit_value=spec.limit_value,
        time_limit_unit=spec.limit_unit,
        time_limit_raw=f"{spec.limit_value} {spec.limit_unit}",
        closing_condition=spec.closing_condition,
        # Beside the category's own conditions, the import's is for imported history only:
        # live filing keeps using the category's.
        is_active=not active,
    )
    category.conditions.append(condition)
    session.flush()
    return condition


def _departments(
    session: Session, jurisdiction: Jurisdiction, mapping: rules.ImportMapping
) -> dict[str, int]:
    have = {
        d.code: d.id
        for d in session.scalars(
            select(Department).where(Department.jurisdiction_id == jurisdiction.id)
        )
    }
    for code in mapping.department_codes:
        if code not in have:
            dep = Department(
                jurisdiction_id=jurisdiction.id,
                code=code,
                name=mapping.department_names.get(code, code),
            )
            session.add(dep)
            session.flush()
            have[code] = dep.id
    return have


def import_context(jurisdiction: Jurisdiction, mapping: rules.ImportMapping) -> wf.Context:
    """The jurisdiction's workflow context, its working calendar spanning the mapping's
    ``calendar_years``."""
    base = cases.context_for(jurisdiction)
    first, last = mapping.calendar_years
    if (base.clock.calendar.first_year, base.clock.calendar.last_year) == (first, last):
        return base
    raw = (jurisdiction.settings or {}).get("worktime") or {}
    try:
        spec = json.dumps(raw, sort_keys=True, default=str)
        clock = _clock(spec, jurisdiction.timezone, first, last)
    except (WorkTimeError, ValueError) as exc:
        raise ImportRejected(f"calendar_years {first}–{last}: {exc}", []) from None
    return wf.Context(base.config, clock)


@lru_cache(maxsize=8)
def _clock(raw: str, tz: str, first: int, last: int) -> WorkClock:
    spec = json.loads(raw)
    return WorkClock.from_config(
        office_hours=spec.get("office_hours"),
        overrides=spec.get("calendar_overrides") or None,
        tz=tz or "Asia/Shanghai",
        first_year=first,
        last_year=last,
    )


# ---------------------------------------------------------------- workflow replay


def replay(
    row: rules.Row,
    *,
    category_id: int,
    condition: FilingCondition,
    department_id: int | None,
    ctx: wf.Context,
    note: str,
    file: str = "",
) -> tuple[wf.CaseState, list[wf.Event]]:
    """The events of one historical case, produced by the pure workflow. With the source's
    due time (``row.due``) the 派遣 event's deadline is replaced by it."""
    limit = {"value": str(condition.time_limit_value), "unit": condition.time_limit_unit}
    actor = wf.Actor(None, _IMPORT_ROLES, department_id)
    first = wf.start_case(
        wf.Command(
            wf.Action.REPORT,
            note + "".join(f"; source {k}: {v}" for k, v in row.labels.items()),
            {
                "source": row.source,
                "category_id": category_id,
                "filing_condition_id": condition.id,
                "limit": limit,
            },
        ),
        actor,
        row.created,
        ctx,
    )
    extra: dict[str, Any] = {"imported_from": file or note, "import_line": row.line}
    if row.labels:
        extra["source_labels"] = dict(row.labels)
    if row.clamped:
        extra["closed_clamped"] = True
    events = [dataclasses.replace(first, data={**first.data, **extra})]
    state = wf.evolve(None, events[0])
    closed = row.closed
    S, A = wf.Status, wf.Action
    while not state.is_closed:
        step: tuple[wf.Action, datetime, dict[str, Any]] | None = None
        s = state.status
        if s is S.PENDING_INTAKE:
            step = (A.ACCEPT_REPORT, row.created, {})
        elif s is S.PENDING_VERIFY:
            step = (A.VERIFY, row.created, {"confirmed": True})
        elif s is S.PENDING_FILING:
            step = (A.FILE, row.created, {})
        elif s is S.PENDING_DISPATCH and department_id is not None:
            step = (A.DISPATCH, row.created, {"department_id": department_id})
        elif closed is not None and s is S.DISPATCHED:
            step = (A.DEPARTMENT_ACCEPT, closed, {})
        elif closed is not None and s is S.HANDLING:
            step = (A.FEEDBACK, closed, {})
        elif closed is not None and s is S.PENDING_CHECK:
            step = (A.CHECK_PASS, closed, {})
        elif closed is not None and s is S.PENDING_CLOSE:
            step = (A.CLOSE, closed, {})
        elif closed is not None:
            step = (A.FORCE_CLOSE, closed, {})
        if step is None:
            break
        action, at, data = step
        comment = note if action is not A.FORCE_CLOSE else f"{note}; closed in the source system"
        if action is A.DISPATCH and row.due is not None:
            comment = f"{note}; due time from the source: {row.due.isoformat()}"
        event = wf.decide(state, wf.Command(action, comment, data), actor, at, ctx)
        if action is A.DISPATCH and row.due is not None:
            event = _with_source_due(event, row.due, ctx)
        state = wf.evolve(state, event)
        events.append(event)
    return state, events


def _with_source_due(event: wf.Event, due: datetime, ctx: wf.Context) -> wf.Event:
    """The 派遣 event with the source's own deadline; yellow at the same share of the time
    (wall clock) as live cases."""
    span = due - event.at
    warn = event.at + span * float(ctx.config.yellow_ratio) if span.total_seconds() > 0 else due
    data = {
        **event.data,
        "disposal_deadline": wf.iso(due),
        "due_at": wf.iso(due),
        "warn_at": wf.iso(warn),
        "warning_level": wf.level_at(event.at, warn, due).value,
        "source_due": True,
    }
    return dataclasses.replace(event, data=data)


TERMINAL = frozenset(s.value for s in wf.TERMINAL)


def _column_values(case: Case) -> dict[str, Any]:
    """The row of a transient case for a Core insert, column defaults filled in."""
    out: dict[str, Any] = {}
    for column in Case.__table__.columns:
        if column.key == "id":
            continue
        value = getattr(case, column.key, None)
        if value is None and column.default is not None and column.default.is_scalar:
            value = column.default.arg
        elif value is None and column.default is not None and column.default.is_callable:
            value = column.default.arg(None)
        out[column.key] = value
    return out


def _reject(file: Path, bad: list[rules.Skip], total: int, why: str) -> None:
    counts = Counter(s.kind for s in bad)
    ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    hint = (
        "nothing imported (strict)"
        if why == "strict"
        else "nothing imported; fix the file or the mapping, or accept the skips with --allow-skips"
    )
    raise ImportRejected(
        f"{file.name}: {len(bad)} of {total} row(s) would be skipped "
        f"({describe_counts(ordered)}); {hint}",
        [{"line": s.line, "message": s.reason} for s in sorted(bad, key=lambda s: s.line)],
    )


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def import_cases(
    session: Session,
    file: Path,
    mapping_path: Path | str,
    *,
    strict: bool = False,
    allow_skips: bool = True,
    now: datetime | None = None,
) -> ImportReport:
    """Import ``file``. Rows that cannot be read are skipped and listed; with ``strict`` a
    bad row rejects the file before anything is written, with ``allow_skips=False`` any
    skipped row (also one already imported) rejects it. A rejection leaves the session's
    transaction to be rolled back by the caller: nothing of the import stays."""
    try:
        return _import_cases(
            session, file, mapping_path, strict=strict, allow_skips=allow_skips, now=now
        )
    except DataError as exc:
        # A value the database refuses (too long, out of range): the same message on
        # SQLite and PostgreSQL, no traceback; the caller rolls back.
        raise ImportRejected(
            f"{file.name}: a value does not fit the database: {str(exc.orig).strip()}", []
        ) from None


def _import_cases(
    session: Session,
    file: Path,
    mapping_path: Path | str,
    *,
    strict: bool,
    allow_skips: bool,
    now: datetime | None,
) -> ImportReport:
    now = now or utcnow()
    mapping = load_mapping(mapping_path)
    good, bad, total = read_rows(file, mapping)
    if strict and bad:
        _reject(file, bad, total, "strict")
    jurisdiction = _jurisdiction(session, mapping.jurisdiction)
    categories = _categories(session, mapping, jurisdiction)
    conditions = {code: _condition(session, cat, mapping) for code, cat in categories.items()}
    departments = _departments(session, jurisdiction, mapping)
    already = {
        ext: number
        for ext, number in session.execute(
            select(Case.external_id, Case.number).where(
                Case.jurisdiction_id == jurisdiction.id, Case.external_id.is_not(None)
            )
        )
    }
    fresh = []
    for row in good:
        if row.external_id in already:
            bad.append(
                rules.Skip(
                    row.line,
                    f"already imported (case {already[row.external_id]})",
                    row.external_id,
                    "already imported",
                )
            )
        else:
            fresh.append(row)
    ctx = import_context(jurisdiction, mapping)
    tz = ZoneInfo(jurisdiction.timezone)
    report = ImportReport(
        file.name, mapping.name, f"{jurisdiction.code} {jurisdiction.name}", rows=total
    )
    built_all: list[tuple[rules.Row, wf.CaseState, list[wf.Event]]] = []
    for row in fresh:
        note = f"imported from {file.name} line {row.line}"
        try:
            state, events = replay(
                row,
                category_id=categories[row.service_code].id,
                condition=conditions[row.service_code],
                department_id=departments.get(row.department_code) if row.department_code else None,
                ctx=ctx,
                note=note,
                file=file.name,
            )
        except WorkTimeError as exc:
            first, last = mapping.calendar_years
            bad.append(
                rules.Skip(
                    row.line,
                    f"{exc} (calendar_years {first}–{last} in the mapping)",
                    row.external_id,
                    "outside calendar_years",
                )
            )
            continue
        built_all.append((row, state, events))
    if not allow_skips and bad:
        _reject(file, bad, total, "allow_skips")
    report.clamped = [row.line for row, _, _ in built_all if row.clamped]
    for part in _chunks(built_all, 2000):
        built = []
        for row, state, events in part:
            case = Case(
                jurisdiction_id=jurisdiction.id,
                number=row.external_id,
                year=row.created.astimezone(tz).year,
                source=state.source.value,
                external_id=row.external_id,
                category_id=state.category_id,
                filing_condition_id=state.filing_condition_id,
                lon=row.lon,
                lat=row.lat,
                address=row.address,
                description=row.description,
                urgency="normal",
                created_at=row.created,
                updated_at=events[-1].at,
            )
            cases.apply_state(case, state)
            case.version = state.version
            built.append((case, events))
        table = Case.__table__
        values = [_column_values(case) for case, _ in built]
        try:
            ids = (
                session.connection()
                .execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), values)
                .scalars()
                .all()
            )
        except IntegrityError as exc:
            # The caller rolls back: nothing of this import stays.
            raise ImportRejected(
                f"{file.name} conflicts with cases already stored (a case number is taken): "
                f"{exc.orig}",
                [],
            ) from None
        rows = [
            {
                "case_id": case_id,
                "jurisdiction_id": jurisdiction.id,
                "seq": seq,
                "action": e.action.value,
                "actor_id": e.actor_id,
                "actor_role": e.actor_role,
                "at": e.at,
                "from_state": e.from_state.value if e.from_state else None,
                "to_state": e.to_state.value,
                "comment": e.comment,
                "data": dict(e.data),
                "attachments": list(e.attachments),
            }
            for case_id, (_, events) in zip(ids, built, strict=True)
            for seq, e in enumerate(events, start=1)
        ]
        session.connection().execute(insert(CaseEvent.__table__), rows)
        for case, _ in built:
            report.imported += 1
            if case.status in TERMINAL:
                report.closed += 1
            else:
                report.open += 1
    report.skipped = sorted((s.as_dict() for s in bad), key=lambda s: s["line"])
    batch = ImportBatch(
        jurisdiction_id=jurisdiction.id,
        source_name=file.name,
        mapping_name=mapping.name,
        rows_total=total,
        rows_imported=report.imported,
        skipped=report.skipped,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    report.batch_id = batch.id
    return report
