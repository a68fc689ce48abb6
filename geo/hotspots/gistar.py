"""Getis-Ord Gi* hotspots on a grid (PySAL ``esda``), with permutation inference.

Cells are counted on a grid restricted to the selection's extent (and masked to the study area
when one is given); neighbours are the 8 surrounding cells plus the cell itself (queen contiguity,
binary weights, ``star=True``).

Inference (why not the normal approximation)
--------------------------------------------
The analytic Gi* z-score assumes roughly normal counts.  Crime grids are sparse (0.1-0.4 incidents
per cell at district scale), and there the normal tail is far too thin: on pure uniform noise
about half of all simulated data sets got "99%" hot spots, some holding one incident.  So:

* **Only cells holding at least** ``min_count`` **incidents (default 5) can be hot spots.**
* ``inference="exact"`` (default): the Gi* star sum (the cell and its 8 neighbours) tested
  against complete spatial randomness, the null "uniform noise" stands for: each cell's count is
  Poisson with the study area's mean count per cell, so the star sum of ``k`` cells is Poisson
  with ``k`` times that mean and the one-sided p-value ``P(sum >= observed)`` is exact
  (:func:`poisson_pvalues`), with no Monte Carlo floor.  (A randomisation null, which shuffles the
  observed counts, cannot call any single cell more significant than about 9 / cells, since its
  busiest count could have fallen anywhere.)  The cluster methods use the same null.  The false
  discovery rate
  (``esda.fdr``, Benjamini-Hochberg, separately at 99%, 95% and 90%) runs over **every cell of
  the study area**, cells below ``min_count`` counting as p = 1: the statistic includes the cell's
  own count, so correcting over the busy cells alone would not be valid.
* ``inference="permutation"``: esda's conditional randomisation (``esda.crand``, the engine of
  ``G_Local(..., permutations=...)``): the cell's own count is held fixed and its 8 neighbours are
  drawn at random from the other cells ``permutations`` times (default 999, seeded by ``seed``);
  pseudo p = ``(1 + draws at least as high) / (1 + permutations)``.  Conditioning on the cell's
  own count makes the family of tested cells (``min_count`` or more) a valid one for the FDR.  It
  answers a different question - *is this busy cell's neighbourhood busy too?* - so a cluster
  that falls inside one cell with quiet neighbours is never found, and with 999 permutations the
  smallest p is 0.001, which Benjamini-Hochberg can only use for groups of cells.
* ``inference="normal"``: the analytic approximation, one-sided, for comparison only.

Only hot spots are sought (one-sided tests); cold spots cannot hold ``min_count`` incidents.

The check: on uniform noise at the district's real density (2,100 incidents, a typical
three-month selection, over the Winchester boundary), 40 seeds, the share of data sets with any
"95%" hot spot is at most 5%, and a planted cluster of 90 incidents (25 m standard deviation) in
that noise is found within 50 m (``tests/unit/test_hotspots_gistar.py``; docs/hotspots.md gives
the measured rates).
"""

from __future__ import annotations

import math
import warnings as _warnings

import numpy as np
import pandas as pd
from scipy import ndimage, sparse, stats

from geo.hotspots._grid import auto_cell_size, auto_cell_size_points, make_grid, nice
from geo.hotspots._polygons import dissolve_cells, label_max
from geo.hotspots._result import HotspotError, build_table, study_area, xy

#: Confidence levels, highest first, with their class labels.
LEVELS = ((0.99, "99%"), (0.95, "95%"), (0.90, "90%"))
#: Default number of conditional permutations (p-values in steps of 1 / (1 + 999)).
PERMUTATIONS = 999
#: Default minimum incidents a cell must hold to be tested at all.
MIN_COUNT = 5
#: Inference choices and how ``params["inference"]`` describes them.
INFERENCE = {
    "exact": "exact Poisson tail of the star sum under complete spatial randomness (one-sided)",
    "permutation": "esda conditional randomisation, {permutations} permutations, one-sided, seed {seed}",
    "normal": "analytic normal approximation, one-sided (not calibrated on sparse counts)",
}


def gistar_cell_size(ux, uy, n: int, area_m2: float, bounds, max_cells: int = 30_000) -> float:
    """Automatic Gi* cell: the nearest-neighbour cell of the grid methods, but at least the cell
    that would hold 0.5 incidents on average if they were spread evenly over the study area.

    Gi*'s normal approximation fails on very sparse counts: on 150 m cells, uniform noise with
    0.2 incidents per cell yields "99%" hot spots wherever 3 or 4 incidents share a cell.
    """
    cell = max(auto_cell_size(ux, uy, bounds, max_cells=max_cells), _sparse_floor(n, area_m2))
    return float(cell)


def _sparse_floor(n: int, area_m2: float) -> float:
    """The cell that would hold 0.5 incidents on average over the study area, rounded."""
    return nice(math.sqrt(0.5 * area_m2 / max(n, 1)))


def queen_adjacency(mask: np.ndarray) -> sparse.csr_array:
    """Binary queen-contiguity adjacency (no self-loops) between the True cells of a 2-D mask,
    numbered in row-major order of the mask."""
    ny, nx = mask.shape
    ids = -np.ones(mask.shape, dtype=np.int64)
    ids[mask] = np.arange(int(mask.sum()))
    rows, cols = [], []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy == 0 and dx == 0:
                continue
            a = ids[max(0, -dy) : ny - max(0, dy), max(0, -dx) : nx - max(0, dx)]
            b = ids[max(0, dy) : ny - max(0, -dy), max(0, dx) : nx - max(0, -dx)]
            ok = (a >= 0) & (b >= 0)
            rows.append(a[ok])
            cols.append(b[ok])
    r, c = np.concatenate(rows), np.concatenate(cols)
    n = int(mask.sum())
    return sparse.csr_array((np.ones(len(r)), (r, c)), shape=(n, n))


def queen_weights(mask: np.ndarray):
    """Binary queen-contiguity ``libpysal`` weights (``W``) between the True cells of a 2-D mask."""
    from libpysal.weights import W

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")  # islands (isolated cells) are legitimate at the edges
        return W.from_sparse(sparse.csr_matrix(queen_adjacency(mask)))


def queen_graph(mask: np.ndarray):
    """The same weights as :func:`queen_weights` as a ``libpysal.graph.Graph``.

    esda accepts either; the ``W`` object builds Python dicts of every cell's neighbours and
    esda then rebuilds it to add the self-weight, which costs seconds on 100,000 cells, while
    the sparse-backed ``Graph`` gives the same z-scores (the tests check it) in a fraction.
    """
    from libpysal.graph import Graph

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        return Graph.from_sparse(queen_adjacency(mask))


def gistar_values(values: np.ndarray, mask: np.ndarray, *, permutations: int = 0, seed: int = 0, w=None):
    """Gi* z-scores and two-sided p-values of the masked cells of a 2-D array (NaN elsewhere).

    ``w`` (:func:`queen_graph` or :func:`queen_weights` on the same mask) may be passed to reuse
    it across calls.
    """
    from esda import G_Local

    y = values[mask].astype(float)
    z = np.full(values.shape, np.nan)
    p = np.full(values.shape, np.nan)
    if y.size < 3 or np.all(y == y[0]):
        return z, p
    w = queen_graph(mask) if w is None else w
    with _warnings.catch_warnings(), np.errstate(all="ignore"):
        _warnings.simplefilter("ignore")
        g = G_Local(y, w, transform="B", star=True, permutations=permutations, seed=seed, keep_simulations=False)
    zs = np.asarray(g.Zs, dtype=float)
    z[mask] = zs
    p[mask] = 2 * stats.norm.sf(np.abs(zs))
    if permutations:
        p[mask] = np.minimum(1.0, 2 * np.asarray(g.p_sim, dtype=float))
    return z, p


def gistar_z_sparse(values: np.ndarray, mask: np.ndarray, adjacency) -> tuple[np.ndarray, np.ndarray]:
    """The analytic Gi* z-scores of :func:`gistar_values` computed directly with a sparse matrix.

    The same formula esda evaluates (binary weights, the cell itself included); the tests check
    the two agree to rounding.  Used where Gi* runs once per period (emerging hotspots), where
    building esda's objects each time would dominate.
    """
    z = np.full(values.shape, np.nan)
    p = np.full(values.shape, np.nan)
    y = values[mask].astype(float)
    n = y.size
    if n < 3 or np.all(y == y[0]):
        return z, p
    wstar = adjacency + sparse.identity(n, format="csr")
    sw = np.asarray(wstar.sum(axis=1)).ravel()
    mean = y.mean()
    sd = math.sqrt(max((y**2).mean() - mean**2, 0.0))
    with np.errstate(all="ignore"):
        zs = (wstar @ y - mean * sw) / (sd * np.sqrt((n * sw - sw**2) / (n - 1)))
    z[mask] = zs
    p[mask] = 2 * stats.norm.sf(np.abs(zs))
    return z, p


def conditional_pvalues(
    values: np.ndarray, adjacency, tested: np.ndarray, *, permutations: int = PERMUTATIONS, seed: int = 0
) -> np.ndarray:
    """One-sided ("greater") pseudo p-values of Gi* by esda's conditional randomisation.

    Parameters
    ----------
    values : 1-D array
        Count of every cell of the lattice.
    adjacency : sparse matrix
        Binary neighbours without the cell itself (:func:`queen_adjacency`), same order as ``values``.
    tested : 1-D int array
        Indices of the cells to test.
    permutations : int, default :data:`PERMUTATIONS`
    seed : int, default 0

    Returns
    -------
    1-D array
        p-value of each tested cell, in the order of ``tested``.

    Notes
    -----
    The same numba kernel ``esda.G_Local(star=True, permutations=...)`` runs
    (``esda.crand.compute_chunk`` with ``esda.getisord._g_local_star_crand``), fed only the tested
    cells: the lattice is reordered so they come first, and the kernel is run on that leading
    chunk.  esda would otherwise spend the same work on every empty cell of the grid.
    Observed and permuted sums are integers divided by the total; the observed value is lowered by
    half an incident so that ties count as "at least as high" (the conservative convention)
    whatever the floating-point rounding.
    """
    from esda.crand import compute_chunk, vec_permutations
    from esda.getisord import _g_local_star_crand

    y = np.asarray(values, dtype=float)
    n, m = y.size, len(tested)
    if m == 0 or n < 3:
        return np.ones(m)
    rest = np.setdiff1d(np.arange(n), tested, assume_unique=False)
    order = np.concatenate([np.asarray(tested, dtype=np.int64), rest])
    adj = sparse.csr_matrix(adjacency)[order][:, order].tocsr()
    adj.sort_indices()
    yo = np.ascontiguousarray(y[order])
    total = float(yo.sum())
    card = np.diff(adj.indptr)[:m].astype(np.int64)
    other = np.ascontiguousarray(adj.data[: adj.indptr[m]].astype(float))
    star_sum = np.asarray(adj[:m] @ yo).ravel() + yo[:m]
    observed = (star_sum - 0.5) / total
    ids = vec_permutations(int(max(card.max(), 1)), n, int(permutations), int(seed))
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        p, _ = compute_chunk(
            0, yo[:m], yo, observed, card, np.ones(m), other, ids, total, False, _g_local_star_crand, 0.0, "greater"
        )
    return np.asarray(p, dtype=float)


def classify(z: np.ndarray, p: np.ndarray, *, fdr: bool = True) -> np.ndarray:
    """Class of each cell: +3/+2/+1 hot at 99/95/90%, -3/-2/-1 cold, 0 none (FDR-corrected).

    ``p`` is NaN for cells not tested.
    """
    from esda import fdr as esda_fdr

    out = np.zeros(z.shape, dtype=np.int8)
    valid = ~np.isnan(p)
    pv = p[valid]
    for rank, (level, _) in zip((3, 2, 1), LEVELS, strict=True):
        alpha = 1 - level
        thr = esda_fdr(pv, alpha) if fdr and pv.size else alpha
        sig = np.zeros(z.shape, dtype=bool)
        sig[valid] = pv <= thr
        hot = sig & (z > 0) & (out == 0)
        cold = sig & (z < 0) & (out == 0)
        out[hot] = rank
        out[cold] = -rank
    return out


def _validate(cell_size, min_level, permutations, min_count) -> None:
    if cell_size is not None and not cell_size > 0:
        raise HotspotError(f"cell size must be positive, got {cell_size}")
    if min_level not in {lv for lv, _ in LEVELS}:
        raise HotspotError(f"min_level must be one of 0.90, 0.95, 0.99, got {min_level}")
    if permutations < 99:
        raise HotspotError(f"permutations must be at least 99, got {permutations}")
    if min_count < 1:
        raise HotspotError(f"min_count must be at least 1, got {min_count}")


def gistar_hotspots(
    incidents: pd.DataFrame,
    *,
    district=None,
    area=None,
    cell_size: float | None = None,
    fdr: bool = True,
    inference: str = "exact",
    permutations: int = PERMUTATIONS,
    min_count: int = MIN_COUNT,
    min_level: float = 0.90,
    max_cells: int = 30_000,
    seed: int = 0,
) -> tuple:
    """Gi* hotspots: tested cells hot at ``min_level`` confidence or more, dissolved.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents (easting/northing).
    district : District, optional
        The study area when ``area`` is not given.
    area : shapely geometry, optional
        Study area (EPSG:27700) the grid is masked to, e.g. the selection's sectors.
    cell_size : float, optional
        Metres; automatic when None: the nearest-neighbour cell of the grid methods, coarsened
        until the lattice has at most ``max_cells`` cells.
    fdr : bool, default True
        Benjamini-Hochberg over the tested cells.
    inference : {"exact", "permutation", "normal"}, default "exact"
        How p-values are found (see the module notes): the exact randomisation tail of the star
        sum, esda's conditional permutations, or the analytic normal approximation (not
        calibrated on sparse counts; for comparison only).
    permutations : int, default :data:`PERMUTATIONS` (999)
        Conditional permutations per tested cell (``inference="permutation"``).
    min_count : int, default :data:`MIN_COUNT` (5)
        Cells holding fewer incidents are not tested and are never hot spots.
    min_level : {0.90, 0.95, 0.99}, default 0.90
        Lowest confidence class returned.
    seed : int, default 0
        Seed of the permutations.

    Returns
    -------
    (polygons GeoDataFrame, params dict, warnings list, (grid, z where hot else 0))
    """
    _validate(cell_size, min_level, permutations, min_count)
    if inference not in INFERENCE:
        raise HotspotError(f"inference must be one of {', '.join(INFERENCE)}, got '{inference}'")
    x, y = xy(incidents)
    area_geom, area_m2 = study_area(district, x, y, area)
    # the selection's own extent keeps the lattice small; the study area only masks it
    bounds = (x.min(), y.min(), x.max(), y.max())
    auto = cell_size is None
    if auto:
        cell_size = auto_cell_size_points(x, y, bounds, max_cells=max_cells)
    grid = make_grid(x, y, cell_size, bounds=bounds, pad=cell_size)
    loc, loc_rounded = grid.locate_rounded(x, y, 0.1)
    counts = grid.counts_at(loc_rounded)
    inside = grid.inside_mask(area_geom)
    # one ring around every occupied cell, so no tested cell lacks neighbours
    mask = ndimage.binary_dilation(inside | (counts > 0), structure=np.ones((3, 3)))
    z, p, tested = _infer(counts, mask, inside, min_count, inference, permutations, seed)
    cls = classify(z, p, fdr=fdr)
    cls[cls < 0] = 0  # cold spots are not sought (cells below min_count are not tested)
    min_rank = {0.99: 3, 0.95: 2, 0.90: 1}[min_level]
    hot = cls >= min_rank
    polys, cell_label = dissolve_cells(grid, hot)
    flat_cls, flat_z = cls.ravel(), np.nan_to_num(z.ravel())
    best = [int(b) for b in label_max(flat_cls, cell_label, len(polys))]
    zmax = label_max(flat_z, cell_label, len(polys))
    labels = np.where(loc >= 0, cell_label[loc], -1)
    names = {3: "99%", 2: "95%", 1: "90%"}
    extra = {
        "gi_class": [f"hot spot {names[b]}" for b in best],
        "gi_confidence": [{3: 99, 2: 95, 1: 90}[b] for b in best],
        "gi_z_max": list(np.round(zmax, 2)),
    }
    params = {
        "cell_size_m": float(cell_size),
        "cell_size_auto": auto,
        "cells_in_lattice": int(mask.sum()),
        "cells_tested": int(tested),
        "min_count": int(min_count),
        "neighbours": "queen (8 cells) plus the cell itself (star=True), binary",
        "inference": INFERENCE[inference].format(permutations=permutations, seed=seed),
        "permutations": permutations if inference == "permutation" else 0,
        "correction": (
            f"false discovery rate (Benjamini-Hochberg) over the "
            f"{'study area' if inference == 'exact' else 'tested'} cells"
            if fdr
            else "none"
        ),
        "min_level": min_level,
        "hot_cells": {names[r]: int((cls == r).sum()) for r in (3, 2, 1)},
        "study_area_km2": round(area_m2 / 1e6, 3),
    }
    warnings = []
    if not tested:
        warnings.append(f"no cell holds {min_count} or more incidents: no hot spot can be found")
    table = build_table(polys, labels, incidents, "gistar", extra)
    surface = np.where(hot, np.nan_to_num(z), 0.0)
    return table, params, warnings, (grid, surface)


def poisson_pvalues(values: np.ndarray, adjacency, cells: np.ndarray, mean_per_cell: float) -> np.ndarray:
    """One-sided exact p-values of the Gi* star sum under complete spatial randomness.

    Under the null that incidents fall uniformly over the study area (each cell's count Poisson
    with mean ``mean_per_cell``, the study area's incidents per cell), the star sum of a cell of
    ``k`` neighbourhood cells (itself included) is Poisson with mean ``k * mean_per_cell``, so
    ``P(sum >= observed)`` is exact (``scipy.stats.poisson.sf``), however sparse the counts.

    Parameters
    ----------
    values : 1-D array of non-negative integers
        Count of every cell of the lattice.
    adjacency : sparse matrix
        Binary neighbours without the cell itself, same order as ``values``.
    cells : 1-D int array
        Cells whose p-value is wanted.
    mean_per_cell : float
        Expected count of one cell under the null.
    """
    y = np.rint(np.asarray(values, dtype=float)).astype(np.int64)
    adj = sparse.csr_matrix(adjacency)
    star = np.rint(np.asarray(adj @ y).ravel()).astype(np.int64) + y
    size = np.diff(adj.indptr) + 1
    cells = np.asarray(cells, dtype=np.int64)
    return stats.poisson.sf(star[cells] - 1, size[cells] * mean_per_cell)


def _infer(counts, mask, inside, min_count, inference, permutations, seed):
    """Analytic z of every lattice cell, p of the cells in the test family (NaN elsewhere), and
    the number of cells tested (holding ``min_count`` or more)."""
    adjacency = queen_adjacency(mask)
    z, _ = gistar_z_sparse(counts, mask, adjacency)
    p = np.full(counts.shape, np.nan)
    y = counts[mask]
    family = inside[mask]
    tested = np.flatnonzero((y >= min_count) & family)
    if not len(tested) or np.all(y == y[0]):
        return z, p, 0
    flat = np.full(y.size, np.nan)
    if inference == "exact":
        # the family is every cell of the study area: the test statistic includes the cell's own
        # count, so picking the busy cells first and correcting over those alone would not be valid
        flat[family] = 1.0
        mean = float(y[family].sum()) / max(int(family.sum()), 1)
        flat[tested] = poisson_pvalues(y, adjacency, tested, mean)
    elif inference == "permutation":
        flat[tested] = conditional_pvalues(y, adjacency, tested, permutations=permutations, seed=seed)
    else:
        flat[tested] = stats.norm.sf(z[mask][tested])
    p[mask] = flat
    return z, p, len(tested)
