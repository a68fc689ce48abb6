"""``render.geojson.collection`` writes what geopandas writes, for the column kinds the layers carry."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from render.geojson import collection, hotspot_labels_geojson


def _reference(frame: gpd.GeoDataFrame) -> dict:
    return json.loads(frame.to_json(drop_id=True))


def test_collection_matches_geopandas_on_mixed_columns_and_shapes():
    shell = [(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)]
    hole = [(2, 2), (2, 4), (4, 4), (4, 2), (2, 2)]
    geoms = [
        shapely.Polygon(shell, [hole]),
        shapely.MultiPolygon([shapely.box(20, 20, 21, 21), shapely.box(30, 30, 31.123456789012, 31)]),
        shapely.Point(-1.3125, 51.0625),
        None,
    ]
    frame = gpd.GeoDataFrame(
        {
            "rank": np.array([1, 2, 3, 4], dtype="int64"),
            "share": [0.5, float("nan"), 1 / 3, 0.0],
            "flag": [True, False, True, False],
            "category": pd.Series(["new", None, "persistent", "é <b>"], dtype="string"),
            "label": pd.Series(["a", "b", None, "d"], dtype=object),
        },
        geometry=geoms,
        crs=4326,
    )
    ours = collection(frame.geometry.to_numpy(), {c: frame[c] for c in frame.columns if c != "geometry"})
    assert ours == _reference(frame)
    assert ours["features"][1]["properties"]["share"] is None  # NaN is null, never the invalid NaN token
    assert ours["features"][3]["geometry"] is None
    json.loads(json.dumps(ours, allow_nan=False))


def test_collection_of_nothing():
    assert collection(np.array([], dtype=object), {"rank": pd.Series([], dtype="int64")}) == {
        "type": "FeatureCollection",
        "features": [],
    }


def test_hotspot_labels_are_the_centres_in_wgs84():
    polys = pd.DataFrame(
        {"rank": [2, 1], "centre_easting": [448_000.0, 450_000.0], "centre_northing": [129_000.0, 130_000.0]}
    )
    labels = hotspot_labels_geojson(gpd.GeoDataFrame(polys))
    pts = gpd.GeoDataFrame(
        {"rank": [2, 1], "tooltip": ["Hotspot 2", "Hotspot 1"]},
        geometry=gpd.points_from_xy(polys["centre_easting"], polys["centre_northing"]),
        crs=27700,
    ).to_crs(4326)
    assert labels == _reference(pts)
