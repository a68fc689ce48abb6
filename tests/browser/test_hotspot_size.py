"""Map page in headless Chromium: the "Hotspot size" control changes the hotspots drawn and the URL."""

from __future__ import annotations

import re

from playwright.sync_api import expect

TIMEOUT = 60_000  # a bound on waiting, not a speed test: CI machines are shared


def _wait_map(page) -> None:
    expect(page.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#map-count")).to_contain_text("selected", timeout=TIMEOUT)
    expect(page.locator("#map-hotspot-count")).to_contain_text("hotspot", timeout=TIMEOUT)


def _total(page) -> int:
    text = page.locator("#map-hotspot-count").inner_text()
    m = re.search(r"(?:of )?([\d,]+) hotspots?", text)
    assert m, text
    return int(m.group(1).replace(",", ""))


def _choose(page, label: str) -> None:
    """Open the dropdown and pick ``label``."""
    expect(page.locator("label[for='map-hotspot-size']")).to_have_text("Hotspot size")
    page.locator("#map-hotspot-size").click()
    page.get_by_role("option", name=label).click()
    expect(page.locator("#map-hotspot-size")).to_contain_text(label, timeout=TIMEOUT)


def test_hotspot_size_changes_the_hotspots_and_the_url(page, live_server, console_errors):
    page.goto(live_server + "/?top=all")
    _wait_map(page)
    expect(page.locator("#map-hotspot-size")).to_contain_text("1% of the selection's area")
    first = _total(page)
    assert first > 3

    _choose(page, "Top 3 hotspots")
    expect(page).to_have_url(re.compile(r"[?&]size=top3\b"), timeout=TIMEOUT)
    expect(page.locator("#map-hotspot-count")).to_contain_text(re.compile(r"^3 hotspots"), timeout=TIMEOUT)
    expect(page.locator(".hs-rank")).to_have_count(3, timeout=TIMEOUT)
    # the note says how many were left out and why
    note = page.locator("#map-hotspot-size-note")
    expect(note).to_contain_text(f"{first - 3:,} hotspot(s) not shown", timeout=TIMEOUT)
    expect(note).to_contain_text("beyond the first 3")

    # back to the default: the URL drops the parameter and every hotspot comes back
    _choose(page, "1% of the selection's area")
    expect(page).not_to_have_url(re.compile(r"size="), timeout=TIMEOUT)
    expect(page.locator("#map-hotspot-count")).to_contain_text(f"{first:,} hotspot", timeout=TIMEOUT)
    assert console_errors == []


def test_hotspot_size_from_the_url(page, live_server):
    page.goto(live_server + "/?top=all&size=top5")
    _wait_map(page)
    expect(page.locator("#map-hotspot-size")).to_contain_text("Top 5 hotspots")
    expect(page.locator("#map-hotspot-count")).to_contain_text(re.compile(r"^5 hotspots"), timeout=TIMEOUT)


def test_the_postcode_centroid_box_shows_for_cluster_methods_and_travels_in_the_url(page, live_server):
    page.goto(live_server + "/")
    _wait_map(page)
    box = page.locator("#map-centroids-box")
    expect(box).to_be_hidden()  # auto draws cells, not clusters: nothing to opt into
    page.locator("#map-method").click()
    page.get_by_role("option", name="DBSCAN clusters", exact=True).click()
    expect(box).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#map-hotspot-count")).to_contain_text("(DBSCAN", timeout=TIMEOUT)
    # keyboard-operable: Tab reaches the box and Space ticks it
    tick = box.get_by_label("Include incidents at postcode centroids")
    tick.focus()
    page.keyboard.press("Space")
    expect(tick).to_be_checked()
    expect(page).to_have_url(re.compile(r"[?&]centroids=true\b"), timeout=TIMEOUT)
    page.keyboard.press("Space")
    expect(page).not_to_have_url(re.compile(r"centroids="), timeout=TIMEOUT)


def test_the_postcode_centroid_box_from_the_url(page, live_server):
    page.goto(live_server + "/?method=hdbscan&centroids=true")
    _wait_map(page)
    expect(page.locator("#map-centroids-box")).to_be_visible()
    expect(page.get_by_label("Include incidents at postcode centroids")).to_be_checked()
