"""Hardening, row by row of the issue that asked for it: abuse limits, body limits, headers,
redirects, CSRF, uploads, Open311 privacy, bounds on numbers, dates and text, formula-safe
exports, the security log. Each check attacks and then looks at what was stored."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scope_world import D1, ScopeWorld, X, make_scope_world
from urbangrid.api.deps import CSRF_HEADER, SESSION_COOKIE
from urbangrid.auth.models import SecurityEvent
from urbangrid.cases.models import Attachment, Case
from urbangrid.intake import privacy
from urbangrid.settings import get_settings
from urbangrid.web.routes import safe_next

PASSWORD = "Secret#123"


@pytest.fixture
def world(session: Session) -> ScopeWorld:
    made = make_scope_world(session)
    # real passwords for the login tests
    from urbangrid.auth.passwords import hash_password

    for user in made.users.values():
        user.password_hash = hash_password(PASSWORD)
    session.commit()
    return made


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[2] = (32.0, 9.0, 36.0)  # GPSLatitude
    gps[4] = (121.0, 58.0, 48.0)  # GPSLongitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


# ---------------------------------------------------------------- logins


def test_failed_logins_lock_the_account_whether_it_exists_or_not(
    client: TestClient, world: ScopeWorld, session: Session
) -> None:
    known = world.users[f"{D1}/intake"].username
    for name in (known, "nobody_at_all"):
        answers = [
            client.post("/api/v1/auth/login", json={"username": name, "password": "wrong"})
            for _ in range(11)
        ]
        assert [a.status_code for a in answers[:10]] == [401] * 10
        assert answers[10].status_code == 429 and int(answers[10].headers["Retry-After"]) > 60
    # locked: even the right password waits
    right = client.post("/api/v1/auth/login", json={"username": known, "password": PASSWORD})
    assert right.status_code == 429
    # an administrator of the platform lifts it; another platform's cannot
    other = client.post(
        "/api/v1/auth/unlock", json={"username": known}, headers=world.header(f"{X}/admin")
    )
    assert other.status_code == 404
    lift = client.post(
        "/api/v1/auth/unlock", json={"username": known}, headers=world.header(f"{D1}/admin")
    )
    assert lift.status_code == 204
    ok = client.post("/api/v1/auth/login", json={"username": known, "password": PASSWORD})
    assert ok.status_code == 200
    kinds = set(session.scalars(select(SecurityEvent.kind)))
    assert {"login_failed", "lockout", "refused", "unlock", "login"} <= kinds
    log = client.get("/api/v1/auth/security-events", headers=world.header(f"{D1}/admin")).json()
    assert any(e["kind"] == "unlock" and e["detail"]["username"] == known for e in log)
    csv_text = client.get(
        "/api/v1/auth/security-events.csv", headers=world.header(f"{D1}/admin")
    ).text
    assert "lockout" in csv_text
    assert (
        client.get("/api/v1/auth/security-events", headers=world.header(f"{D1}/lead")).status_code
        == 403
    )


def test_deeply_nested_json_login_is_a_client_error(client: TestClient) -> None:
    body = "[" * 1000 + "]" * 1000
    r = client.post("/login", content=body, headers={"content-type": "application/json"})
    assert r.status_code in (400, 422)


# ---------------------------------------------------------------- bodies, headers, redirects


def test_bodies_are_limited_before_they_are_read(
    client: TestClient, world: ScopeWorld, tmp_path: Path
) -> None:
    big = b"x" * (get_settings().anonymous_max_request_bytes + 1)
    r = client.post(
        "/open311/v2/requests.json",
        content=big,
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413

    # chunked (no Content-Length): stopped as it arrives
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"y" * 64 * 1024

    r = client.post(
        "/open311/v2/requests.json",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413
    # a logged-in user may send a photo's worth
    r = client.post(
        "/api/v1/cases/photos",
        files={"file": ("p.jpg", _jpeg_with_gps(), "image/jpeg")},
        headers=world.header(f"{D1}/i1"),
    )
    assert r.status_code == 201


def test_security_headers(client: TestClient, world: ScopeWorld) -> None:
    for path in ("/login", "/api/v1/health", "/api/v1/web/session"):
        r = client.get(path, headers=world.header(f"{D1}/lead"))
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in r.headers  # plain HTTP here
    tls = TestClient(client.app, base_url="https://testserver")
    assert "max-age" in tls.get("/api/v1/health").headers["Strict-Transport-Security"]


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\t/evil.example/phish", "/\\evil.example", "/\n/evil", "https://x.cn"],
)
def test_next_never_leaves_the_site(target: str) -> None:
    assert safe_next(target) is None


def test_csrf_token_is_the_sessions_own(client: TestClient, world: ScopeWorld) -> None:
    name = world.users[f"{D1}/lead"].username
    a = client.post("/login", json={"username": name, "password": PASSWORD})
    b = TestClient(client.app)
    b.post("/login", json={"username": name, "password": PASSWORD})
    # session A's cookie with session B's CSRF token: refused
    r = client.post(
        f"/api/v1/cases/{world.cases['i1_report_g3'].id}/supervise",
        json={"version": 1, "comment": "x"},
        headers={CSRF_HEADER: b.cookies["urbangrid_csrf"]},
        cookies={SESSION_COOKIE: a.cookies[SESSION_COOKIE]},
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/v1/cases/{world.cases['i1_report_g3'].id}/supervise",
        json={"version": 1, "comment": "x"},
        headers={CSRF_HEADER: a.cookies["urbangrid_csrf"]},
        cookies={SESSION_COOKIE: a.cookies[SESSION_COOKIE]},
    )
    assert r.status_code == 200


# ---------------------------------------------------------------- uploads


def test_uploads_are_reencoded_without_metadata(
    client: TestClient, world: ScopeWorld, session: Session
) -> None:
    h = world.header(f"{D1}/i1")
    polyglot = _jpeg_with_gps() + b"<html><script>alert(1)</script></html>"
    r = client.post(
        "/api/v1/cases/photos", files={"file": ("p.jpg", polyglot, "image/jpeg")}, headers=h
    )
    assert r.status_code == 201
    row = session.get(Attachment, r.json()["id"])
    assert row is not None
    stored = (get_settings().upload_dir / row.path).read_bytes()
    assert b"<html" not in stored and b"PhoneMaker" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()  # no EXIF at all, GPS included
    # a bomb: a tiny PNG claiming 50,000 × 50,000 pixels
    bomb = io.BytesIO()
    Image.new("1", (50_000, 50_000)).save(bomb, format="PNG")
    before = session.scalar(select(func.count()).select_from(Attachment))
    bombs = {"file": ("b.png", bomb.getvalue(), "image/png")}
    r = client.post("/api/v1/cases/photos", files=bombs, headers=h)
    assert r.status_code == 413
    # HTML that only claims to be an image
    html = {"file": ("x.jpg", b"<html></html>", "image/jpeg")}
    r = client.post("/api/v1/cases/photos", files=html, headers=h)
    assert r.status_code == 415
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Attachment)) == before


def test_a_missing_photo_file_is_404(
    client: TestClient, world: ScopeWorld, session: Session
) -> None:
    row = session.get(Attachment, world.photos["own_hw"])
    assert row is not None
    (get_settings().upload_dir / row.path).unlink()
    r = client.get(f"/api/v1/cases/attachments/{row.id}", headers=world.header(f"{D1}/lead"))
    assert r.status_code == 404


# ---------------------------------------------------------------- Open311 privacy


def test_open311_publishes_no_private_data(
    client: TestClient, world: ScopeWorld, session: Session
) -> None:
    from urbangrid.cases import service

    lead, intake = world.who(f"{D1}/lead"), world.who(f"{D1}/intake")
    lon, lat = 120.0005, 30.0005
    waiting = service.create_case(
        session, intake,
        service.NewCase(source="hotline", lon=lon, lat=lat, filing_condition_id=world.condition.id,
                        description="张三 13812345678 反映垃圾"),
    )  # fmt: skip
    taken = service.create_case(
        session, intake,
        service.NewCase(source="hotline", lon=lon, lat=lat, filing_condition_id=world.condition.id,
                        description="路口垃圾，电话 13912345678"),
    )  # fmt: skip
    service.perform_action(session, intake, taken.id, "accept_report", version=taken.version)
    inner = service.create_case(
        session, intake,
        service.NewCase(source="hotline", lon=lon, lat=lat, filing_condition_id=world.condition.id,
                        description="垃圾"),
    )  # fmt: skip
    service.perform_action(session, lead, inner.id, "void", version=inner.version,
                           comment="内部：市长热线重复投诉，勿公开")  # fmt: skip
    session.commit()

    def public(case: Case) -> dict:  # type: ignore[type-arg]
        r = client.get(f"/open311/v2/requests/{case.number}.json", params={"jurisdiction_id": D1})
        return r.json()[0]

    shown = public(waiting)
    assert shown["description"] == privacy.WITHHELD and "13812345678" not in json.dumps(shown)
    assert "13912345678" not in public(taken)["description"]
    assert "***" in public(taken)["description"]
    assert "勿公开" not in public(inner)["status_notes"]


# ---------------------------------------------------------------- numbers, dates, text


def test_out_of_range_input_is_a_client_error_and_stores_nothing(
    client: TestClient, world: ScopeWorld, session: Session
) -> None:
    lead = world.header(f"{D1}/lead")
    case = world.cases["i1_report_g3"]
    probes = [
        ("get", f"/api/v1/cases/{2**70}", None),
        ("get", "/api/v1/cases", {"page": 2**70}),
        ("get", "/api/v1/cases", {"department_id": 2**64}),
        ("get", "/api/v1/cases", {"reported_from": "0001-01-01"}),
        ("get", "/api/v1/cases", {"reported_to": "9999-12-31"}),
        ("get", "/api/v1/evaluation/departments", {"month": "0001-01"}),
        ("get", "/api/v1/web/worklists/all", {"q": "a\x00b"}),
        ("get", "/open311/v2/requests.json", {"start_date": "0001-01-01T00:00:00Z"}),
    ]
    for method, url, params in probes:
        r = client.request(method.upper(), url, params=params, headers=lead)
        assert 400 <= r.status_code < 500, (url, params, r.status_code, r.text[:200])
    version = session.get(Case, case.id).version  # type: ignore[union-attr]
    bad_bodies = [
        ("supervise", {"version": version, "comment": "a\x00b"}),
        ("supervise", {"version": 2**70, "comment": "x"}),
    ]
    for action, body in bad_bodies:
        r = client.post(f"/api/v1/cases/{case.id}/{action}", json=body, headers=lead)
        assert 400 <= r.status_code < 500, (action, body, r.status_code)
    # extensions: infinite or absurd amounts are refused
    hw = world.header(f"{D1}/hw")
    own = world.cases["own_hw"]
    client.post(f"/api/v1/cases/{own.id}/department_accept", json={"version": own.version},
                headers=hw)  # fmt: skip
    session.expire_all()
    now = session.get(Case, own.id)
    assert now is not None
    for extra in ("1E+999999", "100000000", "NaN", "-1"):
        r = client.post(
            f"/api/v1/cases/{own.id}/apply_extension",
            content=f'{{"version": {now.version}, "comment": "x", "extra": {extra}}}',
            headers={**hw, "content-type": "application/json"},
        )
        assert r.status_code == 422, (extra, r.status_code)
    session.expire_all()
    assert session.get(Case, own.id).version == now.version  # type: ignore[union-attr]
    # hotline dates out of the calendar
    key = world.keys[D1][1]
    r = client.post(
        "/api/v1/intake/hotline/work-orders",
        json={"order_id": "ORD-Y9999", "content": "x", "received_at": "9999-12-31T23:59:59Z",
              "lon": 120.0005, "lat": 30.0005},
        headers={"X-Api-Key": key},
    )  # fmt: skip
    assert r.status_code == 422


def test_exports_do_not_run_formulas(client: TestClient, world: ScopeWorld) -> None:
    admin = world.header(f"{D1}/admin")
    code = world.components[D1]
    formula = "@SUM(1+1)*cmd|' /C calc'!A0"
    r = client.patch(f"/api/v1/geo/components/{code}", json={"note": formula}, headers=admin)
    assert r.status_code == 200
    assert client.patch(f"/api/v1/geo/components/{code}", json={"note": "x" * 2_000_000},
                        headers=admin).status_code in (413, 422)  # fmt: skip
    exported = client.get("/api/v1/geo/components/export", params={"format": "csv"},
                          headers=admin).text  # fmt: skip
    assert "'" + formula in exported and "," + formula not in exported


def test_open311_posts_are_rate_limited(
    client: TestClient, world: ScopeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from urbangrid.db import session_factory
    from urbangrid.intake.keys import create_key

    monkeypatch.setenv("URBANGRID_OPEN311_POSTS_PER_MINUTE", "3")
    get_settings.cache_clear()
    try:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        with session_factory(engine)() as s:
            _row, key = create_key(s, "app", channel="open311", jurisdiction_code=D1)
            s.commit()
        answers = [
            client.post(
                "/open311/v2/requests.json",
                data={
                    "api_key": key,
                    "service_code": "M06001",
                    "lat": "30.0005",
                    "long": "120.0005",
                    "description": "垃圾",
                },
            )
            for _ in range(4)
        ]
        assert [a.status_code for a in answers[:3]] == [200] * 3, answers[0].text
        assert answers[3].status_code == 429 and "Retry-After" in answers[3].headers
    finally:
        get_settings.cache_clear()
