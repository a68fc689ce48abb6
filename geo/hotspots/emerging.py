"""Emerging hotspot classes: how each cell's Gi* hot/cold status changes over time.

Follows sfhotspot's ``hotspot_classify``: the selection is cut into consecutive periods, Gi* is
computed for every cell in every period on one grid (the analytic esda formula, see
:func:`geo.hotspots.gistar.gistar_z_sparse`), and each cell
is classed from its sequence of significant periods, first match wins:

* ``new hotspot``: hot in the final period only;
* ``persistent hotspot``: hot in at least ``persistent_prop`` of the periods;
* ``emerging hotspot``: hot in at least ``hotspot_prop`` of the periods, in the recent ones (the
  last ``recent_prop``) and in none before;
* ``former hotspot``: as emerging, but hot only before the recent periods;
* ``intermittent hotspot``: hot in at least ``hotspot_prop`` of the periods otherwise;
* the same five for cold spots; otherwise ``no pattern`` (not returned as a polygon).

Incidents are placed in periods by their reference time (the midpoint of their from/to window),
so month-precision data.police.uk records fall in their own month.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage, sparse

from geo.hotspots._polygons import dissolve_cells
from geo.hotspots.gistar import gistar_cell_size, gistar_z_sparse, queen_adjacency
from geo.hotspots.grid import Grid, make_grid
from geo.hotspots.result import (
    HotspotError,
    HotspotResult,
    build_table,
    dedupe,
    empty_polygons,
    study_area,
    unwrap,
    xy,
)
from geo.selection import reference_time

#: Category names in precedence order (hot then cold), as sfhotspot spells them.
CATEGORIES = tuple(
    f"{kind} {spot}"
    for spot in ("hotspot", "coldspot")
    for kind in ("new", "persistent", "emerging", "former", "intermittent")
)


def _category(
    sig: np.ndarray, n: int, n_recent: int, hotspot_prop: float, persistent_prop: float, spot: str
) -> np.ndarray:
    """Category per cell from a (periods, cells) boolean array of significant periods."""
    count = sig.sum(axis=0)
    prop = count / n
    recent = sig[n - n_recent :].any(axis=0)
    earlier = sig[: n - n_recent].any(axis=0)
    out = np.full(sig.shape[1], "", dtype=object)
    rules = [
        (f"new {spot}", (count == 1) & sig[-1] & (n >= 2)),
        (f"persistent {spot}", prop >= persistent_prop),
        (f"emerging {spot}", (prop >= hotspot_prop) & recent & ~earlier),
        (f"former {spot}", (prop >= hotspot_prop) & ~recent & earlier),
        (f"intermittent {spot}", prop >= hotspot_prop),
    ]
    for name, cond in rules:
        out[(out == "") & cond] = name
    return out


def classify_emerging(
    incidents: Any,
    *,
    district: Any = None,
    period: str = "M",
    cell_size: float | None = None,
    critical_p: float = 0.05,
    hotspot_prop: float = 0.1,
    persistent_prop: float = 0.8,
    recent_prop: float = 0.2,
    fdr: bool = True,
    seed: int = 0,
) -> HotspotResult:
    """Classify grid cells into emerging/persistent/intermittent/former/new hot and cold spots.

    Parameters
    ----------
    incidents : DataFrame or SelectionResult
        Canonical incidents (``occurred_from``/``occurred_to``, easting/northing).
    district : District, optional
        Masks the grid to the district.
    period : str, default "M"
        pandas period alias for the time slices: "M" months, "Q" quarters, "W" weeks, "Y" years.
    cell_size : float, optional
        Metres; automatic (as for Gi*) when None.
    critical_p : float, default 0.05
        Significance level per period (FDR-corrected when ``fdr``).
    hotspot_prop, persistent_prop, recent_prop : float
        sfhotspot's thresholds (defaults 0.1, 0.8, 0.2).

    Returns
    -------
    HotspotResult
        Polygons (dissolved cells of one category) with ``category`` and ``periods_significant``.
    """
    _check(hotspot_prop, persistent_prop, recent_prop, critical_p)
    df, notes = unwrap(incidents)
    extra_cols = ("category", "periods_significant", "periods")
    if df.empty:
        return HotspotResult("emerging", empty_polygons(extra_cols), {}, ["no incidents match the selection"], notes, 0)
    labels_sorted, pidx = _periods(df, period)
    n = len(labels_sorted)
    x, y = xy(df)
    area_m2, grid, mask = _lattice(x, y, district, cell_size, n)
    auto, cell = cell_size is None, grid.cell
    hot, cold = _significant_periods(grid, mask, (x, y, pidx, n), critical_p, fdr)
    n_recent = max(1, int(math.ceil(recent_prop * n)))
    hot_cat = _category(hot, n, n_recent, hotspot_prop, persistent_prop, "hotspot")
    cold_cat = _category(cold, n, n_recent, hotspot_prop, persistent_prop, "coldspot")
    cat = np.where(hot_cat != "", hot_cat, cold_cat)
    sig_count = np.where(hot_cat != "", hot.sum(axis=0), cold.sum(axis=0))
    geoms, labels_cells, cats, nsig = _category_polygons(grid, cat, sig_count)
    loc = grid.locate(x, y)
    labels = np.where(loc >= 0, labels_cells[loc], -1)
    table = build_table(
        geoms,
        labels,
        df,
        "emerging",
        {"category": cats, "periods_significant": nsig, "periods": [n] * len(geoms)},
        keep_empty=True,  # cold spots may hold no incidents at all
    )
    params = {
        "period": period,
        "periods": n,
        "first_period": str(labels_sorted[0]),
        "last_period": str(labels_sorted[-1]),
        "cell_size_m": cell,
        "cell_size_auto": auto,
        "critical_p": critical_p,
        "correction": "false discovery rate (Benjamini-Hochberg)" if fdr else "none",
        "hotspot_prop": hotspot_prop,
        "persistent_prop": persistent_prop,
        "recent_prop": recent_prop,
        "recent_periods": n_recent,
        "cells_by_category": {c: int((cat == c).sum()) for c in CATEGORIES if (cat == c).any()},
        "study_area_km2": round(area_m2 / 1e6, 3),
    }
    return HotspotResult("emerging", table, params, _warnings(df, n, period), notes, len(df))


def _check(hotspot_prop: float, persistent_prop: float, recent_prop: float, critical_p: float) -> None:
    """Refuse proportions outside (0, 1] and a critical p outside (0, 1)."""
    for name, v in (("hotspot_prop", hotspot_prop), ("persistent_prop", persistent_prop), ("recent_prop", recent_prop)):
        if not 0 < v <= 1:
            raise HotspotError(f"{name} must be in (0, 1], got {v}")
    if not 0 < critical_p < 1:
        raise HotspotError(f"critical_p must be in (0, 1), got {critical_p}")


def _periods(df: pd.DataFrame, period: str) -> tuple[pd.PeriodIndex, np.ndarray]:
    """Every period from the first to the last incident's, and each incident's period index."""
    try:
        periods = reference_time(df).dt.tz_localize(None).dt.to_period(period)
    except ValueError as exc:
        raise HotspotError(f"period '{period}' not understood (use M, Q, W or Y): {exc}") from exc
    labels_sorted = pd.period_range(periods.min(), periods.max(), freq=period)
    if len(labels_sorted) < 2:
        raise HotspotError(f"the selection spans one {period} period only: emerging classes need at least two")
    return labels_sorted, (periods - labels_sorted[0]).apply(lambda off: off.n).to_numpy()


def _lattice(
    x: np.ndarray, y: np.ndarray, district: Any, cell_size: float | None, n: int
) -> tuple[float, Grid, np.ndarray]:
    """Study area (m2), the grid (cell as for Gi*, per period's incidents) and the lattice mask."""
    ux, uy, _, _ = dedupe(x, y)
    area_geom, area_m2 = study_area(district, x, y)
    bounds = (x.min(), y.min(), x.max(), y.max())
    if cell_size is None:
        cell = gistar_cell_size(ux, uy, len(x) / n, area_m2, bounds)
    elif not cell_size > 0:
        raise HotspotError(f"cell size must be positive, got {cell_size}")
    else:
        cell = float(cell_size)
    grid = make_grid(x, y, cell, bounds=bounds, pad=cell)
    mask = ndimage.binary_dilation(grid.inside_mask(area_geom) | (grid.counts(x, y) > 0), structure=np.ones((3, 3)))
    return area_m2, grid, mask


def _significant_periods(
    grid: Grid, mask: np.ndarray, points: tuple[np.ndarray, np.ndarray, np.ndarray, int], critical_p: float, fdr: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per period and cell: significantly hot, significantly cold (Gi*, one level)."""
    x, y, pidx, n = points
    hot = np.zeros((n, grid.size), dtype=bool)
    cold = np.zeros((n, grid.size), dtype=bool)
    adjacency = sparse.csr_matrix(queen_adjacency(mask))
    for i in range(n):
        sel = pidx == i
        z, p = gistar_z_sparse(grid.counts(x[sel], y[sel]), mask, adjacency)
        cls = _single_level(z, p, critical_p, fdr)
        hot[i] = (cls > 0).ravel()
        cold[i] = (cls < 0).ravel()
    return hot, cold


def _category_polygons(grid: Grid, cat: np.ndarray, sig_count: np.ndarray) -> tuple[list, np.ndarray, list, list]:
    """Dissolved cells of each category: polygons, cell -> polygon, categories, periods significant."""
    geoms: list = []
    labels_cells, cats, nsig = np.full(grid.size, -1), [], []
    for name in CATEGORIES:
        sel = (cat == name).reshape(grid.shape)
        if not sel.any():
            continue
        polys, cl = dissolve_cells(grid, sel)
        for j, poly in enumerate(polys):
            cells = cl == j
            labels_cells[cells] = len(geoms)
            geoms.append(poly)
            cats.append(name)
            nsig.append(int(sig_count[cells].max()))
    return geoms, labels_cells, cats, nsig


def _warnings(df: pd.DataFrame, n: int, period: str) -> list[str]:
    """Too few periods, or week/day periods over month-precision records."""
    warnings = []
    if n < 5:
        warnings.append(f"only {n} periods: the classes are coarse (sfhotspot suggests at least 10)")
    if (df.get("time_precision") == "month").any() and period.upper().startswith(("W", "D")):
        warnings.append("month-precision records are placed mid-month: weekly or daily periods mislead")
    return warnings


def _single_level(z: np.ndarray, p: np.ndarray, alpha: float, fdr: bool) -> np.ndarray:
    from esda import fdr as esda_fdr

    out = np.zeros(z.shape, dtype=np.int8)
    valid = ~np.isnan(p)
    if not valid.any():
        return out
    thr = esda_fdr(p[valid], alpha) if fdr else alpha
    sig = valid & (np.nan_to_num(p, nan=1.0) <= thr)
    out[sig & (z > 0)] = 1
    out[sig & (z < 0)] = -1
    return out


__all__ = ["CATEGORIES", "classify_emerging"]
