"""Backtest arithmetic and the acceptance check on the bundled data.police.uk files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.evaluate import BASELINE_COUNTS, BASELINE_KDE, EvaluationError, backtest, backtest_summary, pai
from geo.hotspots import DEFAULT_METHOD


def test_pai_arithmetic_by_hand():
    # 30 of 120 test incidents in hotspots covering 2 km2 of a 200 km2 district:
    # hit rate 0.25, area share 0.01, PAI 25
    assert pai(30, 120, 2e6, 200e6) == pytest.approx(25.0)
    assert pai(0, 120, 2e6, 200e6) == 0.0
    assert pai(5, 0, 2e6, 200e6) == 0.0


def _month_frame(points):
    rows = []
    for month, x, y, n in points:
        t0 = pd.Timestamp(f"{month}-01", tz="Europe/London")
        t1 = t0 + pd.offsets.MonthBegin(1) - pd.Timedelta(seconds=1)
        rows += [(t0, t1, x, y)] * n
    a, b, x, y = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "crime_type": "Burglary",
            "occurred_from": a,
            "occurred_to": b,
            "time_precision": "month",
            "easting": x,
            "northing": y,
        }
    )


def test_backtest_counts_hits_by_hand():
    """A 10 km x 10 km square of 100 m cells; a 1% cap is 100 cells.  Training puts 10 incidents
    in one cell every month; the test month puts 6 there and 4 far away: hit rate 0.6 for the
    previous-counts baseline, area 1 cell (0.0001), pai_at_cap 0.6 / 0.01 = 60."""
    pts = [(m, 400050.0, 100050.0, 10) for m in ("2017-01", "2017-02", "2017-03")]
    pts += [("2017-04", 400050.0, 100050.0, 6), ("2017-04", 409950.0, 109950.0, 4)]
    pts += [("2017-01", 400000.0 + 10000, 100000.0 + 10000, 1)]  # fixes the 10 km extent
    df = _month_frame(pts)
    t = backtest(df, "kde", cell_size=100, by_crime_type=False)
    counts = t[t.model == BASELINE_COUNTS].iloc[0]
    assert counts["test_incidents"] == 10 and counts["hits"] == 6
    assert counts["pai_at_cap"] == pytest.approx(0.6 / 0.01, rel=0.02)
    assert t.attrs["params"]["folds"] == ["train 2017-01..2017-03, test 2017-04..2017-04"]


def test_too_few_months_is_a_clear_error():
    df = _month_frame([("2017-01", 400000.0, 100000.0, 5), ("2017-02", 401000.0, 101000.0, 5)])
    with pytest.raises(EvaluationError, match="needs at least 4"):
        backtest(df)
    assert backtest_summary(df)["pai"] is None


def test_default_method_beats_both_baselines_on_bundled_data(police_uk_incidents, district):
    df = police_uk_incidents[police_uk_incidents["occurred_from"].dt.year == 2017]
    t = backtest(df, DEFAULT_METHOD, district=district, by_crime_type=False)
    row = t[t.model == DEFAULT_METHOD].iloc[0]
    assert row["folds"] == 5
    assert (t["area_share"] <= 0.01 + 1e-9).all()
    assert row["pai_at_cap"] >= t[t.model.isin([BASELINE_COUNTS, BASELINE_KDE])]["pai_at_cap"].max()
    s = backtest_summary(df, district=district)
    assert s["pai"] == pytest.approx(row["pai_at_cap"]) and "PAI" in s["text"]
    assert np.isfinite(s["baseline_pai"])


def test_max_folds_keeps_the_latest_folds_with_data(police_uk_incidents, district):
    from geo.evaluate import backtest, backtest_summary

    full = backtest(police_uk_incidents, "kde", district=district, by_crime_type=False)
    last2 = backtest(police_uk_incidents, "kde", district=district, by_crime_type=False, max_folds=2)
    assert len(full.attrs["params"]["folds"]) > len(last2.attrs["params"]["folds"]) == 2
    # The two kept folds are the latest ones that have training and test data (Aug and Sep 2017,
    # not the empty months before February 2022).
    assert [f.split("test ")[1] for f in last2.attrs["params"]["folds"]] == ["2017-08..2017-08", "2017-09..2017-09"]
    summary = backtest_summary(police_uk_incidents, "kde", district=district, max_folds=2)
    assert summary["folds"] == 2 and summary["baseline"] in {"previous-counts", "plain-KDE"}
    assert summary["text"].startswith(f"PAI {summary['pai']:.1f} at 1% of the area")
