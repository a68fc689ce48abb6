"""Linking incidents to their nearest licensed premises: radius, ties, several premises near."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.premises import link_premises, premises_zones

TZ = "Europe/London"


def _premises(points: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"premises_id": list(points), "name": [f"Pub {k}" for k in points]},
        geometry=[Point(xy) for xy in points.values()],
        crs="EPSG:27700",
    )


def _incidents(xy: list[tuple[float, float]], stamp: str = "2007-06-15 22:30") -> pd.DataFrame:
    t = pd.Series(pd.to_datetime([stamp] * len(xy))).dt.tz_localize(TZ)
    return pd.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(len(xy))],
            "easting": [p[0] for p in xy],
            "northing": [p[1] for p in xy],
            "occurred_from": t,
            "occurred_to": t,
            "time_precision": "time",
        }
    )


def test_tie_goes_to_lowest_id_and_is_marked():
    prem = _premises({"B": (100, 0), "A": (-100, 0), "C": (0, 60)})
    inc = _incidents([(0, 0), (0, -200), (5, 60), (0, 1000)])
    res = link_premises(inc, prem, radius_m=250)
    links = res.links.set_index("incident_id")
    # (0,0): C at 60 m is nearest; (0,-200): A and B both 223.6 m away, C 260 m -> tie -> A.
    assert links.loc["i0", "premises_id"] == "C" and not links.loc["i0", "tied"]
    assert links.loc["i1", "premises_id"] == "A" and links.loc["i1", "tied"]
    assert links.loc["i0", "n_within"] == 3
    assert pd.isna(links.loc["i3", "premises_id"]) and res.n_linked == 3
    table = res.table.set_index("premises_id")
    assert table.loc["C", "incidents"] == 2 and table.loc["C", "shared"] == 2
    assert table.loc["A", "tied"] == 1 and table.loc["C", "rank"] == 1
    assert table.loc["C", "peak_night"] == "Friday" and table.loc["C", "peak_hour"] == "22:00"


def test_same_point_premises_are_deterministic_regardless_of_order():
    a = _premises({"9": (0, 0), "10": (0, 0)})
    b = _premises({"10": (0, 0), "9": (0, 0)})
    inc = _incidents([(1, 1)])
    assert link_premises(inc, a).links["premises_id"][0] == link_premises(inc, b).links["premises_id"][0] == "10"


def test_unlocated_incidents_counted():
    inc = _incidents([(0, 0), (float("nan"), float("nan"))])
    res = link_premises(inc, _premises({"A": (10, 0)}))
    assert res.n_unlocated == 1 and res.n_incidents == 1 and "without coordinates" in res.notes[0]


def test_real_premises_zone_bands(district):
    zones = premises_zones(district.premises, district)
    assert set(zones.unique()) <= {"Zone 2005", "Zone 2007 outside 2005", "Elsewhere"}
    assert (zones == "Zone 2005").sum() > 0 and len(zones) == len(district.premises)


def test_radius_is_inclusive_despite_float_rounding():
    # BNG coordinates with decimals: 448050.1 - 448000.1 is not exactly 50 in floating point.
    prem = _premises({"A": (448000.1, 129000.3), "B": (452000.7, 131000.9)})
    inc = _incidents(
        [
            (448050.1, 129000.3),  # 50.0 m east
            (448030.1, 129040.3),  # 30-40-50 triangle: 50.0 m
            (452000.7, 130950.9),  # 50.0 m south of B
            (448050.104, 129000.3),  # 50.004 m: outside
            (452000.7, 131050.904),  # 50.004 m north of B: outside
        ]
    )
    links = link_premises(inc, prem).links
    assert links["premises_id"].tolist()[:3] == ["A", "A", "B"]
    assert links["premises_id"].iloc[3:].isna().all()
    assert links["n_within"].tolist() == [1, 1, 1, 0, 0]


def test_premises_resting_on_few_incidents_are_marked():
    prem = _premises({"A": (0, 0), "B": (1000, 0)})
    inc = _incidents([(1, 0)] * 6 + [(1001, 0)] * 4)
    table = link_premises(inc, prem).table.set_index("premises_id")
    assert table["too_few"].tolist() == [False, True]
    assert table.loc["B", "reliability"] == "too few to rely on" and table.loc["A", "reliability"] == ""
    assert link_premises(inc, prem, min_count=4).table["too_few"].sum() == 0
