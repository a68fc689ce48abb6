"""Getis-Ord Gi* hotspots on a grid (PySAL ``esda.G_Local`` with ``star=True``).

The automatic cell size is :func:`gistar_cell_size`.  Cells are counted on a grid restricted
to the selection's extent (and to the district when one is
given), neighbours are the 8 surrounding cells plus the cell itself (queen contiguity, binary
weights, ``star=True``).  z-scores are analytic (``permutations=0``) unless ``permutations`` is
set.  Two-sided p-values are corrected for multiple testing with the false discovery rate
(``esda.fdr``, Benjamini-Hochberg) separately at each confidence level, and cells are classed as
99%, 95% or 90% hot (or cold) spots.  Hot cells are dissolved into hotspot polygons; each polygon
carries its highest class and z-score.
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


def classify(z: np.ndarray, p: np.ndarray, *, fdr: bool = True) -> np.ndarray:
    """Class of each cell: +3/+2/+1 hot at 99/95/90%, -3/-2/-1 cold, 0 none (FDR-corrected)."""
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


def gistar_hotspots(
    incidents: pd.DataFrame,
    *,
    district=None,
    cell_size: float | None = None,
    fdr: bool = True,
    permutations: int = 0,
    min_level: float = 0.90,
    max_cells: int = 30_000,
    seed: int = 0,
) -> tuple:
    """Gi* hotspots: hot cells at ``min_level`` confidence or more, dissolved.

    Returns
    -------
    (polygons GeoDataFrame, params dict, warnings list, (grid, z where hot else 0))
    """
    if cell_size is not None and not cell_size > 0:
        raise HotspotError(f"cell size must be positive, got {cell_size}")
    if min_level not in {lv for lv, _ in LEVELS}:
        raise HotspotError(f"min_level must be one of 0.90, 0.95, 0.99, got {min_level}")
    if permutations < 0:
        raise HotspotError(f"permutations must not be negative, got {permutations}")
    x, y = xy(incidents)
    area_geom, area_m2 = study_area(district, x, y)
    # the selection's own extent keeps the lattice small; the district only masks it
    bounds = (x.min(), y.min(), x.max(), y.max())
    auto = cell_size is None
    if auto:
        # Sparseness is judged over the ground the selection covers (a sector's incidents over the
        # sector's extent), not the whole district, or a small selection gets kilometre cells.
        extent_m2 = min(area_m2, max((bounds[2] - bounds[0]) * (bounds[3] - bounds[1]), 1.0))
        cell_size = max(auto_cell_size_points(x, y, bounds, max_cells=max_cells), _sparse_floor(len(x), extent_m2))
    grid = make_grid(x, y, cell_size, bounds=bounds, pad=cell_size)
    loc, loc_rounded = grid.locate_rounded(x, y, 0.1)
    counts = grid.counts_at(loc_rounded)
    # one ring around every tested cell, so no cell is an island (esda's weights drop islands)
    mask = ndimage.binary_dilation(grid.inside_mask(area_geom) | (counts > 0), structure=np.ones((3, 3)))
    z, p = gistar_values(counts, mask, permutations=permutations, seed=seed)
    cls = classify(z, p, fdr=fdr)
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
        "cells_tested": int(mask.sum()),
        "neighbours": "queen (8 cells) plus the cell itself (star=True), binary",
        "correction": "false discovery rate (Benjamini-Hochberg)" if fdr else "none",
        "permutations": permutations,
        "min_level": min_level,
        "hot_cells": {names[r]: int((cls == r).sum()) for r in (3, 2, 1)},
        "cold_cells": int((cls < 0).sum()),
        "study_area_km2": round(area_m2 / 1e6, 3),
    }
    warnings = []
    if math.isclose(float(np.nanstd(counts[mask])), 0.0):
        warnings.append("every cell holds the same count: no hot spots can be found")
    table = build_table(polys, labels, incidents, "gistar", extra)
    surface = np.where(hot, np.nan_to_num(z), 0.0)
    return table, params, warnings, (grid, surface)
