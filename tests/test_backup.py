"""`urbangrid backup` / `urbangrid restore`: a backup restored into an empty database has every
case, event and photo (SQLite and PostgreSQL); bad input is refused and writes nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from scope_world import make_scope_world
from urbangrid.backup import backup, restore
from urbangrid.cases.models import Attachment, Case, CaseEvent
from urbangrid.cli.main import app
from urbangrid.db import make_engine
from urbangrid.kit.errors import Conflict, InvalidInput
from urbangrid.migrations.runner import upgrade
from urbangrid.settings import get_settings

runner = CliRunner()


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            "cases": [tuple(r) for r in conn.execute(
                sa.select(Case.id, Case.number, Case.status, Case.version).order_by(Case.id)
            )],
            "events": [tuple(r) for r in conn.execute(
                sa.select(CaseEvent.id, CaseEvent.case_id, CaseEvent.action).order_by(CaseEvent.id)
            )],
            "photos": [tuple(r) for r in conn.execute(
                sa.select(Attachment.id, Attachment.sha256, Attachment.path).order_by(Attachment.id)
            )],
        }  # fmt: skip


def _empty_target(engine: Engine, tmp_path: Path) -> Engine:
    if engine.dialect.name == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    name = f"urbangrid_restore_{uuid.uuid4().hex[:8]}"
    admin = make_engine(engine.url.set(database="postgres").render_as_string(False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_engine(make_url(engine.url).set(database=name).render_as_string(False))


def _drop(target: Engine) -> None:
    target.dispose()
    if target.dialect.name == "postgresql":
        admin = make_engine(target.url.set(database="postgres").render_as_string(False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.url.database}" WITH (FORCE)'))
        admin.dispose()


def test_backup_restores_every_case_event_and_photo(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    make_scope_world(session)
    uploads = get_settings().upload_dir
    before = _snapshot(engine)
    assert before["cases"] and before["photos"]
    out = tmp_path / "backup.tar"
    manifest = backup(engine, uploads, out)
    assert manifest["counts"]["cases"] == len(before["cases"]) and manifest["files"] >= 1

    target = _empty_target(engine, tmp_path)
    try:
        upgrade(target)  # a freshly initialised, empty installation
        restored_files = tmp_path / "restored-files"
        restore(target, restored_files, out)
        assert _snapshot(target) == before
        for _id, _sha, rel in before["photos"]:
            assert (restored_files / str(rel)).is_file(), rel
        # restoring again over data is refused, and changes nothing
        with pytest.raises(Conflict):
            restore(target, restored_files, out)
        assert _snapshot(target) == before
    finally:
        _drop(target)


def test_restore_refuses_what_is_not_a_backup(engine: Engine, tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all")
    with pytest.raises(InvalidInput):
        restore(engine, tmp_path / "files", junk)
    with pytest.raises(InvalidInput):
        restore(engine, tmp_path / "files", tmp_path / "missing.tar")


def test_cli_backup_and_bad_restore(
    engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("URBANGRID_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        out = tmp_path / "b.tar"
        ok = runner.invoke(app, ["backup", str(out)])
        assert ok.exit_code == 0 and out.is_file(), ok.output
        bad = runner.invoke(app, ["restore", str(tmp_path / "nope.tar")])
        assert bad.exit_code == 1 and "no backup file" in bad.output
    finally:
        get_settings.cache_clear()
