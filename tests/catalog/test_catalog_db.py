"""Catalogue import / export on the database (SQLite and PostgreSQL)."""

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from urbangrid.catalog import service
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.kit.errors import ImportRejected


def _counts(session: Session) -> tuple[int, int]:
    cats = session.scalar(select(func.count()).select_from(Category)) or 0
    conds = session.scalar(select(func.count()).select_from(FilingCondition)) or 0
    return cats, conds


def test_national_directory_loads_once(session: Session) -> None:
    assert service.load_national_directory(session) == 403
    assert service.load_national_directory(session) == 0
    assert _counts(session) == (403, 0)


def test_yuncheng_round_trip(session: Session, shared_dir: Path, tmp_path: Path) -> None:
    source = shared_dir / "reference/yuncheng_2026_filing_and_time_limits.csv"
    summary = service.import_file(session, source)
    session.commit()
    assert summary.conditions_created == 519
    assert summary.categories_created == 74  # local extensions
    first = tmp_path / "first.csv"
    assert service.export_file(session, first) == 519

    # Importing our own export changes nothing and exports the same bytes.
    again = service.import_file(session, first)
    session.commit()
    assert (again.conditions_created, again.conditions_updated, again.conditions_retired) == (
        0,
        0,
        0,
    )
    second = tmp_path / "second.csv"
    service.export_file(session, second)
    assert first.read_bytes() == second.read_bytes()


def test_round_trip_into_an_empty_database(session: Session, shared_dir: Path, tmp_path: Path):
    service.import_file(session, shared_dir / "reference/yuncheng_2026_filing_and_time_limits.csv")
    first = tmp_path / "first.csv"
    service.export_file(session, first)
    # wipe and re-import only our export
    session.execute(delete(FilingCondition))
    session.execute(delete(Category))
    session.commit()
    service.import_file(session, first)
    session.commit()
    second = tmp_path / "second.csv"
    service.export_file(session, second)
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")


def test_bad_file_imports_nothing(session: Session, tmp_path: Path) -> None:
    service.load_national_directory(session)
    good = tmp_path / "good.csv"
    good.write_text(
        "kind,code,name,filing_condition,time_limit_value,time_limit_unit,closing_condition\n"
        "component,01001,供水井盖,缺失,2,urgent_hour_continuous,恢复\n",
        encoding="utf-8",
    )
    service.import_file(session, good)
    session.commit()
    before = _counts(session)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "kind,code,name,filing_condition,time_limit_value,time_limit_unit,closing_condition\n"
        "component,01002,污水井盖,缺失,2,urgent_hour_continuous,恢复\n"
        "component,01001,供水井盖,缺失,x,work_day,恢复\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as info:
        service.import_file(session, bad)
    session.rollback()
    assert [e["line"] for e in info.value.errors] == [3]
    assert _counts(session) == before
    cond = session.scalar(select(FilingCondition))
    assert cond is not None and str(cond.time_limit_value) in ("2", "2.00")


def test_reimport_retires_conditions_no_longer_listed(session: Session, tmp_path: Path) -> None:
    header = "kind,code,name,filing_condition,time_limit_value,time_limit_unit,closing_condition\n"
    f = tmp_path / "t.csv"
    f.write_text(
        header
        + "component,01001,供水井盖,缺失,2,urgent_hour_continuous,恢复\n"
        + "component,01001,供水井盖,破损,4,work_hour,修复\n",
        encoding="utf-8",
    )
    service.import_file(session, f)
    f.write_text(header + "component,01001,供水井盖,破损,8,work_hour,修复\n", encoding="utf-8")
    summary = service.import_file(session, f)
    assert (summary.conditions_updated, summary.conditions_retired) == (1, 1)
    rows = service.export_rows(session)
    assert [(r["filing_condition"], r["time_limit_value"]) for r in rows] == [("破损", "8")]


def test_search_by_code_name_and_pinyin(session: Session) -> None:
    service.load_national_directory(session)
    assert {(c.kind, c.code) for c in service.search(session, "gsjg")} == {
        ("component", "01001"),
        ("matter", "01001"),
    }
    assert all(c.code.startswith("0100") for c in service.search(session, "0100"))
    names = {c.name for c in service.search(session, "井盖")}
    assert "供水井盖" in names and "污水井盖异常" in names
    # Full pinyin, whole or a part of the name, any case.
    by_pinyin = {c.name for c in service.search(session, "JingGai")}
    assert by_pinyin == {c.name for c in service.search(session, "井盖")}
    assert {c.code for c in service.search(session, "gongshuijinggai")} == {"01001"}
