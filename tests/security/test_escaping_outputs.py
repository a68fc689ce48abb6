"""A hostile location text (a script, a spreadsheet formula) is inert in every output built from it."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd

from geo._plan import PlanResult
from render.hotspots import hotspots_download
from render.plan import plan_csv, tooltips

SCRIPT = '<img src=x onerror="alert(1)">'
FORMULA = '=HYPERLINK("http://evil.invalid","x")'


def _van(street: str) -> PlanResult:
    table = gpd.GeoDataFrame(
        {
            "rank": [1],
            "incidents_covered": [9],
            "radius_m": [100.0],
            "street": [street],
            "peak_hours": ["22:00-01:00"],
            "peak_days": ["Fri <b>"],
            "easting": [448000.0],
            "northing": [129500.0],
        },
        geometry=gpd.points_from_xy([448000.0], [129500.0]),
        crs="EPSG:27700",
    )
    return PlanResult(kind="van", table=table, params={})


def test_van_tooltip_escapes_the_street():
    tip = tooltips(_van(SCRIPT))[0]
    assert "<img" not in tip and "&lt;img" in tip
    assert "<b>" not in tip


def test_plan_csv_neutralises_formulas():
    text = plan_csv(_van(FORMULA))
    frame = pd.read_csv(io.StringIO(text))
    assert frame.loc[0, "street"] == "'" + FORMULA
    assert frame.loc[0, "radius_m"] == 100.0  # numbers stay numbers


def test_hotspot_csv_neutralises_formulas():
    table = gpd.GeoDataFrame(
        {
            "rank": [1],
            "count": [12],
            "share": [0.25],
            "area_ha": [1.0],
            "area_m2": [1e4],
            "street": [FORMULA],
            "top_crime_types": ["@SUM(A1)"],
            "centre_easting": [448000.0],
            "centre_northing": [129500.0],
        },
        geometry=gpd.points_from_xy([448000.0], [129500.0]).buffer(50),
        crs="EPSG:27700",
    )
    frame = pd.read_csv(io.StringIO(hotspots_download(table, "csv")))
    assert frame.loc[0, "street"] == "'" + FORMULA
    assert frame.loc[0, "top_crime_types"] == "'@SUM(A1)"
    assert frame.loc[0, "count"] == 12
