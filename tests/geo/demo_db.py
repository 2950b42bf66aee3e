"""Load the fictional demo district into a test database through the geo services."""

from __future__ import annotations

from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from urbangrid.geo import service
from urbangrid.geo.demo_area import DEMO_DISTRICT_CODE, DEMO_DISTRICT_NAME, make_demo_area
from urbangrid.geo.features import Feature
from urbangrid.org import service as org
from urbangrid.org.models import Grid, Jurisdiction
from urbangrid.org.roles import Role


def load_demo(session: Session, *, users: bool = False) -> Jurisdiction:
    area = make_demo_area()
    service.import_boundary(
        session,
        [Feature(0, shape(area.boundary), {})],
        "wgs84",
        code=DEMO_DISTRICT_CODE,
        name=DEMO_DISTRICT_NAME,
    )
    feats = [
        Feature(
            i, shape(c.geometry), {"street_code": c.street_code, "code": c.code, "name": c.name}
        )
        for i, c in enumerate(area.communities)
    ]
    service.import_boundary(
        session, feats, "wgs84", level="community", jurisdiction_code=DEMO_DISTRICT_CODE
    )
    service.make_grids(session, DEMO_DISTRICT_CODE, size_m=100)
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == DEMO_DISTRICT_CODE))
    assert j is not None
    org.upsert_department(session, j.id, "SZ", "市政处", kind="市政")
    org.upsert_department(session, j.id, "HW", "环卫处", kind="环卫")
    if users:
        # insp patrols the first two grids, insp2 the next two.
        codes = list(
            session.scalars(
                select(Grid.code).where(Grid.jurisdiction_id == j.id).order_by(Grid.code).limit(4)
            )
        )
        for username, role, grids in (
            ("admin", Role.ADMIN, []),
            ("insp", Role.INSPECTOR, codes[:2]),
            ("insp2", Role.INSPECTOR, codes[2:]),
        ):
            org.create_user(
                session,
                username=username,
                display_name=username,
                password="Secret#123",
                roles=[role],
                jurisdiction=j,
                grid_codes=grids,
            )
    session.commit()
    return j
