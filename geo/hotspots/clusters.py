"""Density clustering hotspots: DBSCAN (scikit-learn) and HDBSCAN (the ``hdbscan`` package).

Duplicate coordinates
---------------------
data.police.uk snaps every incident to one of a few thousand anonymisation points, so most
coordinates are exact copies.  Both methods therefore work on *distinct locations with weights*:

* DBSCAN gets each distinct location once with its number of incidents as weight, which is
  exactly equivalent to passing every copy (a location with >= ``min_samples`` incidents is a
  core point on its own) at a fraction of the memory.  The fit is
  :func:`geo.hotspots.density.core_clusters`: scikit-learn's neighbour search and the same
  clusters as ``sklearn.cluster.DBSCAN(...).fit(locations, sample_weight=counts)``, faster.
* HDBSCAN has no sample weights.  Each distinct location is passed as ``min(weight, min_samples)``
  copies jittered uniformly within ``jitter_m`` metres (seeded).  Capping at ``min_samples`` keeps
  each location's core distance - the quantity HDBSCAN builds its hierarchy on - the same as with
  all copies, up to the jitter.  When there are more than ``max_points`` distinct locations they are
  first aggregated to a square grid of ``snap_m`` metres (reported) so the run stays within its
  time budget.  Counts and statistics always use the real incident weights.

Automatic defaults (reported in ``params``)
-------------------------------------------
* ``eps`` (DBSCAN): chosen from the radii of :data:`EPS_LADDER` (25, 50, 100, 200 m) up to the
  spacing of the distinct locations (their median nearest-neighbour distance, 25-300 m): DBSCAN
  runs at each, and the radius whose significant clusters have the largest summed Poisson
  log-likelihood ratio (Kulldorff's scan statistic: many incidents in little area) wins.  Every
  radius tried and its score are in ``params["eps_tried_llr"]``.  A single radius from the
  spacing alone (the old default) was set by the noise: at district density it is about 230 m,
  and every noise incident within that reach of a real cluster became part of it.
* ``min_samples`` (DBSCAN): the number of incidents within ``eps`` that complete spatial
  randomness over the study area would exceed with probability ``0.01 / locations`` (Poisson;
  at least 5).  Uniform noise therefore yields no core points.
* ``min_cluster_size`` (HDBSCAN): 0.5% of the clustered points, at least 10; ``min_samples`` 10.

Polygons are drawn around the **core** of each cluster, not the convex hull of every member:
the concave hull (``shapely.concave_hull``, ratio 0.3) of its core locations, buffered by
``eps / 2`` (DBSCAN) or ``max(jitter_m, snap_m / 2, 10)`` metres (HDBSCAN).  Core locations are
DBSCAN's core samples; for HDBSCAN, locations most of whose copies are strongly attached to the
cluster (``probabilities_ >= 0.5``) *and* that hold more incidents within ``core_radius_m``
(the location spacing, at most 50 m) than randomness would put there (the same Poisson rule as
``min_samples``): HDBSCAN always finds clusters, and in uniform noise its cores are only the
least sparse parts of the noise.  A hotspot's count is every incident inside its polygon.

Every cluster must also hold significantly more incidents than randomness would put in its
polygon (one-sided Poisson test, ``alpha`` 0.01 Bonferroni-corrected over the distinct
locations, since a cluster could have formed around any of them); others are dropped and
counted in ``params["dropped_not_significant"]``.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats

from geo.hotspots._polygons import core_polygons, locations_in
from geo.hotspots.density import core_clusters, neighbour_index
from geo.hotspots.grid import nn_distance_clipped
from geo.hotspots.result import HotspotError, build_table, dedupe, sorted_unique, study_area, xy

#: Radii (metres) the automatic DBSCAN eps is chosen from: those up to the spacing of the
#: distinct locations (median nearest-neighbour distance, 25-300 m).
EPS_LADDER = (25.0, 50.0, 100.0, 200.0)
#: HDBSCAN members at least this strongly attached (``probabilities_``) are its core.
CORE_PROBABILITY = 0.5


def _csr_threshold(n: int, area_m2: float, radius: float, tests: int) -> int:
    mu = n * math.pi * radius**2 / max(area_m2, 1.0)
    return int(stats.poisson.ppf(1 - 0.01 / max(tests, 1), mu)) + 1


def _significant(
    counts: np.ndarray, areas: np.ndarray, n: int, total_area: float, alpha: float, tests: int
) -> np.ndarray:
    # Bonferroni over every distinct location: a cluster could have formed around any of them,
    # so correcting only over the clusters found would let noise through (HDBSCAN always
    # finds some clusters in uniform noise).
    expected = n * areas / max(total_area, 1.0)
    p = stats.poisson.sf(counts - 1, expected)
    return p < alpha / max(tests, 1)


def _score_clusters(
    ux: np.ndarray,
    uy: np.ndarray,
    w: np.ndarray,
    loc_label: np.ndarray,
    core: np.ndarray,
    k: int,
    buffer_m: float,
    n: int,
    area_m2: float,
    alpha: float,
) -> tuple[list, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Tight polygons, the locations inside them, and which clusters are significant.

    Returns ``(polygons, location -> polygon index or -1, incidents per polygon, significant)``.
    """
    polys = core_polygons(ux, uy, loc_label, core, k, buffer_m)
    loc_in = locations_in(polys, ux, uy)
    inside = loc_in >= 0
    counts = np.bincount(loc_in[inside], weights=w[inside], minlength=k)
    areas = shapely.area(np.asarray(polys, dtype=object)) if k else np.zeros(0)
    keep = _significant(counts, areas, n, area_m2, alpha, len(ux)) if k else np.zeros(0, dtype=bool)
    return polys, loc_in, counts, areas, keep


def _log_likelihood_ratio(counts: np.ndarray, areas: np.ndarray, n: int, area_m2: float) -> float:
    """Kulldorff's Poisson log-likelihood ratio summed over clusters (counts above expectation)."""
    expected = n * np.asarray(areas) / max(area_m2, 1.0)
    c = np.asarray(counts, dtype=float)
    ok = (c > expected) & (expected > 0)
    return float(np.sum(c[ok] * np.log(c[ok] / expected[ok]) - (c[ok] - expected[ok])))


def _finish(
    method: str, incidents: pd.DataFrame, ux: np.ndarray, inverse: np.ndarray, scored: tuple, params: dict[str, Any]
) -> gpd.GeoDataFrame:
    """The hotspot table of the significant clusters (``params`` gains what was dropped)."""
    polys, loc_in, _, _, keep = scored
    params["dropped_not_significant"] = int((~keep).sum())
    remap = np.full(len(keep) + 1, -1)
    remap[np.flatnonzero(keep)] = np.arange(int(keep.sum()))
    loc_label = remap[loc_in]  # -1 maps to remap[-1] == -1
    polys = [p for p, kk in zip(polys, keep, strict=True) if kk]
    return build_table(polys, loc_label[inverse], incidents, method)


def dbscan_hotspots(
    incidents: pd.DataFrame,
    *,
    district: Any = None,
    area: shapely.Geometry | None = None,
    eps: float | None = None,
    min_samples: int | None = None,
    alpha: float = 0.01,
    seed: int = 0,
) -> tuple:
    """DBSCAN hotspots in metres, drawn around each cluster's core locations.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents (easting/northing).
    district : District, optional
        The study area when ``area`` is not given.
    area : shapely geometry, optional
        Study area (EPSG:27700) for the randomness tests.
    eps : float, optional
        Neighbourhood radius in metres; automatic when None (see the module notes).
    min_samples : int, optional
        Incidents within ``eps`` that make a core location; automatic when None.
    alpha : float, default 0.01
        Significance of the per-cluster Poisson test (Bonferroni over the locations).

    Returns
    -------
    (polygons GeoDataFrame, params dict, warnings list)
    """
    if eps is not None and not eps > 0:
        raise HotspotError(f"eps must be a positive distance in metres, got {eps}")
    if min_samples is not None and min_samples < 1:
        raise HotspotError(f"min_samples must be at least 1, got {min_samples}")
    x, y = xy(incidents)
    ux, uy, w, inverse = dedupe(x, y)
    _, area_m2 = study_area(district, x, y, area)
    n, pts = len(x), np.c_[ux, uy]
    auto_eps = eps is None
    spacing = nn_distance_clipped(ux, uy, 25.0, 300.0)
    ladder = [float(eps)] if eps is not None else [e for e in EPS_LADDER if e <= spacing] or [EPS_LADDER[0]]
    tried: dict[str, float] = {}
    best: tuple | None = None
    index = neighbour_index(pts)  # one neighbour index for every radius tried
    for e in ladder:
        ms = min_samples or max(5, _csr_threshold(n, area_m2, e, len(ux)))
        labels, core = core_clusters(index, pts, w, e, ms)
        k = int(labels.max()) + 1
        scored = _score_clusters(ux, uy, w, labels, core, k, e / 2, n, area_m2, alpha)
        keep = scored[4]
        llr = _log_likelihood_ratio(scored[2][keep], scored[3][keep], n, area_m2)
        tried[f"{e:g}"] = round(llr, 1)
        if best is None or llr > best[0] + 1e-9:
            best = (llr, e, ms, scored)
    assert best is not None  # the ladder is never empty
    _, eps, min_samples, scored = best
    params = {
        "eps_m": round(float(eps), 1),
        "eps_auto": auto_eps,
        "eps_tried_llr": tried,
        "location_spacing_m": round(spacing, 1),
        "min_samples": int(min_samples),
        "alpha": alpha,
        "polygon": f"concave hull of the core locations + {eps / 2:g} m",
        "distinct_locations": len(ux),
        "duplicates": "distinct locations with sample_weight",
        "study_area_km2": round(area_m2 / 1e6, 3),
    }
    table = _finish("dbscan", incidents, ux, inverse, scored, params)
    return table, params, []


def _vote(owner: np.ndarray, lab: np.ndarray, prob: np.ndarray, n_loc: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each location's cluster and whether it is core.

    The cluster is the one most of its copies fell in; core means most of its copies are strongly
    attached (``probabilities_ >= CORE_PROBABILITY``).
    """
    votes = np.zeros((n_loc, k + 1))
    np.add.at(votes, (owner, lab + 1), 1)
    loc_label = votes.argmax(axis=1) - 1
    strong = np.bincount(owner, weights=((lab >= 0) & (prob >= CORE_PROBABILITY)).astype(float), minlength=n_loc)
    core = (loc_label >= 0) & (strong * 2 > np.bincount(owner, minlength=n_loc))
    return loc_label, core


def _weighted_within(ux: np.ndarray, uy: np.ndarray, w: np.ndarray, radius: float) -> np.ndarray:
    """Incidents (weights) within ``radius`` metres of each location, itself included."""
    from scipy.spatial import cKDTree

    tree = cKDTree(np.c_[ux, uy])
    pairs = tree.sparse_distance_matrix(tree, radius, output_type="ndarray")
    out = np.bincount(pairs["i"], weights=w[pairs["j"]], minlength=len(ux))
    # sparse_distance_matrix leaves out zero distances (each location with itself)
    return out + w


def _aggregate(
    ux: np.ndarray, uy: np.ndarray, w: np.ndarray, snap: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Locations merged onto ``snap``-metre cells (weighted mean position), and each one's cell."""
    kx = np.floor(ux / snap).astype(np.int64)
    ky = np.floor(uy / snap).astype(np.int64)
    key = kx * 1_000_000 + ky
    _, inv = sorted_unique(key)
    sw = np.bincount(inv, weights=w)
    # weighted mean position of the aggregated locations, so clusters do not shift to cell corners
    gx = np.bincount(inv, weights=w * ux) / sw
    gy = np.bincount(inv, weights=w * uy) / sw
    return gx, gy, sw, inv


def prepare_hdbscan_points(
    ux: np.ndarray,
    uy: np.ndarray,
    w: np.ndarray,
    inverse: np.ndarray,
    *,
    min_samples: int,
    jitter_m: float,
    max_points: int,
    seed: int,
) -> tuple:
    """The points HDBSCAN is fitted on (see the module notes on duplicates).

    Returns the (possibly aggregated) locations ``ux, uy, w, inverse``, the aggregation cell
    ``snap`` (0 for none), each point's location ``owner`` and the jittered coordinates ``px, py``.
    """
    snap = 0.0
    for cand in (5.0, 10.0, 20.0, 25.0, 50.0, 100.0):
        if len(ux) <= max_points:
            break
        gx, gy, gw, ginv = _aggregate(ux, uy, w, cand)
        if len(gx) <= max_points or cand == 100.0:
            ux, uy, w, inverse, snap = gx, gy, gw, ginv[inverse], cand
            break
    copies = np.minimum(w, min_samples).astype(np.int64)
    owner = np.repeat(np.arange(len(ux)), copies)
    rng = np.random.default_rng(seed)
    r = jitter_m * np.sqrt(rng.random(len(owner)))
    theta = rng.random(len(owner)) * 2 * np.pi
    px, py = ux[owner] + r * np.cos(theta), uy[owner] + r * np.sin(theta)
    return ux, uy, w, inverse, snap, owner, px, py


def hdbscan_hotspots(
    incidents: pd.DataFrame,
    *,
    district: Any = None,
    area: shapely.Geometry | None = None,
    min_cluster_size: int | None = None,
    min_samples: int = 10,
    jitter_m: float = 5.0,
    max_points: int = 40_000,
    alpha: float = 0.01,
    seed: int = 0,
) -> tuple:
    """HDBSCAN hotspots with the ``hdbscan`` package (see the module notes on duplicates).

    Returns
    -------
    (polygons GeoDataFrame, params dict, warnings list)
    """
    import hdbscan

    if min_cluster_size is not None and min_cluster_size < 2:
        raise HotspotError(f"min_cluster_size must be at least 2, got {min_cluster_size}")
    if min_samples < 1:
        raise HotspotError(f"min_samples must be at least 1, got {min_samples}")
    if jitter_m < 0:
        raise HotspotError(f"jitter_m must not be negative, got {jitter_m}")
    x, y = xy(incidents)
    ux, uy, w, inverse = dedupe(x, y)
    _, area_m2 = study_area(district, x, y, area)
    ux, uy, w, inverse, snap, owner, px, py = prepare_hdbscan_points(
        ux, uy, w, inverse, min_samples=min_samples, jitter_m=jitter_m, max_points=max_points, seed=seed
    )
    auto_mcs = min_cluster_size is None
    mcs = max(10, int(math.ceil(0.005 * len(owner)))) if min_cluster_size is None else int(min_cluster_size)
    warnings: list[str] = []
    k = 0
    loc_label = np.full(len(ux), -1)
    core = np.zeros(len(ux), dtype=bool)
    if len(owner) > mcs:
        model = hdbscan.HDBSCAN(
            min_cluster_size=int(mcs),
            min_samples=int(min(min_samples, len(owner) - 1)),
            core_dist_n_jobs=1,
        )
        lab = model.fit_predict(np.c_[px, py])
        k = int(lab.max()) + 1
        if k:
            loc_label, core = _vote(owner, lab, model.probabilities_, len(ux), k)
    else:
        warnings.append(f"too few points ({len(owner)}) for min_cluster_size {mcs}")
    # ... and locally denser than randomness could make it: HDBSCAN always finds clusters, and in
    # uniform noise its "cores" are merely the least sparse parts of the noise
    core_radius = float(min(nn_distance_clipped(ux, uy, 25.0, 300.0), 50.0))
    dense_min = max(5, _csr_threshold(len(x), area_m2, core_radius, len(ux)))
    if core.any():
        core &= _weighted_within(ux, uy, w, core_radius) >= dense_min
    params = {
        "min_cluster_size": int(mcs),
        "min_cluster_size_auto": auto_mcs,
        "min_samples": int(min_samples),
        "jitter_m": jitter_m,
        "snap_m": snap,
        "points_clustered": int(len(owner)),
        "distinct_locations": int(len(ux)),
        "duplicates": f"distinct locations as min(weight, {min_samples}) copies jittered within {jitter_m} m",
        "alpha": alpha,
        "study_area_km2": round(area_m2 / 1e6, 3),
        "seed": seed,
    }
    buffer_m = max(jitter_m, snap / 2, 10.0)
    params["core_probability"] = CORE_PROBABILITY
    params["core_radius_m"] = core_radius
    params["core_min_incidents"] = int(dense_min)
    params["polygon"] = f"concave hull of the core locations + {buffer_m:g} m"
    scored = _score_clusters(ux, uy, w, loc_label, core, k, buffer_m, len(x), area_m2, alpha)
    table = _finish("hdbscan", incidents, ux, inverse, scored, params)
    return table, params, warnings
