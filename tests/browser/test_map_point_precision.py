"""Map page in headless Chromium: an incident point placed at a postcode centroid says so on hover."""

from __future__ import annotations

from playwright.sync_api import expect

TIMEOUT = 60_000  # a bound on waiting, not a speed test: CI machines are shared

_TOOLTIPS = """() => {
    const make = window.hotspots.map.incident;
    const at = L.latLng(51.06, -1.31);
    const centroid = make({type: "Feature", properties: {postcode: true}}, at).getTooltip();
    const point = make({type: "Feature", properties: {}}, at).getTooltip();
    const bare = make({type: "Feature"}, at).getTooltip();
    return [centroid ? centroid.getContent() : null, point || null, bare || null];
}"""


def test_a_clustered_point_at_a_postcode_centroid_has_the_precision_tooltip(page, live_server, console_errors):
    page.goto(live_server + "/")
    expect(page.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#map-count")).to_contain_text("selected", timeout=TIMEOUT)
    centroid, point, bare = page.evaluate(_TOOLTIPS)
    assert centroid.startswith("Placed at postcode centroid")
    assert point is None and bare is None
    assert console_errors == []
