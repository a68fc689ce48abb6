"""Hotspot methods: planted clusters, uniform noise, duplicates, Gi* by hand, selections, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.hotspots import DEFAULT_METHOD, METHODS, HotspotError, find_hotspots
from geo.hotspots.gistar import classify, gistar_values, gistar_z_sparse, queen_weights
from geo.selection import Selection, filter_frame

CENTRES = [(448000.0, 129500.0), (452000.0, 127000.0), (446000.0, 133000.0)]


def frame(x, y, *, start="2017-06-01 12:00", crime="Burglary", precision="time") -> pd.DataFrame:
    n = len(x)
    t = pd.Timestamp(start, tz="Europe/London")
    return pd.DataFrame(
        {
            "crime_type": pd.Series([crime] * n, dtype="string"),
            "occurred_from": [t] * n,
            "occurred_to": [t] * n,
            "time_precision": precision,
            "easting": np.asarray(x, float),
            "northing": np.asarray(y, float),
            "location": "On or near Test Street",
        }
    )


def planted(seed=0, per=300, noise=1500, spread=40.0):
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for cx, cy in CENTRES:
        xs.append(rng.normal(cx, spread, per))
        ys.append(rng.normal(cy, spread, per))
    xs.append(rng.uniform(440000, 458000, noise))
    ys.append(rng.uniform(120000, 138000, noise))
    return frame(np.concatenate(xs), np.concatenate(ys))


def uniform(seed=1, n=3000):
    rng = np.random.default_rng(seed)
    return frame(rng.uniform(440000, 458000, n), rng.uniform(120000, 138000, n))


@pytest.mark.parametrize("method", METHODS)
def test_planted_centres_recovered_within_50_m(method):
    res = find_hotspots(planted(), method)
    assert len(res.polygons) >= 3
    top3 = res.polygons.head(3)
    for cx, cy in CENTRES:
        d = np.hypot(top3["centre_easting"] - cx, top3["centre_northing"] - cy)
        assert float(d.min()) < 50, (method, cx, cy)
    assert (top3["count"] >= 200).all()
    assert set(["rank", "count", "share", "area_m2", "density_per_km2", "top_crime_types"]) <= set(res.polygons)
    assert res.polygons.crs.to_epsg() == 27700
    assert res.to_wgs84().crs.to_epsg() == 4326


@pytest.mark.parametrize("method", ["dbscan", "hdbscan", "gistar"])
def test_no_spurious_hotspots_in_uniform_noise(method):
    res = find_hotspots(uniform(), method)
    assert res.empty, res.polygons.drop(columns="geometry")


def test_kde_params_reported_and_never_zero():
    res = find_hotspots(planted(), "kde")
    assert res.params["bandwidth_m"] > 0 and res.params["cell_size_m"] > 0
    assert res.params["cell_size_auto"] is True
    res = find_hotspots(planted(), "kde", cell_size=100, bandwidth=20)
    assert any("smaller than the cell size" in w for w in res.warnings)
    one = frame([448000.0] * 50, [129500.0] * 50)
    r1 = find_hotspots(one, "kde", bandwidth="scott")
    assert r1.params["bandwidth_m"] > 0 and r1.polygons["count"].iloc[0] == 50


def test_kde_area_is_the_top_share():
    df = planted()
    res = find_hotspots(df, "kde", cell_size=100, top_share=0.01)
    area = (df.easting.max() - df.easting.min()) * (df.northing.max() - df.northing.min())
    assert res.polygons["area_m2"].sum() <= 0.01 * area + 1e4


def test_duplicate_coordinates_are_weighted_not_copied():
    rng = np.random.default_rng(3)
    # 40 snap points, one of them holding 2,000 incidents: the data.police.uk pattern
    px, py = rng.uniform(440000, 458000, 40), rng.uniform(120000, 138000, 40)
    reps = np.full(40, 5)
    reps[7] = 2000
    df = frame(np.repeat(px, reps), np.repeat(py, reps))
    for method in ("dbscan", "hdbscan"):
        res = find_hotspots(df, method)
        assert res.params["distinct_locations"] == 40
        top = res.polygons.iloc[0]
        assert top["count"] >= 2000  # the heavy location (plus any neighbours within reach)
        assert abs(top["centre_easting"] - px[7]) < 50 and abs(top["centre_northing"] - py[7]) < 50
    assert find_hotspots(df, "hdbscan").params["points_clustered"] <= 40 * 10


def test_hdbscan_is_deterministic_given_seed():
    a = find_hotspots(planted(), "hdbscan", seed=5).polygons.drop(columns="geometry")
    b = find_hotspots(planted(), "hdbscan", seed=5).polygons.drop(columns="geometry")
    pd.testing.assert_frame_equal(a, b)


def _hand_gistar(grid: np.ndarray) -> np.ndarray:
    """Getis-Ord Gi* by the textbook formula with loops: queen neighbours plus self, binary."""
    ny, nx = grid.shape
    x = grid.ravel().astype(float)
    n = x.size
    mean, s = x.mean(), np.sqrt((x**2).mean() - x.mean() ** 2)
    z = np.zeros_like(grid, dtype=float)
    for i in range(ny):
        for j in range(nx):
            nb = [(a, b) for a in range(i - 1, i + 2) for b in range(j - 1, j + 2) if 0 <= a < ny and 0 <= b < nx]
            w = len(nb)
            total = sum(grid[a, b] for a, b in nb)
            z[i, j] = (total - mean * w) / (s * np.sqrt((n * w - w**2) / (n - 1)))
    return z


def test_gistar_agrees_with_hand_computation():
    grid = np.array(
        [
            [0, 1, 0, 0, 2],
            [1, 9, 8, 0, 0],
            [0, 7, 9, 1, 0],
            [0, 0, 1, 0, 0],
            [3, 0, 0, 0, 1],
        ]
    )
    mask = np.ones(grid.shape, bool)
    z, p = gistar_values(grid, mask)
    np.testing.assert_allclose(z, _hand_gistar(grid), atol=1e-9)
    z2, _ = gistar_z_sparse(grid, mask, queen_weights(mask).sparse.tocsr())
    np.testing.assert_allclose(z2, z, atol=1e-9)
    cls = classify(z, p, fdr=False)
    assert cls[1, 1] == 3 and cls[2, 2] == 3  # the 9s are 99% hot spots
    assert (cls[[0, 4], :] <= 0).all()


def test_gistar_classes_and_fdr_reported():
    res = find_hotspots(planted(), "gistar")
    assert res.polygons["gi_class"].iloc[0] == "hot spot 99%"
    assert "false discovery rate" in res.params["correction"]


def test_empty_selection_gives_empty_result_with_message():
    empty = planted().iloc[0:0]
    for method in METHODS:
        res = find_hotspots(empty, method)
        assert res.empty and res.message == "no incidents match the selection"


@pytest.mark.parametrize(
    "method,params",
    [
        ("kde", {"cell_size": -1}),
        ("kde", {"top_share": 0}),
        ("dbscan", {"eps": -5}),
        ("gistar", {"cell_size": 0}),
        ("hdbscan", {"min_cluster_size": 1}),
        ("kde", {"eps": 10}),
        ("nope", {}),
    ],
)
def test_impossible_parameters_raise(method, params):
    with pytest.raises(HotspotError):
        find_hotspots(planted(), method, **params)


def test_cross_midnight_selection_flows_through(district):
    """20:00-04:00 on Friday night keeps Saturday 02:00 and drops Saturday 21:00 and month records."""
    df = pd.concat(
        [
            frame(*[np.full(200, v) for v in CENTRES[0]], start="2017-06-10 02:00"),  # Sat 02:00 = Fri night
            frame(*[np.full(200, v) for v in CENTRES[1]], start="2017-06-10 21:00"),  # Sat evening
            frame(*[np.full(50, v) for v in CENTRES[2]], start="2017-06-01", precision="month"),
        ],
        ignore_index=True,
    )
    sel = filter_frame(df, Selection(days=(4,), hours=(20, 4)))
    assert len(sel) == 200 and sel.excluded_imprecise == 50
    res = find_hotspots(sel, "dbscan", district=district)
    assert len(res.polygons) == 1 and res.polygons["count"].iloc[0] == 200
    assert any("without a time of day" in n for n in res.notes)


def test_real_data_every_method(police_uk_incidents, district):
    df = police_uk_incidents[police_uk_incidents["occurred_from"].dt.year == 2017]
    for method in METHODS:
        res = find_hotspots(df, method, district=district)
        assert not res.empty, method
        top = res.polygons.iloc[0]
        assert top["rank"] == 1 and 0 < top["share"] <= 1
        # the top hotspot is in or next to Winchester city centre (about 448000, 129600) or the services
        assert res.polygons.geometry.centroid.distance(__import__("shapely").Point(448000, 129600)).min() < 1500
    assert DEFAULT_METHOD in METHODS
