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

Emerging-hotspot classes over time: :func:`geo.hotspots.emerging.classify_emerging`.
"""

from __future__ import annotations

from typing import Any

from geo.hotspots._result import NO_INCIDENTS, HotspotError, HotspotResult, empty_polygons, unwrap
from geo.hotspots.clusters import dbscan_hotspots, hdbscan_hotspots
from geo.hotspots.gistar import gistar_hotspots
from geo.hotspots.kde import kde_hotspots

#: Method name -> (function, method-specific columns).
_METHODS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "kde": (kde_hotspots, ("peak_density_per_km2",)),
    "gistar": (gistar_hotspots, ("gi_class", "gi_confidence", "gi_z_max")),
    "dbscan": (dbscan_hotspots, ()),
    "hdbscan": (hdbscan_hotspots, ()),
}
#: Names of the hotspot methods.
METHODS: tuple[str, ...] = tuple(_METHODS)
#: The method the product recommends (best backtested PAI on the bundled data; docs/hotspots.md).
DEFAULT_METHOD = "kde"


def find_hotspots(
    incidents,
    method: str = DEFAULT_METHOD,
    *,
    district=None,
    seed: int = 0,
    **params: Any,
) -> HotspotResult:
    """Find ranked hotspot polygons in a selection of incidents.

    Parameters
    ----------
    incidents : DataFrame or SelectionResult
        Canonical incidents (see :mod:`geo.schema`); a SelectionResult's notes are carried into
        ``result.notes``.
    method : str, default :data:`DEFAULT_METHOD`
        One of :data:`METHODS`.
    district : District, optional
        Restricts grids to the district and makes area shares refer to its area.
    seed : int, default 0
        For the methods with randomness (HDBSCAN jitter, Gi* permutations).
    **params
        Method parameters; None or omitted means automatic:
        kde: ``cell_size``, ``bandwidth`` (metres, "auto" or "scott"), ``local_weight`` (5),
        ``top_share`` (0.01);
        gistar: ``cell_size``, ``fdr`` (True), ``inference`` ("exact"), ``permutations`` (999),
        ``min_count`` (5), ``min_level`` (0.90);
        dbscan: ``eps``, ``min_samples``, ``alpha`` (0.01);
        hdbscan: ``min_cluster_size``, ``min_samples`` (10), ``jitter_m`` (5), ``max_points``,
        ``alpha`` (0.01).

    Returns
    -------
    HotspotResult
        Empty (with the message "no incidents match the selection") when nothing is selected.

    Raises
    ------
    HotspotError
        Unknown method or parameter, or impossible values (a ValueError).
    """
    if method not in _METHODS:
        raise HotspotError(f"unknown hotspot method '{method}'; choose from {', '.join(METHODS)}")
    fn, extra_cols = _METHODS[method]
    df, notes = unwrap(incidents)
    params = {k: v for k, v in params.items() if v is not None}
    known = set(fn.__code__.co_varnames[: fn.__code__.co_argcount + fn.__code__.co_kwonlyargcount])
    unknown = set(params) - known
    if unknown:
        raise HotspotError(f"method '{method}' has no parameter(s) {sorted(unknown)}")
    if df.empty:
        return HotspotResult(method, empty_polygons(extra_cols), dict(params), [NO_INCIDENTS], notes, 0)
    out = fn(df, district=district, seed=seed, **params)
    table, used, warnings = out[:3]
    surface = out[3] if len(out) > 3 else None
    return HotspotResult(method, table, used, list(warnings), notes, len(df), surface)


__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "HotspotError",
    "HotspotResult",
    "find_hotspots",
]
