"""Assessment page in headless Chromium: record a deployment with the keyboard and read its assessment."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HOTSPOTS_SCREENSHOTS_DIR") or ROOT / "tests" / "_artifacts" / "screenshots")
TIMEOUT = 60_000  # a bound on waiting, not a speed test: CI machines are shared


def test_record_a_deployment_and_see_its_assessment(page, live_server, console_errors):
    page.goto(live_server + "/assess")
    expect(page.locator("#hdr-data")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#as-filters-note")).to_contain_text("does not use the filters")
    for cid, value in (
        ("#as-e", "448200"),
        ("#as-n", "129400"),
        ("#as-radius", "150"),
        ("#as-from", "02/11/2007"),
        ("#as-to", "29/12/2007"),
        ("#as-hours", "20-04"),
        ("#as-who", "PC Smith"),
    ):
        page.locator(cid).fill(value)
    page.locator("#as-days input[value='4']").check()
    page.locator("#as-days input[value='5']").check()
    page.locator("#as-notes").fill("Van at the Broadway")
    # The record button is reachable and operable from the keyboard.
    page.locator("#as-notes").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#as-record")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#as-record-msg")).to_contain_text("Recorded deployment", timeout=TIMEOUT)
    sentence = page.locator("#as-sentence")
    expect(sentence).to_contain_text("in the target area during the deployment", timeout=TIMEOUT)
    expect(sentence).to_contain_text("Fisher's exact test")
    rows = page.locator("#as-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Target area")
    expect(rows.nth(1)).to_contain_text("Buffer ring (200 m)")
    expect(rows.nth(2)).to_contain_text("Control: ")
    expect(page.locator("#as-table thead")).to_contain_text("05/09/2007–01/11/2007")
    expect(page.locator("#as-measures")).to_contain_text("WDQ")
    expect(page.locator("#as-deployment")).to_contain_text("PC Smith")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "assess.png"), full_page=True)
    # A wider buffer is read again from the service.
    page.locator("#as-buffer").fill("400")
    page.locator("#as-buffer").press("Enter")
    expect(rows.nth(1)).to_contain_text("Buffer ring (400 m)", timeout=TIMEOUT)
    # Bad input is one message, not a failure.
    page.locator("#as-to").fill("01/11/2007")
    page.locator("#as-record").click()
    expect(page.locator("#as-record-error")).to_contain_text("dates reversed", timeout=TIMEOUT)
    assert console_errors == []
