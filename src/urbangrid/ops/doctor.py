"""``urbangrid doctor``: is this installation fit to serve? Each check says ok, warn or fail
with what was found and, when not ok, what to do."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from urbangrid.kit.types import utcnow
from urbangrid.settings import Settings

Status = Literal["ok", "warn", "fail"]

# Below these, the data directory's disk is a warning / a failure.
DISK_WARN_BYTES = 2 * 1024**3
DISK_FAIL_BYTES = 256 * 1024**2
# A worker that has not written its heartbeat for this long is taken for dead.
HEARTBEAT_STALE = timedelta(minutes=2)
CLOCK_SKEW_WARN = timedelta(seconds=30)


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str


def check_database(engine: Engine) -> Check:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            version = conn.dialect.server_version_info
    except Exception as exc:
        return Check("database", "fail", f"cannot connect: {exc}")
    shown = ".".join(str(v) for v in version or ())
    return Check("database", "ok", f"{engine.dialect.name} {shown} at {engine.url!r}")


def check_migrations(engine: Engine) -> Check:
    from alembic.script import ScriptDirectory

    from urbangrid.migrations.runner import alembic_config, current_heads

    try:
        current = current_heads(engine)
    except Exception as exc:
        return Check("migrations", "fail", f"cannot read the schema version: {exc}")
    if not current:
        return Check("migrations", "fail", "empty database: run `urbangrid init`")
    scripts = ScriptDirectory.from_config(alembic_config())
    # Applied: the current revisions and everything they stand on (parents and depends_on).
    applied = {r.revision for r in scripts.iterate_revisions(tuple(current), "base")}
    missing = sorted(set(scripts.get_heads()) - applied)
    shown = ", ".join(sorted(current))
    if not missing:
        return Check("migrations", "ok", f"at {shown}")
    return Check(
        "migrations",
        "fail",
        f"at {shown}, missing {', '.join(missing)}: run `urbangrid init` (keeps the data)",
    )


def check_secret_key(settings: Settings) -> Check:
    from urbangrid.settings import secret_key_problem

    problem = secret_key_problem(settings)
    if problem is None:
        return Check("secret key", "ok", "set")
    if settings.demo:
        return Check("secret key", "warn", f"{problem} (accepted in demo mode only)")
    return Check("secret key", "fail", f"{problem}: the server refuses to start (docs/deploy.md)")


def check_data_dir(settings: Settings) -> Check:
    path = settings.data_dir.resolve()
    if not path.exists():
        return Check("data directory", "warn", f"{path} does not exist yet (made on first use)")
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("data directory", "fail", f"{path} is not writable: {exc}")
    return Check("data directory", "ok", f"{path} writable")


def check_disk(settings: Settings) -> Check:
    path = settings.data_dir.resolve()
    while not path.exists():
        path = path.parent
    free = shutil.disk_usage(path).free
    shown = f"{free / 1024**3:.1f} GiB free at {path}"
    if free < DISK_FAIL_BYTES:
        return Check("disk", "fail", shown)
    if free < DISK_WARN_BYTES:
        return Check("disk", "warn", shown)
    return Check("disk", "ok", shown)


def check_timezone(settings: Settings, engine: Engine | None) -> Check:
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return Check(
            "time zone",
            "fail",
            f"{settings.timezone!r} is unknown here (install the tzdata package)",
        )
    detail = f"{settings.timezone}; machine TZ={os.environ.get('TZ', 'unset')}"
    # The database clock is compared when the database answers (PostgreSQL keeps its own).
    if engine is not None and engine.dialect.name == "postgresql":
        try:
            with engine.connect() as conn:
                db_now = conn.execute(text("SELECT now()")).scalar_one()
            skew = abs(db_now - utcnow())
        except Exception:
            return Check("time zone", "ok", detail)
        if skew > CLOCK_SKEW_WARN:
            return Check(
                "time zone",
                "warn",
                f"{detail}; database clock differs by {skew.total_seconds():.0f} s (use NTP)",
            )
    return Check("time zone", "ok", detail)


def check_ui_build() -> Check:
    from urbangrid.web.routes import DIST_DIR

    index = DIST_DIR / "index.html"
    if index.is_file():
        return Check("web UI", "ok", f"built ({DIST_DIR})")
    return Check(
        "web UI",
        "fail",
        "not built: run scripts/build_frontend.sh, or install the offline bundle's wheel",
    )


def check_worker(settings: Settings, engine: Engine) -> Check:
    from urbangrid.ops.models import JobLease, WorkerHeartbeat

    try:
        with engine.connect() as conn:
            beats = conn.execute(select(WorkerHeartbeat.__table__)).all()
            leases = conn.execute(select(JobLease.__table__)).all()
    except Exception as exc:
        return Check("worker", "fail", f"cannot read heartbeats: {exc}")
    now = utcnow()
    alive = [b for b in beats if b.stopped_at is None and now - b.beat_at < HEARTBEAT_STALE]
    held = ", ".join(
        f"{lease.name} by {lease.holder.split(':')[0]}"
        + (f" (last error: {lease.last_error})" if lease.last_error else "")
        for lease in leases
        if lease.expires_at > now
    )
    if alive:
        kinds = ", ".join(
            f"{b.hostname} pid {b.pid}{' (in the server)' if b.embedded else ''}" for b in alive
        )
        status: Status = "warn" if any(lease.last_error for lease in leases) else "ok"
        return Check("worker", status, f"alive: {kinds}; jobs: {held or 'none held yet'}")
    last = max((b.beat_at for b in beats), default=None)
    when = f"last heartbeat {last:%Y-%m-%d %H:%M} UTC" if last else "no worker has ever run"
    if settings.embedded_worker:
        return Check(
            "worker",
            "warn",
            f"{when}; the server runs the jobs when it is serving (embedded setup)",
        )
    return Check("worker", "fail", f"{when}: start `urbangrid worker` (see docs/deploy.md)")


def run_checks(settings: Settings, engine: Engine) -> list[Check]:
    checks = [check_database(engine)]
    database_ok = checks[0].status == "ok"
    if database_ok:
        checks.append(check_migrations(engine))
    checks += [
        check_secret_key(settings),
        check_data_dir(settings),
        check_disk(settings),
        check_timezone(settings, engine if database_ok else None),
        check_ui_build(),
    ]
    if database_ok and checks[1].status == "ok":
        checks.append(check_worker(settings, engine))
    return checks
