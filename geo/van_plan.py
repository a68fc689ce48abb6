"""Parts of the van-site plan that need no incident grid: checked arguments, the covering solve, the notes.

Used by :func:`geo.deploy.plan_van_sites` (see :mod:`geo.deploy` for the method).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from geo._mclp import exact, greedy, order
from geo._plan import TOO_FEW, PlanError

if TYPE_CHECKING:
    from geo.config import District

#: Most sites ``plan_van_sites(k=None)`` suggests.
MAX_AUTO_SITES = 20


@dataclass(frozen=True)
class VanSpec:
    """The arguments of :func:`geo.deploy.plan_van_sites`, checked once (``k`` is a number even when ``auto_k``)."""

    k: int
    auto_k: bool
    radius: float
    cctv: gpd.GeoDataFrame | None
    district: District | None
    candidates: str
    candidate_cell: float
    solver: str
    time_limit: float
    exact_max_pairs: int
    window_hours: int
    night_cutoff: int | None
    min_count: int

    def __post_init__(self) -> None:
        """Raise a PlanError naming the first impossible argument."""
        if not self.radius > 0:
            raise PlanError(f"radius must be a positive number of metres, got {self.radius}")
        if self.k < 1:
            raise PlanError(f"the number of van sites must be at least 1, got {self.k}")
        if self.solver not in {"auto", "exact", "greedy"}:
            raise PlanError(f"solver must be auto, exact or greedy, got '{self.solver}'")
        if self.candidates not in {"cells", "incidents"}:
            raise PlanError(f"candidates must be 'cells' or 'incidents', got '{self.candidates}'")
        if not self.candidate_cell > 0:
            raise PlanError(f"candidate cell must be positive, got {self.candidate_cell}")
        if self.min_count < 1:
            raise PlanError(f"the minimum count must be at least 1, got {self.min_count}")


def coverage_matrix(ux: np.ndarray, uy: np.ndarray, cx: np.ndarray, cy: np.ndarray, radius: float) -> sparse.csr_matrix:
    """Candidates × demand points: 1 where the point lies within ``radius`` of the candidate."""
    lists = cKDTree(np.c_[ux, uy]).query_ball_point(np.c_[cx, cy], radius) if len(cx) else []
    rows = np.repeat(np.arange(len(cx)), [len(li) for li in lists])
    colidx = np.fromiter((j for li in lists for j in li), dtype=np.int64, count=len(rows))
    return sparse.csr_matrix((np.ones(len(rows)), (rows, colidx)), shape=(len(cx), len(ux)))


def solve(
    cover: sparse.csr_matrix,
    dw: np.ndarray,
    k: int,
    solver: str,
    time_limit: float,
    exact_max_pairs: int,
    min_gain: int = 1,
) -> dict[str, Any]:
    """Greedy, then CBC when asked or small enough; the number of sites never exceeds what adds incidents.

    With ``min_gain`` above 1 (``k=None``: as many sites as the data support) the greedy sites are
    kept while each adds at least ``min_gain`` incidents (always at least one site).
    """
    chosen = greedy(cover, dw, k)
    if min_gain > 1 and chosen:
        remaining = dw.astype(float).copy()
        keep: list[int] = []
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


def plan_notes(spec: VanSpec, table: gpd.GeoDataFrame, n_cand: int, n_pre: int, total: int, cum: int) -> list[str]:
    """How many sites were suggested and why not more (see :func:`van_notes`)."""
    found, all_covered = len(table), cum >= total
    if not spec.auto_k:
        return van_notes(spec.k, found, n_cand, n_pre, total, spec.radius, table, spec.min_count, all_covered)
    notes = [
        f"number of sites chosen from the data: {found}, each adding at least {spec.min_count} incidents "
        f"(at most {MAX_AUTO_SITES})"
        if found and int(table["incidents_covered"].min()) >= spec.min_count
        else f"number of sites chosen from the data: {found}"
    ]
    if not found:
        notes += van_notes(1, 0, n_cand, n_pre, total, spec.radius, table, spec.min_count, all_covered)
    return notes


def van_notes(
    k: int,
    found: int,
    n_cand: int,
    n_pre: int,
    total: int,
    radius: float,
    table: gpd.GeoDataFrame,
    min_count: int,
    all_covered: bool,
) -> list[str]:
    """Why fewer than ``k`` sites were suggested, and how many rest on too few incidents."""
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
