"""DBSCAN's core locations and clusters for weighted locations, without scikit-learn's per-point loop.

``sklearn.cluster.DBSCAN(eps, min_samples).fit(points, sample_weight=w)`` finds every location's
neighbours within ``eps`` with its :class:`~sklearn.neighbors.NearestNeighbors`, sums the weights
of each neighbourhood in a Python loop (one ``np.sum`` per location, about a third of its time at
100k incidents) and grows the clusters from the core locations.  Here the same neighbour search
(the same ``NearestNeighbors`` parameters, so the same neighbours) feeds vectorised passes:

* a location is core when the weights within ``eps`` of it, its own included, reach
  ``min_samples``.  With whole-number weights (incident counts) the sum is exact in any order, so
  the core locations are exactly DBSCAN's;
* DBSCAN's clusters are the groups of core locations linked by neighbour pairs.  Core locations
  in one square of side ``eps / sqrt(2)`` (a hair less) are all within ``eps`` of each other, so
  they are linked outright; the neighbour lists then only decide which nearby squares are linked
  (each square has at most 24 squares within reach), a small graph whose connected components
  are the clusters;
* clusters are numbered in the order of their first core location, as DBSCAN's scan numbers them.

Border locations (not core, within ``eps`` of a core location) are left at -1: the hotspots are
drawn around core locations only.  The neighbour index is fitted once and queried at each radius
(the automatic ``eps`` tries several); the tree does not depend on the radius.  The neighbour
lists are walked in blocks, so the memory stays within DBSCAN's own (the lists themselves).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csgraph

#: Neighbour pairs handled per block (bounds the temporary arrays).
_BLOCK_PAIRS = 1 << 22
#: Beyond every slot (and every offset), for pairs with a non-core end.
_FAR = 1 << 50


def neighbour_index(points: np.ndarray) -> Any:
    """The neighbour search ``sklearn.cluster.DBSCAN()`` builds for ``points``, fitted once for every radius."""
    from sklearn.neighbors import NearestNeighbors

    # exactly the NearestNeighbors that DBSCAN creates with its default parameters
    return NearestNeighbors(algorithm="auto", leaf_size=30, metric="euclidean", metric_params=None, p=None).fit(points)


def _blocks(hoods: np.ndarray, sizes: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The neighbour lists as ``(rows, neighbours)`` blocks of int32, consuming ``hoods`` as it goes.

    ``rows`` are consecutive location indices; each one's neighbours are a run of ``neighbours``.
    """
    ends = np.cumsum(sizes)
    cut = np.unique(np.searchsorted(ends, np.arange(_BLOCK_PAIRS, int(ends[-1]) if len(ends) else 0, _BLOCK_PAIRS)) + 1)
    for part in np.split(np.arange(len(sizes)), cut):
        if len(part):
            cols = np.concatenate(list(hoods[part])).astype(np.int32)
            hoods[part] = None  # free the lists already copied
            yield part, cols


def core_clusters(
    index: Any, points: np.ndarray, weights: np.ndarray, eps: float, min_samples: float
) -> tuple[np.ndarray, np.ndarray]:
    """DBSCAN's core locations and their clusters (see the module notes).

    Parameters
    ----------
    index : NearestNeighbors
        :func:`neighbour_index` of ``points``.
    points : (n, 2) float array
    weights : float array
        Whole-number weights (incidents per location).
    eps : float
        Neighbourhood radius.
    min_samples : float
        Weight within ``eps`` that makes a location core.

    Returns
    -------
    labels : int array
        Cluster of each core location as ``DBSCAN.labels_`` numbers it; -1 for the others.
    core : bool array
        Whether each location is core (``DBSCAN.core_sample_indices_`` as a mask).
    """
    n = len(points)
    hoods = index.radius_neighbors(points, radius=eps, return_distance=False)
    sizes = np.fromiter(map(len, hoods), dtype=np.intp, count=n)
    weighted = np.zeros(n)
    blocks = []
    for rows, cols in _blocks(hoods, sizes):
        # every neighbourhood holds its own location, so no run is empty
        weighted[rows] = np.add.reduceat(weights[cols], np.cumsum(sizes[rows]) - sizes[rows])
        blocks.append((rows, cols))
    core = weighted >= min_samples
    labels = np.full(n, -1, dtype=np.intp)
    at = np.flatnonzero(core)
    if not len(at):
        return labels, core
    # squares of side a hair under eps / sqrt(2): any two locations in one are within eps
    side = eps / np.sqrt(2) * (1 - 1e-9)
    sx = np.floor((points[:, 0] - points[at, 0].min()) / side).astype(np.int64)
    sy = np.floor((points[:, 1] - points[at, 1].min()) / side).astype(np.int64)
    height = int(sy[at].max()) + 3
    square = np.zeros(n, dtype=np.int64)
    square[at], keys = pd.factorize(sx[at] * height + sy[at], sort=False)
    # which of the 5 x 5 squares around its square (a neighbour is at most 2 squares away) each
    # core-core neighbour pair links: slot square * 25 + (dx + 2) * 5 + (dy + 2), split into a
    # part of the location and a part of its neighbour; pairs with a non-core end go to a spare slot
    spare = len(keys) * 25
    mine = sx * 5 + sy
    of_row = np.where(core, square * 25 + 12 - mine, _FAR)
    of_col = np.where(core, mine, _FAR)
    linked = np.zeros(spare + 1, dtype=bool)
    for rows, cols in blocks:
        linked[np.minimum(np.repeat(of_row[rows], sizes[rows]) + of_col[cols], spare)] = True
    linked[spare] = False
    slot = np.flatnonzero(linked)
    src, off = slot // 25, slot % 25
    other = keys[src] + (off // 5 - 2) * height + (off % 5 - 2)
    order = np.argsort(keys)
    dst = order[np.searchsorted(keys, other, sorter=order)]
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(len(keys), len(keys)))
    n_comp, comp = csgraph.connected_components(graph, directed=False)
    # number the clusters by their first core location
    first = np.full(n_comp, n, dtype=np.intp)
    np.minimum.at(first, comp[square[at]], at)
    rank = np.empty(n_comp, dtype=np.intp)
    rank[np.argsort(first)] = np.arange(n_comp)
    labels[at] = rank[comp[square[at]]]
    return labels, core
