"""``urbangrid cases ...``: the case actions for scripting, and the SLA watcher ``worker``.

Every command that changes a case acts as a named user (``--as USERNAME``) with that user's
roles, through the same service as the API, so the same checks apply.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

from urbangrid.cli.common import fail, open_session, reports_errors
from urbangrid.kit.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from urbangrid.auth.principal import Principal
    from urbangrid.cases.models import Case

# The case service, the models and SQLAlchemy are imported inside the commands: ``--help``
# stays fast.

CLI_NAME = "cases"
app = typer.Typer(help="Cases (案件): report, act, inspect; the SLA watcher.", no_args_is_help=True)


def _principal(session: Session, username: str) -> Principal:
    from sqlalchemy import select

    from urbangrid.auth.service import principal_for
    from urbangrid.org.models import User

    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise NotFound(f"no active user {username!r}")
    return principal_for(user)


def _parse_data(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(f"--data {pair!r}: expected key=value", field="data")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _line(case: Case) -> str:
    from urbangrid.cases.workflow import STATUS_LABELS_ZH, Status

    label = STATUS_LABELS_ZH[Status(case.status)]
    return (
        f"{case.id:>6}  {case.number:<14} v{case.version:<3} {case.status:<18} {label:<6} "
        f"{case.warning_level:<6} {case.grid_code or '-':<15}  {case.description[:30]}"
    )


@app.command("create")
@reports_errors
def create(
    as_user: str = typer.Option(..., "--as", help="username of the reporter"),
    source: str = typer.Option("inspector", help="inspector, hotline, web, video, sensor, ..."),
    lon: float = typer.Option(..., help="WGS-84 longitude"),
    lat: float = typer.Option(..., help="WGS-84 latitude"),
    description: str = typer.Option("", help="what is wrong"),
    address: str = typer.Option(""),
    category_id: int = typer.Option(None),
    filing_condition_id: int = typer.Option(None),
    urgency: str = typer.Option("normal"),
    reporter_name: str = typer.Option(None),
    reporter_phone: str = typer.Option(None),
) -> None:
    """Report (上报) or register (登记) a case; prints its id, number and version."""
    from urbangrid.cases import service

    with open_session() as session:
        case = service.create_case(
            session,
            _principal(session, as_user),
            service.NewCase(
                source=source,
                lon=lon,
                lat=lat,
                description=description,
                address=address,
                category_id=category_id,
                filing_condition_id=filing_condition_id,
                urgency=urgency,
                reporter_name=reporter_name,
                reporter_phone=reporter_phone,
            ),
        )
        typer.echo(f"{case.id} {case.number} version={case.version} status={case.status}")


@app.command("act")
@reports_errors
def act(
    case_id: int,
    action: str = typer.Argument(..., help="e.g. accept_report, file, dispatch, feedback"),
    as_user: str = typer.Option(..., "--as", help="username acting"),
    version: int = typer.Option(..., help="the case version you saw (optimistic lock)"),
    comment: str = typer.Option("", help="reason or note"),
    data: list[str] = typer.Option([], "--data", help="key=value (JSON values), repeatable"),
    department: str = typer.Option(None, help="department code (dispatch)"),
    attachment: list[int] = typer.Option([], "--attachment", help="photo id, repeatable"),
) -> None:
    """Perform one workflow action; prints the new version and state."""
    from sqlalchemy import select

    from urbangrid.cases import service
    from urbangrid.cases.queries import get_visible_case
    from urbangrid.cases.workflow import Action
    from urbangrid.org.models import Department

    try:
        Action(action)
    except ValueError:
        names = ", ".join(a.value for a in Action if a not in (Action.REPORT, Action.WARN))
        raise fail(f"unknown action {action!r}; one of: {names}") from None
    with open_session() as session:
        payload = _parse_data(data)
        if department:
            case = get_visible_case(session, None, case_id)
            dep = session.scalar(
                select(Department).where(
                    Department.jurisdiction_id == case.jurisdiction_id,
                    Department.code == department,
                )
            )
            if dep is None:
                raise InvalidInput(f"no department with code {department!r}", field="department")
            payload["department_id"] = dep.id
        case = service.perform_action(
            session,
            _principal(session, as_user),
            case_id,
            action,
            version=version,
            comment=comment,
            data=payload,
            attachments=attachment,
        )
        typer.echo(f"{case.id} {case.number} version={case.version} status={case.status}")


@app.command("show")
@reports_errors
def show(case_id: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """A case and its timeline."""
    from urbangrid.cases import service
    from urbangrid.cases.models import Case
    from urbangrid.cases.queries import get_visible_case

    with open_session() as session:
        case = get_visible_case(session, None, case_id)
        events = service.case_events(session, case_id)
        if as_json:
            out = {c.name: getattr(case, c.name) for c in Case.__table__.columns}
            out["timeline"] = [
                {k: getattr(e, k) for k in ("seq", "action", "actor_id", "actor_role", "at",
                                            "from_state", "to_state", "comment", "data")}
                for e in events
            ]  # fmt: skip
            typer.echo(json.dumps(out, default=str, ensure_ascii=False, indent=2))
            return
        typer.echo(_line(case))
        for e in events:
            typer.echo(
                f"  {e.seq:>3} {e.at:%Y-%m-%d %H:%M} {e.action:<20} {e.actor_role:<18} "
                f"{e.from_state or '-'} -> {e.to_state}  {e.comment}"
            )


@app.command("list")
@reports_errors
def list_(
    status: list[str] = typer.Option([], "--status", help="repeatable"),
    warning_level: str = typer.Option(None),
    open_only: bool = typer.Option(False, "--open"),
    text: str = typer.Option(None, "--text"),
    limit: int = typer.Option(50),
) -> None:
    """List cases, newest first."""
    from urbangrid.cases import search, service
    from urbangrid.cases.queries import CaseFilters

    with open_session() as session:
        rows, total = service.list_cases(
            session,
            None,
            CaseFilters(
                statuses=status, warning_level=warning_level, open_only=open_only, text=text
            ),
            page_size=limit,
        )
        for case in rows:
            typer.echo(_line(case))
        shown = f"{search.COUNT_CAP}+" if total > search.COUNT_CAP else str(total)
        typer.echo(f"{shown} case(s)")


@app.command("audit")
@reports_errors
def audit(case_id: int) -> None:
    """Rebuild a case from its events and compare with the stored state (exit 1 if not)."""
    from urbangrid.cases import service
    from urbangrid.cases.queries import get_visible_case

    with open_session() as session:
        case = get_visible_case(session, None, case_id)
        rebuilt = service.rebuild_case_state(session, case_id)
        stored = service.state_of(case)
        if rebuilt != stored:
            diff = [
                f"{k}: stored {getattr(stored, k)!r} rebuilt {getattr(rebuilt, k)!r}"
                for k in stored.__dataclass_fields__
                if getattr(stored, k) != getattr(rebuilt, k)
            ]
            raise fail("case state differs from its events:\n  " + "\n  ".join(diff))
        typer.echo(f"{case.number}: {case.version} events rebuild the stored state")
