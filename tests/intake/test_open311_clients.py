"""Outside check: the ``georeport`` client from PyPI reads our services, a service
definition and requests over real HTTP, in XML and in JSON."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from georeport import GeoReport
from sqlalchemy import select
from sqlalchemy.engine import Engine

from urbangrid.api.app import create_app
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.db import session_factory
from urbangrid.intake.open311_service import service_code

from .live_server import serving
from .town import Town


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_client_reads_us(engine: Engine, town: Town, output_format: str) -> None:
    app = create_app(engine)
    posted = []
    with TestClient(app) as client:
        for text in ("垃圾一堆", "又一堆垃圾"):
            response = client.post(
                "/open311/v2/requests.json",
                data={
                    "api_key": town.open311_key,
                    "service_code": service_code(town.category),
                    "lat": str(town.lat),
                    "long": str(town.lon),
                    "description": text,
                },
            )
            posted.append(response.json()[0]["service_request_id"])
    # The centre takes them in (受理): from then on their text is public.
    with session_factory(engine)() as session:
        for number in posted:
            case = session.scalar(select(Case).where(Case.number == number))
            assert case is not None
            cases.perform_action(
                session, town.principal("intake"), case.id, "accept_report", version=case.version
            )
        session.commit()
    with serving(app) as base:
        geo = GeoReport(f"{base}/open311/v2", output_format=output_format)
        services = geo.get_service_list()
        codes = [s["service_code"] for s in services]
        assert service_code(town.category) in codes and len(codes) == len(set(codes))
        definition = geo.get_service_definition(service_code(town.category))
        assert definition["service_code"] == service_code(town.category)
        requests = geo.get_service_requests()
        assert {r["service_request_id"] for r in requests} == set(posted)
        assert {r["status"] for r in requests} == {"open"}
        one = geo.get_service_request(posted[0])
        assert one["service_request_id"] == posted[0]
        assert one["description"] == "垃圾一堆"
        only = geo.get_service_requests(service_request_id=posted[1])
        # xmltodict gives a dict for a single element, a list for several.
        only = only if isinstance(only, list) else [only]
        assert [r["service_request_id"] for r in only] == [posted[1]]
