"""``urbangrid`` command: init, serve, demo, worker, users, catalog, and every domain's
commands (discovered from ``urbangrid.<domain>.cli``).

Every ``--help`` imports this module and every domain's ``cli`` module, so they import
only the standard library, Typer and light modules at the top: anything heavier
(SQLAlchemy, the settings' pydantic, NumPy, scikit-learn, FastAPI ...) is imported inside
the command that uses it. ``tests/cli/test_cli_startup.py`` checks every command's help.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import typer

from urbangrid.cli.common import database_engine, fail, open_session, reports_errors
from urbangrid.domains import domain_modules

app = typer.Typer(
    name="urbangrid",
    help="UrbanGrid — digital urban management platform (数字化城管).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def initialise_database() -> None:
    """Create or migrate the database to the newest schema and load the national
    category directory. Safe on an existing database: nothing is lost."""
    from urbangrid.catalog.service import load_national_directory
    from urbangrid.migrations.runner import upgrade
    from urbangrid.settings import get_settings

    engine = database_engine()
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    with open_session() as session:
        added = load_national_directory(session)
    typer.echo(f"database ready ({get_settings().database_url}); {added} categories added")


@app.command()
@reports_errors
def init() -> None:
    """Create or migrate the database and load the national category directory."""
    initialise_database()


@app.command()
@reports_errors
def demo(
    cases: bool = typer.Option(True, help="also generate a month of demo cases"),
    waste: bool = typer.Option(
        None,
        "--waste/--no-waste",
        help="also generate a month of waste collection (垃圾分类); default: as --cases",
        show_default=False,
    ),
    construction: bool = typer.Option(
        None,
        "--construction/--no-construction",
        help="also load the 违法建设 register, steps and patch batches; default: as --cases",
        show_default=False,
    ),
) -> None:
    """Load the demo jurisdiction (示范区): areas, grids, departments, users, routing defaults,
    and a month of cases. Running it again changes nothing."""
    from urbangrid.demo.loader import load_demo

    initialise_database()
    with open_session() as session:
        report = load_demo(
            session, with_cases=cases, with_waste=waste, with_construction=construction
        )
    for line in report:
        typer.echo(line)


@app.command()
@reports_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="interface to listen on"),
    port: int = typer.Option(8000, help="TCP port"),
    workers: int = typer.Option(1, min=1, help="server processes (uvicorn workers)"),
    worker: bool = typer.Option(
        None,
        "--worker/--no-worker",
        help="run the background jobs inside the server (default: yes with one process; "
        "with several, run `urbangrid worker` beside it)",
        show_default=False,
    ),
) -> None:
    """Run the web server (API at /api/v1, docs at /docs, web UI at /)."""
    import os

    import uvicorn

    from urbangrid.settings import ensure_production_secret, get_settings

    embedded = workers == 1 if worker is None else worker
    # Each server process builds its app from the environment (uvicorn's factory).
    os.environ["URBANGRID_EMBEDDED_WORKER"] = "1" if embedded else "0"
    get_settings.cache_clear()
    settings = get_settings()
    # Refused here, before uvicorn starts processes that would each refuse and be restarted.
    ensure_production_secret(settings)
    if not embedded:
        typer.echo("background jobs: not in the server; run `urbangrid worker` beside it")
    uvicorn.run(
        "urbangrid.api.app:create_server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


@app.command("backup")
@reports_errors
def backup_command(
    out: Path = typer.Argument(..., help="the backup file to write (a tar)"),
) -> None:
    """Back up the database and the stored photos into one file (also while serving)."""
    from urbangrid.backup import backup
    from urbangrid.settings import get_settings

    engine = database_engine()
    try:
        manifest = backup(engine, get_settings().upload_dir, out)
    finally:
        engine.dispose()
    counts = ", ".join(f"{k} {v}" for k, v in manifest["counts"].items())
    typer.echo(f"wrote {out}: {counts}, {manifest['files']} files")


@app.command("restore")
@reports_errors
def restore_command(
    source: Path = typer.Argument(..., help="a file written by `urbangrid backup`"),
) -> None:
    """Restore a backup into the configured database, which must be empty."""
    from urbangrid.backup import restore
    from urbangrid.settings import get_settings

    engine = database_engine()
    try:
        manifest = restore(engine, get_settings().upload_dir, source)
    finally:
        engine.dispose()
    counts = ", ".join(f"{k} {v}" for k, v in manifest["restored"].items())
    typer.echo(f"restored {source}: {counts}, {manifest['files']} files")


users = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(users, name="users")


@users.command("unlock")
@reports_errors
def users_unlock(username: str) -> None:
    """Lift the lockout of an account after too many failed logins."""
    from urbangrid.auth import audit
    from urbangrid.auth.limits import Limiter
    from urbangrid.auth.service import account_key

    engine = database_engine()
    try:
        cleared = Limiter(engine).clear(account_key(username))
        audit.record(engine, "unlock", username=username, detail={"by": "command line"})
    finally:
        engine.dispose()
    typer.echo(f"{username}: {'unlocked' if cleared else 'was not locked'}")


@users.command("create")
@reports_errors
def users_create(
    username: str,
    role: list[str] = typer.Option(..., "--role", help="role (repeatable): inspector, ..."),
    password: str | None = typer.Option(
        None, help="the password (default: asked on the terminal, or --password-stdin)"
    ),
    password_stdin: bool = typer.Option(
        False,
        "--password-stdin",
        help="read the password from the first line of standard input (no terminal needed)",
    ),
    display_name: str = typer.Option("", help="name shown in the UI"),
    department: str = typer.Option(None, help="department code (department handlers)"),
    grid: list[str] = typer.Option([], "--grid", help="15-digit grid code (inspectors)"),
    jurisdiction: str = typer.Option(None, help="6-digit jurisdiction code"),
) -> None:
    """Create a user with one or more roles. The password is asked on the terminal unless
    given with --password or, for scripts, --password-stdin:

        printf '%s\\n' "$PASSWORD" | urbangrid users create NAME --role admin --password-stdin
    """
    from urbangrid.org import service
    from urbangrid.org.models import Jurisdiction

    password = _new_password(password, password_stdin)
    with open_session() as session:
        j: Jurisdiction | None = None
        try:
            j = service.get_jurisdiction(session, jurisdiction)
        except Exception:
            if jurisdiction:
                raise
        user = service.create_user(
            session,
            username=username,
            display_name=display_name or username,
            password=password,
            roles=role,
            jurisdiction=j,
            department_code=department,
            grid_codes=grid,
        )
        typer.echo(f"created user {user.username} ({', '.join(user.role_names)})")


@users.command("reset-password")
@reports_errors
def users_reset_password(
    username: str,
    password: str | None = typer.Option(
        None, help="the new password (default: asked on the terminal, or --password-stdin)"
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="read the new password from standard input"
    ),
) -> None:
    """Set a new password for a user (say, the only admin who forgot it); its sessions and
    tokens end. The same password rules as everywhere else apply."""
    from sqlalchemy import select

    from urbangrid.auth import audit
    from urbangrid.kit.errors import NotFound
    from urbangrid.org import service
    from urbangrid.org.models import User

    new = _new_password(password, password_stdin)
    with open_session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username}")
        service.set_password(session, user, new)
        audit.add(
            session,
            "admin",
            username=username,
            detail={"change": "password reset", "user": username, "by": "command line"},
        )
    typer.echo(f"{username}: password reset; its sessions ended")


def _new_password(given: str | None, from_stdin: bool) -> str:
    """The new user's password: --password, the first line of standard input
    (--password-stdin), or asked twice on the terminal. Never empty."""
    if from_stdin and given is not None:
        raise fail("give the password with --password or --password-stdin, not both")
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise fail("--password-stdin: the first line of standard input is empty")
        return password
    if given is None:
        given = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not given:
        raise fail("the password is empty")
    return given


@users.command("list")
@reports_errors
def users_list() -> None:
    """List users and their roles."""
    from urbangrid.org import service

    with open_session() as session:
        for user in service.list_users(session):
            typer.echo(f"{user.username:<16} {user.display_name:<12} {','.join(user.role_names)}")


catalog = typer.Typer(help="Category catalogue (部件 / 事项) and filing conditions.")
app.add_typer(catalog, name="catalog", no_args_is_help=True)


@catalog.command("import")
@reports_errors
def catalog_import(
    file: Path,
    jurisdiction: str = typer.Option(
        None, help="the platform (6-digit code) whose catalogue it is; default: the shared one"
    ),
) -> None:
    """Import a city's filing-condition table (CSV). Nothing is imported if a row is bad."""
    from urbangrid.catalog.service import import_file
    from urbangrid.org.service import get_jurisdiction

    with open_session() as session:
        target = get_jurisdiction(session, jurisdiction).id if jurisdiction else None
        s = import_file(session, file, target)
    for w in s.warnings:
        typer.secho(f"warning: line {w['line']}: {w['message']}", fg=typer.colors.YELLOW, err=True)
    typer.echo(
        f"imported {file}: categories +{s.categories_created} ~{s.categories_updated}, "
        f"conditions +{s.conditions_created} ~{s.conditions_updated} "
        f"retired {s.conditions_retired}"
    )


@catalog.command("export")
@reports_errors
def catalog_export(
    file: Path,
    jurisdiction: str = typer.Option(
        None, help="the platform (6-digit code) whose catalogue to export; default: shared"
    ),
) -> None:
    """Export the active filing conditions as CSV (re-importable unchanged)."""
    from urbangrid.catalog.service import export_file
    from urbangrid.org.service import get_jurisdiction

    with open_session() as session:
        target = get_jurisdiction(session, jurisdiction).id if jurisdiction else None
        n = export_file(session, file, target)
    typer.echo(f"exported {n} filing conditions to {file}")


@catalog.command("list")
@reports_errors
def catalog_list(
    query: str = typer.Argument("", help="code prefix, name or pinyin initials"),
    kind: str = typer.Option(None, help="component or matter"),
    limit: int = typer.Option(50),
) -> None:
    """List categories, optionally filtered."""
    from urbangrid.catalog.directory import parse_kind
    from urbangrid.catalog.service import search

    with open_session() as session:
        for cat in search(session, query, parse_kind(kind) if kind else None, limit):
            local = "" if cat.is_national else "  [local]"
            typer.echo(f"{cat.kind:<9} {cat.code}  {cat.big_name} / {cat.name}{local}")


# Nested or aliased commands that live in a domain package.
_EXTRA_APPS = (("urbangrid.intake.classifier.cli", "app", "classifier"),)
# Top-level shortcuts for domain commands: (module, function, command name).
# (A domain can also list top-level commands in its module's ``COMMANDS``.)
_ALIASES: tuple[tuple[str, str, str], ...] = ()


def _mount_domains() -> None:
    mounted: set[str] = set()
    for module in domain_modules("cli"):
        for name, sub in getattr(module, "APPS", [(getattr(module, "CLI_NAME", None), None)]):
            sub = sub or getattr(module, "app", None)
            if name and sub is not None and name not in mounted:
                app.add_typer(sub, name=name)
                mounted.add(name)
        for command in getattr(module, "COMMANDS", []):
            app.command()(command)
    for module_name, attr, name in _EXTRA_APPS:
        if name in mounted:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        app.add_typer(getattr(module, attr), name=name)
    for module_name, attr, name in _ALIASES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        command = getattr(module, attr, None)
        if command is not None:
            app.command(name)(command)


_mount_domains()


def main() -> None:
    app()
