"""The map view in the URL, and the filters panel only where a page uses it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_accessibility import _ready

TIMEOUT = 20_000


def test_map_view_is_read_from_and_written_to_the_url(page, live_server, console_errors):
    page.goto(live_server + "/?lat=51.06000&lon=-1.31000&zoom=15")
    _ready(page)
    expect(page).to_have_url(re.compile(r"zoom=15(&|$)"), timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"lat=51\.06000"))
    page.locator("#map .leaflet-control-zoom-in").click()
    expect(page).to_have_url(re.compile(r"zoom=16(&|$)"), timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"lat=51\.06000"))
    assert console_errors == []


def test_filters_panel_only_on_pages_that_use_it(page, live_server):
    for path, shown in (("/data", False), ("/assess", False), ("/sectors", True), ("/", True)):
        page.goto(live_server + path)
        _ready(page)
        aside = page.locator("#filters-aside")
        if shown:
            expect(aside).to_be_visible(timeout=TIMEOUT)
        else:
            expect(aside).to_be_hidden(timeout=TIMEOUT)
    page.goto(live_server + "/sectors")
    _ready(page)
    expect(page.get_by_text("whatever the filters on the left say")).to_be_visible()


def test_nav_links_carry_the_shared_filters_and_mark_the_current_page(page, live_server):
    page.goto(live_server + "/sectors?days=fri,sat&crime=Burglary&lat=51.06000&lon=-1.31000&zoom=15")
    _ready(page)
    link = page.locator('header a.nav-link[href^="/repeats"]')
    expect(link).to_have_attribute("href", re.compile(r"days=fri(%2C|,)sat"), timeout=TIMEOUT)
    href = link.get_attribute("href")
    assert "crime=Burglary" in href and "zoom" not in href  # the map's view stays with the map
    expect(page.locator("header a.nav-link.active")).to_have_count(1)
    assert page.locator("header a.nav-link.active").get_attribute("href").startswith("/sectors")


def test_a_filter_change_sends_no_request_for_overlays_that_are_off(page, live_server):
    page.goto(live_server + "/")
    _ready(page)
    expect(page.locator("#map-count")).to_contain_text("selected", timeout=TIMEOUT)
    page.wait_for_timeout(1500)
    outputs: list[str] = []
    page.on(
        "request",
        lambda r: outputs.append(r.post_data or "") if "_dash-update-component" in r.url else None,
    )
    before = page.locator("#map-count").inner_text()
    page.locator("#f-days input[value='5']").click()
    expect(page.locator("#map-count")).not_to_have_text(before, timeout=TIMEOUT)
    page.wait_for_timeout(1500)
    assert any("map-incidents" in body for body in outputs)  # the map's own layer was asked for
    assert not any("map-repeats" in body or "map-risk" in body for body in outputs)
    assert sum('"nav-link"' in body for body in outputs) <= 1  # one request for every link
