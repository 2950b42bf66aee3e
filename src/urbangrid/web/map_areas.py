"""Figures of one area of the command map (一张图 区域统计): a street (街道), a community
(社区) or a unit grid (单元网格), counted over the cases the caller reads only.

- open: cases not closed, voided or refused, now;
- overdue: 超时未结 now, by the one definition of :mod:`urbangrid.cases.overdue` (open, clock
  running, past the deadline or red) that the case search and the dashboard count with;
- closed: cases closed (结案) in the period, local days inclusive; closed_on_time those of
  them the department handled within its time limit; on_time_rate their share.

An area of a platform the caller does not read is 404, as an area that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases.models import Case
from urbangrid.cases.overdue import Overdue, overdue_condition
from urbangrid.cases.queries import case_scope, open_condition
from urbangrid.kit.errors import InvalidInput, NotFound
from urbangrid.kit.types import utcnow
from urbangrid.org import service as org
from urbangrid.org.models import Community, Grid, Street

LEVELS = ("street", "community", "grid")


@dataclass(frozen=True)
class Area:
    level: str
    id: int
    code: str
    name: str
    jurisdiction_id: int
    street_id: int
    street_name: str
    community_id: int | None = None
    community_name: str | None = None


def _not_found(level: str, key: int | str) -> NotFound:
    return NotFound(
        f"no {level} {key}",
        code="area_not_found",
        params={"area_level": level, "area_id": key},
        field=f"{level}_id" if level != "grid" else "grid_code",
    )


def find_area(session: Session, level: str, key: int | str) -> Area | None:
    """The area named by ``level`` and its id (street, community) or code (grid)."""
    if level == "grid":
        row = session.execute(
            select(Grid.id, Grid.code, Grid.jurisdiction_id, Community.id, Community.name)
            .add_columns(Street.id, Street.name)
            .join(Community, Community.id == Grid.community_id)
            .join(Street, Street.id == Community.street_id)
            .where(Grid.code == str(key))
        ).first()
        if row is None:
            return None
        gid, code, jid, cid, cname, sid, sname = row
        return Area("grid", gid, code, code, jid, sid, sname, cid, cname)
    if not isinstance(key, int) or not 0 < key < 2**63:
        return None
    if level == "street":
        street = session.get(Street, key)
        if street is None:
            return None
        return Area("street", street.id, street.code, street.name, street.jurisdiction_id,
                    street.id, street.name)  # fmt: skip
    if level == "community":
        row = session.execute(
            select(Community.id, Community.code, Community.name, Street.id, Street.name)
            .add_columns(Street.jurisdiction_id)
            .join(Street, Street.id == Community.street_id)
            .where(Community.id == key)
        ).first()
        if row is None:
            return None
        cid, code, name, sid, sname, jid = row
        return Area("community", cid, code, name, jid, sid, sname, cid, name)
    raise InvalidInput(f"level is one of {', '.join(LEVELS)}", field="level")


def area_stats(
    session: Session,
    principal: Principal,
    level: str,
    key: int | str,
    *,
    period_from: date | None = None,
    period_to: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    scope = case_scope(session, principal)
    area = find_area(session, level, key)
    if area is None or (
        scope.jurisdiction_ids is not None and area.jurisdiction_id not in scope.jurisdiction_ids
    ):
        raise _not_found(level, key)
    tz = ZoneInfo(org.jurisdiction_timezone(session, principal))
    today = now.astimezone(tz).date()
    first = period_from or today.replace(day=1)
    last = period_to or today
    if first > last:
        raise InvalidInput("period_from is after period_to", field="period_from")
    t0 = datetime.combine(first, datetime.min.time(), tz)
    t1 = datetime.combine(date.fromordinal(last.toordinal() + 1), datetime.min.time(), tz)
    where_area = {
        "street": Case.street_id == area.id,
        "community": Case.community_id == area.id,
        "grid": Case.grid_code == area.code,
    }[level]
    is_open = open_condition()
    closed_in = and_(Case.status == "closed", Case.closed_at >= t0, Case.closed_at < t1)

    def count(cond: Any) -> Any:
        return func.coalesce(func.sum(sql_case((cond, 1), else_=0)), 0)

    row = session.execute(
        select(
            count(is_open),
            count(overdue_condition(Overdue.OPEN, now)),
            count(closed_in),
            count(and_(closed_in, Case.handled_overdue.is_(False))),
        ).where(scope.condition(), where_area)
    ).one()
    open_, overdue, closed, on_time = (int(v) for v in row)
    query: dict[str, str] = (
        {"grid": area.code} if level == "grid" else {f"{level}_id": str(area.id)}
    )
    return {
        "level": level,
        "id": area.id,
        "code": area.code,
        "name": area.name,
        "street_id": area.street_id,
        "street_name": area.street_name,
        "community_id": area.community_id,
        "community_name": area.community_name,
        "period_from": first,
        "period_to": last,
        "open": open_,
        "overdue": overdue,
        "closed": closed,
        "closed_on_time": on_time,
        "on_time_rate": round(on_time / closed, 4) if closed else None,
        "cases_query": query,
        "now": now,
    }
