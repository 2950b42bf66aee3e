"""``urbangrid open311 ...``, ``urbangrid import ...``, ``urbangrid hotline ...``,
``urbangrid webhooks ...``."""

from __future__ import annotations

from pathlib import Path

import typer

from urbangrid.cli.common import open_session, reports_errors

open311_app = typer.Typer(help="Open311 GeoReport v2: client API keys.", no_args_is_help=True)
import_app = typer.Typer(help="Import historical cases.", no_args_is_help=True)
hotline_app = typer.Typer(help="12345 hotline interface.", no_args_is_help=True)
webhooks_app = typer.Typer(help="Signed webhooks (event subscribers).", no_args_is_help=True)

APPS = [
    ("open311", open311_app),
    ("import", import_app),
    ("hotline", hotline_app),
    ("webhooks", webhooks_app),
]


def _create_key(name: str, channel: str, jurisdiction: str | None) -> None:
    from urbangrid.intake.keys import create_key

    with open_session() as session:
        row, key = create_key(session, name, channel=channel, jurisdiction_code=jurisdiction)
        typer.echo(key)
        typer.echo(
            f"key {row.id} '{row.name}' for {channel}: keep it, it is not shown again", err=True
        )


@open311_app.command("create-key")
@reports_errors
def open311_create_key(
    name: str = typer.Argument(..., help="name of the client application"),
    jurisdiction: str = typer.Option(None, help="6-digit jurisdiction code the key reports into"),
) -> None:
    """Issue an api_key for a client application; prints the key (once)."""
    _create_key(name, "open311", jurisdiction)


@open311_app.command("list-keys")
@reports_errors
def open311_list_keys() -> None:
    """List client keys (prefix only) of every channel."""
    from urbangrid.intake.keys import list_keys

    with open_session() as session:
        for row in list_keys(session):
            state = "revoked" if row.revoked_at else "active"
            typer.echo(f"{row.id:>4} {row.channel:<8} {row.key_prefix}…  {state:<8} {row.name}")


@open311_app.command("revoke-key")
@reports_errors
def open311_revoke_key(key_id: int) -> None:
    """Revoke a client key by its id."""
    from urbangrid.intake.keys import revoke_key

    with open_session() as session:
        row = revoke_key(session, key_id)
        typer.echo(f"revoked key {row.id} '{row.name}'")


@hotline_app.command("create-key")
@reports_errors
def hotline_create_key(
    name: str = typer.Argument(..., help="name of the hotline platform"),
    jurisdiction: str = typer.Option(None, help="6-digit jurisdiction code"),
) -> None:
    """Issue the key the 12345 platform sends as X-Api-Key; prints it (once)."""
    _create_key(name, "hotline", jurisdiction)


@webhooks_app.command("add")
@reports_errors
def webhooks_add(
    name: str,
    url: str,
    event: list[str] = typer.Option(["*"], "--event", help="event type or pattern (repeatable)"),
    secret: str = typer.Option(None, help="signing secret (default: a new random one)"),
) -> None:
    """Subscribe URL to events; prints the signing secret."""
    from urbangrid.intake.webhooks import subscribe

    with open_session() as session:
        row = subscribe(session, name, url, event, secret=secret)
        typer.echo(row.secret)
        typer.echo(f"subscription {row.id} → {row.url} for {', '.join(row.event_types)}", err=True)


@webhooks_app.command("list")
@reports_errors
def webhooks_list() -> None:
    """List subscriptions and delivery counts."""
    from urbangrid.intake.webhooks import delivery_counts, list_subscriptions

    with open_session() as session:
        for row in list_subscriptions(session):
            state = "active" if row.is_active else "disabled"
            typer.echo(f"{row.id:>4} {state:<8} {row.url}  {','.join(row.event_types)}")
        typer.echo(f"deliveries: {delivery_counts(session)}")


@webhooks_app.command("disable")
@reports_errors
def webhooks_disable(subscription_id: int) -> None:
    """Stop sending to a subscription."""
    from urbangrid.intake.webhooks import deactivate

    with open_session() as session:
        row = deactivate(session, subscription_id)
        typer.echo(f"disabled subscription {row.id}")


@webhooks_app.command("run")
@reports_errors
def webhooks_run(
    once: bool = typer.Option(False, help="one round, then exit"),
    interval: float = typer.Option(5.0, help="seconds between idle rounds"),
) -> None:
    """Run the webhook worker (fan-out and deliveries with retries)."""
    import threading

    from urbangrid.cli.common import database_engine
    from urbangrid.db import session_factory
    from urbangrid.intake import background, webhooks

    engine = database_engine()
    factory = session_factory(engine)
    try:
        if once:
            result = webhooks.run_once(factory)
            typer.echo(
                f"fanned out {result.fanned_out}, delivered {result.delivered}, "
                f"failed {result.failed}"
            )
            return
        stop = threading.Event()
        try:
            background.run_forever(factory, stop, interval)
        except KeyboardInterrupt:
            stop.set()
    finally:
        engine.dispose()


@import_app.command("cases")
@reports_errors
def import_cases_command(
    file: Path = typer.Argument(..., help="CSV file of historical cases"),
    mapping: str = typer.Option(
        ..., "--mapping", help="mapping file (TOML), or a shipped one: la_myla311"
    ),
    allow_skips: bool = typer.Option(
        False,
        "--allow-skips",
        help="import the readable rows even if some are skipped (default: any skipped row "
        "rejects the file, nothing imported, exit status 1)",
    ),
    strict: bool = typer.Option(
        False, help="reject the whole file if any row is bad, before writing anything"
    ),
) -> None:
    """Import historical cases with their original times; prints the report (rows skipped
    by reason, each skipped row and why, rows clamped). The mapping format: docs/import.md.
    Exit status 1 and nothing imported when a row would be skipped, unless --allow-skips.
    A failure leaves the database as it was."""
    from urbangrid.intake.importer import import_cases

    with open_session() as session:
        report = import_cases(session, file, mapping, strict=strict, allow_skips=allow_skips)
    for line in report.lines():
        typer.echo(line)
