"""Repeat locations of a selection: options, result and the one cached function every face calls.

The candidate locations (the places that *could* have had an incident, so that places with none
count as zeros) are every location in the study area that appears anywhere in the store (the
distinct coordinates, found in the database: no candidate row is read), from the
same kind of data as the selection: the selection's sector and zone filters apply, its dates,
crime types, days and hours do not, and only records of the same source families (the part of
``source`` before the colon, e.g. ``police_uk`` snap points or a ``force_csv`` extract) count, so
precise extract coordinates do not pad out a data.police.uk selection with zeros.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import pandas as pd

from geo.params import selection_from_mapping, selection_to_mapping
from geo.repeats import RepeatsReport, repeat_locations
from geo.selection import Selection, SelectionError
from service import cache
from service.errors import HotspotsError, OptionsError
from service.limits import LIMITS, check_number, parse_number
from service.source import Source

#: The stored columns a repeat analysis reads of the selected rows (its table, gaps and families).
REPEAT_COLUMNS = (
    "easting", "northing", "location", "crime_type", "occurred_from", "occurred_to", "time_precision",
    "source", "synthetic",
)  # fmt: skip
SELECTION_KEYS = ("from", "to", "crime", "ho", "sector", "zone", "days", "hours", "night_cutoff")


def selection_from_params(params: Mapping[str, Any]) -> Selection:
    """The shared selection parameters of a mapping, as a Selection (OptionsError when invalid)."""
    try:
        return selection_from_mapping({k: params[k] for k in SELECTION_KEYS if k in params})
    except SelectionError as exc:
        raise OptionsError(str(exc)) from None


@dataclass(frozen=True)
class RepeatsOptions:
    """Options of :func:`run_repeats`.

    Parameters
    ----------
    selection : Selection
    grid : float, default 1
        Grid (metres) precise coordinates are rounded to; snap points are unchanged by 1 m.
    """

    selection: Selection = Selection()
    grid: float = cast(float, LIMITS["grid"].default)

    def __post_init__(self) -> None:
        """Check ``grid`` against the limits table."""
        object.__setattr__(self, "grid", check_number("grid", self.grid))

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> RepeatsOptions:
        """From URL/API/CLI parameters: the shared selection names and ``grid``."""
        return cls(selection=selection_from_params(params), grid=cast(float, parse_number("grid", params.get("grid"))))

    def to_params(self) -> dict[str, Any]:
        """The inverse of :meth:`from_params`, omitting defaults."""
        out: dict[str, Any] = dict(selection_to_mapping(self.selection))
        if self.grid != LIMITS["grid"].default:
            out["grid"] = f"{self.grid:g}"
        return out


@dataclass(frozen=True)
class RepeatsResult:
    """What :func:`run_repeats` found.

    Attributes
    ----------
    options : RepeatsOptions
    report : RepeatsReport
        Shares, table, Lorenz curve and Ginis (see :mod:`geo.repeats`).
    synthetic : bool
        Whether any incident counted is synthetic demo data.
    notes : list of str
        The selection's notes (records left out and why), then the analysis's.
    """

    options: RepeatsOptions
    report: RepeatsReport
    synthetic: bool
    notes: list[str] = field(default_factory=list)


def _family(sources: Iterable[object]) -> set[str]:
    return {str(s).split(":", 1)[0] for s in sources}


def candidate_selection(sel: Selection) -> Selection:
    """The selection's study area only: sector and zone kept; dates, types, days and hours dropped."""
    return Selection(sectors=sel.sectors, zone=sel.zone, zone_inside=sel.zone_inside, night_cutoff=sel.night_cutoff)


@cache.cached
def run_repeats(source: Source, options: RepeatsOptions) -> RepeatsResult:
    """Repeat locations of ``options.selection`` over the study area's candidate locations.

    Raises
    ------
    HotspotsError
        When the selection has no incident with coordinates.
    """
    selected = source.query(options.selection, REPEAT_COLUMNS)
    incidents = selected.incidents
    if incidents.empty:
        raise HotspotsError(f"no incidents match this selection ({options.selection.describe()})")
    families = tuple(sorted(_family(incidents["source"].unique())))
    area = source.open_store().locations(candidate_selection(options.selection), families)
    try:
        report = repeat_locations(incidents, area, grid_m=options.grid)
    except ValueError as exc:
        raise HotspotsError(str(exc)) from None
    return RepeatsResult(
        options=options,
        report=report,
        synthetic=bool(incidents["synthetic"].any()),
        notes=[*selected.notes, *report.notes],
    )


#: Most repeat locations drawn on a map (the busiest first).
MAP_TOP = 200


def top_locations_wgs84(result: RepeatsResult, top: int = MAP_TOP) -> pd.DataFrame:
    """The ``top`` busiest repeat locations with ``longitude``/``latitude`` (WGS84) beside the table's columns.

    Parameters
    ----------
    result : RepeatsResult
    top : int
        How many, most incidents first.

    Returns
    -------
    DataFrame
        The report table's rows (``location``, ``incidents``, ``crime_types``, ``first``, ``last``,
        ``precision`` ...) with two more columns; empty when there is no repeat location.
    """
    table = result.report.table.head(top)
    if table.empty:
        return table.assign(longitude=pd.Series(dtype=float), latitude=pd.Series(dtype=float))
    points = gpd.GeoSeries(gpd.points_from_xy(table["easting"], table["northing"]), crs=27700).to_crs(4326)
    return table.assign(longitude=points.x.to_numpy(), latitude=points.y.to_numpy())
