"""What intake needs from the case service and does not (yet) find there.

- Channels (Open311 apps, the hotline platform) are not users: they register cases as the
  system (``workflow.SYSTEM_ROLE`` is one of the centre's reporter roles), with no user id.
- A stand-in point for an address-only report until an address geocoder exists.
"""

from __future__ import annotations

from typing import cast

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.auth.principal import Principal
from urbangrid.cases import workflow as wf
from urbangrid.org.models import Grid, Jurisdiction
from urbangrid.org.roles import Role


def channel_principal(jurisdiction: Jurisdiction, channel: str) -> Principal:
    """The principal a channel registers cases as (登记 by the system)."""
    return Principal(
        user_id=cast(int, None),
        username=f"channel:{channel}",
        display_name=channel,
        roles=frozenset({cast(Role, wf.SYSTEM_ROLE)}),
        jurisdiction_id=jurisdiction.id,
    )


def stand_in_point(session: Session, jurisdiction: Jurisdiction) -> tuple[float, float] | None:
    """(lon, lat) inside the jurisdiction for a report that came with an address only; the
    inspector's 核实 fixes the real place. None if the jurisdiction has no geometry."""
    if jurisdiction.geometry:
        point = shapely.geometry.shape(jurisdiction.geometry).representative_point()
        return float(point.x), float(point.y)
    geometry = session.scalar(
        select(Grid.geometry)
        .where(Grid.jurisdiction_id == jurisdiction.id, Grid.geometry.is_not(None))
        .order_by(Grid.code)
        .limit(1)
    )
    if not geometry:
        return None
    point = shapely.geometry.shape(geometry).representative_point()
    return float(point.x), float(point.y)
