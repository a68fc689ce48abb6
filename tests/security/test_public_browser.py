"""The Public view in a real browser, as an anonymous visitor: with public access on and off.

With it on (the planted store of tests/security/conftest.py), the visitor sees suppressed counts per
ward with the notice, and is refused every other page, the incident API and other pages' data; with
it off (the default), the page sends the visitor to the login form.  Saves docs/screenshots/public.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.security.conftest import HOSTILE, SECRET, TILE_HOST

pytestmark = pytest.mark.browser
TIMEOUT = 60_000
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AXE = Path(__file__).resolve().parents[1] / "browser" / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _serious_axe_violations(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.2 AA findings (evaluated in the page: the CSP allows eval)."""
    page.evaluate("src => { (0, eval)(src); return typeof axe; }", AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {"rule": v["id"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture()
def console(page):
    errors: list[str] = []
    page.route(f"**/{TILE_HOST}/**", lambda route: route.abort())
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    return errors


def _status(page, path: str) -> int:
    return page.evaluate(f"async () => (await fetch('{path}')).status")


def test_public_view_on(page, public_url, console):
    page.goto(f"{public_url}/public?by=ward&month=2008-03")
    notice = page.locator("#pub-notice")
    expect(notice).to_contain_text("Counts below 5 are not shown", timeout=TIMEOUT)
    expect(notice).to_contain_text("Sexual offences")
    row = page.locator("#pub-counts tr", has_text="Upper Meon Valley")
    expect(row).to_contain_text("fewer than 5", timeout=TIMEOUT)
    expect(page.locator("#pub-chart .main-svg").first).to_be_visible()
    expect(page.locator("#pub-chart")).to_contain_text("fewer than 5")
    expect(page.locator("#filters-aside")).to_be_hidden()
    body = page.locator("body").inner_text()
    assert SECRET not in body and HOSTILE not in body and "onerror" not in body
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "public.png"), full_page=True)
    assert _serious_axe_violations(page) == []
    # the areas control re-asks the server: the sectors table
    page.get_by_label("Police sector").check()
    expect(page.locator("#pub-counts")).to_contain_text("Winchester Town", timeout=TIMEOUT)
    assert console == []
    # everything else is refused, on the server
    assert _status(page, "/api/incidents?from=2008-03-01&to=2008-03-31") == 401
    assert _status(page, "/api/hotspots") == 401
    page.locator("header a", has_text="Map").click()
    expect(page.locator("#_pages_content")).to_contain_text("needs a login", timeout=TIMEOUT)
    expect(page.locator(".leaflet-container")).to_have_count(0)
    page.goto(f"{public_url}/deployment")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.get_by_role("link", name="Public view without a login")).to_be_visible()
    assert page.evaluate("() => window.__xss === undefined")


def test_public_view_off(page, live_url, console):
    page.goto(f"{live_url}/public")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.get_by_role("link", name="Public view without a login")).to_have_count(0)
    assert _status(page, "/api/public/counts") == 401
