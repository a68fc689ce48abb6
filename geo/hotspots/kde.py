"""Kernel density hotspots on a grid: the top cells covering a chosen share of the area.

The density is a binned Gaussian KDE: incidents are counted per cell and smoothed with a Gaussian
filter of standard deviation ``bandwidth`` metres (``scipy.ndimage``; the same binned estimate
KDEpy's FFT KDE makes, exact to the binning).  Density is in incidents per km2.

Automatic defaults (reported in ``params``):

* ``cell_size``: 50 m (about the spacing of data.police.uk snap points in a town centre),
  coarsened to a nice value only if the grid would exceed 500,000 cells.  The earlier default,
  the median nearest-neighbour distance (100-150 m on the bundled data), lost to a plain count
  grid of 50 m cells in the backtest (docs/experiments.md).
* ``bandwidth``: ``2 x cell_size`` (100 m by default).  Normal-reference rules (Scott, Silverman) take the spread of
  the whole district and give kilometre bandwidths that blur a town centre into one blob; they are
  available as ``bandwidth="scott"`` (the "plain KDE" baseline of the backtest).  The bandwidth
  is never zero, and a bandwidth below the cell size is reported as a warning.
* ``local_weight`` 5: the surface is a mixture of two density estimates, the kernel density and
  each cell's own incident density (its histogram), ``(kde + local_weight * cell) / (1 +
  local_weight)``, still in incidents per km2.  data.police.uk snaps incidents to a few
  thousand points, and where incidents were recorded last months is the strongest single
  predictor of next month (the "previous counts" baseline of the backtest); the kernel part
  ranks cells with equal counts by their surroundings and lifts cells next to busy ones.  This
  blend is what makes the default match or beat both backtest baselines (docs/hotspots.md).
  ``local_weight=0`` gives a plain KDE.
* ``occupied_only`` True: only cells where incidents were recorded can be hotspot cells (the
  kernel still ranks them).  data.police.uk's snap points are the natural unit: spending the
  budget on the empty halo a kernel spreads around them costs hit rate per area (PAI) without
  catching more incidents (docs/experiments.md).  ``occupied_only=False`` is the earlier default.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy import ndimage

from geo.hotspots._polygons import dissolve_cells, label_max
from geo.hotspots.grid import Bounds, Grid, auto_cell_size_points, make_grid
from geo.hotspots.result import HotspotError, build_table, study_area, xy

#: Default bandwidth as a multiple of the cell size.
BANDWIDTH_CELLS = 2.0
#: Default cell size in metres (coarsened only when the grid would exceed ``MAX_CELLS``).
KDE_CELL = 50.0
#: Largest grid the automatic cell size allows.
MAX_CELLS = 500_000


def scott_bandwidth(x: np.ndarray, y: np.ndarray) -> float:
    """Scott's rule for a 2-D Gaussian kernel, from the geometric mean of the axis spreads (metres)."""
    n = len(x)
    if n < 2:
        return 0.0
    sigma = math.sqrt(float(np.std(x, ddof=1)) * float(np.std(y, ddof=1)))
    return sigma * n ** (-1 / 6)


def _resolve(
    x: np.ndarray, y: np.ndarray, bounds: Bounds, cell_size: float | None, bandwidth: float | str | None
) -> tuple[float, bool, float, str]:
    """Cell size, whether it was automatic, bandwidth and the bandwidth's rule."""
    auto_cell = cell_size is None
    if cell_size is None:
        # the snap-point scale: 50 m, unless the study area needs a coarser grid
        cell = auto_cell_size_points(x, y, bounds, max_cells=MAX_CELLS, lo=KDE_CELL, hi=KDE_CELL)
    elif not cell_size > 0:
        raise HotspotError(f"cell size must be positive, got {cell_size}")
    else:
        cell = float(cell_size)
    rule = "fixed"
    if bandwidth is None or bandwidth == "auto":
        bw, rule = BANDWIDTH_CELLS * cell, f"{BANDWIDTH_CELLS} x cell size"
    elif bandwidth == "scott":
        bw, rule = scott_bandwidth(x, y), "Scott's rule"
    elif isinstance(bandwidth, str):
        raise HotspotError(f"bandwidth must be metres, 'auto' or 'scott', got '{bandwidth}'")
    elif not bandwidth > 0:
        raise HotspotError(f"bandwidth must be positive, got {bandwidth}")
    else:
        bw = float(bandwidth)
    if not bw > 0:  # e.g. Scott's rule on one location
        bw, rule = cell, "cell size (data too concentrated for the rule)"
    return float(cell), auto_cell, float(bw), rule


def kde_surface(
    x: np.ndarray,
    y: np.ndarray,
    *,
    cell_size: float,
    bandwidth: float,
    grid: Grid | None = None,
    weights: np.ndarray | None = None,
    local_weight: float = 0.0,
    counts: np.ndarray | None = None,
) -> tuple[Grid, np.ndarray]:
    """Binned Gaussian KDE in incidents per km2 on ``grid`` (made from the points if None).

    With ``local_weight`` > 0 the result is the mixture ``(kde + local_weight * cell density) /
    (1 + local_weight)`` (see the module notes).  ``counts`` (points per cell of ``grid``) may be
    given instead of binning ``x, y`` again.
    """
    if grid is None:
        grid = make_grid(x, y, cell_size, pad=3 * bandwidth)
    if counts is None:
        counts = grid.counts(x, y, weights)
    dens = ndimage.gaussian_filter(counts, sigma=bandwidth / grid.cell, mode="constant", truncate=4.0)
    if local_weight:
        dens = (dens + local_weight * counts) / (1 + local_weight)
    return grid, dens / (grid.cell_area_m2 / 1e6)


def _check(local_weight: float, top_share: float) -> None:
    """Refuse a negative local weight or a share outside (0, 1]."""
    if local_weight < 0:
        raise HotspotError(f"local_weight must not be negative, got {local_weight}")
    if not 0 < top_share <= 1:
        raise HotspotError(f"top share of the area must be in (0, 1], got {top_share}")


def _bandwidth_warnings(bandwidth: float, cell_size: float) -> list[str]:
    """A warning when the bandwidth is below the cell size (the surface is then near raw counts)."""
    if bandwidth >= cell_size:
        return []
    return [
        f"bandwidth {bandwidth:.0f} m is smaller than the cell size {cell_size:.0f} m: "
        "the surface is close to raw counts"
    ]


def _densest(flat: np.ndarray, n_cells: int) -> tuple[np.ndarray, float | None]:
    """The ``n_cells`` densest cells (flat bool) and the density threshold (None for no cell).

    Ties at the threshold go to the lower cell index (as a stable sort would), without sorting
    the whole grid.
    """
    selected = np.zeros(flat.size, dtype=bool)
    if not n_cells:
        return selected, None
    threshold = float(np.partition(flat, flat.size - n_cells)[flat.size - n_cells])
    selected = flat > threshold
    selected[np.flatnonzero(flat == threshold)[: n_cells - int(selected.sum())]] = True
    return selected, threshold


def kde_hotspots(
    incidents: pd.DataFrame,
    *,
    district: Any = None,
    area: shapely.Geometry | None = None,
    cell_size: float | None = None,
    bandwidth: float | str | None = None,
    local_weight: float = 5.0,
    top_share: float = 0.01,
    occupied_only: bool = True,
    seed: int = 0,
) -> tuple:
    """KDE hotspots: the highest-density cells covering ``top_share`` of the study area, dissolved.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents (easting/northing).
    district : District, optional
        Restricts cells to the district and makes ``top_share`` a share of its area; otherwise
        the share is of the incidents' bounding box.
    area : shapely geometry, optional
        Study area (EPSG:27700) used instead of the district, e.g. the selection's sectors.
    cell_size : float, optional
        Metres; automatic when None.
    bandwidth : float or "auto" or "scott", optional
        Gaussian standard deviation in metres; automatic (3 cells) when None.
    local_weight : float, default 5
        Weight of each cell's own density in the mixture (0 = plain KDE).
    top_share : float, default 0.01
        Share of the study area (0-1] the hotspots may cover (the budget).
    occupied_only : bool, default True
        Only cells holding at least one incident can be hotspot cells; the kernel part still
        ranks them.  With data.police.uk's snap points this makes the recorded locations the
        unit: the budget is not spent on the empty halo a kernel spreads around them.

    Returns
    -------
    (polygons GeoDataFrame, params dict, warnings list, (grid, density))
    """
    _check(local_weight, top_share)
    x, y = xy(incidents)
    area_geom, area_m2 = study_area(district, x, y, area)
    bounds = tuple(area_geom.bounds) if area_geom is not None else (x.min(), y.min(), x.max(), y.max())
    cell_size, auto_cell, bandwidth, rule = _resolve(x, y, bounds, cell_size, bandwidth)
    warnings = _bandwidth_warnings(bandwidth, cell_size)
    grid = make_grid(x, y, cell_size, bounds=bounds, pad=0 if area_geom is not None else 3 * bandwidth)
    # cells of the points as located (labels) and as rounded to distinct locations (density)
    loc, loc_rounded = grid.locate_rounded(x, y, 0.1)
    grid, dens = kde_surface(
        x, y, cell_size=cell_size, bandwidth=bandwidth, grid=grid, local_weight=local_weight,
        counts=grid.counts_at(loc_rounded),
    )  # fmt: skip
    inside = grid.inside_mask(area_geom)
    if occupied_only:
        inside = inside & (grid.counts_at(loc_rounded) > 0)
    dens = np.where(inside, dens, 0.0)
    flat = dens.ravel()
    n_cells = min(max(1, int(math.floor(top_share * area_m2 / grid.cell_area_m2))), int((flat > 0).sum()))
    selected, threshold = _densest(flat, n_cells)
    polys, cell_label = dissolve_cells(grid, selected.reshape(grid.shape))
    labels = np.where(loc >= 0, cell_label[loc], -1)
    peak = label_max(flat, cell_label, len(polys))
    params = {
        "cell_size_m": cell_size,
        "cell_size_auto": auto_cell,
        "bandwidth_m": round(bandwidth, 1),
        "bandwidth_rule": rule,
        "local_weight": local_weight,
        "top_share": top_share,
        "occupied_only": occupied_only,
        "cells_selected": int(n_cells),
        "threshold_per_km2": round(threshold, 2) if n_cells and threshold is not None else None,
        "study_area_km2": round(area_m2 / 1e6, 3),
    }
    table = build_table(polys, labels, incidents, "kde", {"peak_density_per_km2": list(np.round(peak, 2))})
    return table, params, warnings, (grid, dens)
