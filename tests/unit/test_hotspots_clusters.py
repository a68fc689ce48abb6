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
