"""Maximal covering internals for :mod:`geo.deploy`: fixed-camera cover, greedy and exact (CBC) solvers."""

from __future__ import annotations

from types import ModuleType

import geopandas as gpd
import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from geo.schema import BNG


def cctv_covered(ux: np.ndarray, uy: np.ndarray, cctv: gpd.GeoDataFrame | None, default_radius: float) -> np.ndarray:
    covered = np.zeros(len(ux), dtype=bool)
    if cctv is None or cctv.empty:
        return covered
    cams = cctv.to_crs(BNG)
    tree = cKDTree(np.c_[ux, uy])
    radii = cams["radius_m"].fillna(default_radius).to_numpy(float) if "radius_m" in cams else None
    for i, geom in enumerate(cams.geometry):
        r = radii[i] if radii is not None else default_radius
        covered[tree.query_ball_point([geom.x, geom.y], r)] = True
    return covered


def greedy(cover: sparse.csr_matrix, w: np.ndarray, k: int, *, stop_at_zero: bool = True) -> list[int]:
    """Up to ``k`` sites, each adding the most uncovered demand; stops when none adds any."""
    remaining = w.astype(float).copy()
    chosen: list[int] = []
    for _ in range(min(k, cover.shape[0])):
        gains = cover @ remaining
        if chosen:
            gains[chosen] = -1
        best = int(np.argmax(gains))
        if stop_at_zero and gains[best] <= 0:
            break  # nothing left to cover: never invent a site
        chosen.append(best)
        remaining[cover[best].indices] = 0.0
    return chosen


def exact(cover: sparse.csr_matrix, w: np.ndarray, k: int, time_limit: float) -> tuple[list[int], bool]:
    import warnings

    import pulp

    with warnings.catch_warnings():
        # PuLP 3.3 deprecates names its own bundled CBC still needs; nothing for users to act on
        warnings.simplefilter("ignore", DeprecationWarning)
        return _exact_solve(pulp, cover, w, k, time_limit)


def _exact_solve(
    pulp: ModuleType, cover: sparse.csr_matrix, w: np.ndarray, k: int, time_limit: float
) -> tuple[list[int], bool]:
    csc = cover.tocsc()
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    xs = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(cover.shape[0])]
    coverable = np.flatnonzero(np.diff(csc.indptr) > 0)
    ys = {j: pulp.LpVariable(f"y{j}", lowBound=0, upBound=1) for j in coverable}
    prob += pulp.lpSum(float(w[j]) * ys[j] for j in coverable)
    prob += pulp.lpSum(xs) == k
    for j in coverable:
        prob += ys[j] <= pulp.lpSum(xs[i] for i in csc.indices[csc.indptr[j] : csc.indptr[j + 1]])
    status = prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit))
    chosen = [i for i, v in enumerate(xs) if (v.value() or 0) > 0.5]
    optimal = pulp.LpStatus[status] == "Optimal" and len(chosen) == k
    return chosen, optimal


def order(chosen: list[int], cover: sparse.csr_matrix, w: np.ndarray) -> list[int]:
    """Rank chosen sites by marginal coverage (greedy order within the chosen set)."""
    sub = cover[chosen]
    ranked = greedy(sub, w, len(chosen), stop_at_zero=False)
    return [chosen[i] for i in ranked]
