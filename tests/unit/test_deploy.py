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
    assert site["peak_hours"] in {"23:00-02:00", "22:00-01:00", "00:00-03:00"}
    assert site["peak_days"].startswith("Fri")  # 01:00 Saturday is Friday night
    assert site["street"] == "On or near High Street"
    assert (
        peak_window(np.array([22, 23, 0, 1, 1]), 3) in [(23, 2, 0.8), (22, 1, 0.6)]
        or peak_window(np.array([22, 23, 0, 1, 1]), 3)[2] == 0.8
    )


def test_bad_input():
    df = incidents([450000.0, 450010.0], [120000.0, 120000.0])
    with pytest.raises(PlanError, match="radius"):
        plan_van_sites(df, 1, -5)
    with pytest.raises(PlanError, match="candidate"):
        plan_van_sites(df, 5, 100, cctv=NO_CCTV)
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
    assert res.table["street"].str.startswith("On or near").all()
    assert res.warnings  # data.police.uk has no times
    assert len(plan_patrols(df).table) == 8
