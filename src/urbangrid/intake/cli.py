"""``urbangrid open311 ...``, ``urbangrid import ...``, ``urbangrid hotline ...``,
``urbangrid webhooks ...``."""

from __future__ import annotations

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
