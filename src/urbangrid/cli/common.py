"""Helpers every CLI command uses: opening the database, reporting domain errors.

Kept light to import: every ``--help`` loads this module, so SQLAlchemy, the settings
(pydantic) and the database layer are imported only when a command runs."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer

from urbangrid.kit.errors import DomainError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

P = ParamSpec("P")
R = TypeVar("R")


def database_engine() -> Engine:
    from urbangrid.db import make_engine
    from urbangrid.settings import get_settings

    url = get_settings().database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).expanduser().resolve().parent.mkdir(
            parents=True, exist_ok=True
        )
    return make_engine(url)


@contextmanager
def open_session() -> Iterator[Session]:
    """A session on the configured database; committed on success, rolled back on error."""
    from urbangrid.db import session_scope

    engine = database_engine()
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _database_error(exc: BaseException) -> str | None:
    """The message of SQLAlchemy's OperationalError (a database that cannot be reached or
    used), else None. SQLAlchemy is not imported here: if it was never imported, it raised
    nothing."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.OperationalError):
        return f"database error: {exc.orig}"
    return None


def reports_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn domain and database errors into a message on stderr and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            raise fail(str(exc)) from None
        except Exception as exc:
            message = _database_error(exc)
            if message is None:
                raise
            raise fail(message) from None

    return wrapper
