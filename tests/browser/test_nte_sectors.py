"""Night-time economy and sectors/targets pages in headless Chromium (harness: tests/browser/conftest.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HOTSPOTS_SCREENSHOTS_DIR") or ROOT / "tests" / "_artifacts" / "screenshots")
TIMEOUT = 60_000  # a bound on waiting, not a speed test: CI machines are shared


def _wait_ready(page):
    expect(page.locator("#hdr-data")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=TIMEOUT)


def test_nte_heat_map_follows_the_zone_choice(page, live_server, console_errors):
    page.goto(live_server + "/nte")
    _wait_ready(page)
    expect(page.locator("#nte-heatmap .main-svg").first).to_be_attached(timeout=TIMEOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "nte.png"), full_page=True)
    summary = page.locator("#nte-summary")
    expect(summary).to_contain_text("shown: all bands", timeout=TIMEOUT)
    all_text = summary.inner_text()
    # three panels, one per band, hours in 24-hour labels from 18:00
    for band in ("Zone 2005", "Zone 2007 outside 2005", "Elsewhere"):
        expect(page.locator("#nte-heatmap")).to_contain_text(band)
    expect(page.locator("#nte-heatmap")).to_contain_text("18:00")
    expect(page.locator("#nte-synthetic-badge")).to_have_text("synthetic demo data")
    expect(page.locator("#nte-excluded")).to_contain_text("month-only")
    expect(page.locator("#nte-notes")).to_contain_text("02:00 on Saturday is Friday night")
    expect(page.locator("#nte-compare-verdict")).to_contain_text("chance")
    expect(page.locator("#nte-premises-table tbody tr").first).to_be_visible()

    page.locator("#nte-show input[value='2005']").check()
    expect(summary).to_contain_text("shown: Zone 2005 (of", timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"show=2005"), timeout=TIMEOUT)
    assert summary.inner_text() != all_text
    expect(page.locator("#nte-heatmap .gtitle")).to_contain_text("Zone 2005")

    page.locator("#nte-measure input[value='aoristic']").check()
    expect(summary).to_contain_text("incident-equivalents", timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"measure=aoristic"), timeout=TIMEOUT)
    assert console_errors == []


def test_nte_link_reopens_the_page_state_and_empty_selection_explains(page, live_server):
    # One crime-type control: the shared filter's crime types replace the night-time types (one rule everywhere).
    page.goto(live_server + "/nte?show=elsewhere&crime=Violence+and+sexual+offences&crime=Anti-social+behaviour")
    _wait_ready(page)
    expect(page.locator("#nte-summary")).to_contain_text("shown: Elsewhere", timeout=TIMEOUT)
    expect(page.locator("#nte-types")).to_have_count(0)
    note = page.locator("#nte-types-note")
    expect(note).to_contain_text("Anti-social behaviour")
    expect(note).to_contain_text("replace the night-time types")
    page.locator("#f-reset").click()
    expect(note).to_contain_text("(the night-time default)", timeout=TIMEOUT)
    expect(note).not_to_contain_text("Anti-social behaviour")
    page.goto(live_server + "/nte?crime=Robbery&from=2010-01-01&to=2010-01-02")
    _wait_ready(page)
    expect(page.locator("#nte-empty")).to_contain_text("No incidents match", timeout=TIMEOUT)
    expect(page.locator("#nte-empty")).to_contain_text("Why:")


def test_sectors_choropleth_targets_and_report_download(page, live_server, console_errors, district):
    page.goto(live_server + "/sectors")
    _wait_ready(page)
    polygons = page.locator("#sec-map path.leaflet-interactive")
    expect(polygons).to_have_count(len(district.sectors), timeout=TIMEOUT)
    assert len(district.sectors) == 5
    counts = page.locator("#sec-counts")
    for name in district.sectors["sector"]:
        expect(counts).to_contain_text(name)
    expect(page.locator("#sec-population-note")).to_contain_text("Population not configured")
    expect(page.locator("#sec-trend .main-svg").first).to_be_attached(timeout=TIMEOUT)
    table = page.locator("#tg-table")
    expect(table).to_contain_text("Published total", timeout=TIMEOUT)
    expect(table).to_contain_text("Total of the categories")
    expect(page.locator("#tg-discrepancy")).to_contain_text("3,557")
    expect(page.locator("#tg-discrepancy")).to_contain_text("4,195")
    expect(page.locator("#tg-status-rule")).to_contain_text("on track")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download quarterly report (HTML)").click()
    assert dl.value.suggested_filename.endswith(".html")
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "Woundings" in text and "synthetic demo data" in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "sectors.png"), full_page=True)
    assert console_errors == []


def test_weekend_trends_from_the_link(page, live_server):
    page.goto(live_server + "/sectors?freq=weekend&by=total")
    _wait_ready(page)
    expect(page.locator("#sec-freq input[value='weekend']")).to_be_checked()
    expect(page.locator("#sec-trend-headline")).to_contain_text("Weekend of", timeout=TIMEOUT)
    expect(page.locator("#sec-flags")).to_contain_text("weekends")
