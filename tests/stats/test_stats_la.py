"""统计分析 on real data: the Los Angeles MyLA311 file imported whole, then counts and
time-to-close medians per category from the statistics equal pandas on the same file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from urbangrid.catalog.models import Category
from urbangrid.catalog.service import load_national_directory
from urbangrid.evaluation.adapter import sync_facts
from urbangrid.intake.importer import import_cases, load_mapping
from urbangrid.stats import service
from urbangrid.stats.figures import Dimension, StatsPeriod

LA = "America/Los_Angeles"
MAPPING = "la_myla311"


@pytest.mark.slow
def test_medians_per_category_equal_pandas(
    shared_dir: Path, session: Session, engine: Engine
) -> None:
    source = shared_dir / "data/311/la_service_requests_10k.csv"
    load_national_directory(session)
    session.commit()
    report = import_cases(session, source, MAPPING)
    session.commit()
    assert report.imported == 9989
    sync_facts(engine)

    # pandas on the file: local times (no zone) made instants, durations in seconds.
    mapping = load_mapping(MAPPING)
    df = pd.read_csv(source, dtype={"type_id": str})
    df["code"] = df["type_id"].map(mapping.categories)
    created = pd.to_datetime(df["created_date"]).dt.tz_localize(LA)
    closed = pd.to_datetime(df["closed_date"]).dt.tz_localize(LA)
    df["seconds"] = (closed - created).dt.total_seconds()
    done = df.dropna(subset=["seconds"])
    want_median = done.groupby("code")["seconds"].median().to_dict()
    want_p90 = done.groupby("code")["seconds"].quantile(0.9).to_dict()
    want_reported = df.groupby("code").size().to_dict()
    want_closed = done.groupby("code").size().to_dict()

    first, last = created.min().date(), created.max().date()
    assert first == date(2020, 1, 1) and last >= first
    period = StatsPeriod(first, last, LA)
    with engine.connect() as conn:
        table = service.table(conn, period, Dimension.CATEGORY)
    code_of = {
        str(i): ("M" if kind == "matter" else "C") + code
        for i, kind, code in session.execute(sa.select(Category.id, Category.kind, Category.code))
    }
    got = {code_of[k]: f for k, f in table.row_totals.items() if k is not None}
    assert None not in table.row_totals
    assert got.keys() == want_median.keys() and len(got) >= 8
    for code, figures in got.items():
        assert figures.reported == want_reported[code]
        assert figures.closed == want_closed[code]
        assert float(figures.median_close_s) == want_median[code], code  # type: ignore[arg-type]
        assert abs(float(figures.p90_close_s) - want_p90[code]) < 1e-6, code  # type: ignore[arg-type]
    assert table.total.reported == len(df) and table.total.closed == len(done)
    assert float(table.total.median_close_s) == done["seconds"].median()  # type: ignore[arg-type]
