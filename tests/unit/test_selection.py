"""Selections: dates, precision rules, night-of days and hour windows across midnight."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.params import selection_from_mapping, selection_to_mapping
from geo.selection import Selection, SelectionError, filter_frame


def _frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """rows of (id, from, to, precision) in local wall time."""
    df = pd.DataFrame(rows, columns=["incident_id", "occurred_from", "occurred_to", "time_precision"])
    for c in ("occurred_from", "occurred_to"):
        df[c] = pd.to_datetime(df[c], format="ISO8601").dt.tz_localize("Europe/London")
    df["crime_type"] = "Violence and sexual offences"
    df["ho_category"] = pd.NA
    df["sector"] = "Winchester Town"
    df["source"] = "test"
    df["in_zone_2005"] = True
    return df


NIGHT = _frame(
    [
        ("fri-2330", "2007-06-01 23:30", "2007-06-01 23:30", "time"),  # Friday night
        ("sat-0200", "2007-06-02 02:00", "2007-06-02 02:00", "time"),  # Saturday 02:00 = Friday night
        ("sat-0700", "2007-06-02 07:00", "2007-06-02 07:00", "time"),  # Saturday morning
        ("sat-2100", "2007-06-02 21:00", "2007-06-02 21:00", "time"),  # Saturday night
        ("sun-0330", "2007-06-03 03:30", "2007-06-03 03:30", "time"),  # Saturday night
        ("sun-0430", "2007-06-03 04:30", "2007-06-03 04:30", "time"),  # outside 20-04
        ("month", "2007-06-01 00:00", "2007-06-30 23:59:59", "month"),
        ("day", "2007-06-02 00:00", "2007-06-02 23:59:59", "day"),
        # Overnight window 22:00-06:00 Friday to Saturday: midpoint 02:00 Saturday -> Friday night.
        ("window", "2007-06-01 22:00", "2007-06-02 06:00", "time"),
    ]
)


def ids(res) -> set[str]:
    return set(res.incidents["incident_id"])


def test_friday_night_across_midnight_attributes_small_hours_to_friday():
    res = filter_frame(NIGHT, Selection(days=(4,), hours=(20, 4)))
    assert ids(res) == {"fri-2330", "sat-0200", "window"}
    assert res.excluded_imprecise == 2  # the month and the date-only record
    assert any("month or date only" in n for n in res.notes)


def test_friday_and_saturday_nights():
    res = filter_frame(NIGHT, Selection(days=(4, 5), hours=(20, 4)))
    assert ids(res) == {"fri-2330", "sat-0200", "window", "sat-2100", "sun-0330"}


def test_calendar_days_when_night_convention_off():
    res = filter_frame(NIGHT, Selection(days=(5,), night_cutoff=None))
    assert ids(res) == {"sat-0200", "sat-0700", "sat-2100", "window", "day"}
    assert res.excluded_imprecise == 1  # a date-only record has a day, not an hour


def test_month_records_need_their_whole_month_in_range():
    whole = filter_frame(
        NIGHT, Selection(date_from=pd.Timestamp("2007-06-01").date(), date_to=pd.Timestamp("2007-06-30").date())
    )
    assert "month" in ids(whole)
    part = filter_frame(
        NIGHT, Selection(date_from=pd.Timestamp("2007-06-02").date(), date_to=pd.Timestamp("2007-06-03").date())
    )
    assert "month" not in ids(part) and part.excluded_partial_month == 1
    assert {"sat-0200", "sun-0330", "window"} <= ids(part)  # the window's midpoint is on 02/06


def test_bad_parameters_are_named():
    with pytest.raises(SelectionError, match="date range reversed"):
        selection_from_mapping({"from": "02/06/2007", "to": "01/06/2007"})
    with pytest.raises(SelectionError, match="unknown crime type"):
        selection_from_mapping({"crime": "Fraud"})
    with pytest.raises(SelectionError, match="hours '25-xx'"):
        selection_from_mapping({"hours": "25-xx"})
    with pytest.raises(SelectionError, match="day 'funday'"):
        selection_from_mapping({"days": "fri,funday"})
    with pytest.raises(SelectionError, match="dd/mm/yyyy"):
        selection_from_mapping({"from": "2007/06/01"})


def test_parameters_round_trip_through_url_mapping():
    params = {
        "from": "01/04/2007",
        "to": "2008-03-31",
        "crime": ["Burglary", "Robbery"],
        "sector": "Winchester Town",
        "zone": "out:2005",
        "days": "fri,sat",
        "hours": "20-04",
        "night_cutoff": "off",
    }
    sel = selection_from_mapping(params)
    assert sel.zone == "2005" and sel.zone_inside is False and sel.days == (4, 5) and sel.hours == (20, 4)
    assert sel.night_cutoff is None and sel.crosses_midnight
    assert selection_from_mapping(selection_to_mapping(sel)) == sel
    assert "Fri/Sat" in sel.describe() and "20:00-04:00" in sel.describe() and "01/04/2007" in sel.describe()


def test_store_pushdown_agrees_with_pure_filter(police_uk_store, police_uk_incidents):
    sel = selection_from_mapping(
        {"from": "01/03/2017", "to": "30/06/2017", "crime": "Violence and sexual offences", "zone": "2007"}
    )
    via_store = police_uk_store.query(sel)
    via_frame = filter_frame(police_uk_incidents, sel)
    assert len(via_store) == len(via_frame) > 100
    assert set(via_store.incidents["incident_id"]) == set(via_frame.incidents["incident_id"])
    assert via_store.incidents["in_zone_2007"].all()
