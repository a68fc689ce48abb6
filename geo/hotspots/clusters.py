"""Density clustering hotspots: DBSCAN (scikit-learn) and HDBSCAN (the ``hdbscan`` package).

Duplicate coordinates
---------------------
data.police.uk snaps every incident to one of a few thousand anonymisation points, so most
coordinates are exact copies.  Both methods therefore work on *distinct locations with weights*:

* DBSCAN gets each distinct location once with ``sample_weight`` = its number of incidents, which
  is exactly equivalent to passing every copy (a location with >= ``min_samples`` incidents is a
  core point on its own) at a fraction of the memory.
* HDBSCAN has no sample weights.  Each distinct location is passed as ``min(weight, min_samples)``
  copies jittered uniformly within ``jitter_m`` metres (seeded).  Capping at ``min_samples`` keeps
  each location's core distance - the quantity HDBSCAN builds its hierarchy on - the same as with
  all copies, up to the jitter.  When there are more than ``max_points`` distinct locations they are
  first aggregated to a square grid of ``snap_m`` metres (reported) so the run stays within its
  time budget.  Counts and statistics always use the real incident weights.

Automatic defaults (reported in ``params``)
-------------------------------------------
* ``eps`` (DBSCAN): the median nearest-neighbour distance between distinct locations, within
  25-300 m (the same nearest-neighbour idea sfhotspot uses for its cell size).
* ``min_samples`` (DBSCAN): the number of incidents within ``eps`` that complete spatial
  randomness over the study area would exceed with probability ``0.01 / locations`` (Poisson;
  at least 5).  Uniform noise therefore yields no core points.
* ``min_cluster_size`` (HDBSCAN): 0.5% of the clustered points, at least 10; ``min_samples`` 10.
* Every cluster must also hold significantly more incidents than randomness would put in its
  polygon (one-sided Poisson test, ``alpha`` 0.01 Bonferroni-corrected over the distinct
  locations, since a cluster could have formed around any of them); others are dropped
  and counted in ``params["dropped_not_significant"]``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely
from scipy import stats

from geo.hotspots._grid import nn_distance_clipped
from geo.hotspots._polygons import cluster_polygons
from geo.hotspots._result import HotspotError, build_table, dedupe, sorted_unique, study_area, xy


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


def _finish(method, incidents, ux, uy, w, inverse, loc_label, k, buffer_m, params, n, area_m2, alpha):
    polys = cluster_polygons(ux, uy, loc_label, k, buffer_m)
    counts = np.bincount(loc_label[loc_label >= 0], weights=w[loc_label >= 0], minlength=k)
    areas = shapely.area(np.asarray(polys, dtype=object)) if k else np.zeros(0)
    keep = _significant(counts, areas, n, area_m2, alpha, len(ux)) if k else np.zeros(0, dtype=bool)
    params["dropped_not_significant"] = int((~keep).sum())
    remap = np.full(k + 1, -1)
    remap[np.flatnonzero(keep)] = np.arange(int(keep.sum()))
    loc_label = remap[loc_label]  # -1 maps to remap[-1] == -1
    polys = [p for p, kk in zip(polys, keep, strict=True) if kk]
    return build_table(polys, loc_label[inverse], incidents, method)


def dbscan_hotspots(
    incidents: pd.DataFrame,
    *,
    district=None,
    eps: float | None = None,
    min_samples: int | None = None,
    alpha: float = 0.01,
    seed: int = 0,
) -> tuple:
    """DBSCAN hotspots in metres (see the module notes for the automatic defaults).

    Returns
    -------
    (polygons GeoDataFrame, params dict, warnings list)
    """
    from sklearn.cluster import DBSCAN

    if eps is not None and not eps > 0:
        raise HotspotError(f"eps must be a positive distance in metres, got {eps}")
    if min_samples is not None and min_samples < 1:
        raise HotspotError(f"min_samples must be at least 1, got {min_samples}")
    x, y = xy(incidents)
    ux, uy, w, inverse = dedupe(x, y)
    _, area_m2 = study_area(district, x, y)
    auto_eps = eps is None
    if auto_eps:
        eps = nn_distance_clipped(ux, uy, 25.0, 300.0)
    if min_samples is None:
        min_samples = max(5, _csr_threshold(len(x), area_m2, eps, len(ux)))
    labels = DBSCAN(eps=eps, min_samples=min_samples).fit(np.c_[ux, uy], sample_weight=w).labels_
    k = int(labels.max()) + 1
    params = {
        "eps_m": round(float(eps), 1),
        "eps_auto": auto_eps,
        "min_samples": int(min_samples),
        "alpha": alpha,
        "distinct_locations": len(ux),
        "duplicates": "distinct locations with sample_weight",
        "study_area_km2": round(area_m2 / 1e6, 3),
    }
    table = _finish("dbscan", incidents, ux, uy, w, inverse, labels, k, eps / 2, params, len(x), area_m2, alpha)
    return table, params, []


def _aggregate(ux, uy, w, snap):
    kx = np.floor(ux / snap).astype(np.int64)
    ky = np.floor(uy / snap).astype(np.int64)
    key = kx * 1_000_000 + ky
    _, inv = sorted_unique(key)
    sw = np.bincount(inv, weights=w)
    # weighted mean position of the aggregated locations, so clusters do not shift to cell corners
    gx = np.bincount(inv, weights=w * ux) / sw
    gy = np.bincount(inv, weights=w * uy) / sw
    return gx, gy, sw, inv


def prepare_hdbscan_points(ux, uy, w, inverse, *, min_samples: int, jitter_m: float, max_points: int, seed: int):
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
    district=None,
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
    _, area_m2 = study_area(district, x, y)
    ux, uy, w, inverse, snap, owner, px, py = prepare_hdbscan_points(
        ux, uy, w, inverse, min_samples=min_samples, jitter_m=jitter_m, max_points=max_points, seed=seed
    )
    auto_mcs = min_cluster_size is None
    if auto_mcs:
        min_cluster_size = max(10, int(math.ceil(0.005 * len(owner))))
    warnings: list[str] = []
    k = 0
    loc_label = np.full(len(ux), -1)
    if len(owner) > min_cluster_size:
        model = hdbscan.HDBSCAN(
            min_cluster_size=int(min_cluster_size),
            min_samples=int(min(min_samples, len(owner) - 1)),
            core_dist_n_jobs=1,
        )
        lab = model.fit_predict(np.c_[px, py])
        k = int(lab.max()) + 1
        # a location belongs to the cluster most of its copies fell in
        if k:
            votes = np.zeros((len(ux), k + 1))
            np.add.at(votes, (owner, lab + 1), 1)
            loc_label = votes.argmax(axis=1) - 1
    else:
        warnings.append(f"too few points ({len(owner)}) for min_cluster_size {min_cluster_size}")
    params = {
        "min_cluster_size": int(min_cluster_size),
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
    table = _finish("hdbscan", incidents, ux, uy, w, inverse, loc_label, k, buffer_m, params, len(x), area_m2, alpha)
    return table, params, warnings
