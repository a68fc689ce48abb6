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

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

from geo._mclp import cctv_covered, exact, greedy, order
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

# ---- van sites ----------------------------------------------------------------------------


#: Most sites ``plan_van_sites(k=None)`` suggests.
MAX_AUTO_SITES = 20

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


def _candidates(ux, uy, dw, candidates: str, cell: float) -> tuple[np.ndarray, np.ndarray]:
    live = dw > 0
    if not live.any():
        return np.zeros(0), np.zeros(0)
    if candidates == "incidents":
        return ux[live], uy[live]
    grid = make_grid(ux[live], uy[live], cell)
    _, cinv = np.unique(grid.locate(ux, uy)[live], return_inverse=True)
    sw = np.bincount(cinv, weights=dw[live])
    return np.bincount(cinv, weights=(dw * ux)[live]) / sw, np.bincount(cinv, weights=(dw * uy)[live]) / sw


def _solve(cover, dw, k: int, solver: str, time_limit: float, exact_max_pairs: int, min_gain: int = 1) -> dict:
    """Greedy, then CBC when asked or small enough; the number of sites never exceeds what adds incidents.

    With ``min_gain`` above 1 (``k=None``: as many sites as the data support) the greedy sites are
    kept while each adds at least ``min_gain`` incidents (always at least one site).
    """
    chosen = greedy(cover, dw, k)
    if min_gain > 1 and chosen:
        remaining, keep = dw.astype(float).copy(), []
        for site in chosen:
            gain = remaining[cover[site].indices].sum()
            if keep and gain < min_gain:
                break
            keep.append(site)
            remaining[cover[site].indices] = 0.0
        chosen = keep
    k_used = len(chosen)
    greedy_obj = float(dw[np.unique(cover[chosen].indices)].sum()) if chosen else 0.0
    used, optimal, exact_obj = "greedy", None, None
    if k_used and (solver == "exact" or (solver == "auto" and cover.nnz <= exact_max_pairs)):
        ex, optimal = exact(cover, dw, k_used, time_limit)
        if len(ex) == k_used:
            exact_obj = float(dw[np.unique(cover[ex].indices)].sum())
            if exact_obj >= greedy_obj:
                chosen, used = ex, "exact (CBC)"
    return {
        "chosen": order(chosen, cover, dw) if chosen else [],
        "solver": used,
        "optimal": optimal,
        "greedy_covered": int(greedy_obj),
        "exact_covered": None if exact_obj is None else int(exact_obj),
    }


def _site_rows(df, inverse, cover, chosen, cx, cy, pre, radius, profile) -> list[dict[str, Any]]:
    covered = pre.copy()
    total = len(df)
    cum = int(np.bincount(inverse, minlength=len(pre))[pre].sum())
    out, members = [], []
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
    incidents,
    k: int | None = 5,
    radius: float = 100.0,
    *,
    district=None,
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
    auto_k = k is None
    k = MAX_AUTO_SITES if auto_k else k
    _check_van(k, radius, solver, candidates, candidate_cell, min_count)
    window, nights_of_week = _selection_window(incidents, hours, days)
    df, notes = unwrap(incidents)
    base = {
        "k": None if auto_k else k,
        "radius_m": float(radius),
        "hours_window": window,
        "nights_of_week": nights_of_week,
    }
    if df.empty:
        return PlanResult("van", _empty(VAN_COLUMNS), base | {"sites_found": 0}, [NO_INCIDENTS], notes, 0)
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    ux, uy, w, inverse = dedupe(x, y, resolution=1.0)
    if cctv is None and district is not None:
        cctv = district.cctv
    pre = cctv_covered(ux, uy, cctv, radius)
    n_pre = int(w[pre].sum())
    dw = np.where(pre, 0.0, w)
    cx, cy = _candidates(ux, uy, dw, candidates, candidate_cell)
    lists = cKDTree(np.c_[ux, uy]).query_ball_point(np.c_[cx, cy], radius) if len(cx) else []
    rows = np.repeat(np.arange(len(cx)), [len(li) for li in lists])
    colidx = np.fromiter((j for li in lists for j in li), dtype=np.int64, count=len(rows))
    cover = sparse.csr_matrix((np.ones(len(rows)), (rows, colidx)), shape=(len(cx), len(ux)))
    solved = _solve(cover, dw, k, solver, time_limit, exact_max_pairs, min_count if auto_k else 1)

    def profile(sub: pd.DataFrame) -> dict[str, Any]:
        prof = _time_profile(sub, window_hours, night_cutoff, window)
        return {k_: prof[k_] for k_ in ("timed_incidents", "peak_hours", "peak_days")}

    out = _site_rows(df, inverse, cover, solved["chosen"], cx, cy, pre, radius, profile)
    table = gpd.GeoDataFrame(
        out, geometry=shapely.points([r["easting"] for r in out], [r["northing"] for r in out]), crs=BNG
    )
    table = _finish_table(table, VAN_COLUMNS, "incidents_covered", min_count)
    cum = int(out[-1]["cumulative_covered"]) if out else n_pre
    warnings = _timed_warning(df, "peak hours and days are blank")
    if auto_k:
        notes.append(
            f"number of sites chosen from the data: {len(out)}, each adding at least {min_count} incidents "
            f"(at most {MAX_AUTO_SITES})"
            if len(out) and int(table["incidents_covered"].min()) >= min_count
            else f"number of sites chosen from the data: {len(out)}"
        )
    else:
        notes += _van_notes(k, len(out), len(cx), n_pre, len(df), radius, table, min_count, cum >= len(df))
    if auto_k and not out:
        notes += _van_notes(1, 0, len(cx), n_pre, len(df), radius, table, min_count, cum >= len(df))
    if solved["solver"] == "greedy" and solver != "greedy" and out:
        notes.append(f"greedy solution (coverage matrix of {cover.nnz:,} pairs is above the exact-solver limit)")
    params = base | {
        "sites_found": len(out),
        "min_count": min_count,
        "candidates": candidates,
        "candidate_cell_m": candidate_cell if candidates == "cells" else None,
        "candidate_sites": int(len(cx)),
        "demand_points": int(len(ux)),
        "already_covered_by_cctv": n_pre,
        "fixed_cameras": 0 if cctv is None else int(len(cctv)),
        **{key: solved[key] for key in ("solver", "optimal", "greedy_covered", "exact_covered")},
        "covered_total": cum,
        "covered_share": round(cum / len(df), 4),
    }
    places = places_near(df, table[["easting", "northing"]].to_numpy(float), 2 * radius) if out else None
    return PlanResult("van", table, params, warnings, notes, len(df), places)


def _check_van(k, radius, solver, candidates, candidate_cell, min_count) -> None:
    if not radius > 0:
        raise PlanError(f"radius must be a positive number of metres, got {radius}")
    if k < 1:
        raise PlanError(f"the number of van sites must be at least 1, got {k}")
    if solver not in {"auto", "exact", "greedy"}:
        raise PlanError(f"solver must be auto, exact or greedy, got '{solver}'")
    if candidates not in {"cells", "incidents"}:
        raise PlanError(f"candidates must be 'cells' or 'incidents', got '{candidates}'")
    if not candidate_cell > 0:
        raise PlanError(f"candidate cell must be positive, got {candidate_cell}")
    if min_count < 1:
        raise PlanError(f"the minimum count must be at least 1, got {min_count}")


def _van_notes(k, found, n_cand, n_pre, total, radius, table, min_count, all_covered) -> list[str]:
    notes = []
    if found == 0:
        why = (
            f"all {total:,} selected incidents are already within a fixed camera's reach"
            if n_pre >= total
            else "no incident is left to cover"
        )
        notes.append(f"no van site suggested: {why}")
    elif found < k:
        sites = f"{found} site{'s' if found != 1 else ''}"
        limit = (
            f"{sites}{' and the fixed cameras' if n_pre else ''} already cover every selected incident within "
            f"{radius:g} m"
            if all_covered
            else f"only {n_cand} candidate site{'s' if n_cand != 1 else ''} hold incidents not already covered"
        )
        notes.append(f"{found} van site{'s' if found != 1 else ''} suggested, not {k}: {limit}; no site is invented")
    n_few = int(table["too_few"].sum()) if found else 0
    if n_few:
        notes.append(
            f"{n_few} of {found} site{'s' if found != 1 else ''} add fewer than {min_count} incidents: {TOO_FEW}"
        )
    return notes


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
