"""Test fixtures. Every test that uses ``engine`` (directly or through ``session`` /
``client``) runs against SQLite by default and against PostgreSQL when
``URBANGRID_TEST_DATABASE_URL`` points at a server; such tests are marked ``db``."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Cheap password hashing for tests (set before any settings object is built).
os.environ.setdefault("URBANGRID_ARGON2_TIME_COST", "1")
os.environ.setdefault("URBANGRID_ARGON2_MEMORY_KIB", "1024")
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import settings
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from cases.world import World, make_world
from urbangrid.db import make_engine, normalise_url, session_factory
from urbangrid.domains import import_all_models
from urbangrid.migrations.runner import upgrade

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
PG_URL = os.environ.get("URBANGRID_TEST_DATABASE_URL")

import_all_models()

# No per-example deadline: on a shared two-core machine one slow example is load, not a bug
# (the suite's time is watched as a whole).
settings.register_profile("urbangrid", deadline=None)
settings.load_profile("urbangrid")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if {"engine", "session", "client"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def _database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for the whole session: a template file (SQLite) or a fresh
    database on the server (PostgreSQL), dropped at the end."""
    if PG_URL:
        base = make_url(normalise_url(PG_URL))
        name = f"urbangrid_test_{uuid.uuid4().hex[:10]}"
        admin = make_engine(base.render_as_string(hide_password=False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        template = tmp_path_factory.mktemp("db") / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        yield str(template)


@pytest.fixture
def engine(_database: str, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated, empty database for one test."""
    if PG_URL:
        engine = make_engine(_database)
        existing = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
        tables = ", ".join(f'"{name}"' for name in sorted(existing))
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    else:
        path = tmp_path / "test.db"
        shutil.copy(_database, path)
        engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def db_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as s:
        yield s


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    from urbangrid.api.app import create_app

    with TestClient(create_app(engine)) as c:
        yield c


@pytest.fixture
def world_api(
    engine: Engine, client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, World, dict[str, dict[str, str]]]]:
    """The small case world (``cases/world.py``) behind the API client, a bearer header per
    user, photos stored under ``tmp_path``."""
    from urbangrid.auth.service import issue_token
    from urbangrid.settings import get_settings

    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    with session_factory(engine)() as s:
        world = make_world(s)
        headers = {
            name: {"Authorization": f"Bearer {issue_token(s, user).token}"}
            for name, user in world.users.items()
        }
        s.commit()
    yield client, world, headers
