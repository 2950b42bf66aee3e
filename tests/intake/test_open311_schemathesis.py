"""Outside check: schemathesis drives every operation of our corrected copy of the
official GeoReport v2 definition against the ASGI app and checks status codes, content
types and the JSON bodies against the definition's schemas."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from urbangrid.api.app import create_app
from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.intake.open311_service import service_code
from urbangrid.kit.types import utcnow

from .town import Town

DEFINITION = Path(str(resources.files("urbangrid.intake") / "openapi" / "georeport_v2.yaml"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


SCHEMA = schemathesis.openapi.from_path(str(DEFINITION))
BASE_URL = "http://testserver/open311/v2"


@pytest.fixture
def georeport_app(engine: Engine, session: Session, town: Town):  # type: ignore[no-untyped-def]
    # Some data to read back: one open and one voided request.
    for comment in ("", "重复"):
        case = cases.create_case(
            session,
            town.principal("intake"),
            cases.NewCase(
                source="web",
                lon=town.lon,
                lat=town.lat,
                description="井盖缺失 <&>",
                category_id=town.category.id,
            ),
            now=utcnow(),
        )
        if comment:
            cases.perform_action(
                session,
                town.principal("lead"),
                case.id,
                "void",
                version=case.version,
                comment=comment,
            )
    session.commit()
    return create_app(engine)


@SCHEMA.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_georeport_definition(case, georeport_app) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=CHECKS, app=georeport_app, base_url=BASE_URL)


def test_a_valid_post_conforms(georeport_app, town: Town, session: Session) -> None:  # type: ignore[no-untyped-def]
    operation = SCHEMA["/requests.{response_format}"]["POST"]
    for fmt_ in ("json", "xml"):
        case = operation.Case(
            path_parameters={"response_format": fmt_},
            body={
                "api_key": town.open311_key,
                "service_code": service_code(town.category),
                "lat": town.lat,
                "long": town.lon,
                "description": "人行道上有垃圾",
            },
            media_type="application/x-www-form-urlencoded",
        )
        response = case.call_and_validate(checks=CHECKS, app=georeport_app, base_url=BASE_URL)
        assert response.status_code == 200
    session.expire_all()
    assert session.query(Case).count() == 4
