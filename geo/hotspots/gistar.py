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
* ``inference="permutation"``: the conditional randomisation of esda's ``G_Local(...,
  permutations=...)`` (:func:`geo.hotspots.gistar_stats.conditional_pvalues`): the cell's own
  count is held fixed and its 8 neighbours are drawn at random from the other cells
  ``permutations`` times (default 999, seeded by ``seed``);
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
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy import ndimage, stats

from geo.hotspots._polygons import dissolve_cells, label_max
from geo.hotspots.gistar_stats import (
    LEVELS,
    PERMUTATIONS,
    classify,
    conditional_pvalues,
    gistar_values,
    gistar_z_sparse,
    poisson_pvalues,
    queen_adjacency,
    queen_graph,
    queen_weights,
)
from geo.hotspots.grid import Bounds, auto_cell_size, auto_cell_size_points, make_grid, nice
from geo.hotspots.result import HotspotError, build_table, study_area, xy

#: Default minimum incidents a cell must hold to be tested at all.
MIN_COUNT = 5
#: Inference choices and how ``params["inference"]`` describes them.
INFERENCE = {
    "exact": "exact Poisson tail of the star sum under complete spatial randomness (one-sided)",
    "permutation": "esda conditional randomisation, {permutations} permutations, one-sided, seed {seed}",
    "normal": "analytic normal approximation, one-sided (not calibrated on sparse counts)",
}


def gistar_cell_size(
    ux: np.ndarray, uy: np.ndarray, n: float, area_m2: float, bounds: Bounds, max_cells: int = 30_000
) -> float:
    """Automatic Gi* cell, never sparser than half an incident per cell on average.

    The nearest-neighbour cell of the grid methods, but at least the cell that would hold 0.5
    incidents on average if they were spread evenly over the study area.

    Gi*'s normal approximation fails on very sparse counts: on 150 m cells, uniform noise with
    0.2 incidents per cell yields "99%" hot spots wherever 3 or 4 incidents share a cell.
    """
    cell = max(auto_cell_size(ux, uy, bounds, max_cells=max_cells), _sparse_floor(n, area_m2))
    return float(cell)


def _sparse_floor(n: float, area_m2: float) -> float:
    """The cell that would hold 0.5 incidents on average over the study area, rounded."""
    return nice(math.sqrt(0.5 * area_m2 / max(n, 1)))


def _validate(cell_size: float | None, min_level: float, permutations: int, min_count: int, inference: str) -> None:
    """Refuse impossible parameters (a HotspotError naming the parameter)."""
    if inference not in INFERENCE:
        raise HotspotError(f"inference must be one of {', '.join(INFERENCE)}, got '{inference}'")
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
    district: Any = None,
    area: shapely.Geometry | None = None,
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
    _validate(cell_size, min_level, permutations, min_count, inference)
    x, y = xy(incidents)
    area_geom, area_m2 = study_area(district, x, y, area)
    # the selection's own extent keeps the lattice small; the study area only masks it
    bounds = (x.min(), y.min(), x.max(), y.max())
    auto = cell_size is None
    cell = auto_cell_size_points(x, y, bounds, max_cells=max_cells) if cell_size is None else float(cell_size)
    grid = make_grid(x, y, cell, bounds=bounds, pad=cell)
    loc, loc_rounded = grid.locate_rounded(x, y, 0.1)
    counts = grid.counts_at(loc_rounded)
    inside = grid.inside_mask(area_geom)
    # one ring around every occupied cell, so no tested cell lacks neighbours
    mask = ndimage.binary_dilation(inside | (counts > 0), structure=np.ones((3, 3)))
    z, p, tested = _infer(counts, mask, inside, min_count, inference, permutations, seed)
    cls = classify(z, p, fdr=fdr)
    cls[cls < 0] = 0  # cold spots are not sought (cells below min_count are not tested)
    hot = cls >= {0.99: 3, 0.95: 2, 0.90: 1}[min_level]
    polys, cell_label = dissolve_cells(grid, hot)
    labels = np.where(loc >= 0, cell_label[loc], -1)
    extra = _columns(cls, z, cell_label, len(polys))
    params = {
        "cell_size_m": cell,
        "cell_size_auto": auto,
        "cells_in_lattice": int(mask.sum()),
        "cells_tested": int(tested),
        "min_count": int(min_count),
        **_method_text(inference, permutations, seed, fdr),
        "min_level": min_level,
        "hot_cells": {_NAMES[r]: int((cls == r).sum()) for r in (3, 2, 1)},
        "study_area_km2": round(area_m2 / 1e6, 3),
    }
    return _finish(
        incidents, (polys, labels, extra), params, tested, min_count, (grid, np.where(hot, np.nan_to_num(z), 0.0))
    )


def _finish(
    incidents: pd.DataFrame, found: tuple, params: dict[str, Any], tested: int, min_count: int, surface: tuple
) -> tuple:
    """The method's return value: table, parameters, warnings, surface."""
    polys, labels, extra = found
    warnings = []
    if not tested:
        warnings.append(f"no cell holds {min_count} or more incidents: no hot spot can be found")
    table = build_table(polys, labels, incidents, "gistar", extra)
    return table, params, warnings, surface


#: Class rank -> confidence label.
_NAMES = {3: "99%", 2: "95%", 1: "90%"}


def _columns(cls: np.ndarray, z: np.ndarray, cell_label: np.ndarray, n: int) -> dict[str, list]:
    """The Gi* columns of each hotspot: its best class, confidence and highest z."""
    best = [int(b) for b in label_max(cls.ravel(), cell_label, n)]
    zmax = label_max(np.nan_to_num(z.ravel()), cell_label, n)
    return {
        "gi_class": [f"hot spot {_NAMES[b]}" for b in best],
        "gi_confidence": [{3: 99, 2: 95, 1: 90}[b] for b in best],
        "gi_z_max": list(np.round(zmax, 2)),
    }


def _method_text(inference: str, permutations: int, seed: int, fdr: bool) -> dict[str, Any]:
    """How the cells were tested, for ``params``."""
    family = "study area" if inference == "exact" else "tested"
    return {
        "neighbours": "queen (8 cells) plus the cell itself (star=True), binary",
        "inference": INFERENCE[inference].format(permutations=permutations, seed=seed),
        "permutations": permutations if inference == "permutation" else 0,
        "correction": f"false discovery rate (Benjamini-Hochberg) over the {family} cells" if fdr else "none",
    }


def _infer(
    counts: np.ndarray,
    mask: np.ndarray,
    inside: np.ndarray,
    min_count: int,
    inference: str,
    permutations: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Z of every lattice cell, p of the test family (NaN elsewhere) and the number tested.

    z is the analytic Gi* z-score; the tested cells hold ``min_count`` or more incidents.
    """
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


__all__ = [
    "INFERENCE",
    "LEVELS",
    "MIN_COUNT",
    "PERMUTATIONS",
    "classify",
    "conditional_pvalues",
    "gistar_cell_size",
    "gistar_hotspots",
    "gistar_values",
    "gistar_z_sparse",
    "poisson_pvalues",
    "queen_adjacency",
    "queen_graph",
    "queen_weights",
]
