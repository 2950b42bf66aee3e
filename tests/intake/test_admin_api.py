"""Admin endpoints: client keys (issue, use, revoke) and webhook subscriptions."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from urbangrid.intake.open311_service import service_code

from .test_hotline import bearer
from .town import Town


def test_issue_use_and_revoke_a_key(client: TestClient, town: Town, session: Session) -> None:
    admin = bearer(session, town, "admin")
    assert (
        client.post(
            "/api/v1/intake/keys", json={"name": "x"}, headers=bearer(session, town, "intake")
        ).status_code
        == 403
    )
    made = client.post("/api/v1/intake/keys", json={"name": "街道 App"}, headers=admin)
    assert made.status_code == 201
    key = made.json()["key"]
    assert made.json()["prefix"] == key[:12]
    form = {
        "api_key": key,
        "service_code": service_code(town.category),
        "lat": str(town.lat),
        "long": str(town.lon),
    }
    assert client.post("/open311/v2/requests.json", data=form).status_code == 200
    listed = client.get("/api/v1/intake/keys", headers=admin).json()
    assert "key" not in listed[0] and {k["name"] for k in listed} >= {"街道 App"}
    assert (
        client.delete(f"/api/v1/intake/keys/{made.json()['id']}", headers=admin).status_code == 200
    )
    assert client.post("/open311/v2/requests.json", data=form).status_code == 403
    assert (
        client.post(
            "/api/v1/intake/keys", json={"name": "x", "channel": "fax"}, headers=admin
        ).status_code
        == 422
    )


def test_webhook_subscriptions_api(client: TestClient, town: Town, session: Session) -> None:
    admin = bearer(session, town, "admin")
    body = {
        "name": "city data hub",
        "url": "https://hub.example.org/hook",
        "event_types": ["case.*"],
    }
    made = client.post("/api/v1/intake/webhooks", json=body, headers=admin)
    assert made.status_code == 201 and len(made.json()["secret"]) >= 32
    assert client.get("/api/v1/intake/webhooks", headers=admin).json()[0]["event_types"] == [
        "case.*"
    ]
    bad = client.post(
        "/api/v1/intake/webhooks", json={**body, "url": "ftp://x.example/y"}, headers=admin
    )
    assert bad.status_code == 422
    gone = client.delete(f"/api/v1/intake/webhooks/{made.json()['id']}", headers=admin)
    assert gone.json()["is_active"] is False
    assert (
        client.get("/api/v1/intake/webhooks", headers=bearer(session, town, "lead")).status_code
        == 403
    )
