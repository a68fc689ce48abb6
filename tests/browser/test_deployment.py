"""The Deployment page in headless Chromium: van sites, patrols, exports and the printable briefing."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HOTSPOTS_SCREENSHOTS_DIR") or ROOT / "tests" / "_artifacts" / "screenshots")
TIMEOUT = 60_000  # a bound on waiting, not a speed test: CI machines are shared
#: Friday and Saturday nights 20:00-04:00 in the synthetic extract's last summer: plenty of incidents.
WEEKENDS = "from=2007-06-01&to=2007-08-31&days=fri,sat&hours=20-04"


def _shot(page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(700)  # let Leaflet finish its fly-to
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def _ready(page) -> None:
    expect(page.locator("#hdr-data")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#dep-summary")).not_to_be_empty(timeout=TIMEOUT)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=TIMEOUT)


def test_van_sites_from_the_url_with_no_console_errors(page, live_server, console_errors):
    page.goto(f"{live_server}/deployment?{WEEKENDS}&k=3")
    _ready(page)
    expect(page.locator(".dep-site")).to_have_count(3, timeout=TIMEOUT)
    expect(page.locator("#dep-plan-table tbody tr")).to_have_count(3)
    expect(page.locator(".dep-site").first).to_have_text("1")
    expect(page.locator("#dep-summary")).to_contain_text("3 van sites of 100 m cover")
    expect(page.locator("#dep-notes")).to_contain_text("Fri/Sat")
    # the fixed CCTV layer and the legend are there
    expect(page.locator("#dep-legend")).to_contain_text("CCTV camera and coverage (illustrative)")
    assert console_errors == []
    _shot(page, "deployment")


def test_k_control_changes_the_plan_and_the_url(page, live_server, console_errors):
    page.goto(f"{live_server}/deployment?{WEEKENDS}")
    _ready(page)
    expect(page.locator(".dep-site")).to_have_count(5, timeout=TIMEOUT)  # default K
    page.get_by_label("Van sites (K)").fill("3")
    page.get_by_label("Van sites (K)").press("Enter")
    expect(page.locator(".dep-site")).to_have_count(3, timeout=TIMEOUT)
    expect(page.locator("#dep-plan-table tbody tr")).to_have_count(3)
    page.wait_for_function("() => location.search.includes('k=3')", timeout=TIMEOUT)
    assert "days=fri" in page.url  # the shared filters stay in the link
    assert console_errors == []


def test_patrol_mode_gives_n_cells(page, live_server, console_errors):
    page.goto(f"{live_server}/deployment?{WEEKENDS}")
    _ready(page)
    page.get_by_label("Patrols", exact=True).check()
    expect(page.locator("#dep-plan-table tbody tr")).to_have_count(8, timeout=TIMEOUT)  # default N
    expect(page.locator(".dep-cell-label")).to_have_count(8)
    expect(page.locator(".dep-site")).to_have_count(0)
    expect(page.locator("#dep-plan-table")).to_contain_text("15 min visits")
    page.get_by_label("Patrols (N)").fill("4")
    page.get_by_label("Patrols (N)").press("Enter")
    expect(page.locator("#dep-plan-table tbody tr")).to_have_count(4, timeout=TIMEOUT)
    page.wait_for_function("() => location.search.includes('mode=patrol') && location.search.includes('n=4')")
    assert console_errors == []


def test_empty_selection_and_too_many_sites_are_explained(page, live_server, console_errors, demo_incidents, district):
    from geo.deploy import plan_van_sites
    from geo.params import selection_from_mapping
    from geo.selection import filter_frame

    page.goto(f"{live_server}/deployment?crime=Robbery&from=2010-01-01&to=2010-01-02")
    _ready(page)
    expect(page.locator("#dep-empty")).to_contain_text("No incidents match", timeout=TIMEOUT)
    # more sites than places with incidents: a shorter plan and a note, never an invented site
    sel = selection_from_mapping({"crime": "Robbery", "from": "2007-06-01", "to": "2007-06-30"})
    found = len(plan_van_sites(filter_frame(demo_incidents, sel), 20, 100.0, district=district).table)
    page.goto(f"{live_server}/deployment?crime=Robbery&from=2007-06-01&to=2007-06-30&k=20")
    _ready(page)
    expect(page.locator("#dep-plan-table tbody tr")).to_have_count(found, timeout=TIMEOUT)
    expect(page.locator("#dep-notes")).to_contain_text(f"{found} van sites suggested, not 20")
    expect(page.locator("#dep-plan-table thead")).to_contain_text("Reliability")
    assert console_errors == []


def test_csv_download_and_printable_briefing(page, live_server, console_errors):
    page.goto(f"{live_server}/deployment?{WEEKENDS}&k=3")
    _ready(page)
    expect(page.locator(".dep-site")).to_have_count(3, timeout=TIMEOUT)
    with page.expect_download() as info:
        page.get_by_role("button", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text())))
    assert [r["rank"] for r in rows] == ["1", "2", "3"]
    assert {"easting", "northing", "longitude", "latitude", "incidents_covered", "peak_hours"} <= set(rows[0])
    href = page.locator("#dep-briefing").get_attribute("href")
    assert href.startswith("/briefing?") and "k=3" in href and "days=fri" in href
    resp = page.request.get(live_server + href)
    assert resp.ok and resp.headers["content-type"].startswith("text/html")
    body = resp.text()
    assert "<svg" in body and 'id="plan-table"' in body and "Fri/Sat" in body
    page.goto(live_server + href)
    expect(page.locator("#plan-table tbody tr")).to_have_count(3)
    expect(page.locator("svg.plan-map g.site").first).to_be_attached()
    expect(page.locator("header")).to_contain_text("CCTV van sites")
    assert console_errors == []
    _shot(page, "briefing", full_page=True)
