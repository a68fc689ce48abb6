"""The ``auto`` method: chosen per selection on its own past, the baseline when nothing beats it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.hotspots import DEFAULT_METHOD, find_hotspots
from geo.hotspots.auto import CANDIDATES
from geo.selection import reference_time
from tests.unit.test_hotspots import frame

AREA = shapely.box(440000, 120000, 450000, 130000)  # 100 km2


def _months(df: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    m = reference_time(df).dt.tz_localize(None).dt.to_period("M")
    return df[((m >= first) & (m <= last)).to_numpy()].reset_index(drop=True)


def _monthly(points_per_month) -> pd.DataFrame:
    """A frame with one block of points per month (February onwards)."""
    parts = []
    for i, (x, y) in enumerate(points_per_month):
        parts.append(frame(x, y, start=f"2017-{i + 2:02d}-15 12:00"))
    return pd.concat(parts, ignore_index=True)


def test_auto_is_the_default():
    assert DEFAULT_METHOD == "auto"


def test_fixed_snap_points_make_auto_draw_the_baseline_and_say_so():
    # every month the incidents fall on the same 40 points (as data.police.uk snaps them)
    rng = np.random.default_rng(1)
    px, py = rng.uniform(441000, 449000, 40), rng.uniform(121000, 129000, 40)
    months = []
    for _ in range(4):
        pick = rng.integers(0, 40, 200)
        months.append((px[pick], py[pick]))
    df = _monthly(months)
    res = find_hotspots(df, "auto", area=AREA, top_share=0.01)
    assert res.method == "auto"
    assert res.params["chosen"] == CANDIDATES[0][0]
    assert res.warnings[0].startswith("Auto chose the previous-counts baseline")
    # exactly the baseline's cells: every 50 m cell holding one of the snap points
    base = find_hotspots(df, "counts", area=AREA, top_share=0.01, cell_size=50, min_count=1)
    assert res.polygons["area_m2"].sum() == pytest.approx(base.polygons["area_m2"].sum())
    assert len(res.params["choice"]) == len(CANDIDATES)


def test_spread_out_clusters_make_auto_choose_a_kernel_density():
    # three sparse clusters (200 m standard deviation, 40 incidents a month) whose incidents land
    # on new places every month: last month's cells miss most of next month's, a smooth surface not
    rng = np.random.default_rng(2)
    centres = np.array([[443000, 123000], [446000, 127000], [448000, 122000]])
    months = []
    for _ in range(4):
        c = centres[rng.integers(0, 3, 40)]
        months.append((c[:, 0] + rng.normal(0, 200, 40), c[:, 1] + rng.normal(0, 200, 40)))
    res = find_hotspots(_monthly(months), "auto", area=AREA, top_share=0.01)
    assert res.params["chosen_method"] == "kde"
    assert res.warnings[0].startswith("Auto chose kernel density")
    assert "the PAI of the previous-counts baseline given the same area" in res.warnings[0]
    won = next(c for c in res.params["choice"] if c["candidate"] == res.params["chosen"])
    assert won["pai_ratio_to_baseline"] >= 1.2 and won["months_won"] == 2


def test_one_month_is_too_little_history_and_the_baseline_is_used():
    rng = np.random.default_rng(3)
    df = frame(rng.uniform(441000, 449000, 100), rng.uniform(121000, 129000, 100))
    res = find_hotspots(df, "auto", area=AREA)
    assert res.params["chosen"] == CANDIDATES[0][0]
    assert "too little history" in res.warnings[0]
    assert res.params["choice"] == []


def test_the_choice_sees_only_the_incidents_it_is_given(police_uk_incidents, district):
    # nested: a training window's choice is the same whatever comes after it
    df = police_uk_incidents[police_uk_incidents["occurred_from"].dt.year == 2017]
    train = _months(df, "2017-02", "2017-04")
    later = _months(df, "2017-02", "2017-05")
    a = find_hotspots(train, "auto", district=district)
    b = find_hotspots(later[reference_time(later).dt.month < 5], "auto", district=district)
    assert a.params["choice"] == b.params["choice"]
    assert a.params["chosen"] == b.params["chosen"]


def test_auto_fills_a_rare_crime_type_from_all_crime(police_uk_incidents, district):
    df = _months(police_uk_incidents[police_uk_incidents["occurred_from"].dt.year == 2017], "2017-02", "2017-04")
    burglary = df[df["crime_type"] == "Burglary"]
    own = find_hotspots(burglary, "auto", district=district)
    filled = find_hotspots(burglary, "auto", district=district, context=df)
    assert filled.params["chosen_method"] == "counts"
    assert filled.params["filled_from_all_crime"] is True
    # the cells where other crime was recorded are part of the forecast, and drawn
    assert filled.polygons["area_m2"].sum() > own.polygons["area_m2"].sum()
    assert (filled.polygons["count"] == 0).any()


def test_auto_takes_no_method_parameters():
    from geo.hotspots import HotspotError

    with pytest.raises(HotspotError, match="chooses its own parameters"):
        find_hotspots(frame([1.0, 2.0], [1.0, 2.0]), "auto", cell_size=50)


def test_the_held_out_months_are_local_calendar_months():
    # 00:30 on 1 April is British Summer Time: 31 March in UTC, April on the clock
    rng = np.random.default_rng(4)
    x, y = rng.uniform(441000, 449000, 60), rng.uniform(121000, 129000, 60)
    df = pd.concat(
        [
            frame(x, y, start="2017-02-15 12:00"),
            frame(x, y, start="2017-03-15 12:00"),
            frame(x, y, start="2017-04-01 00:30"),
        ],
        ignore_index=True,
    )
    res = find_hotspots(df, "auto", area=AREA, min_count=1)
    assert "incidents of 2017-03 and 2017-04" in res.warnings[0]
    assert {c["candidate"]: c["incidents"] for c in res.params["choice"]}[CANDIDATES[0][0]] == 120
