"""``urbangrid evaluation ...`` and the top-level ``urbangrid report`` / ``urbangrid
simulate`` (listed in COMMANDS, mounted by the main CLI)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer

from urbangrid.cli.common import database_engine, fail, reports_errors
from urbangrid.kit.errors import InvalidInput

CLI_NAME = "evaluation"
app = typer.Typer(help="Evaluation (综合评价): monthly report, simulator, configuration.")


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"date must look like 2026-10-01, got {text!r}") from exc


@app.command("report")
@reports_errors
def report(
    month: str = typer.Option(..., help="month to evaluate, YYYY-MM (local time)"),
    out: Path = typer.Option(..., help="output file; FILE.xlsx and FILE.html are written"),
    config: Path = typer.Option(None, help="evaluation configuration (JSON); §7 defaults"),
    sync: bool = typer.Option(True, help="refresh the fact table from the case tables first"),
    tz: str = typer.Option(None, help="time zone of the month (default: the platform's)"),
    jurisdiction: str = typer.Option(
        None, help="the platform (6-digit code) reported on, with those below it; default: all"
    ),
) -> None:
    """Write the monthly evaluation report: an xlsx workbook with charts and a
    print-ready HTML page."""
    from urbangrid.evaluation.config import EvaluationConfig, default_config
    from urbangrid.evaluation.engine import Period
    from urbangrid.evaluation.report import write_html, write_xlsx
    from urbangrid.evaluation.service import monthly_report
    from urbangrid.settings import get_settings

    if config is not None and not config.is_file():
        raise InvalidInput(f"configuration file not found: {config}")
    cfg = EvaluationConfig.load(config) if config else default_config()
    xlsx, html = out.with_suffix(".xlsx"), out.with_suffix(".html")
    if not out.parent.exists():
        raise InvalidInput(f"output directory does not exist: {out.parent}")
    engine = database_engine()
    try:
        scope, zone = None, tz or get_settings().timezone
        if jurisdiction is not None:
            scope, zone = _platform_scope(engine, jurisdiction, tz)
        period = Period.month(month, zone)
        if sync:
            synced = _sync(engine)
            if synced is not None:
                typer.echo(f"fact table refreshed: {synced} cases")
        with engine.connect() as conn:
            rep = monthly_report(conn, period, cfg, scope=scope, tz=zone)
    finally:
        engine.dispose()
    write_xlsx(rep, xlsx)
    write_html(rep, html)
    typer.echo(f"{period.label}: {rep.totals['reported']} reported, {rep.totals['filed']} filed")
    typer.echo(f"wrote {xlsx} and {html}")


def _platform_scope(engine: object, code: str, tz: str | None) -> tuple[Any, str]:
    """The visibility scope of a platform's own centre (its subtree) and its time zone."""
    from sqlalchemy.orm import Session

    from urbangrid.cases.queries import CaseScope
    from urbangrid.org import service as org

    with Session(engine) as session:  # type: ignore[call-overload]
        j = org.get_jurisdiction(session, code)
        return CaseScope(
            org.jurisdiction_subtree(session, j.id), j.id, whole=True
        ), tz or j.timezone


def _sync(engine: object) -> int | None:
    """Refresh facts from the case tables when the case domain is installed."""
    try:
        from urbangrid.evaluation.adapter import sync_facts
    except ImportError:
        return None
    return sync_facts(engine)  # type: ignore[arg-type]


@app.command("simulate")
@reports_errors
def simulate(
    days: int = typer.Option(..., min=1, max=3660, help="number of days to simulate"),
    start: str = typer.Option(None, help="first day (YYYY-MM-DD); default: N days ago"),
    seed: int = typer.Option(0, help="random seed (same seed, same stream)"),
    per_day: float = typer.Option(60.0, help="inspector reports per working day"),
    public_per_day: float = typer.Option(25.0, help="citizen reports per day"),
    bulk: bool = typer.Option(
        False, help="write fact records straight to the fact table (fast, for benchmarks)"
    ),
) -> None:
    """Generate a realistic case stream: through the case service by default (needs a
    jurisdiction with grids, departments and users, e.g. from `urbangrid demo`), or
    directly into the evaluation fact table with --bulk."""
    from datetime import timedelta

    first = _parse_day(start) if start else date.today() - timedelta(days=days)
    engine = database_engine()
    t0 = time.perf_counter()
    try:
        if bulk:
            from urbangrid.evaluation.bulk import bulk_generate

            # steps later than now are left out: recent cases are still open
            n = bulk_generate(
                engine,
                first,
                days,
                seed=seed,
                per_day=per_day,
                public_per_day=public_per_day,
                now=datetime.now(UTC),
            )
        else:
            try:
                from urbangrid.evaluation.simulator.through_service import simulate_through_service
            except ImportError:
                raise fail("the case service is not available; use --bulk") from None
            n = simulate_through_service(
                engine, first, days, seed=seed, per_day=per_day, public_per_day=public_per_day
            )
    finally:
        engine.dispose()
    typer.echo(
        f"simulated {n} cases from {first} over {days} days in {time.perf_counter() - t0:.1f} s"
    )


@app.command("config")
def show_config() -> None:
    """Print the default configuration (JSON) to start a bureau's own from."""
    from urbangrid.evaluation.config import default_config

    typer.echo(default_config().to_json())


COMMANDS = [report, simulate]
