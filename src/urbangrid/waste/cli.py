"""``urbangrid waste ...``: the collection checks (收运监管)."""

from __future__ import annotations

import typer

from urbangrid.cli.common import open_session, reports_errors
from urbangrid.kit.errors import InvalidInput

CLI_NAME = "waste"
app = typer.Typer(help="垃圾分类: collection checks.", no_args_is_help=True)


@app.command("check")
@reports_errors
def check(
    start: str = typer.Option(..., help="first local day, YYYY-MM-DD"),
    end: str = typer.Option(..., help="the day after the last, YYYY-MM-DD"),
    jurisdiction: str = typer.Option(..., help="the platform (6-digit code)"),
) -> None:
    """Run the collection rules (混装混运, 漏收, 磅单与趟次) over the stored fixes and tickets
    of [start, end); each violation not seen before opens a case. Prints counts per rule."""
    from datetime import date

    from sqlalchemy import select

    from urbangrid.org.models import Jurisdiction
    from urbangrid.waste.checks import run_collection_checks

    try:
        first, after = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise InvalidInput("dates look like 2026-11-01", field="start") from None
    with open_session() as session:
        j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction))
        if j is None:
            raise InvalidInput(f"no jurisdiction {jurisdiction}", field="jurisdiction")
        result = run_collection_checks(session, j, first, after)
        typer.echo(f"{j.name}: {result.days_checked} day(s) checked")
        for rule, found in result.found.items():
            typer.echo(f"  {rule:<22} found {found:>4}  opened {result.opened[rule]:>4}")
