"""Near repeats of a selection: the Knox test and prospective risk zones, for every face.

With no crime filter (neither crime types nor Home Office categories) the test runs on burglary and
vehicle crime, the crimes near-repeat analysis is established for, and the result says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd

from geo.nearrepeat import DEFAULT_DISTANCE_BANDS, KnoxResult, check_bands, knox, risk_zones
from geo.params import selection_to_mapping
from geo.selection import Selection
from service import cache
from service.errors import HotspotsError, OptionsError
from service.limits import LIMITS, check_number, parse_number
from service.repeats import selection_from_params
from service.source import Source

#: Crime types tested when the selection names none.
DEFAULT_CRIME_TYPES = ("Burglary", "Vehicle crime")
UNITS = ("auto", "days", "months")


def parse_bands(raw: Any, what: str) -> tuple[int, ...] | None:
    """``"100,200,300"`` (or a sequence) -> band upper ends; empty -> None (the default)."""
    if isinstance(raw, list | tuple) and len(raw) == 1 and isinstance(raw[0], str):
        raw = raw[0]  # one value from a query string
    if raw is None or raw == "" or raw == ():
        return None
    parts = [p.strip() for p in raw.split(",")] if isinstance(raw, str) else list(raw)
    try:
        values = [float(p) for p in parts if p != ""]
    except (TypeError, ValueError):
        raise OptionsError(f"the {what} bands must be numbers separated by commas, got '{raw}'") from None
    try:
        return check_bands(values, what, allow_zero=what == "time")
    except ValueError as exc:
        raise OptionsError(str(exc)) from None


@dataclass(frozen=True)
class NearRepeatOptions:
    """Options of :func:`run_nearrepeat`.

    Parameters
    ----------
    selection : Selection
        Without a crime filter, burglary and vehicle crime (:data:`DEFAULT_CRIME_TYPES`).
    distance_bands : tuple of int
        Upper ends of the distance bands in metres (the same-location band is always added).
    time_bands : tuple of int, optional
        Upper ends of the time bands; None: 7, 14, 21, 28 days or 0, 1, 2, 3 months.
    unit : {"auto", "days", "months"}
        Days need records with a date; month-only records switch to months (and say so).
    permutations, seed : int
        Monte Carlo permutations of the time labels and their seed.
    last_days : int
        Risk zones are drawn around the incidents of this many latest days.
    grid : float
        Location grid (metres) precise coordinates are rounded to.
    """

    selection: Selection = Selection()
    distance_bands: tuple[int, ...] = DEFAULT_DISTANCE_BANDS
    time_bands: tuple[int, ...] | None = None
    unit: str = "auto"
    permutations: int = cast(int, LIMITS["permutations"].default)
    seed: int = cast(int, LIMITS["seed"].default)
    last_days: int = cast(int, LIMITS["last_days"].default)
    grid: float = cast(float, LIMITS["grid"].default)

    def __post_init__(self) -> None:
        """Check the unit, the bands and the numbers once, naming the option that is wrong."""
        if self.unit not in UNITS:
            raise OptionsError(f"the time unit ('unit') must be one of {', '.join(UNITS)}, got '{self.unit}'")
        object.__setattr__(self, "distance_bands", parse_bands(self.distance_bands, "distance"))
        object.__setattr__(self, "time_bands", parse_bands(self.time_bands, "time"))
        if self.distance_bands is None:
            raise OptionsError("give at least one distance band")
        for name in ("permutations", "seed", "last_days", "grid"):
            object.__setattr__(self, name, check_number(name, getattr(self, name)))

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> NearRepeatOptions:
        """From URL/API/CLI parameters.

        The shared selection names and ``distance_bands``, ``time_bands``, ``unit``,
        ``permutations``, ``seed``, ``last_days``, ``grid``.
        """
        unit = params.get("unit") or "auto"
        numbers: dict[str, Any] = {
            n: parse_number(n, params.get(n)) for n in ("permutations", "seed", "last_days", "grid")
        }
        return cls(
            selection=selection_from_params(params),
            distance_bands=parse_bands(params.get("distance_bands"), "distance") or DEFAULT_DISTANCE_BANDS,
            time_bands=parse_bands(params.get("time_bands"), "time"),
            unit=unit[0] if isinstance(unit, list) else unit,
            **numbers,
        )

    def to_params(self) -> dict[str, Any]:
        """The inverse of :meth:`from_params`, omitting defaults."""
        out: dict[str, Any] = dict(selection_to_mapping(self.selection))
        if self.distance_bands != DEFAULT_DISTANCE_BANDS:
            out["distance_bands"] = ",".join(str(b) for b in self.distance_bands)
        if self.time_bands is not None:
            out["time_bands"] = ",".join(str(b) for b in self.time_bands)
        if self.unit != "auto":
            out["unit"] = self.unit
        for name in ("permutations", "seed", "last_days", "grid"):
            if getattr(self, name) != LIMITS[name].default:
                out[name] = f"{getattr(self, name):g}"
        return out

    def effective_selection(self) -> Selection:
        """The selection tested: burglary and vehicle crime when no crime filter is given."""
        sel = self.selection
        if sel.crime_types or sel.ho_categories:
            return sel
        return sel.replace(crime_types=DEFAULT_CRIME_TYPES)


@dataclass(frozen=True)
class NearRepeatResult:
    """What :func:`run_nearrepeat` found.

    Attributes
    ----------
    options : NearRepeatOptions
    selection : Selection
        The selection tested (:meth:`NearRepeatOptions.effective_selection`).
    knox : KnoxResult
    zones : GeoDataFrame
        Prospective risk zones (EPSG:27700); empty when no near band is significant.
    defaulted_types : bool
        Whether the crime types are the default burglary and vehicle crime.
    synthetic : bool
    notes : list of str
    """

    options: NearRepeatOptions
    selection: Selection
    knox: KnoxResult
    zones: gpd.GeoDataFrame
    defaulted_types: bool
    synthetic: bool
    notes: list[str] = field(default_factory=list)


@cache.cached
def run_nearrepeat(source: Source, options: NearRepeatOptions) -> NearRepeatResult:
    """The Knox test and risk zones of the (effective) selection.

    Raises
    ------
    HotspotsError
        When too few incidents match to test.
    """
    sel = options.effective_selection()
    selected = source.query(sel)
    incidents = selected.incidents
    try:
        result = knox(
            incidents,
            options.distance_bands,
            options.time_bands,
            unit=options.unit,
            permutations=options.permutations,
            seed=options.seed,
            grid_m=options.grid,
        )
    except ValueError as exc:
        raise HotspotsError(f"{exc} ({sel.describe()})") from None
    zones = risk_zones(incidents, result, last_days=options.last_days)
    defaulted = sel is not options.selection
    notes = list(selected.notes)
    if defaulted:
        notes.append("no crime type chosen: tested burglary and vehicle crime, the usual near-repeat crimes")
    if result.extent() is None:
        notes.append("no near band is significant in the first time band, so no risk zones are drawn")
    return NearRepeatResult(
        options=options,
        selection=sel,
        knox=result,
        zones=zones,
        defaulted_types=defaulted,
        synthetic=bool(incidents["synthetic"].any()) if len(incidents) else False,
        notes=[*notes, *result.notes],
    )
