"""Every script under bench/ runs in its quick mode, so none of them rots: the test command
runs them all (seconds each) and checks that they finish and print their figures.

A script joins by existing: ``bench/*.py`` is globbed, and each runs as
``python bench/<script> --quick`` from an empty temporary directory. Its figure lines are
checked against ``FIGURES`` (a script not listed there must still print at least one line
with a number in it).

A script that cannot run here prints ``skipped: <path> not found …`` (data under ../shared,
Chromium) or ``skipped: PostgreSQL unreachable …`` and exits 0; the test then checks that
the path really is absent, or that no PostgreSQL URL was given, and skips. A script that
reads ``URBANGRID_BENCH_DATABASE_URL`` is marked ``db``: on the PostgreSQL pass of the test
command it gets the test server's URL there and must run against it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
SCRIPTS = sorted(p.name for p in BENCH.glob("*.py"))
PG_URL = os.environ.get("URBANGRID_TEST_DATABASE_URL")
CHROMIUM = Path(os.environ.get("URBANGRID_CHROMIUM", "/usr/bin/chromium"))
UI_BUILT = (REPO / "src" / "urbangrid" / "web" / "static" / "dist" / "index.html").is_file()
TIMEOUT_S = 300  # a quick mode takes seconds; this only stops a hung script

NUM = r"[0-9][0-9,.]*"
# Per script: regular expressions, each of which must match a line of the quick run's output.
FIGURES: dict[str, list[str]] = {
    "bench_classifier.py": [
        rf"^titles {NUM} \(unique\), bodies {NUM}",
        rf"^titles\s+titles\s+{NUM}\s+{NUM}\s+{NUM}",  # macro-F1 ours, baseline, ratio
        rf"^titles\s+title\s+single\s+{NUM}\s+{NUM}\s+{NUM}",  # predictions/s
        rf"^titles\s+title\s+batch\s+{NUM}\s+{NUM}\s+{NUM}",
    ],
    "bench_deadlines.py": [
        rf"^vectorised deadlines_ns: {NUM} µs/deadline",
        rf"^scalar deadline\(\): +{NUM} µs/deadline",
        rf"^speed-up vectorised / scalar: {NUM}×",
        r"^scalar vs vectorised mismatches on the sample: 0$",
    ],
    "bench_evaluation.py": [
        rf"^department evaluation .*PostgreSQL +{NUM} ms.*DuckDB +{NUM} ms.*"
        rf"ratio +{NUM} +identical True",
        rf"^every grid's area evaluation .*ratio +{NUM} +identical True",
        rf"^both .*ratio +{NUM}",
    ],
    "bench_waste_demo.py": [
        rf"^waste month of {NUM} days: {NUM} s, {NUM} rows added \({NUM} fixes\)",
        rf"^checks again over the stored month: {NUM} s, {NUM} violations found, 0 opened",
    ],
    "bench_export.py": [
        rf"^rows: {NUM} in the workbook, {NUM} in the CSV",
        rf"^xlsx export \(route\): {NUM} s, {NUM} rows/s, peak memory \+{NUM} MB",
        rf"^csv baseline \(same rows\): {NUM} s, {NUM} rows/s, peak memory \+{NUM} MB",
        rf"^ratio xlsx / csv: time {NUM}",
    ],
    "bench_fleet_ingest.py": [
        rf"^fixes: {NUM}",
        rf"^SQLite +ours +{NUM} fixes/s \({NUM} stored\) +plain bulk load +{NUM} fixes/s +"
        rf"time ours / plain {NUM}",
    ],
    "bench_fleet_tracks.py": [
        rf"^fleet: {NUM} vehicles × {NUM} days, {NUM} fixes",
        rf"^geofences {NUM} s, stops {NUM} s, trips {NUM} s: {NUM} s for the month",
        rf"^stops {NUM} inferred, {NUM} true: precision 1\.0000 recall 1\.0000",
        rf"^one vehicle .*ratio {NUM}×, same stops True",
    ],
    "bench_patch_matching.py": [
        rf"^ours: parse {NUM} s, check {NUM} s, project {NUM} s, match {NUM} s: {NUM} s end to end",
        rf"^match only: ours {NUM} s, STRtree loop {NUM} s, ratio {NUM}×, same answers True",
        r"^answers: .*equal to the generated truth True",
    ],
    "bench_waste_rules.py": [
        rf"^noise +30 m interval +30 s: worst precision 1\.00 recall 1\.00 \({NUM} fixes",
        rf"^noise +30 m interval 120 s: worst precision {NUM} recall {NUM}",
    ],
    "bench_waste_indicators.py": [
        rf"^district: {NUM} streets, .* {NUM} tickets, {NUM} inspections",
        rf"^indicators by street and estate .*product {NUM} s, DuckDB {NUM} s, "
        rf"ratio product / DuckDB {NUM}",
        r"^identical True \(0 mismatching figures\)",
    ],
    "bench_waste_screens.py": [
        rf"^map points/status \(SQLite\) ours {NUM} ms +per-point loop {NUM} ms +ratio",
        rf"^replay vehicle day \(SQLite\) {NUM} ms +fixes {NUM} +stops {NUM}",
    ],
    "bench_hardening.py": [
        rf"^ +with the limits and headers +{NUM}",
        rf"^ +without +{NUM}",
        rf"^ +ratio with / without +{NUM}",
        rf"^ +known account +{NUM} +unknown account +{NUM} +ratio +{NUM}",
        rf"^3\. lockout: attempt {NUM} of 12 answered 429",
    ],
    "bench_intake.py": [
        rf"^import: {NUM} rows in {NUM} s wall",
        rf"^ +{NUM} rows per CPU second; workflow replay {NUM}%",
        rf"^outbox capture: {NUM} case reports.*ratio {NUM}",
    ],
    "bench_lifecycle.py": [
        rf"^pure workflow \(baseline\): +{NUM} cases/s",
        rf"^SQLite +service: +{NUM} cases/s.*\( *{NUM}x the pure workflow\)",
        *([rf"^PostgreSQL service: +{NUM} cases/s.*x the pure workflow\)"] if PG_URL else []),
    ],
    "bench_locate.py": [
        rf"^grids: {NUM} generated",
        rf"^generated-grid locator +: +{NUM} M points/s",
        rf"^irregular locator +: +{NUM} M points/s",
        rf"^shapely STRtree bulk +: +{NUM} M points/s",
        rf"^ratio generated / STRtree : +{NUM}×",
        rf"^ratio irregular / STRtree : +{NUM}×",
    ],
    "bench_map.py": [
        rf"^map points API: {NUM} points, {NUM} MB, server time median {NUM} ms",
        *(
            [
                rf"^time to first render .*best {NUM} ms, median {NUM} ms",
                rf"^panning with {NUM} cases: {NUM} frames",
                rf"^median frame time ratio \(cases / base only\): {NUM}",
            ]
            if CHROMIUM.exists() and UI_BUILT
            else []
        ),
    ],
    "bench_worklists.py": [
        rf"^受理 intake +{NUM} +{NUM}$",
        rf"^案件查询 all +{NUM} +{NUM}$",
        rf"^map grid counts +{NUM} +{NUM}$",
        rf"^  受理 intake +{NUM}$",  # the ratio large / small size
        rf"^slowest median at {NUM} cases: {NUM} ms",
    ],
    "bench_import.py": [
        rf"^baseline +read \+ replay \(no database\): {NUM} rows in {NUM} s: {NUM} rows/s",
        rf"^SQLite +import: {NUM} rows in {NUM} s: {NUM} rows/s",
        *([rf"^PostgreSQL import: {NUM} rows in {NUM} s: {NUM} rows/s"] if PG_URL else []),
    ],
    "bench_stats.py": [
        rf"^rows: {NUM} fact records of one year",
        rf"^table category × street +groups +{NUM} +ours \(PostgreSQL\) +{NUM} s +DuckDB +{NUM} s"
        rf" +ratio +{NUM} +identical True",
        rf"^both tables +ours {NUM} s +DuckDB {NUM} s +ratio {NUM}",
    ],
    "bench_serve_workers.py": [
        rf"^(sqlite|postgresql\S*), {NUM} cases, {NUM} clients",
        rf"^1 process: +{NUM} req/s",
        rf"^{NUM} processes: +{NUM} req/s",
        rf"^ratio {NUM}/1: {NUM} \(on {NUM} cores\)",
    ],
    "fit_simulator_params.py": [
        r"^handling_lognormal = \{'advertising': \(",
        r"^reply_lognormal = \(",
        r"^public_hour_shares = \(",
        r"^stored parameters: equal the fit$",
    ],
}


def _params() -> Iterator[object]:
    for name in SCRIPTS:
        marks = [pytest.mark.slow]
        if "URBANGRID_BENCH_DATABASE_URL" in (BENCH / name).read_text(encoding="utf-8"):
            marks.append(pytest.mark.db)
        yield pytest.param(name, marks=marks, id=name)


def test_every_script_is_discovered() -> None:
    assert "bench_hardening.py" in SCRIPTS and "bench_lifecycle.py" in SCRIPTS
    assert all(name in SCRIPTS for name in FIGURES), set(FIGURES) - set(SCRIPTS)


def _check_skip(name: str, out: str) -> None:
    """If the script said it skipped, check the reason holds here, then skip the test."""
    said = re.search(r"^skipped: (.*)$", out, re.M)
    if said is None:
        return
    reason = said.group(1)
    missing = re.match(r"(.+?) not found\b", reason)
    if missing:
        assert not Path(missing.group(1)).exists(), f"{name} skipped, but {reason!r} exists"
    elif reason.startswith("PostgreSQL unreachable"):
        assert PG_URL is None, f"{name} skipped on the PostgreSQL pass: {reason}"
    else:
        pytest.fail(f"{name} skipped for a reason the test cannot check: {reason}")
    pytest.skip(f"{name}: {reason}")


@pytest.mark.parametrize("name", list(_params()))
def test_benchmark_quick_mode_runs(name: str, tmp_path: Path) -> None:
    env = dict(os.environ)
    if PG_URL:
        env["URBANGRID_BENCH_DATABASE_URL"] = PG_URL
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(BENCH / name), "--quick"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    seconds = time.perf_counter() - started
    out = done.stdout
    assert done.returncode == 0, f"exit {done.returncode}\n{out[-2000:]}\n{done.stderr[-3000:]}"
    _check_skip(name, out)
    expected = FIGURES.get(name)
    if expected is None:  # a script this test does not know yet: some line with a figure
        assert re.search(r"^.*[A-Za-z].*\d", out, re.M), out
    else:
        absent = [pattern for pattern in expected if not re.search(pattern, out, re.M)]
        assert not absent, f"{name} printed no line matching {absent}:\n{out}"
    print(f"{name} --quick: {seconds:.1f} s")
