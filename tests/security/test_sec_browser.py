"""One real-browser test per role: log in, what it sees, what it is refused; no CSP violation anywhere."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.security.conftest import TILE_HOST, password_of

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
#: A month of data keeps each page's analyses small.
MONTH = "?from=2017-02-01&to=2017-02-28"


@pytest.fixture()
def console(page):
    """Console errors (tile failures excluded: tiles cannot load offline) and page errors."""
    errors: list[str] = []
    page.route(f"**/{TILE_HOST}/**", lambda route: route.abort())

    def on_console(msg):
        if msg.type == "error" and TILE_HOST not in (msg.location or {}).get("url", ""):
            errors.append(f"{msg.text} @ {(msg.location or {}).get('url', '')}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    return errors


def _log_in(page, base: str, role: str, path: str) -> None:
    page.goto(base + path)  # a protected page: sent to the login form, then back to it
    expect(page.locator("h1")).to_have_text("Log in")
    page.fill("#username", f"{role}1")
    page.fill("#password", password_of(role))
    page.click("button[type=submit]")


def _api_status(page, path: str) -> int:
    return page.evaluate(f"async () => (await fetch('{path}')).status")


def _csp_violations(errors: list[str]) -> list[str]:
    return [e for e in errors if "Content Security Policy" in e or "Refused to" in e]


def test_analyst_sees_everything(page, live_url, console):
    _log_in(page, live_url, "analyst", "/data")
    expect(page.locator("#data-upload")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#security-account")).to_contain_text("analyst1 (analyst)")
    page.goto(f"{live_url}/{MONTH}")
    expect(page.locator(".marker-cluster").first).to_be_visible(timeout=TIMEOUT)
    # plotly (NTE, sectors) and the deployment map work under the Content-Security-Policy
    for path, ready in (("/nte", ".main-svg"), ("/sectors", ".main-svg"), ("/deployment", ".leaflet-container")):
        page.goto(f"{live_url}{path}{MONTH}")
        expect(page.locator(ready).first).to_be_visible(timeout=TIMEOUT)
    page.goto(f"{live_url}/admin/audit")
    expect(page.locator("#audit-table")).to_contain_text("analyst1")
    assert _api_status(page, "/api/incidents?from=2017-02-01&to=2017-02-28") == 200
    assert _csp_violations(console) == []
    assert console == []


def test_officer_sees_points_but_not_the_upload(page, live_url, console):
    _log_in(page, live_url, "officer", "/data")
    expect(page.locator("h1")).to_have_text("Not available to your role", timeout=TIMEOUT)
    page.goto(f"{live_url}/{MONTH}")
    expect(page.locator(".marker-cluster").first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#security-account")).to_contain_text("officer1 (officer)")
    # the in-app navigation to the Data page is refused on the server too
    page.locator("header a", has_text="Data").click()
    expect(page.locator("#_pages_content")).to_contain_text("Not available to your role", timeout=TIMEOUT)
    expect(page.locator("#data-upload")).to_have_count(0)
    assert _api_status(page, "/api/incidents?from=2017-02-01&to=2017-02-28") == 200
    assert _api_status(page, "/admin/audit") == 403
    # the briefing's print button (an inline handler) is allowed by the CSP
    page.goto(f"{live_url}/briefing{MONTH}")
    page.evaluate("() => { window.print = () => { window.__printed = true; }; }")
    page.click("text=Print")
    assert page.evaluate("() => window.__printed === true")
    assert _csp_violations(console) == []


def test_partnership_sees_aggregates_only(page, live_url, console):
    _log_in(page, live_url, "partnership", "/deployment")
    expect(page.locator("h1")).to_have_text("Not available to your role", timeout=TIMEOUT)
    page.goto(f"{live_url}/{MONTH}")
    expect(page.locator("#map-hotspot-count")).to_contain_text("hotspot", timeout=TIMEOUT)
    expect(page.locator("path.leaflet-interactive").first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#map-count")).to_contain_text("selected", timeout=TIMEOUT)
    expect(page.locator(".marker-cluster")).to_have_count(0)
    assert _api_status(page, "/api/incidents?from=2017-02-01&to=2017-02-28") == 403
    assert _api_status(page, "/api/hotspots?from=2017-02-01&to=2017-02-28") == 200
    assert _api_status(page, "/briefing") == 403
    assert _csp_violations(console) == []
    # the only failures are the refusals asked for above (the Deployment page, two fetches)
    refused = sorted(e.split(" @ ")[1].split("?")[0].replace(live_url, "") for e in console if "(FORBIDDEN)" in e)
    assert len(console) == 3
    assert refused == ["/api/incidents", "/briefing", "/deployment"]


def test_log_out(page, live_url, console):
    _log_in(page, live_url, "partnership", "/deployment")
    expect(page.locator("h1")).to_have_text("Not available to your role", timeout=TIMEOUT)
    page.goto(f"{live_url}/logout")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Log in")
    page.goto(f"{live_url}/sectors")
    expect(page.locator("h1")).to_have_text("Log in")
    assert _csp_violations(console) == []
