"""Near repeats: Knox counts against a hand-computed case, a planted process, month data, risk zones."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.nearrepeat import MONTH_NOTICE, distance_labels, knox, knox_test, risk_zones, time_labels

# Five incidents: A and E share a location; distances 50, 150, 158, 950-1011 m; days 0, 3, 10, 40, 20.
XY = np.array([[0, 0], [50, 0], [0, 150], [1000, 0], [0, 0]], dtype=float)
DAYS = np.array([0, 3, 10, 40, 20])


def test_labels_are_unambiguous():
    assert distance_labels((100, 200, 300)) == ["same location", "1–100 m", "101–200 m", "201–300 m", "more than 300 m"]
    assert time_labels((7, 14, 21, 28), "days") == [
        "0–7 days",
        "8–14 days",
        "15–21 days",
        "22–28 days",
        "more than 28 days",
    ]
    assert time_labels((0, 1, 2, 3), "months") == [
        "same month",
        "1 month",
        "2 months",
        "3 months",
        "more than 3 months",
    ]


def test_knox_counts_and_ratios_hand_computed():
    r = knox_test(XY, DAYS, (100, 200), (7, 14), permutations=99, seed=1)
    # pairs: AB (50 m, 3 d), AC (150, 10), AD (1000, 40), AE (0, 20), BC (158, 7), BD (950, 37),
    # BE (50, 17), CD (1011, 30), CE (150, 10), DE (1000, 20)
    observed = [[0, 0, 1], [1, 0, 1], [1, 2, 0], [0, 0, 4]]
    assert r.observed.to_numpy().tolist() == observed
    assert list(r.observed.index) == ["same location", "1–100 m", "101–200 m", "more than 200 m"]
    assert list(r.observed.columns) == ["0–7 days", "8–14 days", "more than 14 days"]
    # expected = row total x column total / 10 pairs; rows 1, 2, 3, 4; columns 2, 2, 6
    expected = np.outer([1, 2, 3, 4], [2, 2, 6]) / 10
    np.testing.assert_allclose(r.expected.to_numpy(), expected)
    assert r.ratio.loc["1–100 m", "0–7 days"] == pytest.approx(2.5)
    assert r.ratio.loc["101–200 m", "8–14 days"] == pytest.approx(2 / 0.6)
    assert r.n_pairs == 10 and r.permutations == 99


def test_monte_carlo_p_values_match_exact_enumeration():
    r = knox_test(XY, DAYS, (100, 200), (7, 14), permutations=9999, seed=3)
    obs = r.observed.to_numpy()
    exact = np.zeros_like(obs, dtype=float)
    perms = list(itertools.permutations(DAYS))
    for perm in perms:
        exact += knox_test(XY, np.array(perm), (100, 200), (7, 14), permutations=0).observed.to_numpy() >= obs
    exact /= len(perms)
    np.testing.assert_allclose(r.p_value.to_numpy(), exact, atol=0.02)


def test_same_seed_same_answer_and_bad_bands():
    a = knox_test(XY, DAYS, (100, 200), (7, 14), permutations=50, seed=7)
    b = knox_test(XY, DAYS, (100, 200), (7, 14), permutations=50, seed=7)
    pd.testing.assert_frame_equal(a.p_value, b.p_value)
    with pytest.raises(ValueError, match="increase"):
        knox_test(XY, DAYS, (200, 100), (7, 14))
    with pytest.raises(ValueError, match="whole numbers"):
        knox_test(XY, DAYS, (100, 200), (-1, 7))
    # a leading 0 distance is the same-location band, which is always there
    assert knox_test(XY, DAYS, (0, 100, 200), (7, 14), permutations=0).distance_bands == (100, 200)


def _incidents(xy: np.ndarray, days: np.ndarray) -> pd.DataFrame:
    when = pd.Timestamp("2006-01-01 12:00", tz="Europe/London") + pd.to_timedelta(days, unit="D")
    return pd.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(len(days))],
            "crime_type": "Burglary",
            "location": "On or near Somewhere",
            "easting": xy[:, 0],
            "northing": xy[:, 1],
            "occurred_from": when,
            "occurred_to": when,
            "time_precision": "time",
        }
    )


@pytest.fixture(scope="module")
def planted():
    """400 burglaries over 10 km x 10 km and two years; each spawns a follower within 100 m and 7 days."""
    rng = np.random.default_rng(42)
    n = 400
    xy = rng.uniform(0, 10_000, size=(n, 2))
    days = rng.integers(0, 730, size=n)
    angle, dist = rng.uniform(0, 2 * np.pi, n), rng.uniform(5, 95, n)
    fxy = xy + np.c_[dist * np.cos(angle), dist * np.sin(angle)]
    fdays = days + rng.integers(1, 8, size=n)
    return _incidents(np.vstack([xy, fxy]).round(), np.concatenate([days, fdays]))


def test_planted_near_repeats_are_found_in_the_near_bands_only(planted):
    r = knox(planted, permutations=199, seed=0)
    assert r.unit == "days" and r.n_incidents == 800
    near = ("1–100 m", "0–7 days")
    assert r.significant.loc[near] and r.p_value.loc[near] == pytest.approx(1 / 200)
    assert r.ratio.loc[near] > 10
    far = r.significant.loc[["201–300 m", "301–400 m", "401–500 m"], ["8–14 days", "15–21 days", "22–28 days"]]
    assert not far.to_numpy().any()
    assert r.extent() == (1, 0, 100)


def test_shuffled_times_are_not_significant(planted):
    shuffled = planted.assign(occurred_from=np.random.default_rng(5).permutation(planted["occurred_from"].to_numpy()))
    shuffled["occurred_to"] = shuffled["occurred_from"]
    r = knox(shuffled, permutations=199, seed=0)
    assert r.p_value.loc["1–100 m", "0–7 days"] > 0.05
    assert r.extent() is None
    assert risk_zones(shuffled, r).empty


def test_risk_zones_around_the_latest_incidents(planted, tmp_path):
    r = knox(planted, permutations=99, seed=0)
    zones = risk_zones(planted, r, last_days=28)
    latest = planted["occurred_from"].max().tz_localize(None).normalize()
    assert len(zones) > 0
    assert (zones["zone_from"] > latest - pd.Timedelta(days=28)).all()
    assert ((zones["zone_to"] - zones["zone_from"]) == pd.Timedelta(days=7)).all()
    assert (zones["radius_m"] == 100).all() and (zones["time_band"] == "0–7 days").all()
    assert zones.geometry.area.round(-2).eq(round(np.pi * 100**2, -2)).all()
    out = tmp_path / "zones.geojson"
    zones.to_crs(4326).to_file(out, driver="GeoJSON")
    back = gpd.read_file(out)
    assert len(back) == len(zones) and back.crs.to_epsg() == 4326


def test_month_only_data_uses_month_bands(police_uk_incidents):
    burglary = police_uk_incidents[police_uk_incidents["crime_type"] == "Burglary"]
    r = knox(burglary, permutations=9, seed=0)
    assert r.unit == "months" and MONTH_NOTICE in r.notes
    assert list(r.observed.columns)[:2] == ["same month", "1 month"]
    # asking for days on month-only data says so and runs in months
    forced = knox(burglary, time_bands=(7, 14), unit="days", permutations=9)
    assert forced.unit == "months" and forced.time_bands == (0, 1, 2, 3) and MONTH_NOTICE in forced.notes
    # day bands without unit="months" are day bands too: month-only data cannot use them
    assert knox(burglary, time_bands=(7, 14), permutations=9).time_bands == (0, 1, 2, 3)
    assert knox(burglary, time_bands=(0, 2), unit="months", permutations=9).time_bands == (0, 2)


def test_mixed_precision_leaves_month_records_out_of_day_bands(planted):
    month = planted.head(5).assign(time_precision="month")
    r = knox(pd.concat([planted.iloc[5:], month]), permutations=9)
    assert r.unit == "days" and r.n_incidents == 795
    assert "5 month-only records" in r.notes[0]


def test_service_options_round_trip_and_default_crime_types(demo_store):
    from datetime import date

    from geo.selection import Selection
    from service.errors import OptionsError
    from service.nearrepeat import DEFAULT_CRIME_TYPES, NearRepeatOptions, run_nearrepeat
    from service.source import Source

    params = {"distance_bands": "0,100,200", "time_bands": "7,14", "permutations": "99", "crime": "Burglary"}
    opts = NearRepeatOptions.from_params(params)
    assert opts.distance_bands == (100, 200) and opts.time_bands == (7, 14) and opts.permutations == 99
    assert NearRepeatOptions.from_params(opts.to_params()) == opts
    with pytest.raises(OptionsError, match="unit"):
        NearRepeatOptions.from_params({"unit": "weeks"})
    with pytest.raises(OptionsError, match="numbers"):
        NearRepeatOptions.from_params({"time_bands": "7,a"})
    source = Source.build(demo_store.path, demo_store.district)
    result = run_nearrepeat(source, NearRepeatOptions(selection=Selection(date_from=date(2017, 1, 1)), permutations=99))
    assert result.defaulted_types and result.selection.crime_types == DEFAULT_CRIME_TYPES
    assert result.knox.unit == "months" and not result.synthetic
