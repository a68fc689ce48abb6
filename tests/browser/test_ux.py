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
