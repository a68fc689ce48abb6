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

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

from geo.errors import HotspotsError
from geo.hotspots._grid import make_grid
from geo.hotspots._result import dedupe, unwrap
from geo.schema import BNG, PRECISION_TIME, WGS84
from geo.selection import DAY_ABBR, DEFAULT_NIGHT_CUTOFF, night_of, reference_time

NO_INCIDENTS = "no incidents match the selection"


class PlanError(HotspotsError, ValueError):
    """Impossible planning parameters (negative radius, more sites than candidates...)."""


@dataclass
class PlanResult:
    """A ranked plan (van sites or patrol cells) and how it was made."""

    kind: str
    table: gpd.GeoDataFrame
    params: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_incidents: int = 0

    @property
    def empty(self) -> bool:
        return self.table.empty

    def to_wgs84(self) -> gpd.GeoDataFrame:
        return self.table.to_crs(WGS84)


# ---- time windows -------------------------------------------------------------------------


def _timed(df: pd.DataFrame) -> pd.DataFrame:
    if "time_precision" not in df:
        return df.iloc[0:0]
    return df[df["time_precision"] == PRECISION_TIME]


def peak_window(hours: np.ndarray, width: int = 3) -> tuple[int, int, float]:
    """Busiest ``width``-hour window (may cross midnight): (start hour, end hour, share of times)."""
    if len(hours) == 0:
        return (0, 0, 0.0)
    hist = np.bincount(np.asarray(hours, dtype=int) % 24, minlength=24)
    roll = np.array([hist[(np.arange(width) + s) % 24].sum() for s in range(24)])
    # among equally busy windows, prefer the one centred on the busiest hour
    centred = hist[(np.arange(24) + width // 2) % 24]
    start = int(np.lexsort((-centred, -roll))[0])
    return start, (start + width) % 24, float(roll[start] / len(hours))


def _hours_text(start: int, end: int) -> str:
    return f"{start:02d}:00-{end:02d}:00"


def _time_profile(df: pd.DataFrame, width: int, cutoff: int | None) -> dict[str, Any]:
    timed = _timed(df)
    if timed.empty:
        return {"timed_incidents": 0, "peak_hours": "", "peak_days": "", "window_share": None}
    ref = reference_time(timed)
    start, end, share = peak_window(ref.dt.hour.to_numpy(), width)
    days = night_of(ref, cutoff).dt.day_of_week.value_counts()
    top = [DAY_ABBR[d] for d in days.index[:2] if days[d] >= max(2, 0.15 * len(timed))] or [DAY_ABBR[days.index[0]]]
    return {
        "timed_incidents": len(timed),
        "peak_hours": _hours_text(start, end),
        "peak_days": ", ".join(top),
        "window_share": round(share, 3),
    }


def _street(df: pd.DataFrame, x: float, y: float) -> str:
    """Location text of the incidents nearest (x, y): the most common among the 5 nearest."""
    if "location" not in df or df.empty:
        return ""
    pts = np.c_[df["easting"].to_numpy(float), df["northing"].to_numpy(float)]
    _, idx = cKDTree(pts).query([x, y], k=min(5, len(pts)))
    loc = df["location"].iloc[np.atleast_1d(idx)].dropna().astype(str)
    return str(loc.mode().iloc[0]) if not loc.empty else ""


# ---- van sites ----------------------------------------------------------------------------


def _cctv_covered(ux: np.ndarray, uy: np.ndarray, cctv: gpd.GeoDataFrame | None, default_radius: float) -> np.ndarray:
    covered = np.zeros(len(ux), dtype=bool)
    if cctv is None or cctv.empty:
        return covered
    cams = cctv.to_crs(BNG)
    tree = cKDTree(np.c_[ux, uy])
    radii = cams["radius_m"].fillna(default_radius).to_numpy(float) if "radius_m" in cams else None
    for i, geom in enumerate(cams.geometry):
        r = radii[i] if radii is not None else default_radius
        covered[tree.query_ball_point([geom.x, geom.y], r)] = True
    return covered


def _greedy(cover: sparse.csr_matrix, w: np.ndarray, k: int) -> list[int]:
    remaining = w.astype(float).copy()
    chosen: list[int] = []
    for _ in range(k):
        gains = cover @ remaining
        if chosen:
            gains[chosen] = -1
        best = int(np.argmax(gains))
        chosen.append(best)
        remaining[cover[best].indices] = 0.0
    return chosen


def _exact(cover: sparse.csr_matrix, w: np.ndarray, k: int, time_limit: float) -> tuple[list[int], bool]:
    import warnings

    import pulp

    with warnings.catch_warnings():
        # PuLP 3.3 deprecates names its own bundled CBC still needs; nothing for users to act on
        warnings.simplefilter("ignore", DeprecationWarning)
        return _exact_solve(pulp, cover, w, k, time_limit)


def _exact_solve(pulp, cover, w, k, time_limit):
    csc = cover.tocsc()
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    xs = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(cover.shape[0])]
    coverable = np.flatnonzero(np.diff(csc.indptr) > 0)
    ys = {j: pulp.LpVariable(f"y{j}", lowBound=0, upBound=1) for j in coverable}
    prob += pulp.lpSum(float(w[j]) * ys[j] for j in coverable)
    prob += pulp.lpSum(xs) == k
    for j in coverable:
        prob += ys[j] <= pulp.lpSum(xs[i] for i in csc.indices[csc.indptr[j] : csc.indptr[j + 1]])
    status = prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit))
    chosen = [i for i, v in enumerate(xs) if (v.value() or 0) > 0.5]
    optimal = pulp.LpStatus[status] == "Optimal" and len(chosen) == k
    return chosen, optimal


def _order(chosen: list[int], cover: sparse.csr_matrix, w: np.ndarray) -> list[int]:
    """Rank chosen sites by marginal coverage (greedy order within the chosen set)."""
    sub = cover[chosen]
    order = _greedy(sub, w, len(chosen))
    return [chosen[i] for i in order]


def plan_van_sites(
    incidents,
    k: int = 5,
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
) -> PlanResult:
    """Choose ``k`` CCTV van sites covering the most incidents within ``radius`` metres.

    Parameters
    ----------
    incidents : DataFrame or SelectionResult
        The selection (canonical columns).
    k : int, default 5
        Number of sites.
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

    Returns
    -------
    PlanResult
        ``table``: one row per site, ranked by the incidents it adds: ``rank``, ``easting``,
        ``northing``, ``radius_m``, ``incidents_covered``, ``cumulative_covered``,
        ``cumulative_share`` (of the selection), ``timed_incidents``, ``peak_hours``,
        ``peak_days``, ``street``, point ``geometry``.
    """
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
    df, notes = unwrap(incidents)
    cols = [
        "rank",
        "easting",
        "northing",
        "radius_m",
        "incidents_covered",
        "cumulative_covered",
        "cumulative_share",
        "timed_incidents",
        "peak_hours",
        "peak_days",
        "street",
    ]
    if df.empty:
        empty = gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)
        return PlanResult("van", empty, {"k": k, "radius_m": radius}, [NO_INCIDENTS], notes, 0)
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    ux, uy, w, inverse = dedupe(x, y, resolution=1.0)
    if cctv is None and district is not None:
        cctv = district.cctv
    pre = _cctv_covered(ux, uy, cctv, radius)
    n_pre = int(w[pre].sum())
    dw = np.where(pre, 0.0, w)
    live = dw > 0
    if candidates == "cells":
        grid = make_grid(ux[live] if live.any() else ux, uy[live] if live.any() else uy, candidate_cell)
        flat = grid.locate(ux, uy)
        keys, cinv = np.unique(flat[live], return_inverse=True)
        sw = np.bincount(cinv, weights=dw[live])
        cx = np.bincount(cinv, weights=(dw * ux)[live]) / sw
        cy = np.bincount(cinv, weights=(dw * uy)[live]) / sw
    else:
        cx, cy = ux[live], uy[live]
    if k > len(cx):
        raise PlanError(f"{k} van sites asked but only {len(cx)} candidate site(s) hold incidents not already covered")
    tree = cKDTree(np.c_[ux, uy])
    lists = tree.query_ball_point(np.c_[cx, cy], radius)
    rows = np.repeat(np.arange(len(cx)), [len(li) for li in lists])
    colidx = np.fromiter((j for li in lists for j in li), dtype=np.int64, count=len(rows))
    cover = sparse.csr_matrix((np.ones(len(rows)), (rows, colidx)), shape=(len(cx), len(ux)))
    chosen = _greedy(cover, dw, k)
    greedy_obj = float(dw[np.unique(cover[chosen].indices)].sum())
    used, optimal, exact_obj = "greedy", None, None
    if solver == "exact" or (solver == "auto" and cover.nnz <= exact_max_pairs):
        ex, optimal = _exact(cover, dw, k, time_limit)
        if len(ex) == k:
            exact_obj = float(dw[np.unique(cover[ex].indices)].sum())
            if exact_obj >= greedy_obj:
                chosen, used = ex, "exact (CBC)"
    chosen = _order(chosen, cover, dw)
    covered = pre.copy()
    total = len(df)
    cum = n_pre
    out = []
    for rank, site in enumerate(chosen, start=1):
        locs = cover[site].indices
        new = locs[~covered[locs]]
        covered[new] = True
        mask = np.isin(inverse, new)
        added = int(mask.sum())
        cum += added
        sub = df.loc[mask]
        prof = _time_profile(sub, window_hours, night_cutoff)
        near = df.loc[np.isin(inverse, locs)]
        out.append(
            {
                "rank": rank,
                "easting": round(float(cx[site]), 1),
                "northing": round(float(cy[site]), 1),
                "radius_m": float(radius),
                "incidents_covered": added,
                "cumulative_covered": cum,
                "cumulative_share": round(cum / total, 4),
                "timed_incidents": prof["timed_incidents"],
                "peak_hours": prof["peak_hours"],
                "peak_days": prof["peak_days"],
                "street": _street(near if not near.empty else df, cx[site], cy[site]),
            }
        )
    table = gpd.GeoDataFrame(
        out, geometry=shapely.points([r["easting"] for r in out], [r["northing"] for r in out]), crs=BNG
    )
    warnings = []
    if _timed(df).empty:
        warnings.append("no incident has a time of day (e.g. data.police.uk): peak hours and days are blank")
    params = {
        "k": k,
        "radius_m": float(radius),
        "candidates": candidates,
        "candidate_cell_m": candidate_cell if candidates == "cells" else None,
        "candidate_sites": int(len(cx)),
        "demand_points": int(len(ux)),
        "already_covered_by_cctv": n_pre,
        "fixed_cameras": 0 if cctv is None else int(len(cctv)),
        "solver": used,
        "optimal": optimal,
        "greedy_covered": int(greedy_obj),
        "exact_covered": None if exact_obj is None else int(exact_obj),
        "covered_total": cum,
        "covered_share": round(cum / total, 4),
    }
    if used == "greedy" and solver != "greedy":
        notes.append(f"greedy solution (coverage matrix of {cover.nnz:,} pairs is above the exact-solver limit)")
    return PlanResult("van", table, params, warnings, notes, total)


# ---- patrols ------------------------------------------------------------------------------


def plan_patrols(
    incidents,
    cell: float = 150.0,
    n: int = 8,
    *,
    window_hours: int = 3,
    visit_minutes: int = 15,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
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

    Returns
    -------
    PlanResult
        ``table``: ``rank``, ``count``, ``share``, ``timed_incidents``, ``best_window``
        (e.g. "Fri, Sat 22:00-01:00"), ``window_share`` (of the cell's timed incidents),
        ``suggested_visit``, ``street``, ``easting``/``northing`` (cell centre), polygon geometry.
    """
    if not cell > 0:
        raise PlanError(f"patrol cell size must be positive, got {cell}")
    if n < 1:
        raise PlanError(f"the number of patrol cells must be at least 1, got {n}")
    if not 1 <= window_hours <= 24:
        raise PlanError(f"window must be 1-24 hours, got {window_hours}")
    if visit_minutes < 1:
        raise PlanError(f"visit must be at least one minute, got {visit_minutes}")
    df, notes = unwrap(incidents)
    cols = [
        "rank",
        "count",
        "share",
        "timed_incidents",
        "best_window",
        "window_share",
        "suggested_visit",
        "street",
        "easting",
        "northing",
    ]
    if df.empty:
        empty = gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)
        return PlanResult("patrol", empty, {"cell_m": cell, "n": n}, [NO_INCIDENTS], notes, 0)
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    grid = make_grid(x, y, cell)
    flat = grid.locate(x, y)
    counts = np.bincount(flat, minlength=grid.size)
    order = np.lexsort((np.arange(grid.size), -counts))[: min(n, int((counts > 0).sum()))]
    rows = []
    for rank, c in enumerate(order, start=1):
        sub = df.loc[flat == c]
        prof = _time_profile(sub, window_hours, night_cutoff)
        cx, cy = grid.centres(np.array([c]))
        if prof["timed_incidents"]:
            window = f"{prof['peak_days']} {prof['peak_hours']}"
            start = prof["peak_hours"][:5]
            visit = (
                f"{visit_minutes} min visits at varied times {prof['peak_hours']} on {prof['peak_days']} "
                f"(first from {start})"
            )
        else:
            window, visit = "", f"{visit_minutes} min visits (no incident times to choose a window)"
        rows.append(
            {
                "rank": rank,
                "count": int(counts[c]),
                "share": round(counts[c] / len(df), 4),
                "timed_incidents": prof["timed_incidents"],
                "best_window": window,
                "window_share": prof["window_share"],
                "suggested_visit": visit,
                "street": _street(sub, float(cx[0]), float(cy[0])),
                "easting": float(cx[0]),
                "northing": float(cy[0]),
            }
        )
    table = gpd.GeoDataFrame(rows, geometry=grid.boxes(order), crs=BNG)
    warnings = []
    if len(order) < n:
        warnings.append(f"only {len(order)} cell(s) hold incidents; fewer than the {n} asked")
    if _timed(df).empty:
        warnings.append("no incident has a time of day (e.g. data.police.uk): time windows are blank")
    params = {
        "cell_m": float(cell),
        "n": n,
        "window_hours": window_hours,
        "visit_minutes": visit_minutes,
        "night_cutoff": night_cutoff,
        "cells_with_incidents": int((counts > 0).sum()),
        "covered_share": round(float(counts[order].sum()) / len(df), 4),
    }
    return PlanResult("patrol", table, params, warnings, notes, len(df))


__all__ = ["PlanError", "PlanResult", "peak_window", "plan_patrols", "plan_van_sites"]
