"""Gi* statistics on a lattice: queen weights, z-scores, exact and permutation p-values, classes.

The inference behind :func:`geo.hotspots.gistar.gistar_hotspots` (see that module for why sparse
crime grids need the exact or permutation tests rather than the normal approximation).
"""

from __future__ import annotations

import math
import warnings as _warnings
from typing import Any

import numpy as np
from scipy import sparse, stats

#: Confidence levels, highest first, with their class labels.
LEVELS = ((0.99, "99%"), (0.95, "95%"), (0.90, "90%"))
#: Default number of conditional permutations (p-values in steps of 1 / (1 + 999)).
PERMUTATIONS = 999


def queen_adjacency(mask: np.ndarray) -> sparse.csr_array:
    """Binary queen-contiguity adjacency (no self-loops) between the True cells of a 2-D mask.

    Cells are numbered in row-major order of the mask.
    """
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


def queen_weights(mask: np.ndarray) -> Any:
    """Binary queen-contiguity ``libpysal`` weights (``W``) between the True cells of a 2-D mask."""
    from libpysal.weights import W

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")  # islands (isolated cells) are legitimate at the edges
        return W.from_sparse(sparse.csr_matrix(queen_adjacency(mask)))


def queen_graph(mask: np.ndarray) -> Any:
    """The same weights as :func:`queen_weights` as a ``libpysal.graph.Graph``.

    esda accepts either; the ``W`` object builds Python dicts of every cell's neighbours and
    esda then rebuilds it to add the self-weight, which costs seconds on 100,000 cells, while
    the sparse-backed ``Graph`` gives the same z-scores (the tests check it) in a fraction.
    """
    from libpysal.graph import Graph

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        return Graph.from_sparse(queen_adjacency(mask))


def gistar_values(
    values: np.ndarray, mask: np.ndarray, *, permutations: int = 0, seed: int = 0, w: Any = None
) -> tuple[np.ndarray, np.ndarray]:
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


def gistar_z_sparse(values: np.ndarray, mask: np.ndarray, adjacency: Any) -> tuple[np.ndarray, np.ndarray]:
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
    values: np.ndarray,
    adjacency: Any,
    tested: np.ndarray,
    *,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
) -> np.ndarray:
    """One-sided ("greater") pseudo p-values of Gi* by conditional randomisation.

    Parameters
    ----------
    values : 1-D array
        Count of every cell of the lattice.
    adjacency : sparse matrix
        Binary neighbours without the cell itself (:func:`queen_adjacency`), same order as ``values``.
    tested : 1-D int array
        Indices of the cells to test.
    permutations : int, default :data:`PERMUTATIONS`
        Random neighbourhoods drawn per cell.
    seed : int, default 0
        Seed of the draws (numpy's default generator).

    Returns
    -------
    1-D array
        p-value of each tested cell, in the order of ``tested``.

    Notes
    -----
    The conditional randomisation of ``esda.G_Local(star=True, permutations=...)``, written out
    here so that no private esda kernel is imported and only the tested cells cost anything: the
    cell's own count is held fixed and its ``k`` neighbours are replaced by ``k`` distinct cells
    drawn at random from the other ``n - 1`` cells, ``permutations`` times.  As in esda, one set
    of draws is shared by every cell (the first ``k`` of each draw are used).  pseudo p =
    ``(1 + draws whose star sum is at least the observed one) / (1 + permutations)``; ties count
    as "at least as high" (the conservative convention).  The tests check the p-values agree
    with esda's within Monte Carlo error.
    """
    y = np.asarray(values, dtype=float)
    n, m = y.size, len(tested)
    if m == 0 or n < 3:
        return np.ones(m)
    adj = sparse.csr_matrix(adjacency)
    cells = np.asarray(tested, dtype=np.int64)
    card = np.diff(adj.indptr)[cells].astype(np.int64)
    star = np.asarray(adj[cells] @ y).ravel() + y[cells]
    k = int(max(card.max(), 1))
    rng = np.random.default_rng(seed)
    draws = np.stack([rng.choice(n - 1, size=k, replace=False) for _ in range(int(permutations))])
    use = np.arange(k)[None, :] < card[:, None]  # (m, k): which of the k draws each cell uses
    higher = np.zeros(m, dtype=np.int64)
    chunk = max(1, 2_000_000 // max(1, int(permutations) * k))
    for lo in range(0, m, chunk):
        hi = min(m, lo + chunk)
        own = cells[lo:hi, None, None]
        picks = draws[None, :, :] + (draws[None, :, :] >= own)  # skip the cell itself
        sums = (y[picks] * use[lo:hi, None, :]).sum(axis=2) + y[cells[lo:hi], None]
        higher[lo:hi] = (sums >= star[lo:hi, None] - 0.5).sum(axis=1)
    return (1.0 + higher) / (1.0 + int(permutations))


def poisson_pvalues(values: np.ndarray, adjacency: Any, cells: np.ndarray, mean_per_cell: float) -> np.ndarray:
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
