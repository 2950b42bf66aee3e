"""Historical import: mapping checks, skipped rows listed with the reason, original times,
closed cases closed, snapshots equal to the replayed events, all-or-nothing on failure,
the whole Los Angeles file, and the evaluation of January 2020 from it."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from urbangrid.cases import service as cases
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.catalog.models import Category
from urbangrid.catalog.service import load_national_directory
from urbangrid.intake import import_rules as rules
from urbangrid.intake.adapters import channel_principal
from urbangrid.intake.importer import import_cases, load_mapping
from urbangrid.intake.models import ImportBatch, OutboxMessage
from urbangrid.kit.errors import ImportRejected
from urbangrid.org.models import Department, Jurisdiction
from urbangrid.settings import get_settings

LA = ZoneInfo("America/Los_Angeles")
MAPPING = "la_myla311"


def la_rows(shared_dir: Path) -> list[dict[str, str]]:
    with (shared_dir / "data/311/la_service_requests_10k.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def utc(local: str) -> datetime:
    return datetime.strptime(local, "%Y-%m-%d %H:%M:%S").replace(tzinfo=LA).astimezone(UTC)


def counts(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        int(session.scalar(select(func.count()).select_from(m)) or 0)
        for m in (Jurisdiction, Department, Case, CaseEvent, ImportBatch)
    )


# ---------------------------------------------------------------- pure


def test_shipped_mapping_parses() -> None:
    m = load_mapping(MAPPING)
    assert m.source_timezone == "America/Los_Angeles" and m.jurisdiction.code == "990101"
    assert set(m.categories) == {str(i) for i in range(1, 13)}


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"columns": {"external_id": "x"}}, "lacks"),
        ({"source_timezone": "Mars/Olympus"}, "time zone"),
        ({"sources": {"1": "pigeon"}}, "pigeon"),
        ({"categories": {"1": "06010"}}, "service code"),
        ({"jurisdiction": {"code": "1", "name": "x"}}, "6 characters"),
        ({"default_condition": {"limit_value": -1, "limit_unit": "natural_day"}}, "positive"),
    ],
)
def test_bad_mappings_are_refused(change: dict, needle: str) -> None:
    import tomllib

    from urbangrid.intake.importer import shipped_mappings

    raw = tomllib.loads(shipped_mappings()["la_myla311.toml"].read_text(encoding="utf-8"))
    raw.update(change)
    with pytest.raises(rules.MappingError, match=needle):
        rules.parse_mapping(raw)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    )
)
def test_local_times_become_the_same_instant_in_utc(local: datetime) -> None:
    got = rules.parse_time(
        local.strftime("%Y-%m-%d %H:%M:%S"), "%Y-%m-%d %H:%M:%S", "America/Los_Angeles"
    )
    assert got.tzinfo is UTC
    assert got == local.replace(tzinfo=LA).astimezone(UTC)


# ---------------------------------------------------------------- database


@pytest.fixture
def directory(session: Session) -> Session:
    load_national_directory(session)
    session.commit()
    return session


def test_slice_with_bad_rows(tmp_path: Path, shared_dir: Path, directory: Session) -> None:
    session = directory
    rows = la_rows(shared_dir)[:200]
    bad = [
        {**rows[0], "srnumber": ""},
        {**rows[1], "srnumber": "X-closed-early", "closed_date": "2019-12-31 00:00:00"},
        {**rows[2], "srnumber": "X-type", "longitude": "200"},
        {**rows[3], "srnumber": "X-lat", "latitude": "north"},
        {**rows[4], "srnumber": "X-date", "created_date": "yesterday"},
        dict(rows[5]),  # the same srnumber again
    ]
    path = write_csv(tmp_path / "slice.csv", rows + bad)
    report = import_cases(session, path, MAPPING)
    session.commit()
    assert (report.rows, report.imported) == (206, 200)
    reasons = {s["line"]: s["reason"] for s in report.skipped}
    assert sorted(reasons) == list(range(202, 208))  # header is line 1
    assert "no id" in reasons[202] and "closed before" in reasons[203]
    assert "out of range" in reasons[204] and "latitude" in reasons[205]
    assert "does not match datetime_format '%Y-%m-%d %H:%M:%S'" in reasons[206]
    assert "same id as line 7" in reasons[207]
    # Original timestamps; closed rows closed; the snapshot is what the events rebuild to.
    stored = {c.external_id: c for c in session.scalars(select(Case))}
    for row in rows:
        case = stored[row["srnumber"]]
        assert case.reported_at == utc(row["created_date"])
        if row["closed_date"]:
            assert case.status == "closed" and case.closed_at == utc(row["closed_date"])
        else:
            assert case.status not in ("closed", "voided", "not_filed")
    for case in list(stored.values())[:25]:
        assert cases.rebuild_case_state(session, case.id) == cases.state_of(case)
    # Departments from the mapping, sources mapped, nothing published to webhooks.
    sources = Counter(c.source for c in stored.values())
    assert sources["hotline"] == sum(r["source_id"] in ("8", "9") for r in rows)
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    # Importing the same file again imports nothing and says why.
    again = import_cases(session, path, MAPPING)
    session.commit()
    assert again.imported == 0
    assert sum("already imported" in s["reason"] for s in again.skipped) == 200


def test_strict_import_with_a_bad_row_changes_nothing(
    tmp_path: Path, shared_dir: Path, directory: Session
) -> None:
    rows = la_rows(shared_dir)[:50]
    rows[10] = {**rows[10], "latitude": "north"}
    path = write_csv(tmp_path / "strict.csv", rows)
    before = counts(directory)
    with pytest.raises(ImportRejected) as err:
        import_cases(directory, path, MAPPING, strict=True)
    directory.rollback()
    assert err.value.errors == [{"line": 12, "message": "no readable latitude/longitude"}]
    assert counts(directory) == before


def test_failure_while_writing_leaves_the_database_as_it_was(
    tmp_path: Path, shared_dir: Path, directory: Session
) -> None:
    session = directory
    rows = la_rows(shared_dir)[:120]
    path = write_csv(tmp_path / "clash.csv", rows)
    # A case of LA already carries the number of row 100 under another id: the insert fails.
    la = Jurisdiction(
        code="990101", name="Los Angeles", timezone="America/Los_Angeles", settings={}
    )
    session.add(la)
    session.flush()
    case = cases.create_case(
        session,
        channel_principal(la, "hotline"),
        cases.NewCase(source="hotline", lon=-118.3, lat=34.0),
        now=utc("2020-01-05 10:00:00"),
    )
    case.number = rows[99]["srnumber"]
    session.commit()
    before = counts(session)
    with pytest.raises(ImportRejected, match="conflicts"):
        import_cases(session, path, MAPPING)
    session.rollback()
    assert counts(session) == before


def test_cli_prints_the_report_and_refuses_a_bad_mapping(
    tmp_path: Path,
    shared_dir: Path,
    db_url: str,
    directory: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from urbangrid.cli.main import app

    monkeypatch.setenv("URBANGRID_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        rows = la_rows(shared_dir)[:30]
        rows.append({**rows[0], "srnumber": "Z-1", "latitude": ""})
        path = write_csv(tmp_path / "cli.csv", rows)
        runner = CliRunner()
        args = ["import", "cases", str(path), "--mapping", MAPPING]
        refused = runner.invoke(app, args)
        assert refused.exit_code == 1, refused.output
        assert "1 of 31 row(s) would be skipped (no location 1)" in refused.output
        assert "--allow-skips" in refused.output and "line 32" in refused.output
        ok = runner.invoke(app, [*args, "--allow-skips"])
        assert ok.exit_code == 0, ok.output
        assert "30 imported" in ok.output and "line 32: skipped (Z-1)" in ok.output
        assert "skipped by reason: no location 1" in ok.output
        broken = tmp_path / "broken.toml"
        broken.write_text("name = 'x'\n[columns]\nexternal_id = 'a'\n", encoding="utf-8")
        bad = runner.invoke(app, ["import", "cases", str(path), "--mapping", str(broken)])
        assert bad.exit_code == 1 and "lacks" in bad.output
    finally:
        get_settings.cache_clear()


# ---------------------------------------------------------------- the whole file


@pytest.mark.slow
def test_the_whole_los_angeles_file(shared_dir: Path, directory: Session, engine: Engine) -> None:
    from urbangrid.evaluation.adapter import sync_facts
    from urbangrid.evaluation.engine import Period
    from urbangrid.evaluation.indicators import ObjectKind
    from urbangrid.evaluation.service import evaluate_kind

    session = directory
    rows = la_rows(shared_dir)
    report = import_cases(session, shared_dir / "data/311/la_service_requests_10k.csv", MAPPING)
    session.commit()
    assert len(rows) == 9989
    assert (report.imported, report.skipped) == (9989, [])
    closed_rows = [r for r in rows if r["closed_date"]]
    assert (report.closed, report.open) == (len(closed_rows), len(rows) - len(closed_rows))
    session.expire_all()
    first = session.scalar(select(Case).where(Case.external_id == rows[0]["srnumber"]))
    assert first is not None and first.reported_at == utc(rows[0]["created_date"])
    earliest = session.scalar(select(func.min(Case.reported_at)))
    assert earliest == min(utc(r["created_date"]) for r in rows)
    n_closed = session.scalar(select(func.count()).where(Case.status == "closed"))
    assert n_closed == len(closed_rows)
    # January 2020 (Los Angeles time) evaluated from the imported rows.
    sync_facts(engine)
    month = Period(datetime(2020, 1, 1, tzinfo=LA), datetime(2020, 2, 1, tzinfo=LA), "2020-01")
    with engine.connect() as conn:
        results = evaluate_kind(conn, ObjectKind.DEPARTMENT, month, as_of=month.end)
    codes = dict(session.execute(select(Department.id, Department.code)).all())
    mapping = load_mapping(MAPPING)
    per_agency = Counter(mapping.departments[r["agency_id"]] for r in rows)
    got = {codes[e.key]: e.counts["dispatched"] for e in results if e.counts.get("dispatched")}
    assert got == dict(per_agency)
    in_month = Counter(
        mapping.departments[r["agency_id"]]
        for r in closed_rows
        if utc(r["closed_date"]) < month.end
    )
    closed = {codes[e.key]: e.counts["closed"] for e in results if e.counts.get("closed")}
    assert closed == dict(in_month)
    # Time to close, median per category (ours, and the source's own type label kept on the
    # case), from the database equal duckdb on the file (local times → instants in SQL).
    source_file = shared_dir / "data/311/la_service_requests_10k.csv"
    service_of = ", ".join(f"('{k}', '{v}')" for k, v in mapping.categories.items())
    label_of = ", ".join(f"('{k}', '{v}')" for k, v in mapping.labels["category"].items())
    seconds = (
        "epoch(timezone('America/Los_Angeles', closed_date)) - "
        "epoch(timezone('America/Los_Angeles', created_date))"
    )
    con = duckdb.connect()
    want_by_code = dict(
        con.execute(
            f"""select m.code, median({seconds})
                from read_csv('{source_file}', types = {{'type_id': 'VARCHAR'}}) f
                join (values {service_of}) m(type_id, code) using (type_id)
                where closed_date is not null group by m.code"""
        ).fetchall()
    )
    want_by_label = dict(
        con.execute(
            f"""select l.label || ' (' || f.type_id || ')', median({seconds})
                from read_csv('{source_file}', types = {{'type_id': 'VARCHAR'}}) f
                join (values {label_of}) l(type_id, label) using (type_id)
                where closed_date is not null group by all"""
        ).fetchall()
    )
    by_code: dict[str, list[float]] = {}
    by_label: dict[str, list[float]] = {}
    for kind, code, opened, done_at, data in session.execute(
        select(Category.kind, Category.code, Case.reported_at, Case.closed_at, CaseEvent.data)
        .join(Category, Category.id == Case.category_id)
        .join(CaseEvent, (CaseEvent.case_id == Case.id) & (CaseEvent.seq == 1))
        .where(Case.status == "closed")
    ):
        took = (done_at - opened).total_seconds()
        by_code.setdefault(("M" if kind == "matter" else "C") + code, []).append(took)
        by_label.setdefault(data["source_labels"]["category"], []).append(took)
    got_by_code = {k: statistics.median(v) for k, v in by_code.items()}
    got_by_label = {k: statistics.median(v) for k, v in by_label.items()}
    assert got_by_code.keys() == want_by_code.keys() and len(got_by_label) >= 10
    assert got_by_label.keys() == want_by_label.keys()
    for got, want in ((got_by_code, want_by_code), (got_by_label, want_by_label)):
        assert all(abs(got[k] - want[k]) < 1e-6 for k in want), (got, want)


def test_report_lines_name_every_skip() -> None:
    from urbangrid.intake.importer import ImportReport

    report = ImportReport("f.csv", "m", "990101 LA", rows=3, imported=1)
    report.skipped = [
        {"line": 2, "external_id": "a", "reason": "no id"},
        {"line": 4, "external_id": None, "reason": "x"},
    ]
    text = "\n".join(report.lines())
    assert "line 2: skipped (a): no id" in text and "line 4: skipped (-): x" in text
    assert io.StringIO(text).read().count("skipped") == 4
    assert "skipped by reason: other 2" in text
