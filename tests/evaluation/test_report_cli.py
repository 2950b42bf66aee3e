"""`urbangrid report` and `urbangrid simulate --bulk` end to end on a database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from urbangrid.cli.main import app
from urbangrid.evaluation.bulk import bulk_generate
from urbangrid.evaluation.engine import Period
from urbangrid.evaluation.indicators import ObjectKind
from urbangrid.evaluation.service import evaluate_kind, monthly_report
from urbangrid.settings import get_settings

runner = CliRunner()


@pytest.fixture
def use_db(db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("URBANGRID_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_report_writes_workbook_and_html(engine, use_db, tmp_path: Path) -> None:
    n = bulk_generate(engine, date(2026, 9, 1), 61, seed=2, per_day=20, public_per_day=8)
    assert n > 1000
    res = runner.invoke(app, ["report", "--month", "2026-10", "--out", str(tmp_path / "oct")])
    assert res.exit_code == 0, res.output
    wb = load_workbook(tmp_path / "oct.xlsx")
    assert {"概况", "专业部门评价", "单元网格评价", "监督员评价", "红黑榜", "预警"} <= set(
        wb.sheetnames
    )
    ws = wb["专业部门评价"]
    header = [c.value for c in ws[1]]
    rows = {r[1]: r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] is not None}
    with engine.connect() as conn:
        depts = evaluate_kind(conn, ObjectKind.DEPARTMENT, Period.month("2026-10"), with_org=False)
    assert depts and len(ws._charts) >= 1
    for e in depts:
        row = rows[str(e.key)]
        assert row[header.index("综合得分")] == e.score_float
        assert row[header.index("等级")] == e.grade
        assert row[header.index("应处置数")] == e.counts["due"]
    html = (tmp_path / "oct.html").read_text(encoding="utf-8")
    assert "综合评价月报 · 2026-10" in html and "<svg" in html and "@page" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # offline


def test_report_numbers_match_the_pure_engine(engine) -> None:
    bulk_generate(engine, date(2026, 9, 20), 20, seed=4, per_day=15, public_per_day=5)
    with engine.connect() as conn:
        rep = monthly_report(conn, Period.month("2026-10"))
    assert rep.totals["reported"] > 0
    assert rep.citizen["citizen_cases"] > 0
    assert set(rep.changes) == set(ObjectKind)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--month", "2026-13"], "month must look like"),
        (["--month", "2026-10", "--config", "/nonexistent.json"], "not found"),
    ],
)
def test_report_bad_input_exits_non_zero_and_writes_nothing(
    engine, use_db, tmp_path: Path, args: list[str], needle: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    res = runner.invoke(app, ["report", *args, "--out", str(out / "r")])
    assert res.exit_code == 1
    assert needle in res.output
    assert list(out.iterdir()) == []


def test_report_rejects_a_bad_config(engine, use_db, tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"objects": {}, "grades": []}', encoding="utf-8")
    res = runner.invoke(
        app, ["report", "--month", "2026-10", "--config", str(cfg), "--out", str(tmp_path / "r")]
    )
    assert res.exit_code == 1 and "invalid" in res.output
    assert not (tmp_path / "r.xlsx").exists()


def test_simulate_bulk(engine, use_db) -> None:
    res = runner.invoke(app, ["simulate", "--days", "3", "--start", "2026-10-01", "--bulk"])
    assert res.exit_code == 0, res.output
    assert "simulated" in res.output
    bad = runner.invoke(app, ["simulate", "--days", "3", "--start", "yesterday", "--bulk"])
    assert bad.exit_code == 1 and "date must look like" in bad.output


def test_config_command_prints_valid_json() -> None:
    from urbangrid.evaluation.config import EvaluationConfig

    res = runner.invoke(app, ["evaluation", "config"])
    assert res.exit_code == 0
    EvaluationConfig.from_json(res.output)


def test_report_for_one_platform_covers_its_subtree(
    engine, session, use_db, tmp_path: Path
) -> None:
    """`urbangrid report --jurisdiction CODE`: a district's departments only; the city's
    report ranks its two districts."""
    from scope_world import CITY, D1, make_scope_world
    from urbangrid.kit.types import utcnow

    make_scope_world(session)
    month = utcnow().strftime("%Y-%m")
    res = runner.invoke(
        app, ["report", "--month", month, "--out", str(tmp_path / "d1"), "--jurisdiction", D1]
    )
    assert res.exit_code == 0, res.output
    wb = load_workbook(tmp_path / "d1.xlsx")
    text = " ".join(
        str(v) for row in wb["专业部门评价"].iter_rows(values_only=True) for v in row if v
    )
    assert "ZONE329901" in text and "ZONE329902" not in text and "ZONE440199" not in text
    res = runner.invoke(
        app, ["report", "--month", month, "--out", str(tmp_path / "c"), "--jurisdiction", CITY]
    )
    assert res.exit_code == 0, res.output
    rows = list(load_workbook(tmp_path / "c.xlsx")["区县评价"].iter_rows(values_only=True))
    assert {r[1] for r in rows[1:]} == {"ZONE329901 一区", "ZONE329902 二区"}
    bad = runner.invoke(
        app, ["report", "--month", month, "--out", str(tmp_path / "x"), "--jurisdiction", "999999"]
    )
    assert bad.exit_code == 1 and not (tmp_path / "x.xlsx").exists()
