"""Previous-counts hotspots: the busiest grid cells of the selection, the backtest's toughest baseline.

data.police.uk snaps incidents to a few thousand anonymisation points, and where incidents were
recorded is the best single predictor of where the next ones will be.  This method draws that
prediction directly: incidents are counted on a square grid (``cell_size``, default 50 m, about
the spacing of the snap points in a town centre), older months optionally weigh less
(``half_life_months``), and the busiest cells covering at most ``top_share`` of the study area are
dissolved into hotspots.  Ties go to the lower cell index (deterministic).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.hotspots._polygons import dissolve_cells, label_max
from geo.hotspots.grid import make_grid
from geo.hotspots.result import HotspotError, build_table, study_area, xy
from geo.selection import reference_time

#: Default cell size in metres.
COUNT_CELL = 50.0


def _weights(incidents: pd.DataFrame, half_life_months: float | None) -> np.ndarray | None:
    if not half_life_months:
        return None
    t = reference_time(incidents)
    month = (t.dt.year * 12 + t.dt.month).to_numpy(dtype=float)  # calendar month number, vectorised
    age = month.max() - month
    return 0.5 ** (age / half_life_months)


def counts_hotspots(
    incidents: pd.DataFrame,
    *,
    district: Any = None,
    area: shapely.Geometry | None = None,
    cell_size: float | None = None,
    top_share: float = 0.01,
    half_life_months: float | None = None,
    context: pd.DataFrame | None = None,
    seed: int = 0,
) -> tuple:
    """The busiest cells covering at most ``top_share`` of the study area, dissolved.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents (easting/northing).
    district : District, optional
        The study area when ``area`` is not given.
    area : shapely geometry, optional
        Study area (EPSG:27700), e.g. the selection's sectors.
    cell_size : float, optional
        Metres; :data:`COUNT_CELL` (50) when None.
    top_share : float, default 0.01
        Budget: share (0-1] of the study area the hotspots may cover.  Cells holding no incident
        are never hotspots, so a sparse selection uses less.
    half_life_months : float, optional
        Weight of an incident halves for every this many months before the latest month
        (None: every month counts the same).
    context : DataFrame, optional
        All-crime incidents of the same window: their counts break ties and fill the budget left
        when too few cells hold a selected incident, exactly as the previous-counts baseline of
        the backtest (:func:`geo.hotspots.baselines.counts_cells`).  None: the selection only.
    seed : int, default 0
        Unused (every method takes one).

    Returns
    -------
    (polygons GeoDataFrame, params dict, warnings list, (grid, weighted counts))
    """
    cell = COUNT_CELL if cell_size is None else float(cell_size)
    if not cell > 0:
        raise HotspotError(f"cell size must be positive, got {cell_size}")
    if not 0 < top_share <= 1:
        raise HotspotError(f"top share of the area must be in (0, 1], got {top_share}")
    if half_life_months is not None and not half_life_months > 0:
        raise HotspotError(f"half_life_months must be positive, got {half_life_months}")
    x, y = xy(incidents)
    area_geom, area_m2 = study_area(district, x, y, area)
    bounds = tuple(area_geom.bounds) if area_geom is not None else (x.min(), y.min(), x.max(), y.max())
    grid = make_grid(x, y, cell, bounds=bounds)
    loc = grid.locate(x, y)
    w = _weights(incidents, half_life_months)
    score = grid.counts(x, y, w)
    if context is not None and not context.empty:
        cx, cy = xy(context)
        fill = grid.counts(cx, cy)
        # all-crime counts rank below one incident of the selection (the baseline's rule)
        score = score + fill / (fill.max() + 1.0)
    score = np.where(grid.inside_mask(area_geom), score, 0.0).ravel()
    n_cells = max(1, int(math.floor(top_share * area_m2 / grid.cell_area_m2)))
    pos = np.flatnonzero(score > 0)
    pick = pos[np.argsort(-score[pos], kind="stable")[:n_cells]]
    selected = np.zeros(grid.size, dtype=bool)
    selected[pick] = True
    polys, cell_label = dissolve_cells(grid, selected.reshape(grid.shape))
    labels = np.where(loc >= 0, cell_label[np.maximum(loc, 0)], -1)
    params = {
        "cell_size_m": cell,
        "top_share": top_share,
        "half_life_months": half_life_months,
        "filled_from_all_crime": context is not None,
        "cells_selected": int(len(pick)),
        "study_area_km2": round(area_m2 / 1e6, 3),
    }
    peak = label_max(score, cell_label, len(polys))
    # cells filled from all crime may hold none of the selected incidents: keep them (the forecast's)
    table = build_table(polys, labels, incidents, "counts", {"peak_cell_count": list(np.round(peak, 2))},
                        keep_empty=context is not None)  # fmt: skip
    return table, params, [], (grid, score.reshape(grid.shape))
