"""时限与工作日历 over HTTP: every bad field reported at once on its own field, nothing
stored when one is bad, the audit entry of a change."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from urbangrid.auth.models import SecurityEvent
from urbangrid.cases.settings_check import setting_errors
from urbangrid.db import session_factory

from .world import World


def _admin_events(engine: Engine) -> int:
    with session_factory(engine)() as s:
        q = select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == "admin")
        return int(s.scalar(q) or 0)


def test_each_bad_field_is_named_with_its_code() -> None:
    errors = setting_errors(
        {
            "workflow": {
                "stage_limits": {
                    "intake": {"value": "0", "unit": "work_hour"},
                    "dispatch": {"value": "2", "unit": "fortnight"},
                    "check": {"value": "1", "unit": "urgent_hour_continuous"},
                },
                "yellow_ratio": "1.5",
            },
            "worktime": {
                "office_hours": ["08:30-12:00", "11:00-17:30", "25:00-26:00"],
                "calendar_overrides": {
                    "2027-02-06": "班",
                    "2027-13-01": "休",
                    "2027-10-01": "maybe",
                },
            },
            "case_number_pattern": "{year}",
        }
    )
    got = {(e.field, e.code) for e in errors}
    assert got == {
        ("workflow.stage_limits.intake", "time_limit_invalid"),
        ("workflow.stage_limits.dispatch", "time_limit_invalid"),
        ("workflow.yellow_ratio", "yellow_ratio_invalid"),
        ("worktime.office_hours.1", "office_period_overlap"),
        ("worktime.office_hours.2", "office_hours_invalid"),
        ("worktime.calendar_overrides.2027-13-01", "calendar_override_invalid"),
        ("worktime.calendar_overrides.2027-10-01", "calendar_override_invalid"),
        ("case_number_pattern", "case_number_pattern_invalid"),
    }
    assert (
        setting_errors(
            {"workflow": {"yellow_ratio": "0.75"}, "case_number_pattern": "{seq}-{year}"}
        )
        == []
    )


def test_bad_settings_change_nothing_and_a_good_change_is_audited(
    world_api: tuple[TestClient, World, dict], engine: Engine
) -> None:
    client, _w, h = world_api
    current = client.get("/api/v1/cases/settings", headers=h["admin"]).json()
    events = _admin_events(engine)
    bad = {
        "workflow": {**current["workflow"], "yellow_ratio": "0",
                     "stage_limits": {"dispatch": {"value": "-1", "unit": "work_hour"}}},
        "worktime": {"office_hours": "09:00-08:00", "calendar_overrides": {"2027-02-06": "班"}},
        "case_number_pattern": "N{seq}",
    }  # fmt: skip
    r = client.put("/api/v1/cases/settings", json=bad, headers=h["admin"])
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "settings_invalid" and body["params"] == {"count": 4}
    fields = [e["field"] for e in body["errors"]]
    assert fields == [
        "workflow.stage_limits.dispatch",
        "workflow.yellow_ratio",
        "worktime.office_hours.0",
        "case_number_pattern",
    ]
    assert client.get("/api/v1/cases/settings", headers=h["admin"]).json() == current
    assert _admin_events(engine) == events

    good = {
        "workflow": {**current["workflow"], "yellow_ratio": "0.7",
                     "stage_limits": {**current["workflow"]["stage_limits"],
                                      "dispatch": {"value": "2", "unit": "work_hour"}}},
        "worktime": {"office_hours": "09:00-12:00,14:00-18:00",
                     "calendar_overrides": {"2027-02-06": "work", "2027-10-08": "off"}},
    }  # fmt: skip
    r = client.put("/api/v1/cases/settings", json=good, headers=h["admin"])
    assert r.status_code == 200, r.text
    saved = client.get("/api/v1/cases/settings", headers=h["admin"]).json()
    assert saved["workflow"]["yellow_ratio"] == "0.7"
    assert saved["workflow"]["stage_limits"]["dispatch"] == {"value": "2", "unit": "work_hour"}
    assert saved["worktime"]["office_hours"] == "09:00-12:00,14:00-18:00"
    assert saved["worktime"]["calendar_overrides"] == {"2027-02-06": "work", "2027-10-08": "off"}
    assert saved["case_number_pattern"] == current["case_number_pattern"]
    assert _admin_events(engine) == events + 1
