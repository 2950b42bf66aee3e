"""``urbangrid users create``: the password from standard input (--password-stdin) for
scripts and service installs with no terminal, an empty one refused, the prompt kept."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from urbangrid.auth.passwords import verify_password
from urbangrid.cli.main import app
from urbangrid.db import session_factory
from urbangrid.org.models import User
from urbangrid.settings import get_settings

runner = CliRunner()
CREATE = ["users", "create", "clerk", "--role", "dispatcher"]
URBANGRID = [sys.executable, "-c", "from urbangrid.cli.main import main; main()"]


@pytest.fixture
def on_database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("URBANGRID_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def _user(engine: Engine, name: str = "clerk") -> User | None:
    with session_factory(engine)() as session:
        return session.scalar(select(User).where(User.username == name))


def test_password_from_the_first_line_of_stdin(engine: Engine, on_database: str) -> None:
    result = runner.invoke(app, [*CREATE, "--password-stdin"], input="Secret#123\nignored\n")
    assert result.exit_code == 0, result.output
    assert "created user clerk" in result.output
    user = _user(engine)
    assert user is not None and verify_password(user.password_hash, "Secret#123")


def test_empty_stdin_is_refused(engine: Engine, on_database: str) -> None:
    for given in ("", "\n", "\r\n"):
        result = runner.invoke(app, [*CREATE, "--password-stdin"], input=given)
        assert result.exit_code == 1, result.output
        assert "first line of standard input is empty" in result.output
    assert _user(engine) is None


def test_password_and_password_stdin_together_are_refused(engine: Engine, on_database: str) -> None:
    result = runner.invoke(
        app, [*CREATE, "--password", "Secret#123", "--password-stdin"], input="Other#1234\n"
    )
    assert result.exit_code == 1
    assert "not both" in result.output
    assert _user(engine) is None


def test_asks_on_the_terminal_when_no_password_is_given(engine: Engine, on_database: str) -> None:
    result = runner.invoke(app, CREATE, input="Secret#123\nSecret#123\n")
    assert result.exit_code == 0, result.output
    assert "Password" in result.output and "Repeat" in result.output
    user = _user(engine)
    assert user is not None and verify_password(user.password_hash, "Secret#123")


def test_runs_without_a_terminal(engine: Engine, on_database: str) -> None:
    """As a provisioning script runs it: a pipe on stdin, no terminal at all."""
    env = {**os.environ, "URBANGRID_DATABASE_URL": on_database}
    run = subprocess.run(
        [*URBANGRID, *CREATE, "--password-stdin"],
        input="Secret#123\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    user = _user(engine)
    assert user is not None and verify_password(user.password_hash, "Secret#123")
    empty = subprocess.run(
        [*URBANGRID, "users", "create", "other", "--role", "dispatcher", "--password-stdin"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert empty.returncode == 1
    assert "first line of standard input is empty" in empty.stderr
