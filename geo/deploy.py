"""Deployment planning: CCTV van sites (maximal covering) and patrol cells with time windows.

Van sites
---------
The maximal covering location problem: choose ``k`` sites so that as many incidents as possible lie
within ``radius`` metres of one of them.  Incidents already within a fixed CCTV camera's radius
(``district.cctv``, per-camera ``radius_m``) count as covered and are left out of the demand.
Demand points are the distinct incident locations weighted by their incidents; candidate sites are
the incident-weighted centres of ``candidate_cell`` metre cells holding uncovered incidents
(``candidates="cells"``, default) or the distinct locations themselves (``"incidents"``).

Solvers: ``"exact"`` solves the integer programme with PuLP's bundled CBC (offline);
``"greedy"`` adds the site with the largest uncovered demand ``k`` times, which is guaranteed at
least 1 - 1/e (63%) of the optimum and in practice within a few per cent; ``"auto"`` (default)
runs greedy, then CBC with a time limit when the problem is small enough, and reports the gap.

Peak hours and days use only incidents with time precision ``'time'`` (data.police.uk rows have
none) and the night-of convention of :mod:`geo.selection` (02:00 Saturday is Friday night).

Patrols
-------
The top ``n`` grid cells (``cell`` metres, default 150) by incidents, each with the busiest
``window_hours`` window of its own timed incidents and a suggested 15-minute visit: the Koper
curve (Koper 1995; Telep, Mitchell & Weisburd 2014) found that police presence of about 10-15
minutes deters longest after the officers leave, so short visits at unpredictable times in the
window beat one long stay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from geo._mclp import cctv_covered
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
from geo.hotspots.grid import make_grid
from geo.hotspots.result import dedupe, unwrap
from geo.patrols import PATROL_COLUMNS, plan_patrols
from geo.rota import peak_window
from geo.schema import BNG
from geo.selection import DEFAULT_NIGHT_CUTOFF
from geo.streets import places_near, streets_for_groups
from geo.van_plan import MAX_AUTO_SITES, VanSpec, coverage_matrix, plan_notes, solve

if TYPE_CHECKING:
    from geo.config import District
    from geo.selection import SelectionResult

# ---- van sites ----------------------------------------------------------------------------


VAN_COLUMNS = [
    "rank",
    "easting",
    "northing",
    "radius_m",
    "incidents_covered",
    "cumulative_covered",
    "cumulative_share",
    "too_few",
    "reliability",
    "timed_incidents",
    "peak_hours",
    "peak_days",
    "street",
]


def _candidates(
    ux: np.ndarray, uy: np.ndarray, dw: np.ndarray, candidates: str, cell: float
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate sites: the distinct locations with uncovered demand, or their weighted ``cell`` centres."""
    live = dw > 0
    if not live.any():
        return np.zeros(0), np.zeros(0)
    if candidates == "incidents":
        return ux[live], uy[live]
    grid = make_grid(ux[live], uy[live], cell)
    _, cinv = np.unique(grid.locate(ux, uy)[live], return_inverse=True)
    sw = np.bincount(cinv, weights=dw[live])
    return np.bincount(cinv, weights=(dw * ux)[live]) / sw, np.bincount(cinv, weights=(dw * uy)[live]) / sw


def _site_rows(
    df: pd.DataFrame,
    inverse: np.ndarray,
    cover: sparse.csr_matrix,
    chosen: list[int],
    cx: np.ndarray,
    cy: np.ndarray,
    pre: np.ndarray,
    radius: float,
    profile: Callable[[pd.DataFrame], dict[str, Any]],
) -> list[dict[str, Any]]:
    """One row per chosen site that adds incidents: coverage, cumulative share, time profile, street."""
    covered = pre.copy()
    total = len(df)
    cum = int(np.bincount(inverse, minlength=len(pre))[pre].sum())
    out: list[dict[str, Any]] = []
    members: list[np.ndarray] = []
    for site in chosen:
        locs = cover[site].indices
        new = locs[~covered[locs]]
        if not len(new):
            continue  # a site that adds nothing is not a site (possible in a tied exact optimum)
        covered[new] = True
        mask = np.isin(inverse, new)
        cum += int(mask.sum())
        members.append(np.flatnonzero(np.isin(inverse, locs)))
        out.append(
            {
                "rank": len(out) + 1,
                "easting": round(float(cx[site]), 1),
                "northing": round(float(cy[site]), 1),
                "radius_m": float(radius),
                "incidents_covered": int(mask.sum()),
                "cumulative_covered": cum,
                "cumulative_share": round(cum / total, 4),
                **profile(df.loc[mask]),
            }
        )
    groups = np.repeat(np.arange(len(members)), [len(m) for m in members])
    flat = np.concatenate(members) if members else np.zeros(0, dtype=int)
    for row, street in zip(
        out, streets_for_groups(df, groups, flat, [(r["easting"], r["northing"]) for r in out]), strict=True
    ):
        row["street"] = street
    return out


def plan_van_sites(
    incidents: pd.DataFrame | SelectionResult,
    k: int | None = 5,
    radius: float = 100.0,
    *,
    district: District | None = None,
    cctv: gpd.GeoDataFrame | None = None,
    candidates: str = "cells",
    candidate_cell: float = 50.0,
    solver: str = "auto",
    time_limit: float = 10.0,
    exact_max_pairs: int = 100_000,
    window_hours: int = 3,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
    min_count: int = DEFAULT_MIN_COUNT,
    hours: tuple[int, int] | None = None,
    days: tuple[int, ...] | None = None,
) -> PlanResult:
    """Choose up to ``k`` CCTV van sites covering the most incidents within ``radius`` metres.

    Parameters
    ----------
    incidents : DataFrame or SelectionResult
        The selection (canonical columns).  A SelectionResult also gives the hour window and
        nights asked for (``hours``, ``days``).
    k : int or None, default 5
        Most sites wanted.  Fewer are returned, with a note, when fewer add any incident (the
        planner never invents a site where nothing is left to cover) or fewer candidates exist.
        None: as many as the data support, i.e. while each site adds at least ``min_count``
        incidents (at least one site, at most :data:`MAX_AUTO_SITES`).
    radius : float, default 100
        Camera coverage radius in metres.
    district : District, optional
        Its fixed cameras (``district.cctv``) count as already covering, unless ``cctv`` is given.
    cctv : GeoDataFrame, optional
        Fixed cameras (``radius_m`` column, else ``radius``); pass an empty frame to ignore them.
    candidates : {"cells", "incidents"}
        Candidate sites (see the module notes).
    candidate_cell : float, default 50
        Cell size for ``candidates="cells"``.
    solver : {"auto", "exact", "greedy"}
    time_limit : float, default 10
        Seconds for CBC.
    exact_max_pairs : int
        ``"auto"`` runs CBC only when the coverage matrix has at most this many entries.
    window_hours : int, default 3
        Width of the peak-hours window.
    night_cutoff : int or None, default 6
    min_count : int, default 5
        A site adding fewer incidents is marked ``too_few`` ("too few to rely on").
    hours : (int, int), optional
        Hour window the peak hours must stay inside (default the selection's).
    days : tuple of int, optional
        Nights of week asked for (default the selection's), kept in ``params`` for the rota.

    Returns
    -------
    PlanResult
        ``table``: one row per site, ranked by the incidents it adds: ``rank``, ``easting``,
        ``northing``, ``radius_m``, ``incidents_covered``, ``cumulative_covered``,
        ``cumulative_share`` (of the selection), ``too_few``, ``reliability``,
        ``timed_incidents``, ``peak_hours``, ``peak_days``, ``street`` (best named street, see
        :mod:`geo.streets`), point ``geometry``.  ``places``: named snap points near the sites.
    """
    spec = VanSpec(MAX_AUTO_SITES if k is None else k, k is None, radius, cctv, district,
                   candidates, candidate_cell, solver, time_limit, exact_max_pairs,
                   window_hours, night_cutoff, min_count)  # fmt: skip
    return _plan_sites(incidents, spec, hours, days)


def _plan_sites(
    incidents: pd.DataFrame | SelectionResult,
    spec: VanSpec,
    hours: tuple[int, int] | None,
    days: tuple[int, ...] | None,
) -> PlanResult:
    """:func:`plan_van_sites` once its arguments are checked."""
    window, nights_of_week = _selection_window(incidents, hours, days)
    df, notes = unwrap(incidents)
    base = {
        "k": None if spec.auto_k else spec.k,
        "radius_m": float(spec.radius),
        "hours_window": window,
        "nights_of_week": nights_of_week,
    }
    if df.empty:
        return PlanResult("van", _empty(VAN_COLUMNS), base | {"sites_found": 0}, [NO_INCIDENTS], notes, 0)
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    ux, uy, w, inverse = dedupe(x, y, resolution=1.0)
    cctv = spec.district.cctv if spec.cctv is None and spec.district is not None else spec.cctv
    pre = cctv_covered(ux, uy, cctv, spec.radius)
    n_pre = int(w[pre].sum())
    dw = np.where(pre, 0.0, w)
    cx, cy = _candidates(ux, uy, dw, spec.candidates, spec.candidate_cell)
    cover = coverage_matrix(ux, uy, cx, cy, spec.radius)
    min_gain = spec.min_count if spec.auto_k else 1
    solved = solve(cover, dw, spec.k, spec.solver, spec.time_limit, spec.exact_max_pairs, min_gain)

    def profile(sub: pd.DataFrame) -> dict[str, Any]:
        prof = _time_profile(sub, spec.window_hours, spec.night_cutoff, window)
        return {k_: prof[k_] for k_ in ("timed_incidents", "peak_hours", "peak_days")}

    out = _site_rows(df, inverse, cover, solved["chosen"], cx, cy, pre, spec.radius, profile)
    table = gpd.GeoDataFrame(
        out, geometry=shapely.points([r["easting"] for r in out], [r["northing"] for r in out]), crs=BNG
    )
    table = _finish_table(table, VAN_COLUMNS, "incidents_covered", spec.min_count)
    cum = int(out[-1]["cumulative_covered"]) if out else n_pre
    warnings = _timed_warning(df, "peak hours and days are blank")
    notes += plan_notes(spec, table, len(cx), n_pre, len(df), cum)
    if solved["solver"] == "greedy" and spec.solver != "greedy" and out:
        notes.append(f"greedy solution (coverage matrix of {cover.nnz:,} pairs is above the exact-solver limit)")
    params = base | {
        "sites_found": len(out),
        "min_count": spec.min_count,
        "candidates": spec.candidates,
        "candidate_cell_m": spec.candidate_cell if spec.candidates == "cells" else None,
        "candidate_sites": int(len(cx)),
        "demand_points": int(len(ux)),
        "already_covered_by_cctv": n_pre,
        "fixed_cameras": 0 if cctv is None else int(len(cctv)),
        **{key: solved[key] for key in ("solver", "optimal", "greedy_covered", "exact_covered")},
        "covered_total": cum,
        "covered_share": round(cum / len(df), 4),
    }
    places = places_near(df, table[["easting", "northing"]].to_numpy(float), 2 * spec.radius) if out else None
    return PlanResult("van", table, params, warnings, notes, len(df), places)


__all__ = [
    "DEFAULT_MIN_COUNT",
    "MAX_AUTO_SITES",
    "NO_INCIDENTS",
    "PATROL_COLUMNS",
    "TOO_FEW",
    "VAN_COLUMNS",
    "PlanError",
    "PlanResult",
    "peak_window",
    "plan_patrols",
    "plan_van_sites",
]
