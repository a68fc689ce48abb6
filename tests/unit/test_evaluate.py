"""Backtest arithmetic (PAI, PEI*) by hand, fair baselines, and the figure the map shows."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.evaluate import (
    BacktestResult,
    EvaluationError,
    backtest,
    backtest_summary,
    evaluate_hotspots,
    pai,
    pei_star,
)
from geo.hotspots import DEFAULT_METHOD


def test_pai_and_pei_star_arithmetic_by_hand():
    # 30 of 120 test incidents in hotspots covering 2 km2 of a 200 km2 district:
    # hit rate 0.25, area share 0.01, PAI 25
    assert pai(30, 120, 2e6, 200e6) == pytest.approx(25.0)
    assert pai(0, 120, 2e6, 200e6) == 0.0
    assert pai(5, 0, 2e6, 200e6) == 0.0
    # perfect foresight could have caught 50 in the same area: PEI* 30 / 50
    assert pei_star(30, 50) == pytest.approx(0.6)
    assert pei_star(0, 0) == 0.0


def _month_frame(points, crime="Burglary"):
    rows = []
    for month, x, y, n in points:
        t0 = pd.Timestamp(f"{month}-01", tz="Europe/London")
        t1 = t0 + pd.offsets.MonthBegin(1) - pd.Timedelta(seconds=1)
        rows += [(t0, t1, x, y)] * n
    a, b, x, y = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "crime_type": crime,
            "occurred_from": a,
            "occurred_to": b,
            "time_precision": "month",
            "easting": x,
            "northing": y,
        }
    )


def _hand_made():
    """A 10 km x 10 km square of 100 m cells (10,000 cells; 1% is 100 cells).  Training puts 10
    incidents in cell A every month; the test month puts 6 in A and 4 in cell B, 3.5 km away."""
    pts = [(m, 405050.0, 105050.0, 10) for m in ("2017-01", "2017-02", "2017-03")]
    pts += [("2017-04", 405050.0, 105050.0, 6), ("2017-04", 402550.0, 102550.0, 4)]
    pts += [("2017-01", 400000.0, 100000.0, 1), ("2017-01", 410000.0, 110000.0, 1)]  # fix the extent
    return _month_frame(pts)


def test_backtest_counts_hits_pai_and_pei_star_by_hand():
    import shapely

    from geo.hotspots import find_hotspots

    df = _hand_made()
    # a KDE allowed to spend its budget on the halo around A (occupied_only=False)
    res = evaluate_hotspots(df, "kde", cell_size=100, top_share=0.01, occupied_only=False)
    s = res.score
    assert (s.test_incidents, s.hits) == (10, 6)
    # the hotspots scored are those drawn from the training months: about 1% of the extent
    # (the 10,001 m square the incidents span) around A, one-incident corner cells dropped
    extent = shapely.box(400000, 100000, 410001, 110001)
    train = df[df["occurred_from"].dt.month < 4]
    shown = find_hotspots(train, "kde", cell_size=100, area=extent, occupied_only=False)
    share = shown.polygons["area_m2"].sum() / extent.area
    assert 0.009 < share <= 0.01 and shown.n_dropped >= 1
    assert s.area_share == pytest.approx(share)
    assert s.pai == pytest.approx(0.6 / share)
    # perfect foresight in that many cells catches all 10 (A and B): PEI* 0.6
    assert s.best_hits == 10 and s.pei_star == pytest.approx(0.6)
    counts = {b.model: b for b in res.baselines}["baseline: previous counts 100 m"]
    # previous counts: only A and the lower-left corner cell held an incident inside the extent
    # (the upper-right one's centre lies outside it): 2 cells, 6 hits
    assert counts.hits == 6 and counts.area_share == pytest.approx(2e4 / extent.area)
    assert counts.pai == pytest.approx(0.6 / (2e4 / extent.area))
    assert counts.pei_star == pytest.approx(0.6)
    assert res.params["folds"] == ["train 2017-01..2017-03, test 2017-04..2017-04"]
    # the default KDE marks only cells where incidents were recorded: cell A alone (1 cell),
    # 6 hits; perfect foresight in one cell catches A's 6 too: PEI* 1, PAI 0.6 / (1 cell / extent)
    occupied = evaluate_hotspots(df, "kde", cell_size=100, top_share=0.01).score
    assert occupied.hits == 6 and occupied.area_share == pytest.approx(1e4 / extent.area)
    assert occupied.pei_star == pytest.approx(1.0) and occupied.pai == pytest.approx(0.6 * extent.area / 1e4)
    assert (
        res.sentence
        == "Of next month's incidents, 6 in 10 fell inside these hotspots, which cover 1.0% of the incidents' extent."
    )


def test_previous_counts_fill_ties_and_budget_from_all_crime():
    """A rare type seen once in training: its counts baseline fills the budget from all crime."""
    burglary = _month_frame([("2017-01", 405050.0, 105050.0, 1), ("2017-04", 402050.0, 102050.0, 3)])
    other = _month_frame(
        [(m, 402050.0, 102050.0, 20) for m in ("2017-01", "2017-02", "2017-03")]
        + [("2017-01", 400000.0, 100000.0, 1), ("2017-01", 410000.0, 110000.0, 1)],
        crime="Shoplifting",
    )
    allcrime = pd.concat([burglary, other], ignore_index=True)
    res = evaluate_hotspots(burglary, "kde", cell_size=100, context=allcrime, area=_square())
    counts = {b.model: b for b in res.baselines}["baseline: previous counts 100 m"]
    assert counts.hits == 3  # the all-crime cell caught next month's burglaries


def _square():
    import shapely

    return shapely.box(400000, 100000, 410000, 110000)


def test_too_few_months_is_a_clear_reason_not_an_exception():
    df = _month_frame([("2017-01", 400000.0, 100000.0, 5), ("2017-02", 401000.0, 101000.0, 5)])
    with pytest.raises(EvaluationError, match="needs at least 4"):
        backtest(df)
    res = evaluate_hotspots(df)
    assert isinstance(res, BacktestResult) and res.score is None and "needs at least 4" in res.reason
    assert backtest_summary(df)["pai"] is None


def test_one_configuration_one_figure(police_uk_incidents, district):
    """The map's figure (backtest_summary), the CLI's table (backtest) and the typed result agree,
    and they score the cell size the hotspots themselves use."""
    from geo.hotspots import find_hotspots

    df = police_uk_incidents[police_uk_incidents["occurred_from"].dt.year == 2017]
    res = evaluate_hotspots(df, DEFAULT_METHOD, district=district, max_folds=2)
    summary = backtest_summary(df, DEFAULT_METHOD, district=district, max_folds=2)
    table = backtest(df, DEFAULT_METHOD, district=district, area_share=None, by_crime_type=False, max_folds=2)
    row = table[table["model"] == DEFAULT_METHOD].iloc[0]
    assert summary["pai"] == pytest.approx(res.score.pai, abs=0.01) == pytest.approx(row["pai"], abs=0.01)
    assert summary["pei_star"] == pytest.approx(row["pei_star"], abs=0.001)
    assert summary["baseline"] == res.best_baseline.model == row["best_baseline"]
    assert res.best_baseline.pai == max(b.pai for b in res.baselines)
    shown = find_hotspots(df, DEFAULT_METHOD, district=district)
    assert res.params["cell_size_m"][-1] == shown.params["cell_size_m"]
    assert (table["area_share"] <= 0.01 + 1e-9).all()
    assert summary["sentence"].startswith("Of next month's incidents, ") and "of the district" in summary["sentence"]


def test_max_folds_keeps_the_latest_folds_with_data(police_uk_incidents, district):
    res = evaluate_hotspots(police_uk_incidents, "kde", district=district, max_folds=2)
    # the two kept folds are the latest with training and test data (Aug and Sep 2017, not the
    # empty months before February 2022)
    assert [f.split("test ")[1] for f in res.params["folds"]] == ["2017-08..2017-08", "2017-09..2017-09"]
    assert res.score.folds == 2


def test_when_the_baseline_wins_the_result_says_so_and_names_it():
    """A KDE forced to spread over its halo loses to previous counts: the result recommends the
    counts configuration, which reproduces the baseline's figure when backtested itself."""
    df = _hand_made()
    lose = evaluate_hotspots(df, "kde", cell_size=100, top_share=0.01, occupied_only=False)
    assert lose.score.pai < lose.best_baseline.pai
    method, params = lose.recommended
    assert method == "counts" and "baseline" in lose.recommendation and "used instead" in lose.recommendation
    again = evaluate_hotspots(df, method, top_share=0.01, **params)
    assert again.score.pai == pytest.approx(lose.best_baseline.pai)
    win = evaluate_hotspots(df, "kde", cell_size=50, top_share=0.01)  # cell A alone: PAI twice the baseline
    assert win.recommended[0] == "kde" and "use it" in win.recommendation
