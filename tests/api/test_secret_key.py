"""The server refuses the default, an empty or a short secret key outside demo mode
(``ensure_production_secret``, run when ``urbangrid serve``'s app is built)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI

from urbangrid.api import app as app_module
from urbangrid.db import make_engine
from urbangrid.kit.errors import DomainError
from urbangrid.settings import (
    DEFAULT_SECRET_KEY,
    InsecureSecretKey,
    Settings,
    ensure_production_secret,
    get_settings,
    secret_key_problem,
)

GOOD_KEY = secrets.token_urlsafe(32)
SERVER = [sys.executable, "-m", "uvicorn", "urbangrid.api.app:create_server_app", "--factory"]


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize("key", [DEFAULT_SECRET_KEY, "", "   ", "k" * 31])
def test_refused_outside_demo_mode(key: str) -> None:
    settings = _settings(secret_key=key, demo=False)
    assert secret_key_problem(settings) is not None
    with pytest.raises(InsecureSecretKey) as refused:
        ensure_production_secret(settings)
    message = str(refused.value)
    assert isinstance(refused.value, DomainError)
    assert "URBANGRID_SECRET_KEY" in message
    assert "secrets.token_urlsafe(32)" in message and "URBANGRID_DEMO=1" in message


def test_the_default_is_named_as_such() -> None:
    with pytest.raises(InsecureSecretKey, match="shipped default"):
        ensure_production_secret(_settings(secret_key=DEFAULT_SECRET_KEY))


@pytest.mark.parametrize("key", [DEFAULT_SECRET_KEY, ""])
def test_accepted_in_demo_mode(key: str) -> None:
    ensure_production_secret(_settings(secret_key=key, demo=True))


def test_accepted_with_a_long_random_key() -> None:
    settings = _settings(secret_key=GOOD_KEY)
    assert secret_key_problem(settings) is None
    ensure_production_secret(settings)
    ensure_production_secret(_settings(secret_key="k" * 32))


@pytest.fixture
def server_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """The environment ``urbangrid serve`` reads, cleared of a key and demo mode; the app's
    engine an in-memory database (the cached default engine is left alone)."""
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("URBANGRID_SECRET_KEY", "URBANGRID_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("URBANGRID_EMBEDDED_WORKER", "0")
    monkeypatch.setattr(app_module, "get_engine", lambda: make_engine("sqlite://"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_server_app_refuses_the_default_key(server_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(InsecureSecretKey, match="shipped default"):
        app_module.create_server_app()


def test_server_app_starts_in_demo_mode(server_env: pytest.MonkeyPatch) -> None:
    server_env.setenv("URBANGRID_DEMO", "1")
    get_settings.cache_clear()
    assert isinstance(app_module.create_server_app(), FastAPI)


def test_server_app_starts_with_a_proper_key(server_env: pytest.MonkeyPatch) -> None:
    server_env.setenv("URBANGRID_SECRET_KEY", GOOD_KEY)
    get_settings.cache_clear()
    assert isinstance(app_module.create_server_app(), FastAPI)


def test_uvicorn_exits_with_the_message(tmp_path: Path) -> None:
    """The server process itself, as ``urbangrid serve`` starts it (uvicorn's factory)."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("URBANGRID_SECRET_KEY", "URBANGRID_DEMO")
    }
    env["URBANGRID_DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    run = subprocess.run(
        [*SERVER, "--host", "127.0.0.1", "--port", "0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert "URBANGRID_SECRET_KEY is the shipped default" in run.stderr
