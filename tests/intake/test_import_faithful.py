"""Historical import, faithful (issue 14): the source's due time as the deadline and the
on-time basis, missing-value tokens, clamping of close-before-open, catch-all category and
department, joined columns, the source's own labels kept, calendar years, which filing
condition wins, errors that name the expected format, nothing written on a rejection, and
the SLA watcher leaving imported history alone.

Rows come from ../shared/data/311/la_service_requests_10k.csv (skipped when absent); the
variants (due times, ``NA`` cells, rows closed before they were opened) are derived from a
slice in a temporary folder, and their counts are taken from the written file with duckdb.
"""

from __future__ import annotations

import csv
import random
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.cases import service as cases
from urbangrid.cases import workflow as wf
from urbangrid.cases.models import Case, CaseEvent
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.catalog.service import load_national_directory
from urbangrid.intake import import_rules as rules
from urbangrid.intake.adapters import channel_principal
from urbangrid.intake.importer import import_cases, shipped_mappings
from urbangrid.intake.models import ImportBatch
from urbangrid.kit.errors import ImportRejected
from urbangrid.org.models import Department, Jurisdiction

LA = ZoneInfo("America/Los_Angeles")
FMT = "%Y-%m-%d %H:%M:%S"


# ---------------------------------------------------------------- helpers


def la_mapping() -> dict[str, Any]:
    return tomllib.loads(shipped_mappings()["la_myla311.toml"].read_text(encoding="utf-8"))


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def dump_toml(raw: dict[str, Any]) -> str:
    """A minimal TOML writer for mappings (tables, lists of tables, scalars, lists)."""
    top = [f"{k} = {toml_value(v)}" for k, v in raw.items() if not isinstance(v, dict | list)]
    top += [
        f"{k} = {toml_value(v)}"
        for k, v in raw.items()
        if isinstance(v, list) and not (v and isinstance(v[0], dict))
    ]
    out = ["\n".join(top)]

    def table(name: str, body: dict[str, Any]) -> None:
        scalars = {k: v for k, v in body.items() if not isinstance(v, dict)}
        out.append(
            f"[{name}]\n"
            + "\n".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in scalars.items())
        )
        for k, v in body.items():
            if isinstance(v, dict):
                table(f"{name}.{k}", v)

    for k, v in raw.items():
        if isinstance(v, dict):
            table(k, v)
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                out.append(
                    f"[[{k}]]\n" + "\n".join(f"{ik} = {toml_value(iv)}" for ik, iv in item.items())
                )
    return "\n\n".join(out) + "\n"


def write_mapping(folder: Path, raw: dict[str, Any], name: str = "m.toml") -> Path:
    path = folder / name
    path.write_text(dump_toml(raw), encoding="utf-8")
    return path


def la_rows(shared_dir: Path, n: int | None = None) -> list[dict[str, str]]:
    with (shared_dir / "data/311/la_service_requests_10k.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return rows[:n] if n else rows


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def utc(local: str) -> datetime:
    return datetime.strptime(local, FMT).replace(tzinfo=LA).astimezone(UTC)


def counts(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        int(session.scalar(select(func.count()).select_from(m)) or 0)
        for m in (Jurisdiction, Department, Category, FilingCondition, Case, CaseEvent, ImportBatch)
    )


def first_events(session: Session) -> dict[str, CaseEvent]:
    return {
        number: event
        for number, event in session.execute(
            select(Case.external_id, CaseEvent).join(CaseEvent).where(CaseEvent.seq == 1)
        )
        if number is not None
    }


@pytest.fixture
def directory(session: Session) -> Session:
    """A database with reference data: the national catalogue (with its own filing
    conditions, in Chinese working hours)."""
    load_national_directory(session)
    session.commit()
    return session


# ---------------------------------------------------------------- pure: the mapping


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"departments": {"1": "X" * 33}}, "33 characters; a department code has 1 to 32"),
        ({"default_department": "Y" * 40}, "default_department"),
        ({"department_names": {"BSL": "n" * 101}}, "1 to 100"),
        ({"calendar_years": [1800, 2045]}, "calendar_years must be"),
        ({"calendar_years": [2020, 2010]}, "calendar_years must be"),
        ({"closed_before_created": "drop"}, "closed_before_created must be one of"),
        ({"filing_condition": "both"}, "filing_condition must be one of"),
        ({"default_category": "10900"}, "default_category '10900' is not a service code"),
        ({"join": {"nothing": " "}}, "[join] names fields not in [columns]"),
        ({"labels": {"colour": {}}}, "[labels] has only"),
        ({"missing_values": "NA"}, "missing_values must be a list"),
        ({"columns": {**la_mapping()["columns"], "address": []}}, "non-empty list"),
    ],
)
def test_bad_mapping_keys_are_refused_with_the_reason(change: dict, needle: str) -> None:
    raw = la_mapping()
    raw.update(change)
    with pytest.raises(rules.MappingError) as err:
        rules.parse_mapping(raw)
    assert needle in str(err.value)


def test_the_shipped_mapping_round_trips_through_the_toml_writer() -> None:
    raw = la_mapping()
    assert tomllib.loads(dump_toml(raw)) == raw


# ---------------------------------------------------------------- pure: rows


def mapping(**changes: Any) -> rules.ImportMapping:
    raw = la_mapping()
    raw.update(changes)
    return rules.parse_mapping(raw)


ROW = {
    "srnumber": "1-1",
    "created_date": "2020-01-01 08:00:00",
    "closed_date": "2020-01-02 09:00:00",
    "type_id": "1",
    "agency_id": "4",
    "source_id": "7",
    "address": "1 MAIN ST",
    "latitude": "34.05",
    "longitude": "-118.25",
}


def test_missing_value_tokens_make_an_open_case() -> None:
    row = rules.parse_row(2, {**ROW, "closed_date": "NA"}, mapping())
    assert row.closed is None
    with pytest.raises(rules.Skip) as err:
        rules.parse_row(2, {**ROW, "closed_date": "NA"}, mapping(missing_values=[""]))
    assert "closed time 'NA' does not match datetime_format '%Y-%m-%d %H:%M:%S'" in err.value.reason
    assert (
        "'2020-01-31 14:05:00'" in err.value.reason and err.value.kind == "closed time unreadable"
    )


def test_close_before_open_is_skipped_or_clamped() -> None:
    early = {**ROW, "closed_date": "2020-01-01 07:55:00"}
    with pytest.raises(rules.Skip, match="closed before it was created") as err:
        rules.parse_row(3, early, mapping())
    assert err.value.kind == "closed before created"
    row = rules.parse_row(3, early, mapping(closed_before_created="clamp"))
    assert row.clamped and row.closed == row.created == utc("2020-01-01 08:00:00")


def test_catch_all_category_and_department() -> None:
    row = rules.parse_row(2, {**ROW, "type_id": "99", "agency_id": "123"}, mapping())
    assert (row.service_code, row.department_code) == ("M10900", "OTHER")
    strict = mapping(default_category="", default_department="")
    with pytest.raises(rules.Skip, match="no default_category"):
        rules.parse_row(2, {**ROW, "type_id": "99"}, strict)
    with pytest.raises(rules.Skip, match="no default_department"):
        rules.parse_row(2, {**ROW, "agency_id": "123"}, strict)


def test_columns_joined_into_one_field() -> None:
    columns = {
        **la_mapping()["columns"],
        "created": ["day", "time"],
        "address": ["address", "zip"],
    }
    m = mapping(columns=columns, join={"address": ", "})
    raw = {**ROW, "day": "2020-01-01", "time": "08:00:00", "zip": "90012"}
    row = rules.parse_row(2, raw, m)
    assert row.created == utc("2020-01-01 08:00:00") and row.address == "1 MAIN ST, 90012"
    assert rules.parse_row(2, {**raw, "zip": "NA"}, m).address == "1 MAIN ST"
    with pytest.raises(rules.Skip, match="no created time"):
        rules.parse_row(2, {**raw, "time": ""}, m)


def test_labels_and_due_time_are_read() -> None:
    columns = {**la_mapping()["columns"], "due": "target_dt", "status": "state"}
    m = mapping(columns=columns)
    row = rules.parse_row(2, {**ROW, "target_dt": "2020-01-03 08:00:00", "state": "Closed"}, m)
    assert row.due == utc("2020-01-03 08:00:00")
    assert row.labels == {
        "category": "Graffiti (1)",
        "channel": "Mobile App (7)",
        "status": "Closed",
    }


def test_years_outside_calendar_years_name_the_key() -> None:
    old = {**ROW, "created_date": "2005-03-01 08:00:00", "closed_date": "2005-03-02 08:00:00"}
    with pytest.raises(rules.Skip, match="outside calendar_years 2010–2045") as err:
        rules.parse_row(2, old, mapping(calendar_years=[2010, 2045]))
    assert "widen calendar_years" in err.value.reason
    assert rules.parse_row(2, old, mapping(calendar_years=[2000, 2045])).created.year == 2005


# ---------------------------------------------------------------- database


def test_la_slice_round_trips_with_due_times_and_labels(
    tmp_path: Path, shared_dir: Path, directory: Session
) -> None:
    """A slice with the city's own due times (target_dt, varying per row as a city's
    service levels do) and on-time flag; imported twice: with the filing condition's limit
    (before) and with the due time mapped (after)."""
    session = directory
    rng = random.Random(14)
    rows = []
    for r in la_rows(shared_dir, 300):
        created = datetime.strptime(r["created_date"], FMT)
        target = created + timedelta(hours=rng.randint(2, 14 * 24))
        if r["closed_date"]:
            flag = "ONTIME" if datetime.strptime(r["closed_date"], FMT) <= target else "OVERDUE"
        else:
            flag = "OPEN"
        rows.append(
            {
                **r,
                "target_dt": target.strftime(FMT),
                "ontime": flag,
                "case_status": "Closed" if r["closed_date"] else "Open",
            }
        )
    path = write_csv(tmp_path / "due.csv", rows)
    closed = [r for r in rows if r["ontime"] != "OPEN"]

    def disagreements(jurisdiction: str) -> int:
        got = {
            c.external_id: c
            for c in session.scalars(
                select(Case).join(Jurisdiction).where(Jurisdiction.code == jurisdiction)
            )
        }
        return sum((r["ontime"] == "ONTIME") == got[r["srnumber"]].handled_overdue for r in closed)

    before_raw = la_mapping()
    before_raw["jurisdiction"] = {**before_raw["jurisdiction"], "code": "990102"}
    before = import_cases(session, path, write_mapping(tmp_path, before_raw, "before.toml"))
    after_raw = la_mapping()
    after_raw["columns"] = {**after_raw["columns"], "due": "target_dt", "status": "case_status"}
    after = import_cases(session, path, write_mapping(tmp_path, after_raw, "after.toml"))
    session.commit()
    assert before.imported == after.imported == 300 and not after.skipped
    disagree_before, disagree_after = disagreements("990102"), disagreements("990101")
    print(
        f"on-time verdicts disagreeing with the file's flag: {disagree_before} of {len(closed)} "
        f"without the due time, {disagree_after} with it"
    )
    assert disagree_before > 0 and disagree_after == 0
    # The source's due time is the deadline; the labels are on the first event.
    session.expire_all()
    stored = {
        c.external_id: c
        for c in session.scalars(
            select(Case).where(
                Case.jurisdiction_id
                == session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == "990101"))
            )
        )
    }
    firsts = {k: v for k, v in first_events(session).items() if k in stored}
    for r in rows:
        case = stored[r["srnumber"]]
        assert case.disposal_deadline == utc(r["target_dt"])
        if r["closed_date"]:
            assert case.closed_at == utc(r["closed_date"])
        else:
            assert case.due_at == utc(r["target_dt"]) and case.status == "dispatched"
        event = firsts[r["srnumber"]]
        labels = event.data["source_labels"]
        assert labels["category"].endswith(f"({r['type_id']})")
        assert labels["channel"].endswith(f"({r['source_id']})")
        assert labels["status"] == r["case_status"]
        assert f"source category: {labels['category']}" in event.comment
        assert event.data["imported_from"] == "due.csv"
    for case in list(stored.values())[:20]:
        assert cases.rebuild_case_state(session, case.id) == cases.state_of(case)


def test_na_tokens_and_close_before_open_counts_equal_the_file(
    tmp_path: Path, shared_dir: Path, directory: Session
) -> None:
    """An export where "no close time" is written NA and some rows were closed minutes
    before they were opened (the source's clocks): counts taken from the file by duckdb."""
    session = directory
    rows = la_rows(shared_dir, 600)
    for i, r in enumerate(rows):
        if not r["closed_date"] or i % 97 == 0:
            r["closed_date"] = "NA"
        elif i % 41 == 0:
            created = datetime.strptime(r["created_date"], FMT)
            r["closed_date"] = (created - timedelta(minutes=3 + i % 5)).strftime(FMT)
    path = write_csv(tmp_path / "na.csv", rows)
    na, early = (
        duckdb.connect()
        .execute(
            f"""select count(*) filter (where closed_date = 'NA'),
                   count(*) filter (where closed_date <> 'NA'
                                    and try_strptime(closed_date, '{FMT}')
                                        < strptime(created_date, '{FMT}'))
            from read_csv('{path}', all_varchar = true)"""
        )
        .fetchone()
    )
    assert na > 0 and early > 0

    def run(name: str, **changes: Any) -> Any:
        raw = la_mapping()
        raw.update(changes)
        return import_cases(session, path, write_mapping(tmp_path, raw, name))

    # Without NA as a missing value, each open row is unreadable; without clamp, each early
    # row is skipped: nothing of it written (not allowed to skip).
    before = counts(session)
    plain = write_mapping(tmp_path, {**la_mapping(), "missing_values": [""]}, "plain.toml")
    with pytest.raises(ImportRejected) as err:
        import_cases(session, path, plain, allow_skips=False)
    session.rollback()
    assert counts(session) == before
    message = str(err.value)
    assert f"{na + early} of 600 row(s) would be skipped" in message
    assert f"closed time unreadable {na}" in message and f"closed before created {early}" in message
    # NA is missing: open cases; the early rows skipped, counted by reason.
    skipped = run("skip.toml")
    session.rollback()
    assert skipped.imported == 600 - early and skipped.open == na
    assert skipped.skip_counts() == {"closed before created": early}
    # Clamped: every row imported, the clamped ones counted and listed.
    clamped = run("clamp.toml", closed_before_created="clamp")
    session.commit()
    assert (clamped.imported, clamped.open, len(clamped.clamped)) == (600, na, early)
    assert f"{early} closed before created" in "\n".join(clamped.lines())
    n_closed_at_creation = session.scalar(
        select(func.count()).where(Case.closed_at == Case.reported_at)
    )
    assert n_closed_at_creation == early


def test_calendar_years_widen_the_working_calendar(
    tmp_path: Path, shared_dir: Path, directory: Session
) -> None:
    session = directory
    rows = []
    for r in la_rows(shared_dir, 40):
        rows.append(
            {
                **r,
                "created_date": r["created_date"].replace("2020-", "2004-", 1),
                "closed_date": r["closed_date"].replace("2020-", "2004-", 1),
            }
        )
    path = write_csv(tmp_path / "old.csv", rows)
    narrow = {**la_mapping(), "calendar_years": [2010, 2045]}
    report = import_cases(session, path, write_mapping(tmp_path, narrow, "narrow.toml"))
    session.rollback()
    assert report.imported == 0 and report.skip_counts() == {"outside calendar_years": 40}
    assert "widen calendar_years" in report.skipped[0]["reason"]
    report = import_cases(session, path, write_mapping(tmp_path, la_mapping(), "wide.toml"))
    session.commit()
    assert report.imported == 40 and not report.skipped
    assert session.scalar(select(func.min(Case.reported_at))).year == 2004


def _national_condition(session: Session, code: str) -> FilingCondition:
    cat = session.scalar(
        select(Category).where(
            Category.kind == "matter", Category.code == code, Category.jurisdiction_id.is_(None)
        )
    )
    assert cat is not None
    return sorted((c for c in cat.conditions if c.is_active), key=lambda c: c.seq)[0]


def test_the_mapping_says_which_filing_condition_wins(
    tmp_path: Path, shared_dir: Path, directory: Session
) -> None:
    session = directory
    path = write_csv(
        tmp_path / "graffiti.csv", [r for r in la_rows(shared_dir, 200) if r["type_id"] == "1"][:10]
    )
    # The bureau's own filing table: 建筑物外立面污损 within 2 working hours.
    graffiti = session.scalar(
        select(Category).where(Category.kind == "matter", Category.code == "06004")
    )
    assert graffiti is not None
    graffiti.conditions.append(
        FilingCondition(
            seq=1,
            description="外立面污损",
            time_limit_value=2,
            time_limit_unit="work_hour",
            time_limit_raw="2工作时",
        )
    )
    session.commit()
    national = _national_condition(session, "06004")
    raw = la_mapping()
    del raw["filing_condition"]
    before = counts(session)
    with pytest.raises(ImportRejected, match='filing_condition = "existing" or "mapping"'):
        import_cases(session, path, write_mapping(tmp_path, raw, "silent.toml"))
    session.rollback()
    assert counts(session) == before
    # "existing": the category's own condition and limit.
    existing = {**raw, "filing_condition": "existing"}
    existing["jurisdiction"] = {**raw["jurisdiction"], "code": "990103"}
    import_cases(session, path, write_mapping(tmp_path, existing, "existing.toml"))
    # "mapping": the mapping's, added beside the category's (inactive for live filing).
    import_cases(
        session, path, write_mapping(tmp_path, {**raw, "filing_condition": "mapping"}, "m.toml")
    )
    session.commit()
    got = {
        code: {(c.filing_condition_id, str(c.limit_value), c.limit_unit) for c in found}
        for code in ("990103", "990101")
        for found in [
            session.scalars(select(Case).join(Jurisdiction).where(Jurisdiction.code == code)).all()
        ]
    }
    assert got["990103"] == {
        (national.id, str(national.time_limit_value), national.time_limit_unit)
    }
    ((cond_id, value, unit),) = got["990101"]
    assert (cond_id != national.id, float(value), unit) == (True, 5.0, "natural_day")
    session.expire_all()
    assert _national_condition(session, "06004").id == national.id  # live filing unchanged
    assert session.get(FilingCondition, cond_id).is_active is False


def test_bad_input_names_the_problem_and_writes_nothing(
    tmp_path: Path, shared_dir: Path, directory: Session
) -> None:
    session = directory
    path = write_csv(tmp_path / "slice.csv", la_rows(shared_dir, 30))
    before = counts(session)
    long_code = {
        **la_mapping(),
        "departments": {
            **la_mapping()["departments"],
            "2": "Bureau of Sanitation - Solid Resources",
        },
    }
    with pytest.raises(ImportRejected) as err:
        import_cases(session, path, write_mapping(tmp_path, long_code, "long.toml"))
    session.rollback()
    assert "'Bureau of Sanitation - Solid Resources' has 38 characters" in str(err.value)
    assert counts(session) == before
    wrong = {**la_mapping(), "datetime_format": "%m/%d/%Y %I:%M:%S %p"}
    with pytest.raises(ImportRejected) as err:
        import_cases(session, path, write_mapping(tmp_path, wrong, "wrong.toml"), allow_skips=False)
    session.rollback()
    text = str(err.value)
    assert "30 of 30 row(s) would be skipped (created time unreadable 30)" in text
    assert "line 2: created time '2020-01-01 00:05:00' does not match datetime_format" in text
    assert "'%m/%d/%Y %I:%M:%S %p' (for example '01/31/2020 02:05:00 PM')" in text
    assert counts(session) == before


def test_the_sla_watcher_leaves_imported_history_alone(
    tmp_path: Path, shared_dir: Path, directory: Session
) -> None:
    session = directory
    rows = [r for r in la_rows(shared_dir) if not r["closed_date"]][:15]
    report = import_cases(session, write_csv(tmp_path / "open.csv", rows), "la_myla311")
    session.commit()
    assert report.open == 15
    today = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    levels = dict(session.execute(select(Case.id, Case.warning_level)).all())
    # A live case of the same jurisdiction, overdue today, is still warned.
    la = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "990101"))
    live = cases.create_case(
        session,
        channel_principal(la, "hotline"),
        cases.NewCase(source="hotline", lon=-118.3, lat=34.0),
        now=today - timedelta(days=30),
    )
    session.commit()
    live_level = live.warning_level
    changed = cases.sla_scan(session, now=today)
    session.commit()
    warned = session.scalars(
        select(CaseEvent.case_id).where(CaseEvent.action == wf.Action.WARN.value)
    ).all()
    session.expire_all()
    assert set(warned) == {live.id} and changed == 1
    after = dict(
        session.execute(select(Case.id, Case.warning_level).where(Case.id != live.id)).all()
    )
    assert after == levels
    assert live_level is not None


def test_unlisted_types_and_agencies_go_to_the_catch_alls(
    tmp_path: Path, shared_dir: Path, directory: Session
) -> None:
    session = directory
    rows = la_rows(shared_dir, 20)
    rows[3] = {**rows[3], "type_id": "77", "agency_id": "555"}
    rows[4] = {**rows[4], "agency_id": "Bureau of Sanitation - Solid Resources Division"}
    path = write_csv(tmp_path / "catch.csv", rows)
    report = import_cases(session, path, "la_myla311", allow_skips=False)
    session.commit()
    assert report.imported == 20
    got = {
        number: (kind, code, dep)
        for number, kind, code, dep in session.execute(
            select(Case.external_id, Category.kind, Category.code, Department.code)
            .join(Category, Category.id == Case.category_id)
            .join(Department, Department.id == Case.department_id)
        )
    }
    assert got[rows[3]["srnumber"]] == ("matter", "10900", "OTHER")
    assert got[rows[4]["srnumber"]][2] == "OTHER"
    first = first_events(session)[rows[3]["srnumber"]]
    assert first.data["source_labels"]["category"] == "77"  # the source's own value kept
    again = import_cases(session, path, "la_myla311")
    session.rollback()
    assert again.skip_counts() == {"already imported": 20}
