"""Every API route with no token, a wrong token and each role's token: status, and no point data leaks."""

from __future__ import annotations

import json

import pytest

from tests.security.conftest import MONTH, ROLES

#: Route -> the roles that may read it (the others get 403).
API_ROUTES = {
    f"/api/incidents?{MONTH}": {"analyst", "officer"},
    f"/api/hotspots?{MONTH}": {"analyst", "officer", "partnership"},
    f"/api/plan?{MONTH}": {"analyst", "officer"},
    f"/api/nte?{MONTH}": {"analyst", "officer", "partnership"},
    "/api/targets": {"analyst", "officer", "partnership"},
    "/api/public/counts?by=sector": {"analyst", "officer", "partnership"},
}


def _points(obj, found: set) -> set:
    """Every Point coordinate pair anywhere in a GeoJSON/JSON answer (rounded to 6 places)."""
    if isinstance(obj, dict):
        if obj.get("type") == "Point" and isinstance(obj.get("coordinates"), list):
            x, y = obj["coordinates"][:2]
            found.add((round(x, 6), round(y, 6)))
        for v in obj.values():
            _points(v, found)
    elif isinstance(obj, list):
        for v in obj:
            _points(v, found)
    return found


@pytest.fixture(scope="module")
def incident_points(secure_app, tokens):
    resp = secure_app.server.test_client().get(f"/api/incidents?{MONTH}&token={tokens['analyst']}")
    assert resp.status_code == 200
    pts = _points(resp.get_json(), set())
    assert len(pts) > 100
    return pts


@pytest.mark.parametrize("route", list(API_ROUTES))
def test_no_token_is_401_json(anon, route):
    resp = anon.get(route)
    assert resp.status_code == 401
    assert resp.mimetype == "application/json"
    assert set(resp.get_json()) == {"error"}


@pytest.mark.parametrize("route", list(API_ROUTES))
def test_wrong_token_is_401(anon, route, tokens):
    wrong = tokens["analyst"][:-4] + "xxxx"
    for resp in (anon.get(route, headers={"Authorization": f"Bearer {wrong}"}), anon.get(f"{route}&token={wrong}")):
        assert resp.status_code == 401
        assert "token" in resp.get_json()["error"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", list(API_ROUTES))
def test_each_role_token(anon, route, role, tokens, incident_points):
    resp = anon.get(route, headers={"Authorization": f"Bearer {tokens[role]}"})
    if role in API_ROUTES[route]:
        assert resp.status_code == 200, resp.text[:300]
    else:
        assert resp.status_code == 403
        assert set(resp.get_json()) == {"error"}
        assert b"coordinates" not in resp.data
    if role == "partnership":
        leaked = _points(json.loads(resp.data), set()) & incident_points
        assert not leaked


def test_token_in_the_query_works_and_is_not_passed_on(anon, tokens):
    # The views reject unknown parameters: a 200 shows the token was taken out of the query.
    resp = anon.get(f"/api/hotspots?{MONTH}&token={tokens['partnership']}")
    assert resp.status_code == 200
    assert resp.get_json()["type"] == "FeatureCollection"


def test_a_session_reads_the_api_too(logged_in):
    client = logged_in("officer")
    assert client.get(f"/api/incidents?{MONTH}").status_code == 200
    assert logged_in("partnership").get(f"/api/incidents?{MONTH}").status_code == 403


def test_public_counts_are_suppressed_below_the_threshold(anon, tokens):
    resp = anon.get(
        "/api/public/counts?by=lsoa&from=2017-02-01&to=2017-02-28",
        headers={"Authorization": f"Bearer {tokens['partnership']}"},
    )
    body = resp.get_json()
    counts = [r["count"] for r in body["counts"]]
    assert None in counts  # some LSOAs have fewer than 5 incidents in a month
    assert all(c is None or c >= 5 for c in counts)
    assert "below 5" in body["notice"]
    assert body["marking"] == "OFFICIAL-SENSITIVE"


@pytest.mark.parametrize("role", ROLES)
def test_briefing_and_admin_pages(logged_in, role):
    client = logged_in(role)
    briefing = client.get(f"/briefing?{MONTH}")
    admin = client.get("/admin/audit")
    assert briefing.status_code == (403 if role == "partnership" else 200)
    assert admin.status_code == (200 if role == "analyst" else 403)
    if role == "partnership":
        assert "Not available to your role" in briefing.text
        assert "Van site" not in briefing.text


def test_pages_need_a_login(anon):
    for path in ("/", "/deployment", "/data", "/briefing", "/admin/audit", "/_dash-layout"):
        resp = anon.get(path)
        assert resp.status_code in (302, 401), path
        if resp.status_code == 302:
            assert resp.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("officer", "/data", 403),
        ("partnership", "/data", 403),
        ("partnership", "/deployment", 403),
        ("partnership", "/", 200),
        ("officer", "/deployment", 200),
        ("analyst", "/data", 200),
    ],
)
def test_page_loads_by_role(logged_in, role, path, status):
    resp = logged_in(role).get(path)
    assert resp.status_code == status
    if status == 403:
        assert "Not available to your role" in resp.text
