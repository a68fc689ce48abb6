"""Map page in headless Chromium: hotspot details with the backtested PAI, top-N hotspots, ranked table."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("HOTSPOTS_SCREENSHOTS_DIR") or ROOT / "tests" / "_artifacts" / "screenshots")
TIMEOUT = 60_000  # a bound on waiting, not a speed test: CI machines are shared

#: The backtest runs after a 0.7 s debounce and takes seconds on a busy machine.
BACKTEST_TIMEOUT = 90_000
#: The figure of exactly the hotspots drawn, beside the best fair baseline (what `hotspots evaluate` prints too).
PAI_LINE = re.compile(
    r"PAI \d+\.\d \(hit rate \d+% in [\d.]+% of the area, PEI\* [\d.]+\); best baseline: [^,]+, PAI \d+\.\d"
)


def _shot(page, name: str) -> None:
    """Screenshot at 1366x768 into tests/_artifacts (or $HOTSPOTS_SCREENSHOTS_DIR, e.g. docs/screenshots)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(500)  # let Leaflet finish drawing
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _wait_map(page):
    expect(page.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#map-count")).to_contain_text("selected", timeout=TIMEOUT)


def _label_ranks(page, n: int) -> list[list[int]]:
    """The ranks each shown rank label stands for, once all ``n`` labels are decluttered."""
    page.wait_for_function(
        "n => { const els = document.querySelectorAll('#map .hs-rank');"
        " return els.length === n && Array.from(els).every(e => e.dataset.ranks !== undefined); }",
        arg=n,
        timeout=TIMEOUT,
    )
    texts = page.eval_on_selector_all("#map .hs-rank", "els => els.map(e => e.dataset.ranks)")
    return [[int(r) for r in t.split()] for t in texts if t]


def _label(page, rank: int):
    """The shown label that stands for ``rank`` (its own, or the merged label of overlapping hotspots)."""
    return page.locator(f'#map .hs-rank[data-ranks~="{rank}"]')


def _hotspot_total(page) -> int:
    text = page.locator("#map-hotspot-count").inner_text()
    m = re.search(r"(?:of )?([\d,]+) hotspots?", text)
    assert m, text
    return int(m.group(1).replace(",", ""))


def test_clicking_a_hotspot_shows_types_times_and_the_backtested_pai(page, live_server, console_errors):
    page.goto(live_server + "/?top=5")
    _wait_map(page)
    # top=5 in the URL: five rank labels, five table rows, and the summary says how many there are in all.
    labels = page.locator(".hs-rank")
    expect(labels).to_have_count(5, timeout=TIMEOUT)
    expect(page.locator("#map-hotspot-count")).to_contain_text(re.compile(r"Top 5 of [\d,]+ hotspots \(auto\)"))
    expect(page.locator("#map-table .ag-center-cols-container .ag-row")).to_have_count(5)
    expect(page.locator("#map-top")).to_contain_text("Top 5")
    assert sorted(r for ranks in _label_ranks(page, 5) for r in ranks) == [1, 2, 3, 4, 5]
    # The same PAI figure beside the hotspot count.
    expect(page.locator("#map-pai")).to_contain_text(re.compile(r"PAI \d+\.\d"), timeout=BACKTEST_TIMEOUT)
    short = re.search(r"PAI \d+\.\d", page.locator("#map-pai").inner_text()).group(0)

    _label(page, 1).click()
    details = page.locator("#map-details")
    expect(details).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("#map-details-title")).to_contain_text(re.compile(r"Hotspot 1 of [\d,]+"))
    expect(page.locator("#map-details-types li").first).to_contain_text(re.compile(r"^[A-Z][a-z].*: [\d,]+ \(\d+%\)$"))
    # The demo's synthetic force extract has exact times: peak hours and night-of days.
    expect(details).to_contain_text(re.compile(r"Peak hours: \d{2}:00-\d{2}:00"))
    expect(details).to_contain_text("Peak days:")
    expect(details).to_contain_text("night-of days")
    expect(page.locator("#map-details-pai")).to_contain_text(PAI_LINE, timeout=BACKTEST_TIMEOUT)
    expect(page.locator("#map-details-pai")).to_contain_text(short)
    _shot(page, "map-hotspot-details")
    # Another rank, then close (at district zoom overlapping hotspots share one label: its first rank opens).
    _label(page, 3).click()
    first = min(int(r) for r in _label(page, 3).get_attribute("data-ranks").split())
    expect(page.locator("#map-details-title")).to_contain_text(f"Hotspot {first} of", timeout=TIMEOUT)
    page.locator("#map-details-close").click()
    expect(details).to_be_hidden(timeout=TIMEOUT)
    # A row of the ranked table opens the same panel.
    page.locator("#map-table .ag-center-cols-container .ag-row[row-id='2'] .ag-cell").first.click()
    expect(page.locator("#map-details-title")).to_contain_text("Hotspot 2 of", timeout=TIMEOUT)
    assert console_errors == []


def test_month_precision_hotspot_has_no_times(page, live_server):
    # 2017 is data.police.uk only: month precision, so no peak hours or days.
    page.goto(live_server + "/?from=2017-01-01&to=2017-12-31&top=5")
    _wait_map(page)
    expect(page.locator(".hs-rank")).to_have_count(5, timeout=TIMEOUT)
    _label(page, 2).click()
    expect(page.locator("#map-details")).to_contain_text("no times (month-precision data)", timeout=TIMEOUT)
    expect(page.locator("#map-details-pai")).to_contain_text(PAI_LINE, timeout=BACKTEST_TIMEOUT)


def test_a_single_month_cannot_be_backtested_and_says_so(page, live_server):
    page.goto(live_server + "/?from=2017-09-01&to=2017-09-30")
    _wait_map(page)
    expect(page.locator("#map-pai")).to_contain_text("no backtest", timeout=BACKTEST_TIMEOUT)
    page.locator(".hs-rank").first.click()
    expect(page.locator("#map-details-pai")).to_contain_text("too few months", timeout=TIMEOUT)


def test_changing_the_crime_type_changes_the_hotspot_count(page, live_server):
    page.goto(live_server + "/?top=all")
    _wait_map(page)
    count = page.locator("#map-hotspot-count")
    expect(count).to_contain_text(re.compile(r"^[\d,]+ hotspots \(auto\)"), timeout=TIMEOUT)
    before = _hotspot_total(page)
    assert before > 50  # the full demo data: hundreds of small 50 m cells
    expect(page.locator(".hs-rank")).to_have_count(before)
    page.locator("#f-crime").click()
    page.keyboard.type("Burglary")
    page.get_by_role("option", name="Burglary", exact=True).click()
    expect(page).to_have_url(re.compile(r"crime=Burglary"), timeout=TIMEOUT)
    expect(page.locator("#map-hotspot-count")).not_to_have_text(re.compile(rf"^{before:,} hotspots"), timeout=TIMEOUT)
    after = _hotspot_total(page)
    assert 0 < after < before
    expect(page.locator(".hs-rank")).to_have_count(after, timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"top=all"))


def test_top_control_writes_the_url_and_download_has_every_hotspot(page, live_server):
    page.goto(live_server + "/")
    _wait_map(page)
    expect(page.locator(".hs-rank")).to_have_count(10, timeout=TIMEOUT)
    total = _hotspot_total(page)
    page.locator("#map-top").click()
    page.get_by_role("option", name="Top 20").click()
    expect(page).to_have_url(re.compile(r"top=20"), timeout=TIMEOUT)
    expect(page.locator(".hs-rank")).to_have_count(20, timeout=TIMEOUT)
    expect(page.locator("#map-table-title")).to_contain_text("Top 20 of")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download all hotspots (CSV)").click()
    lines = Path(dl.value.path()).read_text(encoding="utf-8").strip().splitlines()
    assert lines[0].startswith("rank,count,share,area_ha,density_per_km2,top_crime_types,street")
    assert len(lines) == total + 1


def _scale_m(page) -> float:
    """The scale bar's length in metres (it shrinks as the map zooms in)."""
    text = page.locator(".leaflet-control-scale-line").first.inner_text().strip()
    value, unit = text.split()
    return float(value) * (1000 if unit == "km" else 1)


def test_map_fits_a_sector_selection(page, live_server):
    page.goto(live_server + "/")
    _wait_map(page)
    page.wait_for_timeout(500)
    district = _scale_m(page)
    page.goto(live_server + "/?sector=Winchester+Town")
    _wait_map(page)
    expect(page.locator(".marker-cluster").first).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(1500)  # the fly-to animation
    assert _scale_m(page) < district


def test_rank_labels_never_overlap_at_the_default_zoom(page, live_server, console_errors):
    for top in (10, 50):
        page.goto(live_server + f"/?top={top}")
        _wait_map(page)
        groups = _label_ranks(page, top)
        # every hotspot drawn is named by exactly one shown label
        assert sorted(r for g in groups for r in g) == list(range(1, top + 1))
        boxes = page.eval_on_selector_all(
            "#map .hs-rank",
            "els => els.filter(e => e.style.display !== 'none').map(e => {"
            " const r = e.querySelector('span').getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom, e.dataset.ranks]; })",
        )
        assert len(boxes) == len(groups)
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                assert not overlap, f"labels {a[4]} and {b[4]} overlap: {a[:4]} {b[:4]}"
        if top == 50:
            assert any(len(g) > 1 for g in groups)  # close hotspots do share a label at district zoom
            merged = next(t for t in page.locator("#map .hs-rank span").all_inner_texts() if "–" in t or "," in t)
            assert re.fullmatch(r"\d+(–\d+)?(, \d+(–\d+)?)*", merged), merged
    assert console_errors == []


def test_repeat_locations_and_risk_zones_are_map_layers(page, live_server, console_errors):
    # 2017 (data.police.uk): repeat snap points, and a significant same-location band, so risk zones
    page.goto(live_server + "/?from=2017-01-01&to=2017-12-31")
    _wait_map(page)
    control = page.locator("#map .leaflet-control-layers")
    repeats = control.get_by_label("Repeat locations (top 200)")
    zones = control.get_by_label("Near-repeat risk zones")
    expect(repeats).not_to_be_checked()  # off by default
    expect(zones).not_to_be_checked()
    expect(page.locator("#map-legend")).to_contain_text("Repeat location: size by incidents")
    expect(page.locator("#map-legend")).to_contain_text("Near-repeat risk zone")
    # Switched on from the keyboard: the control opens on focus, Space ticks a box.
    page.locator("#map .leaflet-control-layers-toggle").focus()
    page.keyboard.press("Enter")
    repeats.focus()
    page.keyboard.press("Space")
    expect(repeats).to_be_checked()
    expect(page.locator("#map-repeats-note")).to_contain_text("Repeat locations:", timeout=TIMEOUT)
    expect(page.locator("#map-repeats-note")).to_contain_text("the busiest 200 are drawn")
    markers = page.locator("#map path.hs-repeat")
    expect(markers).to_have_count(200, timeout=TIMEOUT)
    markers.first.dispatch_event("mouseover")
    expect(page.locator(".leaflet-tooltip").first).to_contain_text(re.compile(r": [\d,]+ incidents \("))
    zones.focus()
    page.keyboard.press("Space")
    expect(page.locator("#map-risk-note")).to_contain_text(re.compile(r"Risk zones: [\d,]+ around"), timeout=TIMEOUT)
    expect(page.locator("#map path.hs-risk-zone").first).to_be_attached(timeout=TIMEOUT)
    page.locator("#map path.hs-risk-zone").first.dispatch_event("mouseover")
    expect(page.locator(".leaflet-tooltip").last).to_contain_text("raised risk within")
    # Off again: the layer empties and the note goes.
    repeats.focus()
    page.keyboard.press("Space")
    expect(markers).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator("#map-repeats-note")).to_be_empty()
    assert console_errors == []
