"""Van sites against brute force; patrol windows; bad input."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.deploy import PlanError, peak_window, plan_patrols, plan_van_sites

NO_CCTV = gpd.GeoDataFrame({"radius_m": []}, geometry=gpd.GeoSeries([], crs=27700), crs=27700)


def incidents(x, y, times=None, location=None):
    n = len(x)
    t = pd.to_datetime(times or ["2017-06-09 23:30"] * n).tz_localize("Europe/London")
    return pd.DataFrame(
        {
            "crime_type": "Burglary",
            "occurred_from": t,
            "occurred_to": t,
            "time_precision": "time",
            "easting": np.asarray(x, float),
            "northing": np.asarray(y, float),
            "location": location or [f"On or near Street {i % 7}" for i in range(n)],
        }
    )


def brute_force(df, k, radius, cand_x, cand_y):
    pts = np.c_[df.easting, df.northing]
    best = 0
    for combo in itertools.combinations(range(len(cand_x)), k):
        cov = np.zeros(len(pts), bool)
        for c in combo:
            cov |= np.hypot(pts[:, 0] - cand_x[c], pts[:, 1] - cand_y[c]) <= radius
        best = max(best, int(cov.sum()))
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("solver", ["exact", "greedy"])
def test_van_sites_match_brute_force(seed, solver):
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(0, 600, 40)) + 450000
    y = np.round(rng.uniform(0, 600, 40)) + 120000
    df = incidents(x, y)
    res = plan_van_sites(df, 2, 120, cctv=NO_CCTV, candidates="incidents", solver=solver)
    ux, uy = np.unique(np.c_[x, y], axis=0).T
    best = brute_force(df, 2, 120, ux, uy)
    got = res.params["covered_total"]
    if solver == "exact":
        assert got == best and res.params["optimal"] is True
    else:
        assert got >= (1 - 1 / np.e) * best
    assert res.table["incidents_covered"].is_monotonic_decreasing
    assert res.table["cumulative_covered"].iloc[-1] == got


def test_fixed_cctv_counts_as_covered():
    x = [450000.0] * 30 + [451000.0] * 20
    y = [120000.0] * 50
    cams = gpd.GeoDataFrame({"radius_m": [100.0]}, geometry=[shapely.Point(450000, 120000)], crs=27700)
    res = plan_van_sites(incidents(x, y), 1, 100, cctv=cams)
    assert res.params["already_covered_by_cctv"] == 30
    site = res.table.iloc[0]
    assert abs(site["easting"] - 451000) < 1 and site["incidents_covered"] == 20
    assert site["cumulative_share"] == 1.0


def test_peak_hours_days_and_street():
    times = ["2017-06-10 01:00"] * 10 + ["2017-06-09 23:00"] * 10 + ["2017-06-05 14:00"] * 2
    df = incidents([450000.0] * 22, [120000.0] * 22, times, ["On or near High Street"] * 22)
    site = plan_van_sites(df, 1, 100, cctv=NO_CCTV).table.iloc[0]
    # 23:00 x10 and 01:00 x10: only 23:00-02:00 holds all 20 timed incidents
    assert site["peak_hours"] == "23:00-02:00"
    assert site["peak_days"] == "Fri"  # 01:00 Saturday is Friday night; Monday's two are below 15%
    assert site["street"] == "High Street"
    # hist 22:1, 23:1, 00:1, 01:2: 23:00-02:00 holds 4 of the 5
    assert peak_window(np.array([22, 23, 0, 1, 1]), 3) == (23, 2, 0.8)


def test_bad_input():
    df = incidents([450000.0, 450010.0], [120000.0, 120000.0])
    with pytest.raises(PlanError, match="radius"):
        plan_van_sites(df, 1, -5)
    # more sites asked than the data support: fewer sites and a note, never a failure
    res = plan_van_sites(df, 5, 100, cctv=NO_CCTV)
    assert len(res.table) == 1 and res.params["sites_found"] == 1
    assert any("1 van site suggested, not 5" in n for n in res.notes)
    assert plan_van_sites(df.iloc[0:0]).empty
    with pytest.raises(PlanError):
        plan_patrols(df, cell=0)
    assert plan_patrols(df.iloc[0:0]).warnings == ["no incidents match the selection"]


def test_patrols_rank_cells_and_suggest_visits():
    rng = np.random.default_rng(0)
    x = np.r_[rng.uniform(450000, 450100, 50), rng.uniform(452000, 452100, 20), rng.uniform(440000, 460000, 30)]
    y = np.r_[rng.uniform(120000, 120100, 50), rng.uniform(121000, 121100, 20), rng.uniform(110000, 130000, 30)]
    times = ["2017-06-09 22:30"] * 100
    res = plan_patrols(incidents(x, y, times), cell=150, n=3)
    t = res.table
    assert len(t) == 3 and t["count"].iloc[0] >= 25 and t["count"].is_monotonic_decreasing
    assert "15 min" in t["suggested_visit"].iloc[0] and t["best_window"].iloc[0] == "Fri 21:00-00:00"
    assert t.geometry.area.round().eq(150 * 150).all()


def test_real_data_van_and_patrol(police_uk_incidents, district):
    df = police_uk_incidents[police_uk_incidents["occurred_from"].dt.year == 2017]
    res = plan_van_sites(df, 5, 100, district=district)
    assert len(res.table) == 5 and res.params["already_covered_by_cctv"] > 0
    streets = res.table["street"]
    assert (streets != "").all() and not streets.str.startswith("On or near").any()
    assert not streets.isin(["Parking Area", "Supermarket", "Shopping Area", "Petrol Station", "Nightclub"]).any()
    assert res.warnings  # data.police.uk has no times
    assert len(plan_patrols(df).table) == 8


def test_sites_on_few_incidents_are_marked_and_none_invented():
    # three clusters of 12, 3 and 1 incidents far apart: three sites, not the five asked
    x = [450000.0] * 12 + [452000.0] * 3 + [454000.0]
    res = plan_van_sites(incidents(x, [120000.0] * 16), 5, 100, cctv=NO_CCTV)
    t = res.table
    assert t["incidents_covered"].tolist() == [12, 3, 1]
    assert t["too_few"].tolist() == [False, True, True]
    assert t["reliability"].tolist() == ["", "too few to rely on", "too few to rely on"]
    assert res.params["sites_found"] == 3 and res.params["k"] == 5
    assert any(n.startswith("3 van sites suggested, not 5") and "no site is invented" in n for n in res.notes)
    assert any("2 of 3 sites add fewer than 5 incidents" in n for n in res.notes)
    lower = plan_van_sites(incidents(x, [120000.0] * 16), 5, 100, cctv=NO_CCTV, min_count=3)
    assert lower.table["too_few"].tolist() == [False, False, True]


def test_no_site_where_fixed_cameras_cover_everything():
    cams = gpd.GeoDataFrame({"radius_m": [100.0]}, geometry=[shapely.Point(450000, 120000)], crs=27700)
    res = plan_van_sites(incidents([450000.0, 450010.0], [120000.0, 120000.0]), 3, 100, cctv=cams)
    assert res.empty and res.params["sites_found"] == 0
    assert res.notes == ["no van site suggested: all 2 selected incidents are already within a fixed camera's reach"]


def test_peak_hours_stay_inside_the_window_asked_for():
    # busiest at 19:00, but the window asked for is 20:00-04:00
    times = ["2017-06-09 19:10"] * 10 + ["2017-06-09 20:30"] * 3 + ["2017-06-09 22:30"] * 4 + ["2017-06-10 03:30"]
    df = incidents([450000.0] * 18, [120000.0] * 18, times)
    free = plan_van_sites(df, 1, 100, cctv=NO_CCTV).table.iloc[0]
    inside = plan_van_sites(df, 1, 100, cctv=NO_CCTV, hours=(20, 4)).table.iloc[0]
    assert free["peak_hours"] == "18:00-21:00"
    assert inside["peak_hours"] == "20:00-23:00"  # 20:30 x3 + 22:30 x4: the busiest 3 hours of 20-04
    # 23 and 03 inside: three windows hold the 23:00 one; the one centred on it wins
    assert peak_window(np.array([19, 19, 23, 3]), 3, within=(20, 4)) == (22, 1, 0.25)
    assert peak_window(np.array([3, 3]), 3, within=(1, 4)) == (1, 4, 1.0)
    assert peak_window(np.array([3]), 5, within=(2, 4)) == (2, 4, 1.0)  # a window shorter than asked: whole


def test_selection_result_gives_the_window_and_patrol_flags(district):
    from geo.selection import Selection, filter_frame

    times = ["2017-06-09 19:10"] * 10 + ["2017-06-09 22:30"] * 4
    df = incidents([450000.0] * 14, [120000.0] * 14, times)
    sel = filter_frame(df, Selection(hours=(20, 4), days=(4, 5)))
    res = plan_patrols(sel, cell=150, n=2)
    row = res.table.iloc[0]
    assert row["count"] == 4 and row["best_window"] == "Fri 21:00-00:00" and bool(row["too_few"])
    assert res.params["hours_window"] == (20, 4) and res.params["nights_of_week"] == (4, 5)
    assert any("1 of 1 cells hold fewer than 5 incidents" in n for n in res.notes)


def test_street_skips_generic_places_and_uses_the_nearest_named():
    loc = ["On or near Parking Area"] * 6 + ["On or near Jewry Street"] * 2 + ["On or near Supermarket"] * 3
    x = [450000.0] * 6 + [450060.0] * 2 + [451000.0] * 3
    res = plan_van_sites(incidents(x, [120000.0] * 11, location=loc), 2, 100, cctv=NO_CCTV)
    # the second site's incidents are all at a supermarket: the nearest named location, 940 m away
    assert res.table["street"].tolist() == ["Jewry Street", "Jewry Street (nearest named location, 940 m away)"]
    assert res.places["name"].tolist() == ["Jewry Street"]


def test_k_none_takes_as_many_sites_as_the_data_support():
    # clusters of 12, 7, 5, 3 and 1 incidents: sites adding at least 5 are kept, so three
    x = [450000.0] * 12 + [452000.0] * 7 + [454000.0] * 5 + [456000.0] * 3 + [458000.0]
    res = plan_van_sites(incidents(x, [120000.0] * len(x)), None, 100, cctv=NO_CCTV)
    assert res.table["incidents_covered"].tolist() == [12, 7, 5] and res.params["k"] is None
    assert "number of sites chosen from the data: 3, each adding at least 5 incidents (at most 20)" in res.notes
    # a single incident still gets its one site, marked too few
    one = plan_van_sites(incidents([450000.0], [120000.0]), None, 100, cctv=NO_CCTV)
    assert one.table["too_few"].tolist() == [True]
