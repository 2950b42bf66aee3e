"""The ``urbangrid`` command: init, demo, users, catalogue import errors."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.cli.main import app
from urbangrid.db import make_engine, session_factory
from urbangrid.migrations.runner import MIGRATIONS_DIR, current_heads, upgrade
from urbangrid.org.models import Jurisdiction, User
from urbangrid.settings import get_settings

runner = CliRunner()


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[callable]:
    def use(url: str) -> None:
        monkeypatch.setenv("URBANGRID_DATABASE_URL", url)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def _fully_migrated(engine) -> bool:
    """Every revision of the scripts is applied (heads may be merged or depended on)."""
    from alembic.script import ScriptDirectory

    from urbangrid.migrations.runner import alembic_config

    cfg = alembic_config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    scripts = ScriptDirectory.from_config(cfg)
    everything = {r.revision for r in scripts.walk_revisions()}
    applied = {r.revision for r in scripts.iterate_revisions(current_heads(engine), "base")}
    return applied == everything


def test_init_migrates_an_old_database_forward_and_keeps_data(tmp_path: Path, use_database):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0001_foundation")
    # Written with the columns of that revision (today's model has more).
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO jurisdictions (code, name, timezone, source_crs, settings, "
                "created_at) VALUES ('990101', '旧区', 'Asia/Shanghai', 'gcj02', '{}', "
                "'2026-01-01 00:00:00')"
            )
        )
    use_database(url)
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert _fully_migrated(engine)
    with session_factory(engine)() as s:
        assert s.scalar(select(Jurisdiction.name)) == "旧区"
        assert s.scalar(select(func.count()).select_from(Category)) == 403
    engine.dispose()


def test_demo_twice_changes_nothing_and_init_keeps_it(db_url: str, engine, use_database) -> None:
    use_database(db_url)
    first = runner.invoke(app, ["demo", "--no-cases"])
    assert first.exit_code == 0, first.output

    def snapshot() -> tuple[int, ...]:
        with session_factory(engine)() as s:
            return (
                s.scalar(select(func.count()).select_from(User)) or 0,
                s.scalar(select(func.count()).select_from(Jurisdiction)) or 0,
                s.scalar(select(func.count()).select_from(Category)) or 0,
            )

    before = snapshot()
    assert before[0] >= 8 and before[1] == 3  # the city and its two districts
    second = runner.invoke(app, ["demo", "--no-cases"])
    assert second.exit_code == 0, second.output
    assert "0 demo users created" in second.output
    assert "generic filing conditions added to 0 categories" in second.output
    # every category can be filed in the demo
    with session_factory(engine)() as s:
        without = s.scalar(
            select(func.count())
            .select_from(Category)
            .where(~Category.conditions.any(FilingCondition.is_active.is_(True)))
        )
        assert without == 0
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert snapshot() == before


def test_catalog_import_error_exits_non_zero(db_url: str, tmp_path: Path, use_database) -> None:
    use_database(db_url)
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,code\ncomponent,01001\n", encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import", str(bad)])
    assert result.exit_code == 1
    assert "missing columns" in result.output
    missing = runner.invoke(app, ["catalog", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_users_create(db_url: str, use_database) -> None:
    use_database(db_url)
    assert runner.invoke(app, ["demo", "--no-cases"]).exit_code == 0
    ok = runner.invoke(
        app,
        ["users", "create", "newbie", "--role", "dispatcher", "--password", "Secret#123"],
    )
    assert ok.exit_code == 0, ok.output
    dup = runner.invoke(
        app, ["users", "create", "newbie", "--role", "dispatcher", "--password", "Secret#123"]
    )
    assert dup.exit_code == 1 and "already exists" in dup.output
    bad_role = runner.invoke(
        app, ["users", "create", "x2", "--role", "wizard", "--password", "Secret#123"]
    )
    assert bad_role.exit_code == 1 and "wizard" in bad_role.output
    listed = runner.invoke(app, ["users", "list"])
    assert "newbie" in listed.output and "x2" not in listed.output


def test_users_reset_password(db_url: str, use_database) -> None:
    use_database(db_url)
    assert runner.invoke(app, ["demo", "--no-cases"]).exit_code == 0
    weak = runner.invoke(app, ["users", "reset-password", "admin", "--password", "short"])
    assert weak.exit_code == 1 and "8 characters" in weak.output
    missing = runner.invoke(app, ["users", "reset-password", "nobody", "--password", "New#pass99"])
    assert missing.exit_code == 1 and "no user" in missing.output
    ok = runner.invoke(
        app, ["users", "reset-password", "admin", "--password-stdin"], input="New#pass99\n"
    )
    assert ok.exit_code == 0, ok.output
    from urbangrid.auth.passwords import verify_password

    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        user = session.scalar(select(User).where(User.username == "admin"))
        assert user is not None and verify_password(user.password_hash, "New#pass99")
    engine.dispose()
