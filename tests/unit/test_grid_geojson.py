"""The map's grid squares: the same GeoJSON as the squares drawn with shapely and geopandas, and the
same geobuf as the ``geobuf`` package writes for that GeoJSON."""

from __future__ import annotations

import base64

import geobuf
import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.schema import BNG
from render.geobuf import encode_squares, grid_geobuf_b64
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


@pytest.mark.parametrize("cell_m", [250.0, 37.5])
def test_grid_geobuf_is_geobufs_own_encoding_of_the_grid_geojson(cell_m):
    rng = np.random.default_rng(11)
    east = np.floor(rng.uniform(430_000, 470_000, 800) / cell_m) * cell_m
    north = np.floor(rng.uniform(105_000, 145_000, 800) / cell_m) * cell_m
    counts = rng.integers(1, 3_000_000, 800)  # one- to four-byte varints
    expected = base64.b64encode(geobuf.encode(grid_geojson(east, north, counts, cell_m), 6)).decode("ascii")
    assert grid_geobuf_b64(east, north, counts, cell_m) == expected


def test_polygon_encoder_matches_geobuf_for_long_tooltips_and_other_rings():
    lon = np.array([[-1.3, -1.2, -1.25, -1.3], [-1.31, -1.29, -1.3, -1.31]])
    lat = np.array([[51.0, 51.0, 51.1, 51.0], [51.05, 51.05, 51.06, 51.05]])
    tips = ["x" * 300, "é & <b>"]  # a length over 127 bytes; text that is not ASCII
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"count": c, "tooltip": t},
                "geometry": {"type": "Polygon", "coordinates": [list(map(list, zip(xs, ys, strict=True)))]},
            }
            for c, t, xs, ys in zip([0, 200], tips, lon.tolist(), lat.tolist(), strict=True)
        ],
    }
    assert encode_squares(lon, lat, np.array([0, 200]), tips) == geobuf.encode(collection, 6)
    assert geobuf.decode(encode_squares(lon, lat, np.array([0, 200]), tips)) == geobuf.decode(
        geobuf.encode(collection, 6)
    )


def test_no_squares_is_an_empty_geobuf_collection():
    decoded = geobuf.decode(base64.b64decode(grid_geobuf_b64(np.zeros(0), np.zeros(0), np.zeros(0, int), 250.0)))
    assert decoded == {"type": "FeatureCollection", "features": []}
