"""Vehicle positions: bulk ingest from a gateway (CSV or a JT/T 808 capture) and a
terminal's track for a replay."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request

from urbangrid.api.deps import CurrentPrincipal, DbSession, require_roles
from urbangrid.auth.principal import Principal
from urbangrid.fleet import service
from urbangrid.fleet.schemas import FixOut, IngestSummary
from urbangrid.kit.scope import RouteScope, scoped
from urbangrid.kit.types import utcnow
from urbangrid.org import service as org
from urbangrid.org.roles import Role

router = APIRouter(prefix="/api/v1/fleet", tags=["fleet 车辆定位"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]


@router.post(
    "/positions",
    response_model=IngestSummary,
    responses={422: {"description": "bad lines or frames, each listed; nothing stored"}},
    **scoped(RouteScope.ADMIN),
)
async def ingest(
    request: Request,
    db: DbSession,
    principal: Admin,
    format: Literal["csv", "jt808"] = "csv",
    crs: Literal["wgs84", "gcj02", "bd09"] = "wgs84",
    jurisdiction: str | None = None,
) -> Any:
    """Store a batch of fixes: a CSV (``terminal,time,lon,lat[,speed,heading]``, times with
    a zone or epoch seconds) or a captured JT/T 808 byte stream (0x0200 reports)."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    data = await request.body()
    fixes = service.read_csv(data) if format == "csv" else service.read_jt808(data)
    # out-of-range places, future or year-old times, unregistered terminals: all refused
    service.screen(db, j.id, fixes, utcnow())
    # A data feed, not a change of settings: not in the security log.
    return service.ingest(db, j.id, fixes, crs)


@router.get(
    "/positions/{terminal}",
    response_model=list[FixOut],
    **scoped(RouteScope.JURISDICTION),
)
def track(
    terminal: str,
    start: datetime,
    end: datetime,
    db: DbSession,
    principal: CurrentPrincipal,
    jurisdiction: str | None = None,
) -> Any:
    """A terminal's fixes in [start, end), in time order."""
    j = org.resolve_jurisdiction(db, principal, jurisdiction)
    return service.track(db, j.id, terminal, start, end)
