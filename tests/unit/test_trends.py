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


def test_few_records_past_an_extract_end_do_not_make_a_covered_month(demo_incidents):
    rep = monthly_trends(demo_incidents, at="2008-03-01")
    # the synthetic extract ends on 31/03/2008; three windows end on the morning of 01/04/2008
    assert rep.series.loc["2008-04"].isna().all()  # missing for every type, not zero
    assert rep.series.loc["2008-03"].notna().all() and rep.series.loc["2017-02"].notna().all()
    assert any(n.startswith("3 records left out") for n in rep.notes)


def test_real_months_are_never_compared_with_synthetic_ones(demo_incidents):
    real = demo_incidents[~demo_incidents["synthetic"]]
    rep = monthly_trends(demo_incidents, at="2022-02-01")
    violence = rep.table.set_index("crime_type").loc["Violence and sexual offences"]
    # 2017 is more than 24 months before 2022-02 and the synthetic months are another kind: no baseline
    assert pd.isna(violence["baseline_mean"]) and violence["flag"] == "" and rep.groups_tested == 0
    assert any("nothing is flagged without a baseline" in n for n in rep.notes)
    assert any("synthetic periods are never spliced in" in n for n in rep.notes)
    # 2017-09 against the seven real months before it, never against 2003-2008
    rep = monthly_trends(demo_incidents, at="2017-09-01")
    v = rep.table.set_index("crime_type").loc["Violence and sexual offences"]
    months = real[(real["crime_type"] == "Violence and sexual offences")]["occurred_from"].dt.strftime("%Y-%m")
    expected = months[months < "2017-09"].value_counts().mean()
    assert v["baseline_mean"] == pytest.approx(round(expected, 2)) and "real data" in rep.method


def test_a_type_is_covered_only_where_its_source_records_it():
    # source A records burglary and robbery in 2006; source B only records burglary, in 2007
    a = pd.concat([_frame([f"2006-{m:02d}-15 12:00"] * 5) for m in range(1, 13)])
    a = pd.concat([a, _frame(["2006-03-15 12:00"] * 5, crime="Robbery")]).assign(source="a:x")
    b = pd.concat([_frame([f"2007-{m:02d}-15 12:00"] * 5) for m in range(1, 4)]).assign(source="b:y")
    rep = monthly_trends(pd.concat([a, b]), at="2007-03-01")
    assert rep.series.loc["2006-06", "Robbery"] == 0  # A covers June 2006 and records robbery: a true zero
    assert pd.isna(rep.series.loc["2007-02", "Robbery"])  # B never records robbery: missing
    assert list(rep.table["crime_type"]) == ["Burglary"] and "1 group(s) left out" in " ".join(rep.notes)


def test_flags_are_corrected_across_groups_and_small_counts_marked():
    # 20 groups at a steady 10 a month; one jumps to 30, one to 20 (p about 0.007 alone)
    frames = []
    for g in range(20):
        counts = [10] * 12 + [30 if g == 0 else 20 if g == 1 else 10]
        frames.append(_monthly(counts).assign(crime_type=f"T{g:02d}"))
    frames.append(_monthly([1] * 12 + [4]).assign(crime_type="Rare"))
    rep = monthly_trends(pd.concat(frames))
    flagged = rep.flagged.set_index("crime_type")
    assert list(flagged.index) == ["T00"] and flagged.loc["T00", "flag"] == "high"
    row = rep.table.set_index("crime_type").loc["T01"]
    # outside the uncorrected 99% range (the old rule flagged it), but not after correcting for 21 tests
    assert row["count"] > row["expected_high"] and row["p_value"] < 0.01
    assert row["q_value"] > 0.01 and row["flag"] == ""
    assert rep.groups_tested == 21 and "21 group(s) tested" in rep.method and "Benjamini-Hochberg" in rep.method
    rare = rep.table.set_index("crime_type").loc["Rare"]
    assert bool(rare["too_few"]) and rare["reliability"] == "too few to rely on"


def _nights(stamps_counts):
    stamps = [s for s, n in stamps_counts for _ in range(n)]
    df = _frame(stamps, crime="Violence and sexual offences")
    return df.assign(in_zone_2005=True, in_zone_2007=True)


def test_same_period_last_year_aligns_weekdays(district):
    from geo.trends import compare_year_on_year, same_period_last_year

    assert same_period_last_year(date(2025, 4, 4), date(2025, 4, 5))[:2] == (date(2024, 4, 5), date(2024, 4, 6))
    assert same_period_last_year(date(2017, 6, 1), date(2017, 6, 30))[:2] == (date(2016, 6, 1), date(2016, 6, 30))
    assert same_period_last_year(date(2016, 2, 1), date(2016, 2, 29))[:2] == (date(2015, 2, 1), date(2015, 2, 28))
    df = _nights(
        [
            ("2025-04-04 22:30", 6),  # Fri
            ("2025-04-05 22:30", 6),  # Sat
            ("2024-04-04 22:30", 8),  # Thu: the calendar date a year back, but not a weekend night
            ("2024-04-05 22:30", 5),  # Fri
            ("2024-04-06 22:30", 5),  # Sat
        ]
    )
    yoy = compare_year_on_year(
        df,
        district,
        crime_types=("Violence and sexual offences",),
        window=(20, 4),
        date_from=date(2025, 4, 4),
        date_to=date(2025, 4, 5),
    )
    assert yoy.current == (date(2025, 4, 4), date(2025, 4, 5)) and yoy.previous == (date(2024, 4, 5), date(2024, 4, 6))
    total = yoy.comparison.table.set_index("band").loc["Total"]
    assert (total["current"], total["previous"]) == (12, 10)
    assert "weekdays match" in yoy.alignment
    assert yoy.comparison.notes[0] == (
        "compared: Fri 04/04/2025 to Sat 05/04/2025 with Fri 05/04/2024 to Sat 06/04/2024 "
        "(52 weeks earlier, so the weekdays match)"
    )


def test_comparison_rows_on_few_incidents_are_marked_and_groups_corrected():
    stamps = [("2007-06-16 02:00", 3), ("2006-06-16 02:00", 1)]
    df = pd.concat([_frame([s] * n) for s, n in stamps]).assign(band="Zone 2005")
    big = pd.concat([_frame(["2007-06-16 02:00"] * 30), _frame(["2006-06-16 02:00"] * 15)]).assign(band="Elsewhere")
    cmp = compare_periods(
        pd.concat([df, big]), (date(2007, 6, 1), date(2007, 6, 30)), (date(2006, 6, 1), date(2006, 6, 30)), by="band"
    )
    t = cmp.table.set_index("band")
    assert bool(t.loc["Zone 2005", "too_few"]) and t.loc["Zone 2005", "reliability"] == "too few to rely on"
    assert not t.loc["Elsewhere", "too_few"] and not t.loc["Total", "too_few"]
    assert t.loc["Elsewhere", "q_value"] >= t.loc["Elsewhere", "p_value"]
    assert t.loc["Total", "q_value"] == t.loc["Total", "p_value"]
    assert "2 groups tested" in cmp.method


def test_year_on_year_explains_nights_and_untimed_midnights(district):
    from geo.trends import compare_year_on_year

    df = _nights(
        [
            ("2025-04-04 22:30", 4),  # Fri evening
            ("2025-04-04 01:00", 2),  # Thursday night (01:00 Friday): in the dates, not in the nights
            ("2025-04-06 01:00", 3),  # Saturday night (01:00 Sunday): in the nights, not in the dates
            ("2025-04-05 00:00", 1),  # stamped exactly 00:00, no window: time unknown
        ]
    )
    yoy = compare_year_on_year(
        df,
        district,
        crime_types=("Violence and sexual offences",),
        window=(20, 4),
        date_from=date(2025, 4, 4),
        date_to=date(2025, 4, 5),
    )
    assert yoy.comparison.table.set_index("band").loc["Total", "current"] == 7  # 4 + 3 by night
    notes = " | ".join(yoy.comparison.notes)
    assert "1 record(s) stamped exactly 00:00 with no window left out" in notes
    assert "7 incidents in the current period by night, 6 by calendar date" in notes
