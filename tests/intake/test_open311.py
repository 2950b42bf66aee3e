"""Open311 GeoReport v2 server: formats, POST checks (nothing stored when refused), GET
filters, state mapping, tokens, extensions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from urbangrid.cases import service as cases
from urbangrid.cases.models import Case
from urbangrid.intake.models import Report
from urbangrid.intake.open311_service import service_code

from .town import Town

V2 = "/open311/v2"


def xml_root(response) -> ET.Element:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def post(client: TestClient, town: Town, fmt: str = "json", **fields: str):  # type: ignore[no-untyped-def]
    data = {
        "api_key": town.open311_key,
        "service_code": service_code(town.category),
        "lat": str(town.lat),
        "long": str(town.lon),
        "description": "路边有一堆垃圾",
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{V2}/requests.{fmt}", data=data)


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_discovery_both_formats(client: TestClient, town: Town) -> None:
    body = client.get("/open311/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2")
    assert "application/json" in endpoint["formats"] and "text/xml" in endpoint["formats"]
    root = xml_root(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert root.find("endpoints/endpoint/formats/format") is not None


def test_services_list_and_definition(client: TestClient, town: Town, session: Session) -> None:
    services = client.get(f"{V2}/services.json").json()
    assert isinstance(services, list) and len(services) > 300
    codes = {s["service_code"] for s in services}
    assert all(isinstance(c, str) for c in codes) and len(codes) == len(services)
    mine = next(s for s in services if s["service_code"] == service_code(town.category))
    assert mine["metadata"] is True and mine["group"] == town.category.big_name
    other = next(s for s in services if s["service_code"] == service_code(town.other))
    assert other["metadata"] is False
    root = xml_root(client.get(f"{V2}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    definition = client.get(f"{V2}/services/{service_code(town.category)}.json").json()
    attribute = definition["attributes"][0]
    assert attribute["datatype"] == "singlevaluelist"
    assert attribute["values"] == [
        {"key": str(town.condition.id), "name": town.condition.description}
    ]
    root = xml_root(client.get(f"{V2}/services/{service_code(town.category)}.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("attributes/attribute/values/value/key") == str(town.condition.id)
    missing = client.get(f"{V2}/services/M99999.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_post_registers_a_case_in_the_intake_queue(
    client: TestClient, town: Town, session: Session
) -> None:
    response = post(
        client,
        town,
        media_url="https://example.org/p.jpg",
        first_name="San",
        last_name="Zhang",
        email="z@example.org",
        **{"attribute[filing_condition]": str(town.condition.id)},
    )
    assert response.status_code == 200, response.text
    [item] = response.json()
    number = item["service_request_id"]
    assert isinstance(number, str) and "token" not in item
    case = session.scalar(select(Case).where(Case.number == number))
    assert case is not None
    assert case.status == "pending_intake" and case.source == "web"
    assert case.filing_condition_id == town.condition.id
    assert case.grid_code == town.grids[0].code
    report = session.scalar(select(Report).where(Report.case_id == case.id))
    assert report is not None and report.media_url == "https://example.org/p.jpg"
    assert report.attributes == {"filing_condition": [str(town.condition.id)]}
    # GET it back, JSON and XML.
    [got] = client.get(f"{V2}/requests/{number}.json").json()
    assert got["status"] == "open" and "待受理" in got["status_notes"]
    assert got["service_code"] == service_code(town.category)
    # Before 受理 the public sees category, place and status, not the words or the photo.
    assert got["media_url"] is None and "Zhang" not in str(got)
    assert got["description"] == "（待受理，内容暂不公开）"
    assert got["lat"] == pytest.approx(town.lat) and got["long"] == pytest.approx(town.lon)
    assert got["requested_datetime"].endswith("+08:00")
    assert "notes" not in got
    root = xml_root(client.get(f"{V2}/requests/{number}.xml"))
    assert root.tag == "service_requests" and root.findtext("request/status") == "open"
    # extensions=true adds the timeline.
    [ext] = client.get(f"{V2}/requests/{number}.json?extensions=true").json()
    assert [n["type"] for n in ext["notes"]] == ["report"]
    assert ext["extended_attributes"]["internal_status"] == "pending_intake"
    # token lookup
    [tok] = client.get(f"{V2}/tokens/{report.token}.json").json()
    assert tok == {"service_request_id": number, "token": report.token}


@pytest.mark.parametrize(
    ("change", "status", "needle"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "nope"}, 403, "api_key"),
        ({"service_code": "M99999"}, 400, "service_code"),
        ({"service_code": None}, 400, "service_code"),
        ({"lat": "31.5", "long": "121.0"}, 400, "测试镇"),
        ({"lat": "30.004", "long": None}, 400, "together"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"attribute[filing_condition]": "123456789"}, 400, "filing_condition"),
        ({"attribute[colour]": "red"}, 400, "colour"),
        ({"description": "a\x00b"}, 400, "NUL"),
    ],
)
def test_refused_posts_store_nothing(
    client: TestClient, town: Town, session: Session, change: dict, status: int, needle: str
) -> None:
    before = (count(session, Case), count(session, Report))
    for fmt_ in ("json", "xml"):
        response = post(client, town, fmt_, **change)
        assert response.status_code == status
        if fmt_ == "json":
            [error] = response.json()
            assert error["code"] == status and needle in error["description"]
        else:
            root = xml_root(response)
            assert root.tag == "errors" and root.findtext("error/code") == str(status)
    assert (count(session, Case), count(session, Report)) == before


def test_description_of_exactly_4000_is_accepted(client: TestClient, town: Town) -> None:
    assert post(client, town, description="字" * 4000).status_code == 200


def test_address_only_report_gets_a_stand_in_point(
    client: TestClient, town: Town, session: Session
) -> None:
    response = post(client, town, lat=None, long=None, address_string="人民路 1 号")
    assert response.status_code == 200, response.text
    report = session.scalar(select(Report))
    assert report is not None and report.location_exact is False
    case = session.get(Case, report.case_id)
    assert case is not None and case.address == "人民路 1 号"


def test_get_requests_filters_and_state_mapping(
    client: TestClient, town: Town, session: Session
) -> None:
    numbers = [post(client, town).json()[0]["service_request_id"] for _ in range(3)]
    # The shift lead voids the first one: closed, with the reason in status_notes.
    case = session.scalar(select(Case).where(Case.number == numbers[0]))
    assert case is not None
    cases.perform_action(
        session, town.principal("lead"), case.id, "void", version=case.version, comment="重复上报"
    )
    session.commit()
    every = client.get(f"{V2}/requests.json").json()
    assert {r["service_request_id"] for r in every} == set(numbers)
    closed = client.get(f"{V2}/requests.json?status=closed").json()
    assert [r["service_request_id"] for r in closed] == [numbers[0]]
    assert "重复上报" in closed[0]["status_notes"]
    assert {
        r["service_request_id"] for r in client.get(f"{V2}/requests.json?status=open").json()
    } == set(numbers[1:])
    picked = client.get(f"{V2}/requests.json?service_request_id={numbers[1]},{numbers[2]}").json()
    assert {r["service_request_id"] for r in picked} == set(numbers[1:])
    assert client.get(f"{V2}/requests.json?service_code={service_code(town.other)}").json() == []
    page = client.get(f"{V2}/requests.json?page_size=2&page=2").json()
    assert len(page) == 1
    old = (datetime.now(UTC) - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get(f"{V2}/requests.json?end_date={old}").json() == []
    wide = client.get(
        f"{V2}/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-06-01T00:00:00Z"
    )
    assert wide.status_code == 400 and "90 days" in wide.json()[0]["description"]
    assert client.get(f"{V2}/requests.json?status=maybe").status_code == 400
    assert client.get(f"{V2}/requests.json?start_date=yesterday").status_code == 400
    assert client.get(f"{V2}/requests/nope.json").status_code == 404
    root = xml_root(client.get(f"{V2}/requests.xml"))
    assert root.tag == "service_requests" and len(root.findall("request")) == 3
    # Empty optional arguments behave like absent ones.
    assert len(client.get(f"{V2}/requests.json?status=&service_code=").json()) == 3


def test_unknown_format_and_jurisdiction(client: TestClient, town: Town) -> None:
    assert client.get(f"{V2}/services.csv").status_code == 404
    r = client.get(f"{V2}/services.json?jurisdiction_id=nowhere.example")
    assert r.status_code == 404 and "nowhere" in json.loads(r.content)[0]["description"]
    assert (
        client.get(f"{V2}/services.json?jurisdiction_id={town.jurisdiction.code}").status_code
        == 200
    )
