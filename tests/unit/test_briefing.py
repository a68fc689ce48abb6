"""The printable briefing: offline SVG map from BNG coordinates, table text, one-page HTML."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.briefing import briefing_html, table_rows
from geo.briefing_map import _View, detail_bounds, plan_bounds, plan_map_svg
from geo.deploy import plan_patrols, plan_van_sites

NO_CCTV = gpd.GeoDataFrame({"radius_m": []}, geometry=gpd.GeoSeries([], crs=27700), crs=27700)
WHEN = datetime(2007, 6, 9, 21, 5, tzinfo=ZoneInfo("Europe/London"))


def _incidents(groups, per=20, seed=0):
    """Timed incidents (Friday 23:30) scattered 30 m around each (easting, northing)."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for (x, y), n in zip(groups, per if isinstance(per, list) else [per] * len(groups), strict=True):
        xs += list(x + rng.normal(0, 30, n))
        ys += list(y + rng.normal(0, 30, n))
    t = pd.Timestamp("2007-06-08 23:30", tz="Europe/London")
    return pd.DataFrame(
        {
            "occurred_from": t,
            "occurred_to": t,
            "time_precision": "time",
            "easting": np.round(xs),
            "northing": np.round(ys),
            "location": "On or near High Street",
        }
    )


TOWN = [(448200, 129500), (447900, 129800), (448500, 129300)]


def test_view_maps_bng_to_pixels_north_up():
    view = _View((448000, 129000, 449000, 129500), 200, 100)
    assert view.xy(448000, 129500) == (0, 0)  # top left is the north-west corner
    assert view.xy(449000, 129000) == (200, 100)
    x, y = view.xy(448500, 129250)
    assert (x, y) == (100, 50)


def test_van_map_has_numbered_sites_circles_and_fixed_layers(district):
    res = plan_van_sites(_incidents(TOWN, [30, 20, 10]), 3, 100, cctv=NO_CCTV, candidates="incidents")
    svg = plan_map_svg(res, district)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    ranks = re.findall(r'<g class="site" data-rank="(\d+)">', svg)
    assert sorted(ranks) == ["1", "2", "3"]
    assert 'stroke="#440154"' in svg  # van radius circles
    assert 'stroke-dasharray="6 4"' in svg  # a zone outline (the town centre is inside both)
    assert 'fill="#7f7f7f"' in svg  # fixed CCTV coverage circles
    # scale bar: the view is about 1.57 km wide; a fifth of it rounded down to 1, 2 or 5 x 10^n is 200 m
    assert re.findall(r'text-anchor="middle">(\d+ k?m)</text>', svg) == ["200 m"]
    # a site sits inside the drawing
    for m in re.finditer(r'<g class="site" data-rank="\d+"><circle cx="([\d.]+)" cy="([\d.]+)"', svg):
        assert 0 < float(m.group(1)) < 720 and 0 < float(m.group(2)) < 460


def test_patrol_map_and_table(district):
    res = plan_patrols(_incidents(TOWN, [30, 20, 10]), 150, 3)
    svg = plan_map_svg(res, district)
    assert len(re.findall(r'<g class="cell"', svg)) == 3
    cols, rows, numeric = table_rows(res)
    assert cols[0] == "Rank" and len(rows) == 3 and numeric == (2, 3)
    assert rows[0][4] == "Fri 22:00–01:00"  # centred on 23:30, en dash, 24-hour clock
    assert rows[0][5] == "15 min visits at varied times in the window"


def test_detail_panel_only_for_spread_out_plans(district):
    near = plan_van_sites(_incidents(TOWN), 3, 100, cctv=NO_CCTV, candidates="incidents")
    assert detail_bounds(near) is None  # every site in one group: the overview is enough
    far = plan_van_sites(_incidents([*TOWN, (453100, 109800)]), 4, 100, cctv=NO_CCTV, candidates="incidents")
    box = detail_bounds(far)
    assert box is not None and box[2] - box[0] < 3000
    assert box[0] < 447900 and box[2] > 448500 and box[1] > 109800 + 15000  # the town, not the outlier
    overview = plan_bounds(far)
    assert overview[3] - overview[1] > 19000


def test_briefing_is_one_self_contained_page(district):
    res = plan_van_sites(_incidents(TOWN), 3, 100, cctv=NO_CCTV, candidates="incidents")
    page = briefing_html(res, district, selection_text="08/06/2007 to 09/06/2007; Fri", generated=WHEN, synthetic=True)
    assert page.startswith("<!DOCTYPE html>")
    assert "CCTV van sites: Winchester" in page and "synthetic demo data" in page
    assert "08/06/2007 to 09/06/2007; Fri" in page
    assert "09/06/2007 21:05" in page  # dd/mm/yyyy, 24-hour
    assert "@page { size: A4 portrait" in page and "@media print" in page
    assert page.count("<svg") >= 2 and "illustrative" in page
    plan = page[page.index('id="plan-table"') :]
    assert len(re.findall(r"<tr>", plan[: plan.index("</table>")])) == 1 + 3  # header and three sites
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched


def test_briefing_of_an_empty_selection(district):
    res = plan_van_sites(_incidents(TOWN).iloc[0:0], 3, 100, cctv=NO_CCTV)
    page = briefing_html(res, district, selection_text="nothing", generated=WHEN)
    assert "No plan: no incidents match the selection." in page
    assert 'class="plan-map"' not in page and "synthetic demo data" not in page
    with pytest.raises(ValueError):
        plan_bounds(res)


def test_cli_plan_writes_a_briefing(police_uk_store, tmp_path, capsys):
    from hotspots_cli.main import main

    out = tmp_path / "vans.html"
    args = ["plan", "van", "--store", str(police_uk_store.path), "--from", "2017-06-01", "--to", "2017-06-30"]
    assert main([*args, "--k", "2", "--briefing", str(out)]) == 0
    page = out.read_text()
    assert "<svg" in page and page.count('<g class="site"') >= 2
    assert "01/06/2017 to 30/06/2017" in page and "synthetic demo data" not in page  # real month-only data
    assert "time of day" in page  # the warning: no peak hours for month-precision records


def _named(groups, names, per=12, seed=1):
    df = _incidents(groups, per, seed)
    n = len(df) // len(groups)
    return df.assign(location=[names[i // n] for i in range(len(df))])


def test_briefing_says_which_nights_and_hours_with_a_rota(district):
    from datetime import date

    from geo.selection import Selection, filter_frame

    groups = [*TOWN, (448800, 129100), (447600, 130100)]
    df = _incidents(groups, [30, 20, 10, 8, 2])
    sel = filter_frame(df, Selection(days=(4, 5), hours=(20, 4)))
    res = plan_van_sites(sel, 5, 100, cctv=NO_CCTV, candidates="incidents")
    nights = [date(2025, 4, 4), date(2025, 4, 5)]
    page = briefing_html(res, district, selection_text="Fri, Sat; 20:00-04:00", generated=WHEN, nights=nights)
    assert "<strong>When:</strong> Fri 04/04 and Sat 05/04, 20:00–04:00" in page
    rota = page[page.index('id="plan-rota"') :]
    rota = rota[: rota.index("</table>")]
    # five sites on two nights: sites 1, 3, 5 on Friday and 2, 4 on Saturday, the hours split
    assert re.findall(r"<th scope=row>([^<]+)</th>", rota) == ["Fri 04/04", "Sat 05/04"]
    assert "20:00–22:45 site 1 (High Street); 22:45–01:30 site 3 (High Street); 01:30–04:00 site 5" in rota
    assert "20:00–00:00 site 2 (High Street); 00:00–04:00 site 4" in rota
    assert "too few to rely on" in page  # the site on 2 incidents
    # default nights: the next Friday and Saturday nights from the day the briefing is made (Sat 09/06/2007)
    page = briefing_html(res, district, selection_text="x", generated=WHEN)
    assert "Sat 09/06 and Fri 15/06, 20:00–04:00" in page


def test_peak_hours_in_the_briefing_stay_inside_the_window(district):
    from geo.selection import Selection, filter_frame

    t = pd.to_datetime(["2007-06-08 19:30"] * 12 + ["2007-06-08 21:30"] * 6).tz_localize("Europe/London")
    df = pd.DataFrame(
        {
            "occurred_from": t,
            "occurred_to": t,
            "time_precision": "time",
            "easting": 448200.0,
            "northing": 129500.0,
            "location": "On or near Jewry Street",
        }
    )
    res = plan_van_sites(filter_frame(df, Selection(hours=(20, 4))), 1, 100, cctv=NO_CCTV)
    assert res.table["peak_hours"].tolist() == ["20:00-23:00"]
    _, rows, _ = table_rows(res)
    assert rows[0][5] == "20:00–23:00"


def test_map_shows_named_streets_not_generic_places_and_escapes_them(district):
    names = ["On or near Parking Area", "On or near Jewry Street", "On or near <b>Bad</b> & Lane"]
    res = plan_van_sites(_named(TOWN, names), 3, 100, cctv=NO_CCTV, candidates="incidents")
    assert "Parking Area" not in set(res.table["street"]) and set(res.places["name"]) == {
        "Jewry Street",
        "<b>Bad</b> & Lane",
    }
    svg = plan_map_svg(res, district)
    labels = re.findall(r'<text class="place"[^>]*>([^<]*)</text>', svg)
    assert "Jewry Street" in labels and "&lt;b&gt;Bad&lt;/b&gt; &amp; Lane" in labels
    assert "Parking Area" not in svg and "<b>" not in svg
    page = briefing_html(res, district, selection_text="<script>x</script>", generated=WHEN)
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page and "<b>" not in page
    # the site among the parking-area incidents takes the nearest named location (about 300 m off) and says so
    streets = res.table.set_index(res.table["easting"].round(-2))["street"]
    assert streets[447900] == "Jewry Street" and streets[448500] == "<b>Bad</b> & Lane"
    assert re.fullmatch(r"(Jewry Street|<b>Bad</b> & Lane) \(nearest named location, \d+ m away\)", streets[448200])


def test_briefing_says_when_fewer_sites_than_asked(district):
    res = plan_van_sites(_incidents(TOWN[:2]), 5, 100, cctv=NO_CCTV, candidates="incidents")
    page = briefing_html(res, district, selection_text="x", generated=WHEN)
    assert "5 sites asked, 2 found" in page and "no site is invented" in page
