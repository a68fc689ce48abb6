"""Monthly/weekly trends with expected ranges, and the two-period Poisson comparison."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geo.trends import compare_periods, monthly_trends, period_trends, poisson_change_test

TZ = "Europe/London"


def _frame(stamps, crime="Burglary", precision="time"):
    t = pd.Series(pd.to_datetime(stamps)).dt.tz_localize(TZ)
    return pd.DataFrame({"occurred_from": t, "occurred_to": t, "time_precision": precision, "crime_type": crime})


def _monthly(counts: list[int]) -> pd.DataFrame:
    stamps = [
        f"2006-{m + 1:02d}-10 12:00" if m < 12 else f"2007-{m - 11:02d}-10 12:00"
        for m, n in enumerate(counts)
        for _ in range(n)
    ]
    return _frame(stamps)


def test_monthly_flag_high_and_last_year():
    rep = monthly_trends(_monthly([10] * 12 + [30]))
    row = rep.table.iloc[0]
    assert (row["period"], row["count"], row["last_year"], row["baseline_mean"]) == ("2007-01", 30, 10, 10)
    assert row["flag"] == "high" and len(rep.flagged) == 1
    assert monthly_trends(_monthly([10] * 12 + [11])).table.iloc[0]["flag"] == ""


def test_gap_without_data_is_missing_not_zero():
    df = pd.concat([_monthly([5] * 12), _frame(["2010-06-10 12:00"] * 5)])
    rep = monthly_trends(df)
    assert pd.isna(rep.series.loc["2008-06"].iloc[0])
    assert rep.table.iloc[0]["flag"] == ""  # baseline = the 12 earlier months with data


def test_weekend_uses_night_of_and_drops_month_records():
    # 02:00 Saturday is Friday night; Sunday 12:00 is not a weekend night (Fri/Sat nights only).
    df = pd.concat([_frame(["2007-06-16 02:00", "2007-06-17 12:00"]), _frame(["2007-06-01"], precision="month")])
    rep = period_trends(df, freq="weekend", by=())
    assert rep.period == "weekend of 15/06/2007" and rep.table.iloc[0]["count"] == 1
    assert any("month-only" in n for n in rep.notes)


def test_poisson_change_test():
    assert poisson_change_test(0, 0) == 1.0
    assert poisson_change_test(100, 100) == pytest.approx(1.0)
    assert poisson_change_test(150, 100) < 0.01
    assert poisson_change_test(100, 50, ratio=2.0) == pytest.approx(1.0)


def test_compare_periods_by_group_with_total():
    df = pd.concat([_frame(["2007-06-16 02:00"] * 60), _frame(["2006-06-16 02:00"] * 30)])
    df["band"] = "Zone 2005"
    cmp = compare_periods(df, (date(2007, 6, 1), date(2007, 6, 30)), (date(2006, 6, 1), date(2006, 6, 30)), by="band")
    total = cmp.table.set_index("band").loc["Total"]
    assert (total["current"], total["previous"], total["change"]) == (60, 30, 30)
    assert bool(total["beyond_chance"]) and "binomial" in cmp.method
