"""The SYNTHETIC force-style demo extract: determinism, the committed file, totals, trends and rhythms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo import demo
from geo.config import load_district

COLUMNS = ["URN", "HO_CODE", "DATE_FROM", "TIME_FROM", "DATE_TO", "TIME_TO", "EASTING", "NORTHING", "STREET"]

#: Nominal yearly trend per Home Office category code, as the strategy describes it.
TRENDS = {
    "VIO-WND": 1.04,
    "CDA-DMG": 1.02,
    "BUR-DOM": 0.92,
    "VEH-TOV": 0.93,
    "VEH-TFV": 0.93,
    "CYC-THF": 1.00,
    "THF-PER": 0.985,
    "ROB-PER": 1.00,
}


@pytest.fixture(scope="module")
def district():
    return load_district()


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return demo.generate_force_extract()


@pytest.fixture(scope="module")
def times(extract):
    fmt = "%d/%m/%Y %H:%M"
    t_from = pd.to_datetime(extract["DATE_FROM"] + " " + extract["TIME_FROM"], format=fmt)
    has_to = extract["DATE_TO"] != ""
    t_to = pd.to_datetime((extract["DATE_TO"] + " " + extract["TIME_TO"]).where(has_to), format=fmt)
    mid = t_from + (t_to - t_from).fillna(pd.Timedelta(0)) / 2
    return t_from, t_to, mid


def _fy(t: pd.Series) -> np.ndarray:
    return np.where(t.dt.month >= 4, t.dt.year, t.dt.year - 1)


def test_columns_and_labels(extract):
    assert list(extract.columns) == COLUMNS
    assert extract["URN"].is_unique
    assert extract["URN"].str.startswith("SYN-").all()
    assert extract.attrs["synthetic"] is True
    assert 8000 * 5 <= len(extract) <= 10500 * 5


def test_same_seed_same_output_other_seed_differs(extract):
    pd.testing.assert_frame_equal(demo.generate_force_extract(seed=2005), extract)
    # Years are drawn in order, so the first financial year alone is a prefix of the full run.
    first = demo.generate_force_extract(seed=2005, end="2004-03-31")
    expected = extract[pd.to_datetime(extract["DATE_FROM"], format="%d/%m/%Y") <= "2004-03-31"]
    pd.testing.assert_frame_equal(first, expected.reset_index(drop=True))
    other = demo.generate_force_extract(seed=7, end="2004-03-31")
    assert not other.equals(first)


def test_committed_csv_has_the_generated_data_s_properties(district, extract):
    """The bundled file is what the generator makes: same rows, same counts per year and code, in range."""
    committed_path = demo.default_path(district)
    assert committed_path.stat().st_size < 6_000_000
    committed = pd.read_csv(committed_path, dtype=str, keep_default_na=False)
    assert list(committed.columns) == COLUMNS
    assert len(committed) == len(extract) and committed["URN"].is_unique
    assert committed["URN"].str.startswith("SYN-").all()
    when = pd.to_datetime(committed["DATE_FROM"], format="%d/%m/%Y")
    assert when.min() >= pd.Timestamp("2003-04-01") and when.max() <= pd.Timestamp("2008-03-31")
    by_year_code = committed.groupby([_fy(when), committed["HO_CODE"]]).size()
    fresh_when = pd.to_datetime(extract["DATE_FROM"], format="%d/%m/%Y")
    pd.testing.assert_series_equal(by_year_code, extract.groupby([_fy(fresh_when), extract["HO_CODE"]]).size())
    # The same incidents at the same places: every URN's code and grid reference match the generator's.
    merged = committed.merge(extract, on="URN", suffixes=("", "_fresh"))
    assert len(merged) == len(extract)
    for col in ("HO_CODE", "EASTING", "NORTHING", "DATE_FROM", "TIME_FROM"):
        assert (merged[col] == merged[f"{col}_fresh"].astype(str)).all(), col


def test_codes_exist_in_crime_codes(district, extract):
    assert set(extract["HO_CODE"]) <= set(district.crime_codes["code"])


def test_yearly_totals_follow_baseline_and_trend(district, extract, times):
    fy = _fy(times[0])
    counts = extract.groupby([extract["HO_CODE"], fy]).size()
    codes = district.crime_codes.set_index("code")
    for code, trend in TRENDS.items():
        base = district.targets.baseline[codes.at[code, "ho_category"]]
        for year in range(2003, 2008):
            expected = base * trend ** (year - 2003)
            assert counts[(code, year)] == pytest.approx(expected, rel=0.15), (code, year)
    # The baseline year reproduces the published table (give or take a night crossing 31 March).
    for code in TRENDS:
        assert abs(counts[(code, 2003)] - district.targets.baseline[codes.at[code, "ho_category"]]) <= 2


def test_trends_point_the_right_way(district, extract, times):
    fy = _fy(times[0])
    zone = district.zone_layer("2005").geometry.iloc[0]
    in_zone = shapely.contains_xy(zone, extract["EASTING"], extract["NORTHING"])
    by = extract.assign(fy=fy, in_zone=in_zone)
    centre = by[by["in_zone"]].groupby(["HO_CODE", "fy"]).size()
    for code in ("VIO-WND", "CDA-DMG"):
        assert centre[(code, 2007)] > 1.15 * centre[(code, 2003)], code
    total = by.groupby(["HO_CODE", "fy"]).size()
    for code in ("BUR-DOM", "VEH-TOV", "VEH-TFV"):
        assert total[(code, 2007)] < 0.85 * total[(code, 2003)], code
    per_year = pd.Series(fy).value_counts()
    assert per_year.between(8000, 10500).all()


def test_zone_violence_peaks_late_on_friday_and_saturday_nights(district, extract, times):
    zone = district.zone_layer("2005").geometry.iloc[0]
    violent = extract["HO_CODE"].isin(["VIO-WND", "VIO-CMA"]).to_numpy()
    in_zone = shapely.contains_xy(zone, extract["EASTING"], extract["NORTHING"])
    t = times[0]
    night = (t - pd.Timedelta(hours=6)).dt.day_of_week  # 02:00 Saturday is Friday night
    late = t.dt.hour.isin([23, 0, 1]).to_numpy()
    weekend = night.isin([4, 5]).to_numpy()
    share_zone = (late & weekend)[violent & in_zone].mean()
    share_else = (late & weekend)[violent & ~in_zone].mean()
    assert share_zone > 3 * (2 / 7) * (3 / 24)  # several times what a flat week would give
    assert share_zone > 2 * share_else
    counts = pd.crosstab(night[violent & in_zone], t.dt.hour[violent & in_zone])
    peak_day, peak_hour = np.unravel_index(counts.to_numpy().argmax(), counts.shape)
    assert counts.index[peak_day] in (4, 5)
    assert counts.columns[peak_hour] in (23, 0, 1)


def test_burglary_by_day_outside_centre(district, extract, times):
    hour = times[2].dt.hour
    burglary = (extract["HO_CODE"] == "BUR-DOM").to_numpy()
    day = hour.between(9, 16).to_numpy()[burglary].mean()
    night = ((hour >= 22) | (hour < 6)).to_numpy()[burglary].mean()
    assert day > 3 * night
    zone = district.zone_layer("2005").geometry.iloc[0]
    assert not shapely.contains_xy(zone, extract["EASTING"], extract["NORTHING"])[burglary].any()


def test_cycle_theft_near_station_and_university(extract):
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    near = np.zeros(len(extract), dtype=bool)
    for lon, lat in (demo.STATION_LONLAT, demo.UNIVERSITY_LONLAT):
        x, y = tr.transform(lon, lat)
        near |= np.hypot(extract["EASTING"] - x, extract["NORTHING"] - y).to_numpy() < 500
    cycle = (extract["HO_CODE"] == "CYC-THF").to_numpy()
    assert near[cycle].mean() > 2 * near.mean()


def test_windows_never_end_before_they_start(extract, times):
    t_from, t_to, _ = times
    has_to = extract["DATE_TO"] != ""
    assert ((extract["TIME_TO"] != "") == has_to).all()
    assert (t_to[has_to] > t_from[has_to]).all()
    # Overnight windows exist for vehicle crime and criminal damage.
    overnight = has_to & (t_to.dt.date != t_from.dt.date)
    assert overnight[extract["HO_CODE"].isin(["VEH-TFV", "CDA-DMG"])].mean() > 0.3


def test_no_nonexistent_local_times(times):
    for t in times[:2]:
        t = t.dropna()
        local = pd.DatetimeIndex(t).tz_localize("Europe/London", ambiguous=np.ones(len(t), bool), nonexistent="NaT")
        assert not local.isna().any()


def test_points_inside_district(district, extract):
    area = district.boundary.union_all().buffer(district.outside_tolerance_m)
    assert shapely.contains_xy(area, extract["EASTING"], extract["NORTHING"]).all()
    assert extract["STREET"].str.startswith("On or near ").mean() > 0.95


def test_bad_arguments():
    with pytest.raises(ValueError):
        demo.generate_force_extract(start="2008-01-01", end="2007-01-01")
    with pytest.raises(ValueError):
        demo.generate_force_extract(jitter_m=-1)
    with pytest.raises(TypeError):
        demo.generate_force_extract(seed="2005")
