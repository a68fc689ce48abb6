"""The dashboard in headless Chromium: pages, map layers, upload, shareable links, screenshots."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from geo.params import selection_from_mapping
from geo.selection import filter_frame
from render.palette import SECTOR_COLOURS, ZONE_COLOURS

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HOTSPOTS_SCREENSHOTS_DIR") or ROOT / "tests" / "_artifacts" / "screenshots")
PAGES = {
    "map": "/",
    "deployment": "/deployment",
    "night-time-economy": "/nte",
    "sectors": "/sectors",
    "data": "/data",
}
TIMEOUT = 60_000  # a bound on waiting, not a speed test: CI machines are shared


def _shot(page, name: str, full_page: bool = False) -> None:
    """Screenshot at 1366x768 into tests/_artifacts (or $HOTSPOTS_SCREENSHOTS_DIR, e.g. docs/screenshots)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let Leaflet finish drawing
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def _wait_ready(page):
    expect(page.locator("#hdr-data")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_load_state("networkidle")
    # no Dash callback still running
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=TIMEOUT)


def _wait_map(page):
    expect(page.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#map-count")).to_contain_text("selected", timeout=TIMEOUT)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_without_console_errors(page, live_server, console_errors, name):
    page.goto(live_server + PAGES[name])
    _wait_ready(page)
    if name == "map":
        _wait_map(page)
        # The whole demo store (55,900 located incidents) is more than the map draws point by point
        # (MAP_POINT_LIMIT): it shows counts per square and says so.
        expect(page.locator("#map-notes")).to_contain_text("counts per 250 m square", timeout=TIMEOUT)
        expect(page.locator(".marker-cluster")).to_have_count(0)
    expect(page.locator("header")).to_contain_text("Winchester")
    expect(page.locator("header")).to_contain_text(re.compile(r"\d{2}/\d{2}/\d{4} to \d{2}/\d{2}/\d{4}"))
    assert console_errors == []
    if name not in ("deployment", "sectors"):  # their own tests take fuller screenshots
        _shot(page, name)


def test_map_shows_the_five_sectors_and_both_zones(page, live_server, console_errors, district):
    page.goto(live_server + "/")
    _wait_map(page)
    paths = page.locator("path.leaflet-interactive")
    expect(paths.first).to_be_attached(timeout=TIMEOUT)
    sectors = list(district.sectors["sector"])
    assert len(sectors) == 5
    for colour in SECTOR_COLOURS[: len(sectors)]:
        expect(page.locator(f'path.leaflet-interactive[stroke="{colour}"]').first).to_be_attached(timeout=TIMEOUT)
    for colour in ZONE_COLOURS[: len(district.zones)]:
        zone = page.locator(f'path.leaflet-interactive[stroke="{colour}"][stroke-dasharray]')
        expect(zone.first).to_be_attached(timeout=TIMEOUT)
    # The layer control names every layer, and the legend lists every sector and zone.
    control = page.locator(".leaflet-control-layers")
    for label in (
        "Incidents (clustered)",
        "Hotspots",
        "Police sectors (illustrative)",
        "District boundary",
        "Licensed premises",
        "CCTV cameras and coverage (illustrative)",
    ):
        expect(control).to_contain_text(label)
    legend = page.locator("#map-legend")
    for name in sectors + [z.label for z in district.zones]:
        expect(legend).to_contain_text(name)
    expect(page.locator("#map-hotspot-count")).to_contain_text("hotspot", timeout=TIMEOUT)
    assert console_errors == []


def test_empty_selection_explains_itself(page, live_server):
    page.goto(live_server + "/?crime=Robbery&from=2010-01-01&to=2010-01-02")
    _wait_map(page)
    expect(page.locator("#map-count")).to_have_text("0 incidents selected", timeout=TIMEOUT)
    expect(page.locator("#map-empty")).to_contain_text("No incidents match")
    _shot(page, "map-empty")


def test_link_with_filters_reopens_the_same_view(page, live_server, demo_incidents, browser):
    query = {
        "crime": "Violence and sexual offences",
        "sector": "Winchester Town",
        "zone": "out:2005",
        "days": "fri,sat",
        "hours": "20-04",
    }
    url = (
        live_server
        + "/?crime=Violence+and+sexual+offences&sector=Winchester+Town&zone=out%3A2005&days=fri%2Csat&hours=20-04"
        + "&method=gistar"
    )
    expected = len(filter_frame(demo_incidents, selection_from_mapping(query)).incidents)
    assert expected > 0
    page.goto(url)
    _wait_map(page)
    expect(page.locator("#map-count")).to_have_text(f"{expected:,} incidents selected", timeout=TIMEOUT)
    # The controls show the link's state.
    expect(page.locator("#f-crime")).to_contain_text("Violence and sexual offences")
    expect(page.locator("#f-sector")).to_contain_text("Winchester Town")
    expect(page.locator("#f-zone")).to_contain_text("Outside 2005")
    expect(page.locator("#f-hour-from")).to_contain_text("20:00")
    expect(page.locator("#f-hour-to")).to_contain_text("04:00")
    expect(page.locator("#f-hours-note")).to_contain_text("crosses midnight")
    expect(page.locator("#f-days input[value='4']")).to_be_checked()
    expect(page.locator("#f-days input[value='5']")).to_be_checked()
    expect(page.locator("#f-days input[value='0']")).not_to_be_checked()
    expect(page.locator("#map-method")).to_contain_text("Gi*")
    expect(page.locator("#map-hotspot-count")).to_contain_text("Gi*", timeout=TIMEOUT)
    _shot(page, "map-filtered")
    # Changing a filter rewrites the URL; that URL, opened afresh, gives the same view.
    page.locator("#f-days input[value='5']").uncheck()
    expect(page).to_have_url(re.compile(r"days=fri(&|$)"), timeout=TIMEOUT)
    changed = page.url
    assert "method=gistar" in changed and "hours=20-04" in changed
    expect(page.locator("#map-count")).not_to_have_text(f"{expected:,} incidents selected", timeout=TIMEOUT)
    count = page.locator("#map-count").inner_text()
    assert 0 < int(count.split()[0].replace(",", "")) < expected
    other = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        other.goto(changed)
        expect(other.locator("#map-count")).to_have_text(count, timeout=TIMEOUT)
        expect(other.locator("#f-days input[value='4']")).to_be_checked()
        expect(other.locator("#f-days input[value='5']")).not_to_be_checked()
    finally:
        other.close()


def test_quick_pick_uses_the_latest_data_date(page, live_server):
    page.goto(live_server + "/")
    _wait_map(page)
    page.get_by_role("button", name="This financial year").click()
    # The demo store's latest date is 28/02/2022, so its financial year started 01/04/2021.
    expect(page).to_have_url(re.compile(r"from=2021-04-01&to=2022-02-28"), timeout=TIMEOUT)
    # A weekend counts back from the latest incident with a day (the synthetic extract ends on
    # 01/04/2008): the 2022 data.police.uk months could never fall inside a weekend.
    page.get_by_role("button", name="Last weekend").click()
    expect(page).to_have_url(re.compile(r"from=2008-03-28&to=2008-03-30"), timeout=TIMEOUT)
    expect(page.locator("#map-count")).to_contain_text(re.compile(r"^[1-9][\d,]* incidents? selected"), timeout=TIMEOUT)


def _bad_file(tmp_path: Path) -> Path:
    """A data.police.uk file from the bundled data, with three broken rows."""
    src = ROOT / "data" / "winchester" / "police-uk" / "2017-02-hampshire-street-winchester.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:21]
    rows[3] = rows[3].replace("-1.", "east-of-", 1)  # text in the longitude
    cols = rows[5].split(",")
    cols[4], cols[5] = "2.5", "48.9"  # a point in France
    rows[5] = ",".join(cols)
    cols = rows[7].split(",")
    cols[9] = "Jaywalking"  # not a data.police.uk category
    rows[7] = ",".join(cols)
    out = tmp_path / "2099-01-hampshire-street-winchester.csv"
    out.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return out


def test_upload_with_bad_rows_shows_the_rejects(page, live_server, tmp_path, console_errors):
    page.goto(live_server + "/data")
    _wait_ready(page)
    page.locator("#data-upload input[type=file]").set_input_files(str(_bad_file(tmp_path)))
    counts = page.locator("#data-report-counts")
    expect(counts).to_contain_text("Read: 20 rows", timeout=TIMEOUT)
    expect(counts).to_contain_text("Rejected: 3")
    expect(page.locator("#data-reject-reasons")).to_be_visible()
    expect(page.locator("#data-rejects-sample tbody tr")).to_have_count(3)
    with page.expect_download() as dl:
        page.get_by_role("button", name=re.compile("Download all rejected rows")).click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.startswith("file,") and len(text.strip().splitlines()) == 4
    _shot(page, "data-upload-report", full_page=True)
    assert console_errors == []
