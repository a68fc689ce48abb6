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
    assert "km</text>" in svg or " m</text>" in svg  # scale bar
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
    assert len(re.findall(r"<tr>", page)) == 1 + 3  # header and three sites
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
