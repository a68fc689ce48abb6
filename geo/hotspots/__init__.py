"""Hotspot methods: one entry point, :func:`find_hotspots`, over a selection of incidents.

Every method works in British National Grid metres and returns a :class:`HotspotResult` whose
polygons (EPSG:27700; ``.to_wgs84()`` for maps) are ranked by incident count, with the share of
the selection, area, density, top crime types and the parameters actually used (automatic ones
included).  See docs/hotspots.md for the methods, their defaults and the backtest.

Methods (:data:`METHODS`):

``kde``      kernel density, top cells by share of area (:mod:`geo.hotspots.kde`), the default
``gistar``   Getis-Ord Gi* hot cells, FDR-corrected (:mod:`geo.hotspots.gistar`)
``dbscan``   DBSCAN density clusters (:mod:`geo.hotspots.clusters`)
``hdbscan``  HDBSCAN density clusters (:mod:`geo.hotspots.clusters`)
``counts``   the busiest cells of the selection (:mod:`geo.hotspots.counts`)
``auto``     the default: the method (previous counts or KDE) that best forecast the selection's
             own last months, chosen per selection and said (:mod:`geo.hotspots.auto`)

``emerging``  emerging-hotspot classes over time (:func:`geo.hotspots.emerging.classify_emerging`);
             not a forecast, so not in :data:`METHODS` (the backtest's methods) but in
             :data:`ALL_METHODS`.

Scale: the hotspot budget is a share of the *study area* (:func:`selection_area`: the selected
sectors and zone, else the district), or a number of hotspots; hotspots holding fewer than
``min_count`` incidents are not returned, and the result says how many were dropped and why.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from geo.geocode import point_precise
from geo.hotspots._cellscore import CellScorer
from geo.hotspots.area import selection_area
from geo.hotspots.auto import AUTO_SHARE, auto_hotspots
from geo.hotspots.clusters import dbscan_hotspots, hdbscan_hotspots
from geo.hotspots.counts import counts_hotspots
from geo.hotspots.emerging import classify_emerging
from geo.hotspots.gistar import gistar_hotspots
from geo.hotspots.kde import kde_hotspots
from geo.hotspots.result import NO_INCIDENTS, HotspotError, HotspotResult, empty_polygons, study_area, unwrap, xy

#: Method name -> (function, method-specific columns).
_METHODS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "kde": (kde_hotspots, ("peak_density_per_km2",)),
    "gistar": (gistar_hotspots, ("gi_class", "gi_confidence", "gi_z_max")),
    "dbscan": (dbscan_hotspots, ()),
    "hdbscan": (hdbscan_hotspots, ()),
    "counts": (counts_hotspots, ("peak_cell_count",)),
}
#: Name of the method that chooses among the others per selection (:mod:`geo.hotspots.auto`).
AUTO = "auto"
#: Names of the hotspot methods that forecast (and can be backtested).
METHODS: tuple[str, ...] = (AUTO, *_METHODS)
#: Every name :func:`find_hotspots` accepts (the forecasting methods and ``emerging``).
ALL_METHODS: tuple[str, ...] = (*METHODS, "emerging")
#: Methods that cut their own surface to ``top_share`` (default 1%).
_BUDGETED = ("kde", "counts", AUTO)
#: Methods that draw polygons around points: incidents placed at a postcode centroid (no exact
#: point) are left out unless the ``centroids`` parameter is true, and the warning says how many.
POINT_METHODS = ("dbscan", "hdbscan")
#: Hotspots holding fewer incidents than this are not returned by default.
MIN_COUNT = 5
#: The method the product recommends: ``auto`` chooses per selection, by a backtest on the
#: selection's own past, between the previous-counts baseline and KDE, and says which it drew
#: and why; scored on what it draws it matches or beats the best fair baseline on the bundled
#: data for all crime and each crime type of docs/experiments.md.
DEFAULT_METHOD = AUTO


def find_hotspots(
    incidents: Any,
    method: str = DEFAULT_METHOD,
    *,
    district: Any = None,
    seed: int = 0,
    area: Any = None,
    top_share: float | None = None,
    max_hotspots: int | None = None,
    min_count: int = MIN_COUNT,
    context: pd.DataFrame | None = None,
    **params: Any,
) -> HotspotResult:
    """Find ranked hotspot polygons in a selection of incidents.

    Parameters
    ----------
    incidents : DataFrame or SelectionResult
        Canonical incidents (see :mod:`geo.schema`); a SelectionResult's notes are carried into
        ``result.notes`` and its selection sets the study area.
    method : str, default :data:`DEFAULT_METHOD`
        One of :data:`ALL_METHODS`.
    district : District, optional
        Restricts grids to the study area and makes area shares refer to it.
    seed : int, default 0
        For the methods with randomness (HDBSCAN jitter, Gi* permutations).
    area : shapely geometry, optional
        Study area in EPSG:27700.  Default: :func:`selection_area` of the SelectionResult's
        selection when a district is given (a sector's hotspots are a share of the sector), the
        district for a plain DataFrame, the incidents' bounding box without a district.
    top_share : float, optional
        Hotspot budget as a share (0-1] of the study area.  KDE cuts its surface to it (default
        0.01); for the other methods it caps the hotspots kept in rank order (default: no cap).
    max_hotspots : int, optional
        Keep at most this many hotspots (default: all).
    min_count : int, default :data:`MIN_COUNT` (5)
        Hotspots holding fewer incidents are not returned (too few to rely on); for Gi* it is
        also the count a cell needs to be tested.
    context : DataFrame, optional
        All-crime incidents of the same window and area, for ``auto`` and ``counts``: their
        counts break ties and fill the budget a rare crime type leaves unused (as the
        previous-counts baseline does); with ``min_count=1`` the filled cells are kept although
        they hold none of the selected incidents (they are part of the forecast).  Ignored by
        the other methods.
    **params
        Method parameters; None or omitted means automatic:
        kde: ``cell_size``, ``bandwidth`` (metres, "auto" or "scott"), ``local_weight`` (5);
        gistar: ``cell_size``, ``fdr`` (True), ``inference`` ("exact"), ``permutations`` (999),
        ``min_level`` (0.90);
        dbscan: ``eps``, ``min_samples``, ``alpha`` (0.01), ``centroids`` (False);
        hdbscan: ``min_cluster_size``, ``min_samples`` (10), ``jitter_m`` (5), ``max_points``,
        ``alpha`` (0.01), ``centroids`` (False): with ``centroids`` the incidents placed at a
        postcode centroid are clustered too (by default they are left out, and a warning says how many);
        counts: ``cell_size`` (50), ``half_life_months`` (None);
        auto: none (it chooses among :data:`geo.hotspots.auto.CANDIDATES`);
        emerging: see :func:`geo.hotspots.emerging.classify_emerging`.

    Returns
    -------
    HotspotResult
        Empty (with the message "no incidents match the selection") when nothing is selected.
        ``n_dropped`` and ``dropped_note`` say how many hotspots were left out and why;
        ``params["study_area"]`` names the area shares refer to.

    Raises
    ------
    HotspotError
        Unknown method or parameter, or impossible values (a ValueError).
    """
    _check_scale(method, top_share, max_hotspots, min_count)
    geom, area_name = _resolve_area(incidents, district, area)
    params = {k: v for k, v in params.items() if v is not None}
    if method == "emerging":  # classes, not a ranking: only the number of hotspots applies
        return _limit(classify_emerging(incidents, district=district, seed=seed, **params), None, max_hotspots, 0, None)
    if method == AUTO:
        if params:
            raise HotspotError(f"method 'auto' chooses its own parameters; got {sorted(params)}")
        return _auto(incidents, district, seed, geom, area_name, top_share, max_hotspots, min_count, context)
    scale = {"top_share": top_share, "max_hotspots": max_hotspots, "min_count": min_count}
    return _ranked(incidents, method, district, seed, (geom, area_name), scale, context, params)


def _ranked(  # find_hotspots for one of the ranked engines, its arguments resolved
    incidents: Any,
    method: str,
    district: Any,
    seed: int,
    area: tuple[Any, str],
    limits: dict[str, Any],
    context: pd.DataFrame | None,
    params: dict[str, Any],
) -> HotspotResult:
    """Run the engine of ``method``, then drop what the scale rules leave out."""
    geom, area_name = area
    top_share, max_hotspots, min_count = limits["top_share"], limits["max_hotspots"], limits["min_count"]
    fn, extra_cols = _METHODS[method]
    df, notes = unwrap(incidents)
    left_out = 0
    if method in POINT_METHODS:
        df, left_out = _exact_points(df, bool(params.pop("centroids", False)))
    known = set(fn.__code__.co_varnames[: fn.__code__.co_argcount + fn.__code__.co_kwonlyargcount])
    unknown = set(params) - known - {"area"}
    if unknown:
        raise HotspotError(f"method '{method}' has no parameter(s) {sorted(unknown)}")
    scale = {"top_share": top_share} if method in _BUDGETED and top_share is not None else {}
    if method == "gistar":
        scale["min_count"] = min_count
    if method == "counts" and context is not None:
        scale["context"] = unwrap(context)[0]
    if df.empty:
        return HotspotResult(method, empty_polygons(extra_cols), dict(params), [NO_INCIDENTS], notes, 0)
    out = fn(df, district=district, seed=seed, area=geom, **scale, **params)
    table, used, warnings = out[:3]
    used = {**used, "study_area": area_name, "min_count": min_count, "max_hotspots": max_hotspots}
    if method not in _BUDGETED:
        used["top_share"] = top_share
    surface = out[3] if len(out) > 3 else None
    if left_out:
        warnings = [*warnings, centroid_note(left_out, len(df) + left_out)]
    if method in POINT_METHODS:
        used["postcode_centroids_left_out"] = left_out
    res = HotspotResult(method, table, used, list(warnings), notes, len(df), surface)
    budget = None if method in _BUDGETED or top_share is None else top_share * used["study_area_km2"] * 1e6
    # cells filled from all crime hold none of the selected incidents; at min_count 1 they stay
    floor = 0 if "context" in scale and min_count == 1 else min_count
    return _limit(res, budget, max_hotspots, floor, top_share)


def _auto(  # the arguments of find_hotspots, resolved
    incidents: Any,
    district: Any,
    seed: int,
    geom: Any,
    area_name: str,
    top_share: float | None,
    max_hotspots: int | None,
    min_count: int,
    context: pd.DataFrame | None,
) -> HotspotResult:
    """The ``auto`` method: candidates run through :func:`find_hotspots` at the drawn scale."""
    df, notes = unwrap(incidents)
    if df.empty:
        return HotspotResult(AUTO, empty_polygons(), {}, [NO_INCIDENTS], notes, 0)
    ctx = unwrap(context)[0] if context is not None else None
    run, scorer, area_m2 = auto_setup(df, district=district, seed=seed, area=geom, top_share=top_share,
                                      max_hotspots=max_hotspots, min_count=min_count)  # fmt: skip
    # the choice counts hits on the candidates' cells; only the winner is drawn through the engine
    res = auto_hotspots(df, run, context=ctx, area_m2=area_m2, min_count=min_count, scorer=scorer)
    res.params.update(study_area=area_name, top_share=scorer.share, max_hotspots=max_hotspots)
    return replace(res, notes=notes, n_incidents=len(df))


def auto_setup(
    incidents: pd.DataFrame,
    *,
    district: Any = None,
    seed: int = 0,
    area: Any = None,
    top_share: float | None = None,
    max_hotspots: int | None = None,
    min_count: int = MIN_COUNT,
) -> tuple[Any, CellScorer, float]:
    """What ``auto`` chooses with: the engine run of a candidate, the cell scorer, the study area.

    Parameters
    ----------
    incidents : DataFrame
        The selection's incidents (with coordinates), for the study area when neither ``area``
        nor ``district`` is given.
    district, seed, area, top_share, max_hotspots, min_count
        As for :func:`find_hotspots` (``area`` resolved: a geometry or None).

    Returns
    -------
    run : callable
        ``run(method, params, rows, context) -> HotspotResult``: one candidate through
        :func:`find_hotspots` at the drawn scale (the full engine).
    scorer : CellScorer
        The same candidates scored on grid cells (:func:`geo.hotspots.auto.choose`).
    area_m2 : float
        The study area (m2).
    """
    area_geom, area_m2 = study_area(district, *xy(incidents), area)
    share = top_share if top_share is not None else AUTO_SHARE

    def run(method: str, params: dict[str, Any], rows: pd.DataFrame, fill: pd.DataFrame | None) -> HotspotResult:
        kw = {"top_share": share, "min_count": min_count, **params}
        return find_hotspots(rows, method, district=district, seed=seed, area=area_geom,
                             max_hotspots=max_hotspots, context=fill, **kw)  # fmt: skip

    return run, CellScorer(district, area_geom, share, min_count, max_hotspots), area_m2


def _exact_points(df: pd.DataFrame, centroids: bool) -> tuple[pd.DataFrame, int]:
    """``df`` without rows placed at a postcode centroid (unless ``centroids``), and how many left out."""
    if centroids:
        return df, 0
    exact = point_precise(df).to_numpy()
    left_out = int((~exact).sum())
    return (df[exact] if left_out else df), left_out


def centroid_note(left_out: int, total: int) -> str:
    """The warning of a cluster method that left out ``left_out`` of ``total`` incidents (no exact point)."""
    return (
        f"{left_out:,} of {total:,} incidents are placed at a postcode centroid, not an exact point, and were left "
        'out of the cluster polygons (include them with the map\'s "Include incidents at postcode centroids" box, '
        "--centroids or centroids=true)"
    )


def _check_scale(method: str, top_share: float | None, max_hotspots: int | None, min_count: int) -> None:
    """Refuse an unknown method and impossible budgets."""
    if method not in ALL_METHODS:
        raise HotspotError(f"unknown hotspot method '{method}'; choose from {', '.join(ALL_METHODS)}")
    if top_share is not None and not 0 < top_share <= 1:
        raise HotspotError(f"top share of the area must be in (0, 1], got {top_share}")
    if max_hotspots is not None and max_hotspots < 1:
        raise HotspotError(f"max_hotspots must be at least 1, got {max_hotspots}")
    if min_count < 1:
        raise HotspotError(f"min_count must be at least 1, got {min_count}")


def _resolve_area(incidents: Any, district: Any, area: Any) -> tuple[Any, str]:
    """The study area geometry (None: the incidents' bounding box) and how to name it."""
    if area is not None:
        return area, "given area"
    if district is None:
        return None, "the incidents' bounding box"
    sel = getattr(incidents, "selection", None)
    if sel is not None and (getattr(sel, "sectors", None) or getattr(sel, "zone", None) is not None):
        return selection_area(sel, district), "the selection's sectors and zone"
    return None, "the district"


def _limit(
    res: HotspotResult, budget_m2: float | None, max_hotspots: int | None, min_count: int, top_share: float | None
) -> HotspotResult:
    """Drop hotspots under ``min_count`` incidents, beyond the area budget or the number asked for.

    The rest are re-ranked, and the result says what was dropped and why.
    """
    table = res.polygons
    if table.empty:
        return res
    reasons = []
    small = (table["count"] < min_count).to_numpy() if min_count else np.zeros(len(table), bool)
    if small.any():
        reasons.append(f"{int(small.sum())} holding fewer than {min_count} incidents (too few to rely on)")
    keep = ~small
    if budget_m2 is not None:
        within = np.cumsum(np.where(keep, table["area_m2"].to_numpy(), 0.0)) <= budget_m2 + 1e-6
        over = keep & ~within
        if over.any():
            reasons.append(f"{int(over.sum())} beyond the area budget ({top_share:.1%} of the study area)")
        keep &= within
    if max_hotspots is not None and keep.sum() > max_hotspots:
        extra = keep & (np.cumsum(keep) > max_hotspots)
        reasons.append(f"{int(extra.sum())} beyond the first {max_hotspots}")
        keep &= ~extra
    if not reasons:
        return res
    kept = table[keep].copy()
    kept["rank"] = np.arange(1, len(kept) + 1)
    dropped = int(len(table) - len(kept))
    note = f"{dropped} hotspot(s) not shown: " + "; ".join(reasons)
    return replace(res, polygons=kept.reset_index(drop=True), warnings=[*res.warnings, note],
                   n_dropped=dropped, dropped_note=note)  # fmt: skip


__all__ = [
    "ALL_METHODS",
    "AUTO",
    "DEFAULT_METHOD",
    "METHODS",
    "MIN_COUNT",
    "HotspotError",
    "HotspotResult",
    "auto_setup",
    "find_hotspots",
    "selection_area",
]
