"""CSRF, login throttling, the Host allow-list, security headers, the upload limit, ETag and Range."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dashboard.security.auth import lock_remaining
from geo import audit
from tests.security.conftest import MONTH, TEST_UPLOAD_MB, callback_body, csrf_header, log_in, password_of


def test_callback_without_csrf_token_is_refused(secure_app, logged_in):
    client = logged_in("officer")
    body = callback_body(secure_app, "f-hours-note.children", {"f-hour-from.value": "20", "f-hour-to.value": "4"})
    refused = client.post("/_dash-update-component", json=body)
    assert refused.status_code == 400
    assert "CSRF" in refused.get_json()["error"]
    wrong = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    ok = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert ok.status_code == 200
    assert ok.get_json()["multi"] is True


def test_login_form_without_csrf_token_is_refused(anon):
    resp = anon.post("/login", data={"username": "analyst1", "password": password_of("analyst")})
    assert resp.status_code == 400
    assert anon.get("/").status_code == 302  # still not logged in


def test_lock_follows_failures_since_the_last_success():
    t0 = datetime(2026, 1, 1, 12, 0, 0)
    fails = [{"action": "login_failed", "at": t0 + timedelta(seconds=i)} for i in range(5)]
    assert lock_remaining(fails[:4], t0 + timedelta(seconds=5), 5, 60) == 0
    assert lock_remaining(fails, t0 + timedelta(seconds=4), 5, 60) == 60
    assert lock_remaining(fails, t0 + timedelta(seconds=64), 5, 60) == 0
    # ten failures: the lock doubles
    ten = fails + [{"action": "login_failed", "at": t0 + timedelta(seconds=10 + i)} for i in range(5)]
    assert lock_remaining(ten, t0 + timedelta(seconds=14), 5, 60) == 120
    # a success clears the count
    assert lock_remaining([*fails, {"action": "login", "at": t0 + timedelta(seconds=6)}], t0, 5, 60) == 0


def test_five_failures_lock_the_user_even_with_the_right_password(secure_app, secure_store):
    client = secure_app.server.test_client()
    from geo import accounts

    accounts.add_user(secure_store, "throttled", "officer", "right-password")
    for _ in range(5):
        assert log_in(client, "throttled", "wrong-password", "10.0.0.5").status_code == 401
    locked = log_in(client, "throttled", "right-password", "10.0.0.6")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    rows = audit.read(secure_store, username="throttled")
    assert [r["action"] for r in rows] == ["login_failed"] * 6
    assert rows[-1]["detail"] == "locked"


def test_five_failures_lock_the_address_for_every_user(secure_app):
    client = secure_app.server.test_client()
    for i in range(5):
        assert log_in(client, f"nobody{i}", "wrong-password", "10.0.0.7").status_code == 401
    assert log_in(client, "analyst1", password_of("analyst"), "10.0.0.7").status_code == 429
    assert log_in(client, "analyst1", password_of("analyst"), "10.0.0.8").status_code == 302


def test_unknown_host_is_refused(anon, tokens):
    resp = anon.get("/login", headers={"Host": "rebind.example:8050"})
    assert resp.status_code == 400
    api = anon.get("/api/targets", headers={"Host": "evil.example", "Authorization": f"Bearer {tokens['analyst']}"})
    assert api.status_code == 400
    assert "not allowed" in api.get_json()["error"]
    assert anon.get("/login", headers={"Host": "127.0.0.1:8050"}).status_code == 200


@pytest.mark.parametrize("path", ["/login", "/api/targets", "/"])
def test_security_headers_on_every_answer(logged_in, path):
    resp = logged_in("analyst").get(path)
    h = resp.headers
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert "default-src 'self'" in h["Content-Security-Policy"]
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["X-Protective-Marking"] == "OFFICIAL-SENSITIVE"


def test_session_cookie_flags(anon):
    resp = log_in(anon, "analyst1", password_of("analyst"), "10.0.1.1")
    cookie = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("hotspots_session=")][0]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    secure = anon.get("/login", base_url="https://localhost")
    assert secure.status_code == 200


def test_secure_flag_over_https(secure_app):
    client = secure_app.server.test_client()
    page = client.get("/login", base_url="https://localhost")
    from tests.security.conftest import csrf_from

    resp = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
        data={"username": "analyst1", "password": password_of("analyst"), "csrf_token": csrf_from(page.text)},
    )
    cookie = [c for c in resp.headers.getlist("Set-Cookie") if c.startswith("hotspots_session=")][0]
    assert "Secure" in cookie


def test_upload_over_the_limit_is_refused_with_a_message(secure_app, logged_in):
    client = logged_in("analyst")
    too_big = b"x" * int(TEST_UPLOAD_MB * 1024 * 1024 * 4 // 3 + 2 * 1024 * 1024)
    headers = {**csrf_header(client), "Content-Type": "application/json"}
    resp = client.post("/_dash-update-component", data=too_big, headers=headers)
    assert resp.status_code == 200
    assert "larger than the 1 MB limit" in resp.get_data(as_text=True)
    assert "hotspots ingest" in resp.get_data(as_text=True)
    api = client.post("/api/incidents", data=too_big)
    assert api.status_code == 413
    assert "1 MB limit" in api.get_json()["error"]


def test_etag_and_range_on_geojson(anon, tokens):
    auth = {"Authorization": f"Bearer {tokens['officer']}"}
    full = anon.get(f"/api/incidents?{MONTH}", headers=auth)
    assert full.headers["Accept-Ranges"] == "bytes"
    etag = full.headers["ETag"]
    again = anon.get(f"/api/incidents?{MONTH}", headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    part = anon.get(f"/api/incidents?{MONTH}", headers={**auth, "Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.data == full.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(full.data)}"


def test_unlisted_callback_output_is_denied_below_analyst(logged_in):
    client = logged_in("officer")
    body = {
        "output": "secret-new-layer.data",
        "outputs": {"id": "secret-new-layer", "property": "data"},
        "inputs": [],
        "state": [],
        "changedPropIds": [],
    }
    resp = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert resp.status_code == 403
    assert "secret-new-layer" in resp.get_json()["error"]


def test_partnership_map_callback_withholds_the_incident_layer(secure_app, logged_in):
    client = logged_in("partnership")
    sel = {"from": "2017-02-01", "to": "2017-02-28"}
    body = callback_body(secure_app, "map-incidents.data", {"selection.data": sel})
    resp = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert resp.status_code == 200
    answer = resp.get_json()["response"]
    assert "map-incidents" not in answer
    assert answer["map-incidents-done"]["data"] == sel  # the hotspot layer still follows
    officer = logged_in("officer")
    full = officer.post("/_dash-update-component", json=body, headers=csrf_header(officer)).get_json()["response"]
    assert "map-incidents" in full


@pytest.mark.parametrize(
    ("role", "path", "refused"),
    [
        ("partnership", "/deployment", True),
        ("officer", "/data", True),
        ("officer", "/deployment", False),
    ],
)
def test_pages_router_refuses_with_a_notice(secure_app, logged_in, role, path, refused):
    client = logged_in(role)
    body = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "state": [],
        "changedPropIds": ["_pages_location.pathname"],
    }
    resp = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert resp.status_code == 200
    assert ("Not available to your role" in resp.get_data(as_text=True)) is refused


def test_missing_store_is_never_created_and_nothing_is_served(tmp_path, demo_store):
    from dashboard.app import create_app

    missing = tmp_path / "missing.duckdb"
    app = create_app(missing, demo_store.district.folder)
    client = app.server.test_client()
    api = client.get("/api/incidents")
    assert api.status_code == 503
    assert "no store at" in api.get_json()["error"]
    upload = client.post("/_dash-update-component", json={"output": "data-report.children"})
    assert upload.status_code == 503
    assert client.get("/").status_code == 200  # the page says the store cannot be read
    assert not missing.exists()


def test_briefing_carries_the_protective_marking(logged_in):
    page = logged_in("officer").get(f"/briefing?{MONTH}")
    assert page.status_code == 200
    assert page.headers["X-Protective-Marking"] == "OFFICIAL-SENSITIVE"
    assert page.text.count('<div class="protective-marking"') == 2
    body = page.text[page.text.index("<body") :]
    assert body.split(">", 1)[1].startswith('<div class="protective-marking"')
