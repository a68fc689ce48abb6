"""The Repeats page in headless Chromium (harness: tests/browser/conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HOTSPOTS_SCREENSHOTS_DIR") or ROOT / "tests" / "_artifacts" / "screenshots")
TIMEOUT = 120_000


def _wait_ready(page):
    expect(page.locator("#hdr-data")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=TIMEOUT)


def test_repeats_page_renders_shares_lorenz_grid_and_knox_table(page, live_server, console_errors):
    # data.police.uk 2017 only: month-precision records, so the page must offer month bands
    page.goto(live_server + "/repeats?from=2017-01-01&to=2017-09-30&crime=Burglary")
    _wait_ready(page)
    shares = page.locator("#rp-shares-table")
    expect(shares).to_contain_text("Top 1%", timeout=TIMEOUT)
    expect(shares).to_contain_text("Top 20%")
    expect(page.locator("#rp-lorenz .main-svg").first).to_be_attached(timeout=TIMEOUT)
    expect(page.locator("#rp-gini")).to_contain_text("corrected for small counts")
    expect(page.locator("#rp-grid .ag-row").first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#rp-grid")).to_contain_text("On or near")

    knox = page.locator("#nr-knox-table")
    expect(knox).to_contain_text("same location", timeout=TIMEOUT)
    for label in ("1–100 m", "more than 500 m", "same month", "1 month", "more than 3 months"):
        expect(knox).to_contain_text(label)
    expect(page.locator("#nr-notice")).to_contain_text("cannot support day bands")
    expect(page.locator("#nr-notes")).to_contain_text("99 permutations")
    expect(page.locator("#nr-zones-summary")).not_to_be_empty()
    expect(page.locator("#nr-map.leaflet-container")).to_be_visible()
    expect(page.locator("#nr-map .leaflet-control-layers")).to_contain_text("Repeat locations")
    expect(page.locator("#nr-map path.leaflet-interactive").first).to_be_attached(timeout=TIMEOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "repeats.png"), full_page=True, timeout=TIMEOUT)

    # the synthetic extract has times: day bands, and the permutations choice goes into the URL
    page.goto(live_server + "/repeats?from=2007-04-01&to=2008-03-31")
    _wait_ready(page)
    expect(knox).to_contain_text("0–7 days", timeout=TIMEOUT)
    expect(page.locator("#nr-notice")).to_be_hidden()
    expect(page.locator("#nr-notes")).to_contain_text("tested burglary and vehicle crime")
    expect(page.locator("#rp-synthetic-badge")).to_be_visible()
    assert console_errors == []
