"""Offline reports are idempotent: ``POST /api/v1/cases`` with an ``Idempotency-Key`` makes
one case however often (and however concurrently) the same report is sent."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from urbangrid.cases import service
from urbangrid.cases.models import Case, CaseReportKey
from urbangrid.db import session_factory
from urbangrid.kit.errors import Conflict, InvalidInput

from .test_case_api import _png
from .world import World, make_world

KEY = "5f0c7c4e-8a51-4c38-9f0e-2b7d0d6d1a11"


def _count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _report(w: World, **extra: Any) -> dict[str, Any]:
    body = {"source": "inspector", "lon": w.lon, "lat": w.lat,
            "category_id": w.category.id, "description": "垃圾满溢"}  # fmt: skip
    return {**body, **extra}


def test_a_resend_returns_the_first_case(world_api: tuple, engine: Engine) -> None:
    client, w, h = world_api
    keyed = {**h["inspector"], "Idempotency-Key": KEY}
    first = client.post("/api/v1/cases", json=_report(w), headers=keyed)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = client.post("/api/v1/cases", json=_report(w), headers=keyed)
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["number"] == first.json()["number"]
    assert _count(engine, Case) == 1
    # Another user's key space is their own; no key at all is the old behaviour.
    other = client.post(
        "/api/v1/cases",
        json=_report(w, source="hotline"),
        headers={**h["intake"], "Idempotency-Key": KEY},
    )
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert client.post("/api/v1/cases", json=_report(w), headers=h["inspector"]).status_code == 201
    assert _count(engine, Case) == 3
    assert _count(engine, CaseReportKey) == 2


def test_a_resend_that_uploaded_its_photo_again_is_the_same_report(
    world_api: tuple, engine: Engine
) -> None:
    client, w, h = world_api
    keyed = {**h["inspector"], "Idempotency-Key": KEY}

    def upload() -> int:
        r = client.post(
            "/api/v1/cases/photos",
            files={"file": ("a.png", _png(), "image/png")},
            headers=h["inspector"],
        )
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    first = client.post("/api/v1/cases", json=_report(w, attachments=[upload()]), headers=keyed)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/cases", json=_report(w, attachments=[upload()]), headers=keyed)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert len(again.json()["attachments"]) == 1
    assert _count(engine, Case) == 1


def test_a_key_used_for_another_report_is_409(world_api: tuple, engine: Engine) -> None:
    client, w, h = world_api
    keyed = {**h["inspector"], "Idempotency-Key": KEY}
    first = client.post("/api/v1/cases", json=_report(w), headers=keyed)
    assert first.status_code == 201
    r = client.post("/api/v1/cases", json=_report(w, description="另一件事"), headers=keyed)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert "Idempotency-Key" in problem["detail"] and first.json()["number"] in problem["detail"]
    assert problem["field"] == "Idempotency-Key"
    assert _count(engine, Case) == 1


@pytest.mark.parametrize(
    ("key", "says"),
    [("", "empty"), ("k" * 65, "longer than 64"), ("a b", "visible ASCII"), ("键", "visible")],
)
def test_a_bad_key_is_422_and_nothing_is_stored(
    world_api: tuple, engine: Engine, key: str, says: str
) -> None:
    client, w, h = world_api
    # raw bytes: a non-ASCII key as a client would send it, in UTF-8
    headers = {**h["inspector"], "Idempotency-Key": key.encode()}
    r = client.post("/api/v1/cases", json=_report(w), headers=headers)
    assert r.status_code == 422, r.text
    assert says in r.json()["detail"]
    assert r.json()["field"] == "Idempotency-Key"
    assert _count(engine, Case) == 0
    assert _count(engine, CaseReportKey) == 0


def test_a_key_longer_than_64_is_refused_by_the_service_too() -> None:
    with pytest.raises(InvalidInput):
        service.check_report_key("x" * 65)
    assert service.check_report_key(KEY) == KEY


def test_two_resends_at_once_make_one_case(world_api: tuple, engine: Engine) -> None:
    client, w, h = world_api
    keyed = {**h["inspector"], "Idempotency-Key": KEY}
    n = 4
    barrier = threading.Barrier(n)
    answers: list[tuple[int, int]] = []

    def send() -> None:
        barrier.wait()
        r = client.post("/api/v1/cases", json=_report(w), headers=keyed)
        answers.append((r.status_code, r.json().get("id", -1)))

    threads = [threading.Thread(target=send) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(code for code, _ in answers) == [200] * (n - 1) + [201], answers
    assert len({case_id for _, case_id in answers}) == 1
    assert _count(engine, Case) == 1
    assert _count(engine, CaseReportKey) == 1


def test_a_claim_waits_for_the_first_transaction(engine: Engine) -> None:
    """The race itself, made certain: the first request holds its transaction open while the
    second sends the same report; the second waits, then answers with the first's case."""
    factory = session_factory(engine)
    with factory() as s:
        w = make_world(s)
        s.commit()
    new = service.NewCase(source="inspector", lon=w.lon, lat=w.lat, description="并发")
    second: list[service.Reported] = []
    errors: list[BaseException] = []
    with factory() as first:
        made = service.report_once(first, w.principal("inspector"), new, KEY)
        assert not made.replayed

        def resend() -> None:
            try:
                with factory() as s2:
                    second.append(service.report_once(s2, w.principal("inspector"), new, KEY))
                    s2.commit()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        t = threading.Thread(target=resend)
        t.start()
        time.sleep(0.5)  # the resend is waiting for the key (or the write lock) now
        assert t.is_alive()
        first.commit()
        case_id = made.case.id
        t.join(timeout=30)
    assert not errors, errors
    assert second and second[0].replayed and second[0].case.id == case_id
    assert _count(engine, Case) == 1
    with factory() as s, pytest.raises(Conflict):
        other = service.NewCase(source="inspector", lon=w.lon, lat=w.lat, description="别的")
        service.report_once(s, w.principal("inspector"), other, KEY)


def test_a_refused_report_does_not_use_up_its_key(world_api: tuple, engine: Engine) -> None:
    client, w, h = world_api
    keyed = {**h["inspector"], "Idempotency-Key": KEY}
    bad = client.post("/api/v1/cases", json=_report(w, category_id=999_999), headers=keyed)
    assert bad.status_code == 422 and bad.json()["field"] == "category_id"
    assert _count(engine, CaseReportKey) == 0
    good = client.post("/api/v1/cases", json=_report(w), headers=keyed)
    assert good.status_code == 201, good.text
    assert _count(engine, Case) == 1
