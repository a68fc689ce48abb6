"""DBSCAN and HDBSCAN: tight polygons around planted clusters, quiet on uniform noise."""

from __future__ import annotations

import numpy as np
import pytest

from geo.hotspots import find_hotspots
from geo.hotspots.result import district_geometry
from tests.unit.test_hotspots import frame
from tests.unit.test_hotspots_gistar import uniform_in

#: Five planted centres inside the Winchester boundary (BNG metres).
PLANTED = [(448200.0, 129400.0), (452500.0, 124000.0), (444000.0, 135000.0), (455000.0, 131500.0), (456000.0, 117000.0)]
NOISE = 2_000


def planted_frame(geom, seed: int):
    rng = np.random.default_rng(seed)
    nx, ny = uniform_in(geom, NOISE, rng)
    xs = [nx] + [rng.normal(cx, 25, 90) for cx, _ in PLANTED]
    ys = [ny] + [rng.normal(cy, 25, 90) for _, cy in PLANTED]
    return frame(np.concatenate(xs), np.concatenate(ys))


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
@pytest.mark.parametrize("seed", [0, 1])
def test_planted_clusters_get_tight_polygons(district, method, seed):
    geom = district_geometry(district)
    assert all(geom.contains(__import__("shapely").Point(c)) for c in PLANTED)
    res = find_hotspots(planted_frame(geom, seed), method, district=district, seed=seed)
    poly = res.polygons
    dist = np.array(
        [
            [np.hypot(e - cx, n - cy) for cx, cy in PLANTED]
            for e, n in zip(poly.centre_easting, poly.centre_northing, strict=True)
        ]
    )
    near = dist.min(axis=1) < 50
    found = {int(i) for i in dist.argmin(axis=1)[near]}
    assert found == set(range(len(PLANTED))), (method, poly.drop(columns="geometry"))
    assert (poly.loc[near, "area_m2"] < 5e4).all()  # under 5 ha each
    assert int((~near).sum()) <= 2  # false hotspots
    # the automatic sizes are reported
    assert ("eps_m" in res.params) if method == "dbscan" else ("min_cluster_size" in res.params)
    assert "core" in res.params["polygon"]


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_uniform_noise_gives_at_most_two_false_hotspots(district, method):
    geom = district_geometry(district)
    per_seed = []
    for seed in range(10):
        x, y = uniform_in(geom, NOISE + 450, np.random.default_rng(100 + seed))
        per_seed.append(len(find_hotspots(frame(x, y), method, district=district, seed=seed).polygons))
    assert max(per_seed) <= 2, per_seed
    assert sum(per_seed) <= 2, per_seed


def test_dbscan_eps_follows_the_data_and_reports_what_it_tried(district):
    geom = district_geometry(district)
    res = find_hotspots(planted_frame(geom, 3), "dbscan", district=district)
    tried = res.params["eps_tried_llr"]
    # the candidates are the ladder radii up to the spacing of the locations (about 230 m here)
    assert list(tried) == ["25", "50", "100", "200"]
    assert res.params["eps_m"] == float(max(tried, key=lambda k: tried[k]))
    fixed = find_hotspots(planted_frame(geom, 3), "dbscan", district=district, eps=60)
    assert fixed.params["eps_m"] == 60 and list(fixed.params["eps_tried_llr"]) == ["60"]


def _sklearn_dbscan(points, weights, eps, min_samples):
    from sklearn.cluster import DBSCAN

    model = DBSCAN(eps=eps, min_samples=min_samples).fit(points, sample_weight=weights)
    core = np.zeros(len(points), dtype=bool)
    core[model.core_sample_indices_] = True
    return model.labels_, core


def _snapped_locations(geom, seed: int):
    """Planted clusters and noise, half the incidents snapped to a 10 m grid: weighted distinct locations.

    Coordinates are whole decimetres as the methods store them (``k * 0.1``), so the distinct
    locations here are exactly the ones the methods cluster.
    """
    df = planted_frame(geom, seed)
    x, y = df["easting"].to_numpy().copy(), df["northing"].to_numpy().copy()
    snap = np.random.default_rng(seed).random(len(x)) < 0.5
    x[snap], y[snap] = np.round(x[snap], -1), np.round(y[snap], -1)
    x, y = np.round(x / 0.1).astype(np.int64) * 0.1, np.round(y / 0.1).astype(np.int64) * 0.1
    locs, counts = np.unique(np.c_[x, y], axis=0, return_counts=True)
    return frame(x, y), locs, counts.astype(float)


def _sklearn_core_clusters(points, weights, eps, min_samples):
    labels, core = _sklearn_dbscan(points, weights, eps, min_samples)
    return np.where(core, labels, -1), core


@pytest.mark.parametrize("seed", [0, 1])
def test_core_clusters_are_sklearns_dbscan(district, seed):
    from geo.hotspots.density import core_clusters, neighbour_index

    _, locs, w = _snapped_locations(district_geometry(district), seed)
    index = neighbour_index(locs)  # one index for every radius, as the automatic eps uses it
    for eps, min_samples in [(25, 7), (50, 12), (100, 30), (200, 60)]:
        labels, core = core_clusters(index, locs, w, eps, min_samples)
        want_labels, want_core = _sklearn_core_clusters(locs, w, eps, min_samples)
        assert np.array_equal(core, want_core) and np.array_equal(labels, want_labels), eps
        assert labels.max() >= 1
    # a 25 m lattice: every neighbour exactly eps away, so "within" must include the boundary
    g = 440000.0 + 25.0 * np.arange(30)
    lattice = np.c_[np.repeat(g, 30), np.tile(g - 310000.0, 30)]
    lw = np.random.default_rng(seed).integers(1, 4, len(lattice)).astype(float)
    for eps, min_samples in [(25.0, 6), (24.999, 3), (35.36, 11)]:
        got = core_clusters(neighbour_index(lattice), lattice, lw, eps, min_samples)
        want = _sklearn_core_clusters(lattice, lw, eps, min_samples)
        assert np.array_equal(got[1], want[1]) and np.array_equal(got[0], want[0]), eps


def test_core_clusters_numbered_by_first_core_location_and_linked_in_chains():
    from geo.hotspots.density import core_clusters, neighbour_index

    # a spot of six locations listed first, a light location 20 m from it (not core), then a
    # chain of locations 15 m apart running 300 m west (one cluster through many squares), and
    # a lone heavy location far away
    spot = [(1040.0 + i, 0.0) for i in range(6)]
    chain = [(1000.0 - 15.0 * i, 0.0) for i in range(20)]
    pts = np.array([*spot, (1020.0, 0.0), *chain[::-1], (5000.0, 5000.0)])
    w = np.array([2.0] * 6 + [1.0] + [4.0] * 20 + [9.0])
    labels, core = core_clusters(neighbour_index(pts), pts, w, 20.0, 8)
    want_labels, want_core = _sklearn_core_clusters(pts, w, 20.0, 8)
    assert np.array_equal(core, want_core) and np.array_equal(labels, want_labels)
    assert labels.tolist() == [0] * 6 + [-1] + [1] * 20 + [2]


def test_dbscan_polygons_are_each_clusters_core_hull(district):
    """The table against DBSCAN and the hull drawn cluster by cluster, computed here apart."""
    import shapely

    df, locs, w = _snapped_locations(district_geometry(district), 2)
    res = find_hotspots(df, "dbscan", district=district, min_count=1)
    eps, min_samples = res.params["eps_m"], res.params["min_samples"]
    labels, core = _sklearn_dbscan(locs, w, eps, min_samples)
    hulls = [
        shapely.concave_hull(shapely.MultiPoint(locs[(labels == c) & core]), ratio=0.3).buffer(eps / 2, quad_segs=8)
        for c in range(labels.max() + 1)
    ]
    assert len(res.polygons) == len(hulls) - res.params["dropped_not_significant"] > 0
    x, y = df["easting"].to_numpy(), df["northing"].to_numpy()
    for row in res.polygons.itertuples():
        same = [h for h in hulls if shapely.equals_exact(h, row.geometry, tolerance=1e-6)]
        assert len(same) == 1, row.rank
        inside = shapely.intersects_xy(same[0], x, y)
        assert row.count == inside.sum()
        assert (row.centre_easting, row.centre_northing) == (
            pytest.approx(x[inside].mean(), abs=0.06),
            pytest.approx(y[inside].mean(), abs=0.06),
        )
    assert not shapely.union_all(res.polygons.geometry.to_numpy()).area < res.polygons.area_m2.sum() - 1


@pytest.mark.parametrize("pairs_per_call", [None, 997])
def test_locations_in_keeps_the_first_polygon_holding_each_location(monkeypatch, pairs_per_call):
    import shapely

    from geo.hotspots import _polygons
    from geo.hotspots._polygons import locations_in

    if pairs_per_call:  # the pairs in many small groups of polygons
        monkeypatch.setattr(_polygons, "_PAIRS", pairs_per_call)

    rng = np.random.default_rng(4)
    centres = rng.uniform(0, 400, (40, 2))
    polys = list(shapely.buffer(shapely.points(centres), rng.uniform(5, 60, 40)))  # overlapping discs
    polys[3] = shapely.Polygon()  # an empty polygon holds nothing
    polys[5] = shapely.box(100, 100, 200, 200)
    x, y = rng.uniform(-50, 450, 5000), rng.uniform(-50, 450, 5000)
    x[:4], y[:4] = [100, 150, 200, 150], [150, 100, 150, 200]  # on the box's edges: in
    want = np.full(len(x), -1)
    for i, p in enumerate(polys):  # by hand: polygon by polygon, the first to hold a location keeps it
        want[(want < 0) & shapely.intersects_xy(p, x, y)] = i
    got = locations_in(polys, x, y)
    assert np.array_equal(got, want)
    assert (got[:4] >= 0).all() and len(np.unique(got)) > 20 and (got == -1).any()


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_incidents_at_a_postcode_centroid_are_left_out_unless_asked_for(district, method):
    """Rows with no exact point (placed at a postcode centroid) draw no cluster polygon by default."""
    geom = district_geometry(district)
    df = planted_frame(geom, 0)
    df["location_precision"] = "point"
    first = slice(NOISE, NOISE + 90)  # the 90 incidents of the first planted cluster
    df.iloc[first, df.columns.get_loc("location_precision")] = "postcode"

    def found(res):
        poly = res.polygons
        return {
            i
            for i, (cx, cy) in enumerate(PLANTED)
            if (np.hypot(poly.centre_easting - cx, poly.centre_northing - cy) < 50).any()
        }

    default = find_hotspots(df, method, district=district)
    assert found(default) == {1, 2, 3, 4}
    assert default.n_incidents == len(df) - 90
    assert default.params["postcode_centroids_left_out"] == 90
    assert any(w.startswith(f"90 of {len(df):,} incidents are placed at a postcode centroid") for w in default.warnings)
    opted = find_hotspots(df, method, district=district, centroids=True)
    assert found(opted) == {0, 1, 2, 3, 4}
    assert opted.params["postcode_centroids_left_out"] == 0
    assert not any("postcode centroid" in w for w in opted.warnings)
