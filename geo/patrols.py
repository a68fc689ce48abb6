"""Patrol cells: the top grid cells by incidents, each with its busiest time window (see :mod:`geo.deploy`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo._plan import (
    DEFAULT_MIN_COUNT,
    NO_INCIDENTS,
    TOO_FEW,
    PlanError,
    PlanResult,
    _empty,
    _finish_table,
    _selection_window,
    _time_profile,
    _timed_warning,
)
from geo.hotspots import unwrap
from geo.hotspots.grid import make_grid
from geo.schema import BNG
from geo.selection import DEFAULT_NIGHT_CUTOFF
from geo.streets import places_near, streets_for_groups

if TYPE_CHECKING:
    from geo.selection import SelectionResult

PATROL_COLUMNS = [
    "rank",
    "count",
    "share",
    "too_few",
    "reliability",
    "timed_incidents",
    "best_window",
    "window_share",
    "suggested_visit",
    "street",
    "easting",
    "northing",
]


def plan_patrols(
    incidents: pd.DataFrame | SelectionResult,
    cell: float = 150.0,
    n: int = 8,
    *,
    window_hours: int = 3,
    visit_minutes: int = 15,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
    min_count: int = DEFAULT_MIN_COUNT,
    hours: tuple[int, int] | None = None,
    days: tuple[int, ...] | None = None,
) -> PlanResult:
    """The top ``n`` patrol cells with their busiest time window and a suggested short visit.

    Parameters
    ----------
    incidents : DataFrame or SelectionResult
    cell : float, default 150
        Patrol cell side in metres.
    n : int, default 8
        Number of cells.
    window_hours : int, default 3
        Width of each cell's best time window.
    visit_minutes : int, default 15
        Suggested visit length (the Koper curve; see the module notes).
    night_cutoff : int or None, default 6
    min_count : int, default 5
        A cell with fewer incidents is marked ``too_few`` ("too few to rely on").
    hours : (int, int), optional
        Hour window the best windows must stay inside (default the selection's).
    days : tuple of int, optional
        Nights of week asked for (default the selection's), kept in ``params``.

    Returns
    -------
    PlanResult
        ``table``: ``rank``, ``count``, ``share``, ``too_few``, ``reliability``,
        ``timed_incidents``, ``best_window`` (e.g. "Fri, Sat 22:00-01:00"), ``window_share`` (of
        the cell's timed incidents), ``suggested_visit``, ``street``, ``easting``/``northing``
        (cell centre), polygon geometry.  ``places``: named snap points near the cells.
    """
    _check_patrol_args(cell, n, window_hours, visit_minutes)
    window, nights_of_week = _selection_window(incidents, hours, days)
    df, notes = unwrap(incidents)
    base = {"cell_m": float(cell), "n": n, "hours_window": window, "nights_of_week": nights_of_week}
    if df.empty:
        return PlanResult("patrol", _empty(PATROL_COLUMNS), base, [NO_INCIDENTS], notes, 0)
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    grid = make_grid(x, y, cell)
    flat = grid.locate(x, y)
    counts = np.bincount(flat, minlength=grid.size)
    order_ = np.lexsort((np.arange(grid.size), -counts))[: min(n, int((counts > 0).sum()))]
    cx, cy = grid.centres(order_)
    rows = [_patrol_row(df.loc[flat == c], rank, len(df), window_hours, visit_minutes, night_cutoff, window)
            for rank, c in enumerate(order_, start=1)]  # fmt: skip
    _add_streets(rows, df, flat, order_, cx, cy)
    table = _finish_table(
        gpd.GeoDataFrame(rows, geometry=grid.boxes(order_), crs=BNG), PATROL_COLUMNS, "count", min_count
    )
    warnings = []
    if len(order_) < n:
        warnings.append(f"only {len(order_)} cell(s) hold incidents; fewer than the {n} asked")
    warnings += _timed_warning(df, "time windows are blank")
    n_few = int(table["too_few"].sum())
    if n_few:
        notes.append(f"{n_few} of {len(table)} cells hold fewer than {min_count} incidents: {TOO_FEW}")
    params = base | {
        "window_hours": window_hours,
        "visit_minutes": visit_minutes,
        "night_cutoff": night_cutoff,
        "min_count": min_count,
        "cells_with_incidents": int((counts > 0).sum()),
        "covered_share": round(float(counts[order_].sum()) / len(df), 4),
    }
    places = places_near(df, np.c_[cx, cy], cell)
    return PlanResult("patrol", table, params, warnings, notes, len(df), places)


def _check_patrol_args(cell: float, n: int, window_hours: int, visit_minutes: int) -> None:
    """Raise a PlanError naming the first impossible argument of :func:`plan_patrols`."""
    if not cell > 0:
        raise PlanError(f"patrol cell size must be positive, got {cell}")
    if n < 1:
        raise PlanError(f"the number of patrol cells must be at least 1, got {n}")
    if not 1 <= window_hours <= 24:
        raise PlanError(f"window must be 1-24 hours, got {window_hours}")
    if visit_minutes < 1:
        raise PlanError(f"visit must be at least one minute, got {visit_minutes}")


def _add_streets(
    rows: list[dict[str, Any]],
    df: pd.DataFrame,
    flat: np.ndarray,
    order_: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
) -> None:
    """Add each chosen cell's street and centre to its row, in place."""
    members = [np.flatnonzero(flat == c) for c in order_]
    streets = streets_for_groups(
        df, np.repeat(np.arange(len(members)), [len(m) for m in members]), np.concatenate(members), np.c_[cx, cy]
    )
    for row, street, ex, ny in zip(rows, streets, cx, cy, strict=True):
        row |= {"street": street, "easting": float(ex), "northing": float(ny)}


def _patrol_row(
    sub: pd.DataFrame,
    rank: int,
    total: int,
    width: int,
    visit_minutes: int,
    cutoff: int | None,
    window: tuple[int, int] | None,
) -> dict[str, Any]:
    prof = _time_profile(sub, width, cutoff, window)
    if prof["timed_incidents"]:
        best = f"{prof['peak_days']} {prof['peak_hours']}"
        visit = (
            f"{visit_minutes} min visits at varied times {prof['peak_hours']} on {prof['peak_days']} "
            f"(first from {prof['peak_hours'][:5]})"
        )
    else:
        best, visit = "", f"{visit_minutes} min visits (no incident times to choose a window)"
    return {
        "rank": rank,
        "count": len(sub),
        "share": round(len(sub) / total, 4),
        "timed_incidents": prof["timed_incidents"],
        "best_window": best,
        "window_share": prof["window_share"],
        "suggested_visit": visit,
    }


__all__ = ["PATROL_COLUMNS", "plan_patrols"]
