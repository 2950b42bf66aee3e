"""The case read's labelled parts: the disposal deadline and 按期 / 超期 kept after 结案,
photos labelled by step and author, 改类 from → to and 延期 amounts in the timeline; and
that another department still gets 404 for the case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from urbangrid.cases import readout, service
from urbangrid.cases.models import Case
from urbangrid.catalog.models import Category, FilingCondition
from urbangrid.db import session_factory

from .test_case_api import _png
from .world import World

SH = ZoneInfo("Asia/Shanghai")
# Monday 2 March 2026, a working day; office hours 08:30-12:00, 13:30-17:30 (the default).
MONDAY = datetime(2026, 3, 2, tzinfo=SH)


def _at(day: int, hh: int, mm: int = 0) -> datetime:
    return (MONDAY + timedelta(days=day)).replace(hour=hh, minute=mm).astimezone(UTC)


def _upload(client: TestClient, header: dict[str, str], n: int) -> list[int]:
    ids = []
    for i in range(n):
        r = client.post(
            "/api/v1/cases/photos",
            files={"file": (f"p{i}.png", _png(), "image/png")},
            data={"kind": "after"},
            headers=header,
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def _walk(
    engine: Engine, w: World, steps: list[tuple[str, str, datetime, dict[str, Any]]], **new: Any
) -> int:
    """A case reported at ``steps[0]``'s time and taken through ``steps`` at their times."""
    with session_factory(engine)() as s:
        first = steps[0][2] - timedelta(minutes=30)
        case = service.create_case(
            s,
            w.principal("inspector"),
            service.NewCase(
                source="inspector", lon=w.lon, lat=w.lat, category_id=w.category.id, **new
            ),
            now=first,
        )
        for who, action, at, extra in steps:
            extra = dict(extra)
            attachments = extra.pop("attachments", [])
            comment = extra.pop("comment", "")
            service.perform_action(
                s,
                w.principal(who),
                case.id,
                action,
                version=case.version,
                comment=comment,
                data=extra,
                attachments=attachments,
                now=at,
            )
        s.commit()
        return case.id


def _to_department(dep: int) -> list[tuple[str, str, datetime, dict[str, Any]]]:
    return [
        ("intake", "accept_report", _at(0, 8, 40), {}),
        ("lead", "file", _at(0, 8, 50), {}),
        ("dispatcher", "dispatch", _at(0, 9), {"department_id": dep}),
        ("hw", "department_accept", _at(0, 9, 10), {}),
    ]


def _closing(day: int) -> list[tuple[str, str, datetime, dict[str, Any]]]:
    return [
        ("inspector", "check_pass", _at(day, 16), {}),
        ("lead", "close", _at(day, 16, 30), {}),
    ]


def test_deadline_and_result_kept_after_closing(
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, w, h = world_api
    # 4 work hours from Monday 09:00: due 14:30 (09:00-12:00 and 13:30-14:30).
    late = _walk(
        engine,
        w,
        [
            *_to_department(w.sanitation.id),
            # Tuesday 09:30: 14:30-17:30 Monday and 08:30-09:30 Tuesday late = 4 work hours.
            ("hw", "feedback", _at(1, 9, 30), {}),
            *_closing(1),
        ],
    )
    on_time = _walk(
        engine,
        w,
        [
            *_to_department(w.sanitation.id),
            ("hw", "apply_extension", _at(0, 10), {"extra": "2", "comment": "缺材料"}),
            ("dispatcher", "approve_extension", _at(0, 10, 30), {"extra": "1"}),
            # Due 15:30 with the hour granted; done at 15:00.
            ("hw", "feedback", _at(0, 15), {}),
            *_closing(0),
        ],
    )
    got_late = client.get(f"/api/v1/cases/{late}", headers=h["leader"]).json()
    assert got_late["status"] == "closed" and got_late["due_at"] is None
    d = got_late["disposal"]
    assert datetime.fromisoformat(d["deadline"]) == _at(0, 14, 30)
    assert datetime.fromisoformat(d["finished_at"]) == _at(1, 9, 30)
    assert d["on_time"] is False and Decimal(d["overdue_amount"]) == Decimal(4)
    assert d["unit"] == "work_hour" and got_late["closing_type"] == "overdue"

    got_ok = client.get(f"/api/v1/cases/{on_time}", headers=h["hw"]).json()
    d = got_ok["disposal"]
    assert datetime.fromisoformat(d["deadline"]) == _at(0, 15, 30)
    assert d["on_time"] is True and d["overdue_amount"] is None
    assert got_ok["closing_type"] == "normal"
    # The timeline's 延期: 2 asked, 1 granted, in the limit's unit.
    ext = {e["action"]: e for e in got_ok["timeline"] if "extension" in e["action"]}
    assert Decimal(ext["apply_extension"]["extension_requested"]) == 2
    assert ext["apply_extension"]["extension_granted"] is None
    assert Decimal(ext["approve_extension"]["extension_requested"]) == 2
    assert Decimal(ext["approve_extension"]["extension_granted"]) == 1
    assert ext["approve_extension"]["extension_unit"] == "work_hour"

    # The other department (市政所) never had these cases: 404, and nothing of them shown.
    for cid in (late, on_time):
        r = client.get(f"/api/v1/cases/{cid}", headers=h["sz"])
        assert r.status_code == 404 and "disposal" not in r.text


def test_open_case_without_feedback_has_deadline_and_no_result(
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, w, h = world_api
    cid = _walk(engine, w, _to_department(w.sanitation.id))
    d = client.get(f"/api/v1/cases/{cid}", headers=h["hw"]).json()["disposal"]
    assert datetime.fromisoformat(d["deadline"]) == _at(0, 14, 30)
    assert d["on_time"] is None and d["finished_at"] is None
    # Not yet dispatched: no deadline at all.
    fresh = client.post(
        "/api/v1/cases",
        json={"source": "inspector", "lon": w.lon, "lat": w.lat, "category_id": w.category.id},
        headers=h["inspector"],
    ).json()
    assert fresh["disposal"] is None


def test_photos_labelled_by_step_and_author(
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, w, h = world_api
    before = _upload(client, h["inspector"], 1)
    after = _upload(client, h["hw"], 3)  # several photos in one 反馈
    cid = _walk(
        engine,
        w,
        [*_to_department(w.sanitation.id), ("hw", "feedback", _at(0, 11), {"attachments": after})],
        attachments=before,
    )
    got = client.get(f"/api/v1/cases/{cid}", headers=h["dispatcher"]).json()
    by_id = {a["id"]: a for a in got["attachments"]}
    assert set(by_id) == set(before) | set(after)
    rep = by_id[before[0]]
    assert rep["step"] == "report" and rep["author_role"] == "inspector"
    assert rep["author_name"] == w.users["inspector"].display_name
    for aid in after:
        a = by_id[aid]
        assert a["step"] == "feedback" and a["author_role"] == "department_handler"
        assert a["author_id"] == w.users["hw"].id
        assert a["author_name"] == w.users["hw"].display_name
    feedback = next(e for e in got["timeline"] if e["action"] == "feedback")
    assert {a["step_seq"] for a in (by_id[i] for i in after)} == {feedback["seq"]}
    assert sorted(feedback["attachments"]) == sorted(after)


def test_photo_cited_by_another_case_is_refused_and_nothing_changes(
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, w, h = world_api
    after = _upload(client, h["hw"], 2)
    first = _walk(
        engine,
        w,
        [*_to_department(w.sanitation.id), ("hw", "feedback", _at(0, 11), {"attachments": after})],
    )
    second = _walk(engine, w, _to_department(w.sanitation.id))
    before = client.get(f"/api/v1/cases/{second}", headers=h["hw"]).json()
    r = client.post(
        f"/api/v1/cases/{second}/feedback",
        json={"version": before["version"], "attachments": after},
        headers=h["hw"],
    )
    assert r.status_code == 422
    now = client.get(f"/api/v1/cases/{second}", headers=h["hw"]).json()
    assert now["version"] == before["version"] and now["attachments"] == []
    kept = client.get(f"/api/v1/cases/{first}", headers=h["hw"]).json()
    assert {a["id"] for a in kept["attachments"]} == set(after)


def test_reclassify_shows_from_and_to(
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, w, h = world_api
    with session_factory(engine)() as s:
        other = Category(kind="matter", code="06002", big_code="06", big_name="市容环境类",
                         name="道路不洁")  # fmt: skip
        s.add(other)
        s.flush()
        cond = FilingCondition(
            category_id=other.id, seq=1, description="路面污物", time_limit_value=Decimal(2),
            time_limit_unit="work_day", closing_condition="清扫",
        )  # fmt: skip
        s.add(cond)
        s.commit()
        other_id, cond_id = other.id, cond.id
    cid = _walk(
        engine,
        w,
        [
            ("intake", "accept_report", _at(0, 8, 40), {}),
            (
                "intake",
                "reclassify",
                _at(0, 8, 45),
                {"category_id": other_id, "filing_condition_id": cond_id},
            ),
        ],
    )
    got = client.get(f"/api/v1/cases/{cid}", headers=h["lead"]).json()
    ev = next(e for e in got["timeline"] if e["action"] == "reclassify")
    assert ev["category_from"]["code"] == "06001" and ev["category_from"]["name"] == "暴露垃圾"
    assert ev["category_to"] == {"id": other_id, "code": "06002", "name": "道路不洁"}
    assert ev["limit_from"]["unit"] == "work_hour" and Decimal(ev["limit_from"]["value"]) == 4
    assert ev["limit_to"]["unit"] == "work_day" and Decimal(ev["limit_to"]["value"]) == 2
    with session_factory(engine)() as s:
        assert s.get(Case, cid).category_id == other_id  # type: ignore[union-attr]


def test_feedback_before_a_return_does_not_count_for_the_next_department() -> None:
    """Pure: a 反馈 older than the current assignment is no result of it."""
    t0 = _at(0, 9)
    res = readout.disposal_result(
        deadline=_at(1, 9),
        assigned_at=_at(0, 12),
        handled_at=t0,
        unit="work_hour",
        used_seconds=None,
        unit_seconds=None,
    )
    assert res is not None and res.on_time is None and res.finished_at is None
    assert (
        readout.disposal_result(
            deadline=None,
            assigned_at=None,
            handled_at=t0,
            unit=None,
            used_seconds=None,
            unit_seconds=None,
        )
        is None
    )
