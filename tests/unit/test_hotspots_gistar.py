"""Gi* inference: calibrated on uniform noise at the district's density, planted clusters found."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.hotspots import find_hotspots
from geo.hotspots.gistar import conditional_pvalues, queen_adjacency
from geo.hotspots.result import district_geometry
from tests.unit.test_hotspots import frame

#: Incidents of a typical selection: all crime, three months of the bundled 2017 data (2,073).
TYPICAL_N = 2_100


def uniform_in(geom, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points uniform over ``geom`` (rejection sampling from its bounding box)."""
    minx, miny, maxx, maxy = geom.bounds
    xs, ys, got = [], [], 0
    while got < n:
        x, y = rng.uniform(minx, maxx, 2 * n), rng.uniform(miny, maxy, 2 * n)
        ok = shapely.contains_xy(geom, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        got += int(ok.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


@pytest.mark.parametrize("inference", ["exact", "permutation"])
def test_uniform_noise_at_district_density_rarely_gives_a_95_percent_hot_spot(district, inference):
    geom = district_geometry(district)
    seeds = 40
    alarms = 0
    for seed in range(seeds):
        x, y = uniform_in(geom, TYPICAL_N, np.random.default_rng(seed))
        res = find_hotspots(frame(x, y), "gistar", district=district, min_level=0.95, seed=seed, inference=inference)
        assert res.params["min_count"] == 5
        alarms += not res.empty
    assert alarms / seeds <= 0.05, f"{alarms} of {seeds} noise data sets had a 95% hot spot"


def test_planted_cluster_in_noise_at_district_density_is_found(district):
    geom = district_geometry(district)
    rng = np.random.default_rng(7)
    nx, ny = uniform_in(geom, TYPICAL_N, rng)
    cx, cy = 448200.0, 129400.0
    x = np.r_[nx, rng.normal(cx, 25, 90)]
    y = np.r_[ny, rng.normal(cy, 25, 90)]
    res = find_hotspots(frame(x, y), "gistar", district=district, min_level=0.95)
    assert not res.empty
    top = res.polygons.iloc[0]
    assert np.hypot(top["centre_easting"] - cx, top["centre_northing"] - cy) < 50
    assert top["count"] >= 80
    assert len(res.polygons) <= 2


def test_cells_below_the_minimum_count_are_never_hot_spots():
    # a ring of busy cells around a cell holding 4 incidents: the ring is hot, the centre never
    rng = np.random.default_rng(2)
    x = list(rng.uniform(440000, 458000, 1500))
    y = list(rng.uniform(120000, 138000, 1500))
    for dx in (-100, 0, 100):
        for dy in (-100, 0, 100):
            n = 4 if dx == dy == 0 else 30
            x += [449050.0 + dx] * n
            y += [129050.0 + dy] * n
    res = find_hotspots(frame(np.array(x), np.array(y)), "gistar", cell_size=100, min_count=5)
    assert not res.empty
    hit = res.polygons[res.polygons.geometry.contains(shapely.Point(449050, 129050))]
    assert hit.empty


def test_conditional_pvalues_match_esda_g_local():
    """The tested-cells shortcut gives esda's own permutation p-values (within Monte Carlo error)."""
    import warnings

    from esda import G_Local

    from geo.hotspots.gistar import queen_graph

    rng = np.random.default_rng(0)
    grid = rng.poisson(0.4, (30, 30)).astype(float)
    grid[10:13, 10:13] += 6
    mask = np.ones(grid.shape, bool)
    y = grid[mask]
    tested = np.flatnonzero(y >= 3)
    ours = conditional_pvalues(y, queen_adjacency(mask), tested, permutations=9999, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = G_Local(y, queen_graph(mask), transform="B", star=True, permutations=9999, seed=1, n_jobs=1)
    theirs = np.asarray(g.p_sim)[tested]
    # esda's default p is "directed" (folded to the nearer tail): the same as ours on the high side
    hot = ours < 0.5
    np.testing.assert_allclose(ours[hot], theirs[hot], atol=0.01)
    assert (ours[hot] <= theirs[hot] + 0.01).all()


@pytest.mark.parametrize("value", [-1, 50])
def test_too_few_permutations_are_refused(value):
    from geo.hotspots import HotspotError

    with pytest.raises(HotspotError, match="permutations"):
        find_hotspots(frame([448000.0] * 10, [129000.0] * 10), "gistar", permutations=value)


def test_poisson_pvalues_are_the_exact_tail():
    """Two cells, neighbours of each other, holding 1 and 2 with 0.5 expected per cell: each star
    sums to 3 over 2 cells, P(Poisson(1) >= 3) = 1 - e^-1 (1 + 1 + 1/2)."""
    from scipy import sparse

    from geo.hotspots.gistar import poisson_pvalues

    y = np.array([1.0, 2.0, 0.0])
    adj = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], float))
    p = poisson_pvalues(y, adj, np.array([0, 1, 2]), 0.5)
    expected = 1 - np.exp(-1) * 2.5
    np.testing.assert_allclose(p, [expected, expected, 1.0])
