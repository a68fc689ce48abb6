"""The result every hotspot method returns, and the input handling they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import HotspotsError
from geo.hotspots.grid import Grid
from geo.schema import BNG, WGS84

#: Columns every hotspot table has (method-specific ones follow).
BASE_COLUMNS = (
    "rank",
    "count",
    "share",
    "area_m2",
    "density_per_km2",
    "top_crime_types",
    "method",
    "centre_easting",
    "centre_northing",
)
#: Message for an empty selection (the dashboard shows it as is).
NO_INCIDENTS = "no incidents match the selection"


class HotspotError(HotspotsError, ValueError):
    """Impossible hotspot parameters (negative sizes, unknown method...)."""


@dataclass
class HotspotResult:
    """Ranked hotspot polygons and how they were made.

    Attributes
    ----------
    method : str
    polygons : GeoDataFrame (EPSG:27700)
        One row per hotspot, ranked (1 = most incidents): ``rank``, ``count`` (incidents inside),
        ``share`` (of the selection), ``area_m2``, ``density_per_km2``, ``top_crime_types``,
        ``method``, ``centre_easting``/``centre_northing`` (mean position of its incidents) and
        method-specific columns (e.g. ``gi_class``).
    params : dict
        Every parameter actually used, automatic ones included.
    warnings : list of str
        Things the user should know (bandwidth below cell size, empty selection...).
    notes : list of str
        Notes carried over from the selection (records left out and why).
    n_incidents : int
        Incidents analysed.
    surface : (Grid, ndarray) or None
        For grid methods, the per-cell score the hotspots were cut from.
    n_dropped : int
        Hotspots found but not returned (too few incidents, beyond the area budget or the
        number asked for); ``dropped_note`` says how many of each and why.
    dropped_note : str
        Empty when nothing was dropped.
    """

    method: str
    polygons: gpd.GeoDataFrame
    params: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_incidents: int = 0
    surface: tuple[Grid, np.ndarray] | None = None
    n_dropped: int = 0
    dropped_note: str = ""

    @property
    def empty(self) -> bool:
        """True when no hotspot was found."""
        return self.polygons.empty

    @property
    def message(self) -> str:
        """One line for the user: the first warning, or a count of hotspots."""
        if self.n_incidents == 0:
            return NO_INCIDENTS
        return f"{len(self.polygons)} hotspot(s) from {self.n_incidents:,} incidents ({self.method})"

    def to_wgs84(self) -> gpd.GeoDataFrame:
        """The polygons in WGS84 longitude/latitude (for maps and GeoJSON)."""
        return self.polygons.to_crs(WGS84)


def unwrap(incidents: Any) -> tuple[pd.DataFrame, list[str]]:
    """Accept a canonical DataFrame or a :class:`geo.selection.SelectionResult`."""
    notes: list[str] = []
    if hasattr(incidents, "incidents") and hasattr(incidents, "notes"):
        notes = list(incidents.notes)
        incidents = incidents.incidents
    if not isinstance(incidents, pd.DataFrame):
        raise HotspotError(f"expected a canonical incidents DataFrame, got {type(incidents).__name__}")
    missing = {"easting", "northing"} - set(incidents.columns)
    if missing:
        raise HotspotError(f"incidents lack column(s) {sorted(missing)}")
    ok = incidents["easting"].notna() & incidents["northing"].notna()
    if not ok.all():
        notes.append(f"{int((~ok).sum()):,} incidents without coordinates left out")
        incidents = incidents.loc[ok]
    return incidents.reset_index(drop=True), notes


def xy(incidents: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing as float arrays."""
    return incidents["easting"].to_numpy(dtype=float), incidents["northing"].to_numpy(dtype=float)


def sorted_unique(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` for int64 keys: hash first, sort only the distinct keys."""
    codes, uniq = pd.factorize(key, sort=False)
    order = np.argsort(uniq, kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return uniq[order], rank[codes]


def dedupe(
    x: np.ndarray, y: np.ndarray, resolution: float = 0.1, *, sort: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct locations (to ``resolution`` metres), their weights and each point's location index.

    data.police.uk snaps incidents to a few thousand anonymisation points, so most coordinates are
    exact duplicates; the clustering methods work on these weighted locations, not on copies.
    Locations come sorted by (easting, northing) key, as ``np.unique`` would give them, unless
    ``sort`` is False (first-seen order; enough for counts and distances, and faster).
    """
    kx = np.round(x / resolution).astype(np.int64)
    ky = np.round(y / resolution).astype(np.int64)
    key = kx * 4_000_000_000 + ky  # BNG fits well inside 4e9 decimetres
    if sort:
        uniq, inverse = sorted_unique(key)
    else:
        inverse, uniq = pd.factorize(key, sort=False)
    counts = np.bincount(inverse, minlength=len(uniq))
    ux = (uniq // 4_000_000_000) * resolution
    uy = (uniq % 4_000_000_000) * resolution
    return ux.astype(float), uy.astype(float), counts.astype(float), inverse


def study_area(
    district: Any, x: np.ndarray, y: np.ndarray, area: shapely.Geometry | None = None
) -> tuple[shapely.Geometry | None, float]:
    """The area shares refer to, and its size (m2).

    ``area`` when given (e.g. the selection's sectors), else the district boundary, else the
    points' bounding box (geometry None).
    """
    if area is not None:
        geom = shapely.make_valid(area)
        if not geom.area > 0:
            raise HotspotError("the study area has no area")
        return geom, float(geom.area)
    if district is not None:
        geom = district_geometry(district)
        return geom, float(geom.area)
    if len(x) == 0:
        return None, 0.0
    w = max(float(np.ptp(x)), 1.0)
    h = max(float(np.ptp(y)), 1.0)
    return None, w * h


def district_geometry(district: Any) -> shapely.Geometry:
    """The district boundary as one valid geometry in EPSG:27700 (the bundled one self-intersects)."""
    return shapely.make_valid(shapely.union_all(district.boundary.to_crs(BNG).geometry.to_numpy()))


def top_types(crime_types: pd.Series, k: int = 3) -> str:
    """``"Shoplifting 40%, Violence and sexual offences 25%"``: the largest shares of a hotspot."""
    if crime_types.empty:
        return ""
    vc = crime_types.value_counts(normalize=True).head(k)
    return ", ".join(f"{name} {share:.0%}" for name, share in vc.items())


def _type_codes(crime_types: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes (-1 for missing) of the crime types of ``rows`` as text (``astype("string")``), and the texts."""
    arrow = getattr(crime_types.array, "__arrow_array__", None)
    if arrow is not None:  # Arrow-backed text: encode in Arrow, without Python strings
        import pyarrow as pa
        import pyarrow.compute as pc

        chunked = arrow()
        if pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type):
            taken = pc.take(chunked, pa.array(rows))
            if isinstance(taken, pa.ChunkedArray):
                taken = taken.combine_chunks()
            enc = pc.dictionary_encode(taken)
            codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
            return codes, enc.dictionary.to_pylist()
    raw_codes, raw_names = pd.factorize(crime_types.iloc[rows], use_na_sentinel=True)
    # value_counts runs on the text (astype("string")) and drops missing values
    merge, names = pd.factorize(pd.Series(raw_names).astype("string"), use_na_sentinel=True)
    codes = np.where(raw_codes >= 0, merge[np.maximum(raw_codes, 0)] if len(merge) else -1, -1)
    return codes, [str(nm) for nm in names]


def _top_types_all(
    crime_types: pd.Series, labels: np.ndarray, n_groups: int, k: int = 3, inside: np.ndarray | None = None
) -> list[str]:
    """:func:`top_types` of every hotspot at once (one bincount instead of a groupby per hotspot).

    Same order as ``value_counts``: by count, ties by first appearance within the hotspot.
    ``inside`` (optional) is ``np.flatnonzero(labels >= 0)``.
    """
    inside = np.flatnonzero(labels >= 0) if inside is None else inside
    codes, names = _type_codes(crime_types, inside)
    ok = codes >= 0
    lab, codes = labels[inside[ok]], codes[ok]
    n_types = len(names)
    out = [""] * n_groups
    if not n_types or not len(lab):
        return out
    key = lab.astype(np.int64) * n_types + codes
    counts = np.bincount(key, minlength=n_groups * n_types).reshape(n_groups, n_types)
    # value_counts breaks ties by first appearance: the first incident of each (hotspot, type)
    first = np.full(n_groups * n_types, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, key, np.arange(len(key), dtype=np.int64))
    first_2d = first.reshape(n_groups, n_types)
    order = np.lexsort((first_2d, -counts), axis=-1)[:, :k]
    totals = counts.sum(axis=1)
    labels_text = names
    for g in np.flatnonzero(totals):
        parts = []
        for t in order[g]:
            c = counts[g, t]
            if c == 0:
                break
            parts.append(f"{labels_text[t]} {c / totals[g]:.0%}")
        out[g] = ", ".join(parts)
    return out


def empty_polygons(extra: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """A hotspot table with no rows (the base columns and ``extra``)."""
    cols = {c: pd.Series(dtype="float64") for c in BASE_COLUMNS + extra}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)


def build_table(
    geoms: list[shapely.Geometry] | np.ndarray,
    labels: np.ndarray,
    incidents: pd.DataFrame,
    method: str,
    extra: dict[str, list] | None = None,
    keep_empty: bool = False,
) -> gpd.GeoDataFrame:
    """Rank hotspots and compute their statistics.

    Parameters
    ----------
    geoms : sequence of polygons
        Hotspot ``i`` is ``geoms[i]``.
    labels : array of int
        Hotspot index of each incident, -1 for none.
    incidents : DataFrame
        The analysed incidents (for ``crime_type``).
    extra : dict of column -> list, optional
        Method-specific columns, one value per hotspot.
    keep_empty : bool, default False
        Keep hotspots holding no incidents (cold spots).
    """
    n_total = len(incidents)
    k = len(geoms)
    if k == 0:
        return empty_polygons(tuple(extra or ()))
    inside = np.flatnonzero(labels >= 0)
    lab = labels[inside]
    counts = np.bincount(lab, minlength=k)
    area = shapely.area(np.asarray(geoms, dtype=object))
    ex, ny_ = xy(incidents)
    safe = np.maximum(counts, 1)
    cx = np.bincount(lab, weights=ex[inside], minlength=k) / safe
    cy = np.bincount(lab, weights=ny_[inside], minlength=k) / safe
    if keep_empty and (counts == 0).any():  # an empty hotspot is centred on its own polygon
        empty = np.flatnonzero(counts == 0)
        centroids = shapely.centroid(np.asarray(geoms, dtype=object)[empty])
        cx[empty], cy[empty] = shapely.get_x(centroids), shapely.get_y(centroids)
    if "crime_type" in incidents and n_total:
        top_names = _top_types_all(incidents["crime_type"], labels, k, inside=inside)
    else:
        top_names = [""] * k
    density = (counts / (area / 1e6)).round(2)
    # rank before building the frame: drop empty hotspots, then most incidents first, ties by
    # density, then by hotspot index (a stable sort, as DataFrame.sort_values(kind="stable"))
    keep = np.arange(k) if keep_empty else np.flatnonzero(counts > 0)
    with np.errstate(invalid="ignore"):
        order = keep[np.lexsort((-density[keep], -counts[keep]))]
    if not len(order):  # keep the column types of the non-empty table
        return _frame(geoms, np.arange(k), counts, n_total, area, density, top_names, method, cx, cy, extra).iloc[:0]
    return _frame(geoms, order, counts, n_total, area, density, top_names, method, cx, cy, extra)


def _frame(  # noqa: PLR0913 - one column each
    geoms: Any,
    order: np.ndarray,
    counts: np.ndarray,
    n_total: int,
    area: np.ndarray,
    density: np.ndarray,
    top_names: list[str],
    method: str,
    cx: np.ndarray,
    cy: np.ndarray,
    extra: dict[str, list] | None,
) -> gpd.GeoDataFrame:
    pick = order.tolist()
    geoms = np.asarray(geoms, dtype=object)
    return gpd.GeoDataFrame(
        {
            "rank": np.arange(1, len(order) + 1),
            "count": counts[order].astype(int),
            "share": counts[order] / max(n_total, 1),
            "area_m2": area[order].round(1),
            "density_per_km2": density[order],
            "top_crime_types": [top_names[i] for i in pick],
            "method": method,
            "centre_easting": np.round(cx[order], 1),
            "centre_northing": np.round(cy[order], 1),
            **{col: [vals[i] for i in pick] for col, vals in (extra or {}).items()},
        },
        geometry=gpd.GeoSeries(geoms[order], crs=BNG),
        crs=BNG,
    )
