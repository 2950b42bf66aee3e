"""Backup and restore of a whole installation: the database and the stored files (photos).

A backup is one tar file:

- ``manifest.json`` — format, database kind, schema revision, time, and the row counts of the
  main tables (a restore checks them);
- ``database.sqlite`` — SQLite's online backup (a consistent copy while the server runs), or
  ``database.pgdump`` — ``pg_dump --format=custom`` of the PostgreSQL database;
- ``files/…`` — the data directory's uploads.

A restore goes into an **empty** database (one never migrated, or migrated with no cases
and no users) and an upload directory with no files of other photos in the way; anything
else is refused before a byte is written. PostgreSQL needs ``pg_dump`` / ``pg_restore`` of
the server's major version on the PATH.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from urbangrid.kit.errors import Conflict, InvalidInput

FORMAT = "urbangrid-backup/1"
COUNTED = ("jurisdictions", "users", "cases", "case_events", "case_attachments")


def _counts(engine: Engine) -> dict[str, int]:
    inspector = sa.inspect(engine)
    present = set(inspector.get_table_names())
    with engine.connect() as conn:
        return {
            t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() or 0)
            for t in COUNTED
            if t in present
        }


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if "alembic_version" not in sa.inspect(conn).get_table_names():
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _pg_args(engine: Engine) -> list[str]:
    url = make_url(engine.url)
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    return args


def _pg_env(engine: Engine) -> dict[str, str]:
    env = dict(os.environ)
    if engine.url.password:
        env["PGPASSWORD"] = str(engine.url.password)
    return env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise InvalidInput(f"{cmd[0]} is not installed (PostgreSQL client tools)") from None
    if done.returncode != 0:
        raise InvalidInput(f"{cmd[0]} failed: {done.stderr.strip()[:500]}")


def backup(engine: Engine, upload_dir: Path, out: Path) -> dict[str, Any]:
    """Write the backup tar to ``out`` (via a temporary name: never half a file)."""
    if out.exists() and out.is_dir():
        raise InvalidInput(f"{out} is a directory: name the backup file", field="out")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "database": engine.dialect.name,
        "revision": _revision(engine),
        "created_at": datetime.now(UTC).isoformat(),
        "counts": _counts(engine),
        "files": 0,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if engine.dialect.name == "sqlite":
            copy = work / "database.sqlite"
            source = sqlite3.connect(str(engine.url.database))
            target = sqlite3.connect(str(copy))
            try:
                source.backup(target)  # a consistent copy, also while others write
            finally:
                target.close()
                source.close()
        else:
            copy = work / "database.pgdump"
            _run(
                [
                    "pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                    *_pg_args(engine), "--file", str(copy), str(engine.url.database),
                ],
                _pg_env(engine),
            )  # fmt: skip
        files = (
            sorted(p for p in upload_dir.rglob("*") if p.is_file()) if upload_dir.is_dir() else []
        )
        manifest["files"] = len(files)
        with tarfile.open(part, "w") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(copy, arcname=copy.name)
            for f in files:
                tar.add(f, arcname=f"files/{f.relative_to(upload_dir).as_posix()}")
    part.replace(out)
    return manifest


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile("manifest.json")
    except KeyError:
        member = None
    if member is None:
        raise InvalidInput("not an UrbanGrid backup: no manifest.json", field="in")
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise InvalidInput(f"unknown backup format {manifest.get('format')!r}", field="in")
    return manifest


def _is_empty(engine: Engine) -> bool:
    counts = _counts(engine)
    return not counts.get("cases") and not counts.get("users")


def restore(engine: Engine, upload_dir: Path, source: Path) -> dict[str, Any]:
    """Restore ``source`` into the empty database of ``engine`` and into ``upload_dir``."""
    if not source.is_file():
        raise InvalidInput(f"no backup file {source}", field="in")
    if not tarfile.is_tarfile(source):
        raise InvalidInput(f"{source} is not a backup (not a tar file)", field="in")
    with tarfile.open(source, "r") as tar:
        manifest = _read_manifest(tar)
        if manifest["database"] != engine.dialect.name:
            raise InvalidInput(
                f"the backup is of a {manifest['database']} database; restore it into one"
            )
        if not _is_empty(engine):
            raise Conflict("the target database is not empty: restore into a new one")
        names = tar.getnames()
        for name in names:
            if name.startswith("/") or ".." in Path(name).parts:
                raise InvalidInput(f"the backup holds an unsafe path {name!r}", field="in")
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            tar.extractall(work, filter="data")
            if engine.dialect.name == "sqlite":
                target_path = Path(str(engine.url.database))
                engine.dispose()
                source_db = sqlite3.connect(str(work / "database.sqlite"))
                target_db = sqlite3.connect(str(target_path))
                try:
                    source_db.backup(target_db)
                finally:
                    target_db.close()
                    source_db.close()
            else:
                _reset_pg(engine)
                _run(
                    [
                        "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                        *_pg_args(engine), "--dbname", str(engine.url.database),
                        str(work / "database.pgdump"),
                    ],
                    _pg_env(engine),
                )  # fmt: skip
            files = work / "files"
            if files.is_dir():
                for f in files.rglob("*"):
                    if f.is_file():
                        target = upload_dir / f.relative_to(files)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(f, target)
    restored = _counts(engine)
    expected = manifest.get("counts", {})
    if any(restored.get(t) != n for t, n in expected.items()):
        raise Conflict(f"the restored counts {restored} differ from the backup's {expected}")
    return {**manifest, "restored": restored}


def _reset_pg(engine: Engine) -> None:
    """An empty PostgreSQL database may still hold the migrated, empty tables: drop the
    schema so pg_restore writes it whole."""
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
