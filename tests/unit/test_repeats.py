"""Repeat locations: Gini (naive and small-count corrected), Lorenz curve, top-k % shares, the table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.repeats import generalised_gini, gini, lorenz_curve, repeat_locations, top_shares


def _incident(e, n, when, crime="Burglary", precision="time", location="On or near High Street"):
    t = pd.Timestamp(when, tz="Europe/London")
    return {
        "easting": e,
        "northing": n,
        "location": location,
        "crime_type": crime,
        "occurred_from": t,
        "occurred_to": t,
        "time_precision": precision,
    }


def test_gini_of_equal_counts_is_zero():
    assert gini([3, 3, 3, 3]) == pytest.approx(0.0)
    assert generalised_gini([3, 3, 3, 3]) == pytest.approx(0.0)


def test_gini_all_in_one_location():
    # naive: 1 - 1/n; with N = 10 incidents >= n = 10 locations the correction changes nothing
    assert gini([10] + [0] * 9) == pytest.approx(0.9)
    assert generalised_gini([10] + [0] * 9) == pytest.approx(0.9)
    # 4 incidents at one of 100 locations: naive 1 - 1/100; corrected 1 - 1/N = 0.75
    assert gini([4] + [0] * 99) == pytest.approx(0.99)
    assert generalised_gini([4] + [0] * 99) == pytest.approx(0.75)


def test_small_count_correction_hand_computed():
    # 8 incidents over 10 locations: counts 5, 2, 1 and seven zeros.
    # naive: sum|xi - xj| over ordered pairs = 2*(3+4+1) + 2*8*7 = 128; / (2 * 10^2 * 0.8) = 0.8
    # corrected: max(1, 10/8) * (0.8 - 1) + 1 = 0.75
    counts = [5, 2, 1] + [0] * 7
    assert gini(counts) == pytest.approx(0.8)
    assert generalised_gini(counts) == pytest.approx(0.75)


def test_most_even_spread_possible_is_zero_after_correction():
    # 5 incidents at 5 of 50 locations: the naive Gini says 0.9 although nothing could be more even
    counts = [1] * 5 + [0] * 45
    assert gini(counts) == pytest.approx(0.9)
    assert generalised_gini(counts) == pytest.approx(0.0)


def test_top_shares():
    # 100 locations: one with 20, four with 5, five with 2, ninety with 0 -> 50 incidents
    counts = np.array([20] + [5] * 4 + [2] * 5 + [0] * 90)
    t = top_shares(counts).set_index("percent")
    assert t.loc[1.0, "locations"] == 1 and t.loc[1.0, "share"] == pytest.approx(20 / 50)
    assert t.loc[5.0, "locations"] == 5 and t.loc[5.0, "share"] == pytest.approx(40 / 50)
    assert t.loc[10.0, "share"] == pytest.approx(1.0)
    assert t.loc[20.0, "locations"] == 20 and t.loc[20.0, "incidents"] == 50
    # 1 % of 250 locations rounds up to 3
    assert top_shares([1] * 250, [1]).iloc[0]["locations"] == 3


def test_lorenz_curve_ends_and_reference_line():
    lc = lorenz_curve([5, 2, 1] + [0] * 7)
    assert (lc.iloc[0]["locations"], lc.iloc[0]["incidents"]) == (0.0, 0.0)
    assert (lc.iloc[-1]["locations"], lc.iloc[-1]["incidents"]) == (1.0, 1.0)
    assert lc["incidents"].is_monotonic_increasing
    # the bottom 70 % of locations (the zeros) hold nothing; the top location holds 5/8
    assert np.interp(0.7, lc["locations"], lc["incidents"]) == pytest.approx(0.0)
    assert np.interp(0.9, lc["locations"], lc["incidents"]) == pytest.approx(3 / 8)
    # maximal equality with 8 incidents at 10 locations starts at 1 - 8/10
    assert np.interp(0.2, lc["locations"], lc["maximal_equality"]) == pytest.approx(0.0)
    assert np.interp(0.6, lc["locations"], lc["maximal_equality"]) == pytest.approx(0.5)


def test_repeat_locations_counts_the_zeros_and_the_gaps():
    rows = [
        _incident(100.0, 200.0, "2007-01-01 10:00"),
        _incident(100.2, 199.9, "2007-01-11 22:00", crime="Vehicle crime"),  # same location on a 1 m grid
        _incident(100.0, 200.0, "2007-01-15 02:00"),
        _incident(500.0, 500.0, "2007-03-01 12:00", location="On or near Park Road"),
        _incident(500.0, 500.0, "2007-03-04 12:00", location="On or near Park Road"),
        _incident(900.0, 900.0, "2007-05-01 12:00", location="On or near Station Hill"),
    ]
    incidents = pd.DataFrame(rows)
    candidates = pd.DataFrame(
        {
            "easting": [100.0, 500.0, 900.0] + [float(i) for i in range(2000, 2007)],
            "northing": [200.0, 500.0, 900.0] + [0.0] * 7,
        }
    )
    rep = repeat_locations(incidents, candidates)
    assert rep.n_locations == 10 and rep.n_with_incident == 3 and rep.n_repeat_locations == 2
    assert rep.incidents_at_repeats == 5
    # counts 3, 2, 1 and seven zeros over 10 locations, 6 incidents
    expected = gini([3, 2, 1] + [0] * 7)
    assert rep.gini == pytest.approx(expected)
    assert rep.gini_corrected == pytest.approx(10 / 6 * (expected - 1) + 1)
    top = rep.table.iloc[0]
    assert top["incidents"] == 3 and top["location"] == "On or near High Street"
    assert top["crime_types"] == "Burglary (2); Vehicle crime (1)"
    assert top["first"] == pd.Timestamp("2007-01-01") and top["last"] == pd.Timestamp("2007-01-15")
    assert (top["median_gap"], top["min_gap"], top["gap_unit"]) == (7.0, 4.0, "days")
    second = rep.table.iloc[1]
    assert (second["incidents"], second["min_gap"], second["location"]) == (2, 3.0, "On or near Park Road")
    # without candidates the zeros are missing and a note says so
    own = repeat_locations(incidents)
    assert own.n_locations == 3 and "missing" in own.notes[0]


def test_month_precision_gaps_are_in_months():
    rows = [
        _incident(1.0, 1.0, "2017-02-01", precision="month"),
        _incident(1.0, 1.0, "2017-02-01", precision="month"),
        _incident(1.0, 1.0, "2017-05-01", precision="month"),
    ]
    rep = repeat_locations(pd.DataFrame(rows))
    row = rep.table.iloc[0]
    assert (row["gap_unit"], row["precision"], row["min_gap"], row["median_gap"]) == ("months", "month", 0.0, 1.5)
    assert row["first"] == pd.Timestamp("2017-02-01")


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="no incidents"):
        gini([0, 0, 0])
    with pytest.raises(ValueError, match="non-negative"):
        gini([1, -1])
    empty = pd.DataFrame([_incident(np.nan, np.nan, "2007-01-01")])
    with pytest.raises(ValueError, match="no incident with coordinates"):
        repeat_locations(empty)


def test_real_police_uk_snap_points(police_uk_incidents):
    burglary = police_uk_incidents[police_uk_incidents["crime_type"] == "Burglary"]
    rep = repeat_locations(burglary, police_uk_incidents)
    # every snap point of the real data counted; the corrected Gini is below the naive one (N < n)
    assert rep.n_locations == police_uk_incidents[["easting", "northing"]].drop_duplicates().shape[0]
    assert rep.n_incidents == len(burglary) < rep.n_locations
    assert rep.gini_corrected < rep.gini
    assert (rep.table["gap_unit"] == "months").all()
    assert rep.table["incidents"].sum() == rep.incidents_at_repeats


def test_service_counts_every_snap_point_of_the_same_kind_of_data(demo_store, demo_incidents):
    from datetime import date

    from geo.selection import Selection
    from service.repeats import RepeatsOptions, run_repeats
    from service.source import Source

    sel = Selection(date_from=date(2017, 1, 1), crime_types=("Burglary",))
    opts = RepeatsOptions(selection=sel)
    assert RepeatsOptions.from_params(opts.to_params()) == opts
    result = run_repeats(Source.build(demo_store.path, demo_store.district), opts)
    police_uk = demo_incidents[demo_incidents["source"].str.startswith("police_uk:")]
    # the zeros are every data.police.uk snap point in the store, not the synthetic extract's points
    assert result.report.n_locations == police_uk[["easting", "northing"]].drop_duplicates().shape[0]
    assert not result.synthetic
