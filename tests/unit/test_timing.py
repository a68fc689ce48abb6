"""Local time, night-of attribution, hour x weekday counts and aoristic weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.selection import night_of
from geo.timing import hour_weekday, in_hour_window, nte_by_zone, zone_bands

TZ = "Europe/London"


def _utc(*stamps: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps), utc=True)).dt.tz_convert(TZ)


def _local(*stamps: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(stamps))).dt.tz_localize(TZ)


def _frame(start: pd.Series, end: pd.Series | None = None, precision: str = "time", **cols) -> pd.DataFrame:
    end = start if end is None else end
    return pd.DataFrame({"occurred_from": start, "occurred_to": end, "time_precision": precision, **cols})


def test_spring_forward_0130_gmt_is_hour_1_and_0130_utc_is_hour_2():
    # 25/03/2007: clocks go forward at 01:00 UTC; 00:30 UTC is 00:30 GMT, 01:30 UTC is 02:30 BST.
    df = _frame(_utc("2007-03-25 00:30", "2007-03-25 01:30"))
    m = hour_weekday(df, night_cutoff=None).matrix
    assert m.loc["Sunday", 0] == 1 and m.loc["Sunday", 2] == 1 and m.loc["Sunday", 1] == 0


def test_autumn_0130_happens_twice_both_in_hour_1_of_saturday_night():
    # 28/10/2007: 00:30 UTC = 01:30 BST, 01:30 UTC = 01:30 GMT: both clock hour 1, Saturday night.
    df = _frame(_utc("2007-10-28 00:30", "2007-10-28 01:30"))
    hw = hour_weekday(df)
    assert hw.matrix.loc["Saturday", 1] == 2 and hw.matrix.to_numpy().sum() == 2


def test_night_of_on_clocks_back_morning_uses_wall_clock():
    # 05:30 GMT on 28/10/2007 is before the 06:00 cut-off, so it is still Saturday night.
    t = _utc("2007-10-28 05:30", "2007-10-28 06:30")
    assert [d.day for d in night_of(t, 6)] == [27, 28]


def test_cross_midnight_attribution_and_switch_off():
    df = _frame(_utc("2007-06-16 01:00"))  # 02:00 BST Saturday
    assert hour_weekday(df).matrix.loc["Friday", 2] == 1
    assert hour_weekday(df, night_cutoff=None).matrix.loc["Saturday", 2] == 1
    assert "previous evening" in hour_weekday(df).convention
    assert "calendar days" in hour_weekday(df, night_cutoff=None).convention


def test_aoristic_each_incident_sums_to_one_even_across_clock_changes():
    rng = np.random.default_rng(3)
    start = pd.Series(pd.to_datetime(rng.integers(1.17e9, 1.2e9, 2000), unit="s", utc=True)).dt.tz_convert(TZ)
    end = start + pd.to_timedelta(rng.integers(0, 3600 * 400, 2000), unit="s")
    clocks = _utc("2007-03-25 00:30", "2007-10-27 23:30")
    df = _frame(
        pd.concat([start, clocks], ignore_index=True),
        pd.concat([end, clocks + pd.Timedelta(hours=4)], ignore_index=True),
    )
    for cutoff in (6, None):
        assert hour_weekday(df, aoristic=True, night_cutoff=cutoff).matrix.to_numpy().sum() == pytest.approx(2002)


def test_aoristic_spreads_evenly_over_touched_hours():
    df = _frame(_utc("2007-06-15 20:40"), _utc("2007-06-15 22:10"))  # 21:40-23:10 BST Friday
    m = hour_weekday(df, aoristic=True).matrix
    assert [m.loc["Friday", h] for h in (21, 22, 23)] == pytest.approx([1 / 3] * 3)
    # Across the spring change 00:30 GMT - 03:30 BST is 2 real hours touching clock hours 0, 2, 3.
    df = _frame(_utc("2007-03-25 00:30"), _utc("2007-03-25 02:30"))
    m = hour_weekday(df, aoristic=True).matrix
    assert [m.loc["Saturday", h] for h in (0, 1, 2, 3)] == pytest.approx([1 / 3, 0, 1 / 3, 1 / 3])


def test_month_day_and_untimed_midnight_are_counted_not_piled_at_midnight():
    t = _local("2007-06-15 23:00", "2007-06-16 00:00", "2007-06-01 00:00", "2007-06-16 13:00")
    df = _frame(t, precision="time")
    df.loc[1, "occurred_to"] = df.loc[1, "occurred_from"]
    df.loc[2, "time_precision"] = "month"
    df.loc[3, "time_precision"] = "day"
    hw = hour_weekday(df)
    assert (hw.midnight_flagged, hw.excluded_month, hw.excluded_day, hw.used) == (1, 1, 1, 1)
    assert hw.matrix.loc["Friday", 23] == 1 and hw.matrix[0].sum() == 0
    assert hw.midnight_by_day["Friday"] == 1  # 00:00 Saturday is Friday night
    assert hour_weekday(df, midnight="include").matrix.loc["Friday", 0] == 1


def test_naive_times_rejected():
    df = _frame(pd.Series(pd.to_datetime(["2007-06-15 23:00"])))
    with pytest.raises(ValueError, match="timezone-aware"):
        hour_weekday(df)


def test_nte_bands_are_exclusive_and_add_up(district):
    t = _local("2007-06-15 22:00", "2007-06-15 23:00", "2007-06-16 01:00", "2007-06-15 12:00")
    df = _frame(
        t,
        crime_type="Violence and sexual offences",
        in_zone_2005=[True, False, False, True],
        in_zone_2007=[True, True, False, True],
    )
    band, labels, rule = zone_bands(df, district)
    assert list(band) == ["Zone 2005", "Zone 2007 outside 2005", "Elsewhere", "Zone 2005"]
    view = nte_by_zone(df, district)
    assert view.by_night.loc["Friday"].tolist() == [1, 1, 1, 3]  # 12:00 is outside 18-06
    assert list(view.by_hour.index) == [18, 19, 20, 21, 22, 23, 0, 1, 2, 3, 4, 5]
    assert in_hour_window(df).tolist() == [True, True, True, False]
    assert "innermost first" in rule and labels[-1] == "Elsewhere"


FORCE_MAPPING = {
    "id": "Ref",
    "crime_code": "Offence",
    "datetime": "When",
    "datetime_to": "Until",
    "easting": "X",
    "northing": "Y",
    "location": "Street",
}


def _ingest_force(tmp_path, district, rows: str):
    from geo.store import Store

    tmp_path.mkdir(exist_ok=True)
    csv = tmp_path / "extract.csv"
    csv.write_text("Ref,Offence,When,Until,X,Y,Street\n" + rows, encoding="utf-8")
    store = Store.open(tmp_path / "s.duckdb", district=district, read_only=False)
    return store, store.ingest([csv], fmt="force_csv", mapping=FORCE_MAPPING)


def test_window_across_the_autumn_clock_change_is_accepted(tmp_path, district):
    # 28/10/2007: 01:50 BST, the clocks go back at 02:00 BST, then 01:10 GMT: a real 20-minute window.
    store, report = _ingest_force(tmp_path, district, "B1,VIO-WND,28/10/2007 01:50,28/10/2007 01:10,448310,129410,X\n")
    assert report.stored == 1 and report.rejected == 0
    row = store.all().iloc[0]
    assert str(row["occurred_from"]) == "2007-10-28 01:50:00+01:00"
    assert str(row["occurred_to"]) == "2007-10-28 01:10:00+00:00"
    assert row["occurred_to"] - row["occurred_from"] == pd.Timedelta(minutes=20)
    # a window that really ends before it starts is still rejected
    _, bad = _ingest_force(tmp_path / "b", district, "B2,VIO-WND,24/03/2007 22:30,24/03/2007 21:00,448310,129410,X\n")
    assert bad.rejected == 1


def test_spring_gap_note_counts_each_record_once(tmp_path, district):
    rows = (
        "C1,VIO-WND,25/03/2007 01:30,,448310,129410,X\n"  # start and (copied) end both in the gap: one record
        "C2,VIO-WND,25/03/2007 01:10,25/03/2007 01:40,448310,129410,X\n"  # both ends in the gap: one record
        "C3,VIO-WND,24/03/2007 23:30,25/03/2007 01:20,448310,129410,X\n"  # only the end: one record
        "C4,VIO-WND,24/03/2007 22:30,,448310,129410,X\n"  # not in the gap
    )
    _, report = _ingest_force(tmp_path, district, rows)
    notes = [n for n in report.notes if "clocks go forward" in n]
    assert len(notes) == 1 and ": 3 record(s)" in notes[0]
