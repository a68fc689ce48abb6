"""The map's grid squares: the same GeoJSON as the squares drawn with shapely and geopandas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.schema import BNG
from render.geojson import frame_geojson, grid_geojson


@pytest.mark.parametrize("cell_m", [250.0, 100.0, 37.5])
def test_grid_squares_equal_boxes_reprojected_by_geopandas(cell_m):
    rng = np.random.default_rng(7)
    east = np.floor(rng.uniform(440_000, 460_000, 500) / cell_m) * cell_m
    north = np.floor(rng.uniform(115_000, 135_000, 500) / cell_m) * cell_m
    counts = rng.integers(1, 5_000, 500)
    boxes = gpd.GeoDataFrame(
        {
            "count": counts.astype(int),
            "tooltip": [f"{int(n):,} incidents in this {cell_m:g} m square" for n in counts],
        },
        geometry=shapely.box(east, north, east + cell_m, north + cell_m),
        crs=BNG,
    )
    assert grid_geojson(east, north, counts, cell_m) == frame_geojson(boxes)


def test_one_square_has_its_count_tooltip_and_a_closed_ring():
    out = grid_geojson(np.array([448_000.0]), np.array([129_000.0]), np.array([1234]), 250.0)
    (feature,) = out["features"]
    assert feature["properties"] == {"count": 1234, "tooltip": "1,234 incidents in this 250 m square"}
    ring = feature["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    lons, lats = zip(*ring, strict=True)
    assert -1.4 < min(lons) < max(lons) < -1.2 and 51.0 < min(lats) < max(lats) < 51.1


def test_no_squares_is_an_empty_collection():
    assert grid_geojson(np.zeros(0), np.zeros(0), np.zeros(0, dtype=int), 250.0)["features"] == []
