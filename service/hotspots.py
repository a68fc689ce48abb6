"""Hotspots of a selection: the ranked polygons, the table with streets, one hotspot's details.

The street lookup and the membership of incidents in polygons run only when the table or the
details are asked for, so a filter change on the map costs one filter and one hotspot run.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field, fields
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.hotspots import DEFAULT_METHOD, METHODS, HotspotResult, find_hotspots
from geo.hotspots.emerging import classify_emerging
from geo.hotspots.inside import point_pairs
from geo.profile import TimeProfile, time_profile
from geo.schema import BNG
from geo.selection import Selection, SelectionResult
from geo.streets import streets_for_groups
from service import cache
from service.errors import NotFoundError, OptionsError
from service.limits import LIMITS, check_number, parse_number
from service.params import (
    Params,
    check_known,
    choice,
    flag,
    number_text,
    selection_of,
    selection_params,
    single,
)
from service.source import Source

#: Every method a face offers: the ranked engines of :mod:`geo.hotspots` and the emerging classes.
METHOD_CHOICES: tuple[str, ...] = (*METHODS, "emerging")
#: Periods of the emerging classes (pandas aliases).
PERIODS = ("M", "Q", "W", "Y")
#: The method parameters each method takes (None or omitted: chosen from the data and reported).
METHOD_PARAMS: dict[str, tuple[str, ...]] = {
    "auto": (),
    "kde": ("cell_size", "bandwidth", "local_weight"),
    "gistar": ("cell_size",),
    "counts": ("cell_size",),
    "dbscan": ("eps", "min_samples", "centroids"),
    "hdbscan": ("min_cluster_size", "min_samples", "centroids"),
    "emerging": ("cell_size", "period"),
}
#: Options every ranked method may take once geo.hotspots.find_hotspots accepts them as keywords.
COMMON_PARAMS = ("top_share", "max_hotspots", "min_count")
_NUMERIC = ("cell_size", "local_weight", "eps", "min_samples", "min_cluster_size", *COMMON_PARAMS)
OWN_PARAMS = ("method", "bandwidth", "period", "seed", "centroids", *_NUMERIC)
#: The stored columns the hotspot engines, the table, the backtest and a hotspot's details read
#: (coordinates, the crime type for ``top_crime_types`` and the by-type backtest, the times for
#: ``auto``'s months, recency weights and the emerging periods, the time precision for the time
#: profile, the location text for the table's street names): the rest of each record is never read
#: for the hotspot layer, so a worker holds a fraction of the rows, and one read serves them all.
HOTSPOT_COLUMNS = (
    "easting", "northing", "crime_type", "occurred_from", "occurred_to", "time_precision", "location",
    "location_precision",
)  # fmt: skip
#: What the all-crime context of ``auto`` and the backtest's baseline is read for: where (the
#: cells it fills) and when (the months of each fold).
CONTEXT_COLUMNS = ("easting", "northing", "occurred_from", "occurred_to")
#: "Show top N" choices of the map (None = all).
TOP_CHOICES = (5, 10, 20, 50, None)
DEFAULT_TOP = int(LIMITS["top"].default or 10)


@dataclass(frozen=True)
class HotspotsOptions:
    """A selection, a method and the method's parameters (None = automatic, as geo reports it)."""

    selection: Selection = field(default_factory=Selection)
    method: str = DEFAULT_METHOD
    cell_size: float | None = None
    bandwidth: float | str | None = None
    local_weight: float | None = None
    top_share: float | None = None
    eps: float | None = None
    min_samples: int | None = None
    min_cluster_size: int | None = None
    period: str | None = None
    max_hotspots: int | None = None
    min_count: int | None = None
    seed: int = 0
    #: dbscan/hdbscan: cluster incidents placed at a postcode centroid too (None: left out, and said).
    centroids: bool | None = None

    def __post_init__(self) -> None:
        """Check the method, that each given parameter applies to it, and every number's limits."""
        if self.method not in METHOD_CHOICES:
            raise OptionsError(f"unknown method '{self.method}'; choose from {', '.join(METHOD_CHOICES)}")
        for name in _NUMERIC:
            check_number(name, getattr(self, name))
        check_number("seed", self.seed)
        if isinstance(self.bandwidth, str) and self.bandwidth != "scott":
            raise OptionsError(f"the KDE bandwidth ('bandwidth') must be metres or 'scott', got '{self.bandwidth}'")
        if isinstance(self.bandwidth, float | int):
            check_number("bandwidth", self.bandwidth)
        if self.period is not None and self.period not in PERIODS:
            raise OptionsError(f"unknown period '{self.period}'; choose from {', '.join(PERIODS)}")
        applies = (*METHOD_PARAMS[self.method], *(COMMON_PARAMS if self.method != "emerging" else ()))
        unused = [n for n in (*METHOD_PARAMS_ALL, *COMMON_PARAMS) if getattr(self, n) is not None and n not in applies]
        if unused:
            raise OptionsError(f"{', '.join(unused)} does not apply to method '{self.method}'")

    @classmethod
    def from_params(cls, params: Params) -> HotspotsOptions:
        """Options from URL/API/CLI parameters (the names of :data:`OWN_PARAMS` beside the selection)."""
        check_known(params, OWN_PARAMS)
        values: dict[str, Any] = {name: parse_number(name, single(params, name)) for name in _NUMERIC}
        bandwidth = single(params, "bandwidth")
        if bandwidth not in (None, "", "scott", "auto"):
            bandwidth = parse_number("bandwidth", bandwidth)
        values["bandwidth"] = None if bandwidth in ("", "auto") else bandwidth
        values["period"] = single(params, "period") or None
        values["centroids"] = flag(params, "centroids", False) or None
        # A default in the limits table is the engine's own default: keep None so geo decides.
        for name in ("top_share", "min_count"):
            if single(params, name) in (None, ""):
                values[name] = None
        seed = parse_number("seed", single(params, "seed"))
        method = choice(params, "method", METHOD_CHOICES, DEFAULT_METHOD)
        return cls(selection_of(params), method, seed=int(seed or 0), **values)

    def to_params(self) -> dict[str, str | list[str]]:
        """The parameters of these options, omitting defaults."""
        out = selection_params(self.selection)
        if self.method != DEFAULT_METHOD:
            out["method"] = self.method
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("selection", "method") or value is None or (f.name == "seed" and value == 0):
                continue
            if isinstance(value, bool):
                out[f.name] = "true" if value else "false"
            else:
                out[f.name] = number_text(value) if isinstance(value, int | float) else str(value)
        return out

    def method_params(self) -> dict[str, Any]:
        """The keyword arguments geo receives: given values only, common ones only where geo takes them."""
        out = {n: getattr(self, n) for n in METHOD_PARAMS[self.method] if getattr(self, n) is not None}
        if self.method != "emerging":
            # Bridge: geo.hotspots.find_hotspots gains these keywords in the accuracy work; until it
            # declares them, passing them would be refused as unknown method parameters.
            accepted = inspect.signature(find_hotspots).parameters
            out.update({n: getattr(self, n) for n in COMMON_PARAMS if getattr(self, n) is not None and n in accepted})
        return out

    def with_selection(self, selection: Selection) -> HotspotsOptions:
        """The same method and parameters for another selection."""
        from dataclasses import replace

        return replace(self, selection=selection)


METHOD_PARAMS_ALL = tuple(dict.fromkeys(p for ps in METHOD_PARAMS.values() for p in ps))


@dataclass(frozen=True)
class HotspotsResult:
    """The ranked hotspots of a selection (``polygons`` in EPSG:27700, rank 1 = most incidents)."""

    options: HotspotsOptions
    result: HotspotResult

    @property
    def polygons(self) -> gpd.GeoDataFrame:
        """Ranked polygons: ``rank, count, share, area_m2, density_per_km2, top_crime_types, centre_*``."""
        return self.result.polygons

    @property
    def n_incidents(self) -> int:
        """Incidents the method saw."""
        return int(self.result.n_incidents)

    @property
    def message(self) -> str:
        """One line: how many hotspots, or why none."""
        return self.result.message

    @property
    def ranks(self) -> list[int]:
        """The ranks in order (what the faces-agree test compares)."""
        return [int(r) for r in self.polygons["rank"]] if not self.polygons.empty else []


@cache.cached_shared
def run_hotspots(source: Source, options: HotspotsOptions) -> HotspotsResult:
    """The hotspots of ``options`` (cached per store version and options)."""
    selected = hotspot_rows(source, options.selection)
    district = source.district()
    if options.method == "emerging":
        result = classify_emerging(selected, district=district, seed=options.seed, **options.method_params())
    else:
        extra: dict[str, Any] = {}
        if options.method == "auto":  # its counts fill from all crime, as the backtest's baseline does
            extra["context"] = all_crime_context(source, options.selection)
        result = find_hotspots(
            selected, options.method, district=district, seed=options.seed, **options.method_params(), **extra
        )
    return HotspotsResult(options, result)


def hotspot_rows(source: Source, selection: Selection) -> SelectionResult:
    """The selected incidents with only :data:`HOTSPOT_COLUMNS` (cached; do not mutate).

    The text columns (crime type, precisions, location text) come as categoricals: each distinct
    text is held once, so the rows cost about 38 bytes each instead of 116.
    """
    return source.query(selection, HOTSPOT_COLUMNS, categorical=True)


def all_crime_context(source: Source, selection: Selection) -> pd.DataFrame | None:
    """All crime types of the selection's place and time (what ``auto``'s counts fill from).

    None when the selection has no crime-type filter (the selection is then its own context).
    Only :data:`CONTEXT_COLUMNS` are read (32 bytes a row), in no particular order: the context
    is only ever counted per cell and month, which no order changes, and the sort would be most
    of the read's cost.
    """
    if not selection.crime_types and not selection.ho_categories:
        return None
    from dataclasses import replace

    everything = replace(selection, crime_types=(), ho_categories=())
    return source.query(everything, CONTEXT_COLUMNS, ordered=False).incidents


@dataclass(frozen=True)
class Members:
    """Which selected incidents lie inside which polygon: parallel arrays of positions."""

    polygon: np.ndarray
    incident: np.ndarray

    def of(self, position: int) -> np.ndarray:
        """Incident positions (sorted) inside the polygon at ``position``."""
        return np.sort(self.incident[self.polygon == position])


@cache.cached_shared
def run_members(source: Source, options: HotspotsOptions) -> Members:
    """Point-in-polygon membership of the selected incidents (EPSG:27700)."""
    polys = run_hotspots(source, options).polygons
    df = hotspot_rows(source, options.selection).incidents
    if polys.empty or df.empty:
        return Members(np.zeros(0, dtype=int), np.zeros(0, dtype=int))
    x, y = df["easting"].to_numpy(float), df["northing"].to_numpy(float)
    return Members(*point_pairs(polys.to_crs(BNG).geometry.to_numpy(), x, y))


@cache.cached_shared
def run_hotspot_table(source: Source, options: HotspotsOptions) -> gpd.GeoDataFrame:
    """Every ranked hotspot with ``area_ha`` and ``street`` (by :func:`geo.streets.streets_for_groups`).

    The street is the commonest named street among the hotspot's incidents (generic places such as
    "Parking Area" skipped; the nearest named location when none is named): the rule van sites and
    patrol cells use too.
    """
    polys = run_hotspots(source, options).polygons.copy()
    df = hotspot_rows(source, options.selection).incidents
    members = run_members(source, options)
    centres = np.column_stack(
        [polys.get("centre_easting", pd.Series(dtype=float)), polys.get("centre_northing", pd.Series(dtype=float))]
    )
    streets = streets_for_groups(df, members.polygon, members.incident, centres) if len(polys) else []
    polys["street"] = streets if len(polys) else pd.Series(dtype=object)
    polys["area_ha"] = (polys["area_m2"] / 1e4).round(2)
    return polys


def top_polygons(polys: gpd.GeoDataFrame, top: int | None) -> gpd.GeoDataFrame:
    """The hotspots ranked ``top`` or better (all when ``top`` is None)."""
    if top is None or polys.empty:
        return polys
    return polys[polys["rank"] <= top]


def parse_top(value: object) -> int | None:
    """The map's ``top`` parameter: one of :data:`TOP_CHOICES` (``all`` = None; others give the default)."""
    if value in (None, ""):
        return DEFAULT_TOP
    if str(value).lower() == "all":
        return None
    try:
        n = int(str(value))
    except ValueError:
        return DEFAULT_TOP
    return n if n in TOP_CHOICES else DEFAULT_TOP


@dataclass(frozen=True)
class HotspotDetails:
    """What the details panel shows for one hotspot."""

    rank: int
    count: int
    share: float
    area_m2: float
    density_per_km2: float
    street: str
    inside: int
    crime_types: tuple[tuple[str, int], ...]
    profile: TimeProfile
    n_hotspots: int


def hotspot_details(source: Source, options: HotspotsOptions, rank: int) -> HotspotDetails:
    """The figures, crime types and time profile of the hotspot ranked ``rank``.

    Raises
    ------
    NotFoundError
        No hotspot has that rank for this selection and method.
    """
    table = run_hotspot_table(source, options)
    pos = np.flatnonzero(table["rank"].to_numpy(int) == int(rank)) if not table.empty else np.zeros(0, dtype=int)
    if len(pos) == 0:
        raise NotFoundError(f"no hotspot ranked {rank} for this selection and method")
    row = table.iloc[int(pos[0])]
    inside = hotspot_rows(source, options.selection).incidents.iloc[run_members(source, options).of(int(pos[0]))]
    types = inside["crime_type"].astype(str).value_counts() if "crime_type" in inside else pd.Series(dtype=int)
    return HotspotDetails(
        rank=int(row["rank"]),
        count=int(row["count"]),
        share=float(row["share"]),
        area_m2=float(row["area_m2"]),
        density_per_km2=float(row["density_per_km2"]),
        street=str(row["street"]),
        inside=len(inside),
        crime_types=tuple((str(t), int(n)) for t, n in types.items()),
        profile=time_profile(inside, options.selection.night_cutoff),
        n_hotspots=len(table),
    )
