"""Target arithmetic, financial years, status and the quarterly report from the demo store."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geo.config import Targets
from geo.targets import (
    PUBLISHED_TOTAL,
    TOTAL_CATEGORIES,
    max_offences,
    parse_quarter,
    quarter_end,
    target_table,
)
from render.report import SYNTHETIC_BANNER, render_quarterly_report


def test_maxima_are_exact_floors():
    assert max_offences(412, 0.15) == 350  # 350.2
    assert max_offences(1597, 0.125) == 1397  # 1397.375
    assert max_offences(80, 0.125) == 70  # exactly 70: no float 69.999 -> 69
    assert max_offences(20, 0.15) == 17  # exactly 17


def test_config_totals_checked_and_both_shown(district):
    t = district.targets
    assert sum(t.baseline.values()) == 3557 and t.published_total == 4195
    tiny = pd.DataFrame(columns=["occurred_from", "occurred_to", "time_precision", "ho_category", "synthetic"])
    when = pd.Series(pd.to_datetime(["2004-06-01 12:00"])).dt.tz_localize("Europe/London")
    tiny = pd.DataFrame(
        {
            "occurred_from": when,
            "occurred_to": when,
            "time_precision": "time",
            "ho_category": "Criminal damage",
            "synthetic": True,
        }
    )
    rep = target_table(tiny, t)
    rows = rep.table.set_index("category")
    assert rows.loc[TOTAL_CATEGORIES, "baseline"] == 3557 and rows.loc[PUBLISHED_TOTAL, "baseline"] == 4195
    assert rows.loc[PUBLISHED_TOTAL, "max at 12.5%"] == 3670 and rows.loc[PUBLISHED_TOTAL, "max at 15%"] == 3565
    assert not rep.totals_agree and any("3,557" in n and "4,195" in n for n in rep.notes)
    assert rows.loc["Criminal damage", "2004/05"] == 1
    assert pd.isna(rows.loc["Robbery (of personal property)", "2004/05"])  # not recorded, not zero


def test_status_rule_straight_line():
    t = Targets(baseline_year=2003, target_year=2007, reductions=(0.15, 0.125), baseline={"X": 100})
    stamps = lambda n, day: pd.Series(pd.to_datetime([day] * n)).dt.tz_localize("Europe/London")  # noqa: E731

    def status(n: int) -> str:
        when = stamps(n, "2005-06-01 12:00")
        df = pd.DataFrame(
            {
                "occurred_from": when,
                "occurred_to": when,
                "time_precision": "time",
                "ho_category": "X",
                "synthetic": False,
            }
        )
        rep = target_table(df, t, as_of=date(2006, 3, 31))
        row = rep.table.set_index("category").loc["X"]
        assert row["trajectory"] == pytest.approx(100 - (100 - 87) * 2 / 4)  # 12.5% is the target
        return row["status"]

    # 2005/06 is complete but the target year is 2007/08: under the maximum is "on track to meet", not "met".
    expected = ["on track to meet", "on track", "at risk", "at risk", "off track"]
    assert [status(n) for n in (87, 93, 94, 99, 100)] == expected


def test_quarters():
    assert parse_quarter("2007/08 Q3") == parse_quarter("2007Q3") == parse_quarter("Q3 2007-08") == (2007, 3)
    assert quarter_end(2007, 3) == date(2007, 12, 31) and quarter_end(2007, 4) == date(2008, 3, 31)
    with pytest.raises(ValueError):
        parse_quarter("2007/09 Q1")


def test_demo_store_targets_and_report(demo_incidents, district):
    rep = target_table(demo_incidents, district.targets, as_of=quarter_end(2007, 3))
    assert rep.evaluated_year == "2007/08" and rep.months_elapsed == 9 and rep.synthetic
    rows = rep.table.set_index("category")
    assert rows.loc["Criminal damage", "2003/04"] > 0
    assert set(rows["status"]) <= {"on track to meet", "on track", "at risk", "off track", "not countable"}
    # data.police.uk 2017 rows only carry the four mapped categories.
    assert pd.isna(rows.loc["Woundings (serious and other)", "2017/18"])
    assert rows.loc["Criminal damage", "2017/18"] > 0
    html = render_quarterly_report(
        rep, partnership=district.partnership, district=district.name, generated=date(2008, 1, 15)
    )
    assert SYNTHETIC_BANNER in html and "2007/08 Q3" in html and "15/01/2008" in html
    assert "3,557" in html and "4,195" in html and "floor" in html
    assert "http://" not in html and "https://" not in html and "<script" not in html and "<link" not in html


def _one_category(n: int, day: str) -> pd.DataFrame:
    when = pd.Series(pd.to_datetime([day] * n)).dt.tz_localize("Europe/London")
    return pd.DataFrame(
        {"occurred_from": when, "occurred_to": when, "time_precision": "time", "ho_category": "X", "synthetic": False}
    )


def test_completed_target_year_is_met_or_missed_never_at_risk():
    t = Targets(baseline_year=2003, target_year=2007, reductions=(0.15, 0.125), baseline={"X": 100})
    # 2007/08 is the target year; the final maximum at 12.5% is 87.
    status = {
        n: target_table(_one_category(n, "2007-06-01 12:00"), t, as_of=date(2008, 3, 31))
        .table.set_index("category")
        .loc["X", "status"]
        for n in (87, 88, 99, 120)
    }
    assert status == {87: "met", 88: "missed", 99: "missed", 120: "missed"}
    # part-way through the target year the same count is still a projection
    part = target_table(_one_category(45, "2007-06-01 12:00"), t, as_of=date(2007, 9, 30))
    assert part.table.set_index("category").loc["X", "status"] == "at risk"  # 90 projected: above 87, below 100
    assert "met or missed" in part.status_rule
