"""Helpers every CLI command uses: opening the database, reporting domain errors."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from urbangrid.db import make_engine, session_scope
from urbangrid.kit.errors import DomainError
from urbangrid.settings import get_settings

P = ParamSpec("P")
R = TypeVar("R")


def database_engine() -> Engine:
    url = get_settings().database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).expanduser().resolve().parent.mkdir(
            parents=True, exist_ok=True
        )
    return make_engine(url)


@contextmanager
def open_session() -> Iterator[Session]:
    """A session on the configured database; committed on success, rolled back on error."""
    engine = database_engine()
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def reports_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn domain and database errors into a message on stderr and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            raise fail(str(exc)) from None
        except OperationalError as exc:
            raise fail(f"database error: {exc.orig}") from None

    return wrapper
