"""Deployment plans for a selection: CCTV van sites (maximal covering) or patrol cells.

Parameters (the same names in the page URL, ``/api/plan``, ``/briefing`` and the
``hotspots plan van|patrol`` flags): ``mode`` (``van`` or ``patrol``), ``k`` and ``radius`` (van),
``cell`` and ``n`` (patrol), with limits from :data:`service.limits.LIMITS`, and ``centroids``
(``true`` to site vans and cells on rows placed at a postcode centroid too); the CLI adds
``window``, ``visit``, ``solver``, ``candidates`` and ``fixed_cctv``.

A plan is made *for* a window: the week after the selection's last date (its ``to`` date, else the
latest selected incident, else today).  The briefing's nights and a deployment recorded from the
plan use that same window (:func:`plan_start`), so a plan made on past data is assessed on the
weeks around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta

import pandas as pd

from geo.briefing import plan_schedule
from geo.deploy import PlanResult, plan_patrols, plan_van_sites
from geo.geocode import point_precise
from geo.schema import PRECISION_TIME
from geo.selection import Selection, SelectionResult
from geo.synthetic import synthetic_count
from service import cache
from service.hotspots import HOTSPOT_COLUMNS
from service.limits import LIMITS, check_number, parse_number
from service.params import Params, check_known, choice, flag, number_text, selection_of, selection_params, single
from service.source import Source

MODES = {"van": "CCTV van sites", "patrol": "Patrol plan"}
SOLVERS = ("auto", "exact", "greedy")
CANDIDATES = ("cells", "incidents")
#: The parameters every face uses (page, API, briefing); the CLI adds :data:`CLI_PARAMS`.
PLAN_PARAMS = ("mode", "k", "radius", "cell", "n", "centroids")
CLI_PARAMS = ("window", "visit", "solver", "candidates", "fixed_cctv")
_NUMBERS = ("k", "radius", "cell", "n", "window", "visit")


def _default(name: str) -> int | float:
    value = LIMITS[name].default
    assert value is not None  # every plan number has a default in the table
    return value


@dataclass(frozen=True)
class PlanOptions:
    """A selection and the planner's options (hashable, so plans are cached per options)."""

    selection: Selection = field(default_factory=Selection)
    mode: str = "van"
    k: int = int(_default("k"))
    radius: float = float(_default("radius"))
    cell: float = float(_default("cell"))
    n: int = int(_default("n"))
    window: int = int(_default("window"))
    visit: int = int(_default("visit"))
    solver: str = "auto"
    candidates: str = "cells"
    fixed_cctv: bool = True
    centroids: bool = False

    def __post_init__(self) -> None:
        """Check the mode, the choices and every number against the limits table."""
        for name, allowed in (("mode", tuple(MODES)), ("solver", SOLVERS), ("candidates", CANDIDATES)):
            choice({name: getattr(self, name)}, name, allowed, allowed[0])
        for name in _NUMBERS:
            check_number(name, getattr(self, name))

    @classmethod
    def from_params(cls, params: Params, *, cli: bool = False) -> PlanOptions:
        """Options from parameters (missing ones take the defaults); ``cli`` allows :data:`CLI_PARAMS`."""
        check_known(params, (*PLAN_PARAMS, *(CLI_PARAMS if cli else ())))
        numbers = {name: parse_number(name, single(params, name)) for name in _NUMBERS}
        return cls(
            selection=selection_of(params),
            mode=choice(params, "mode", tuple(MODES), "van"),
            k=int(numbers["k"] or 0),
            radius=float(numbers["radius"] or 0),
            cell=float(numbers["cell"] or 0),
            n=int(numbers["n"] or 0),
            window=int(numbers["window"] or 0),
            visit=int(numbers["visit"] or 0),
            solver=choice(params, "solver", SOLVERS, "auto"),
            candidates=choice(params, "candidates", CANDIDATES, "cells"),
            fixed_cctv=flag(params, "fixed_cctv", True),
            centroids=flag(params, "centroids", False),
        )

    def to_params(self) -> dict[str, str | list[str]]:
        """URL parameters of the options that differ from the defaults, beside the selection's."""
        out = selection_params(self.selection)
        out.update(self.plan_params())
        return out

    def plan_params(self) -> dict[str, str]:
        """The plan's own parameters that differ from the defaults (no selection)."""
        defaults = PlanOptions()
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "selection" or value == getattr(defaults, f.name):
                continue
            out[f.name] = str(value).lower() if isinstance(value, bool) else number_text(value)
        return out

    @property
    def label(self) -> str:
        """One line naming the plan (``5 van site(s), radius 100 m``)."""
        if self.mode == "van":
            return f"{self.k} van site(s), radius {self.radius:g} m"
        return f"top {self.n} patrol cells of {self.cell:g} m"

    @property
    def file_stem(self) -> str:
        """Stem of download file names."""
        return "van-sites" if self.mode == "van" else "patrol-plan"


@dataclass(frozen=True)
class PlanRun:
    """A plan with what the page, the API and the briefing need to label it."""

    result: PlanResult
    options: PlanOptions
    n_selected: int
    synthetic: int
    notes: tuple[str, ...]
    start: date = field(default_factory=date.today)
    centroid_rows: int = 0

    @property
    def selection(self) -> Selection:
        """The selection planned for."""
        return self.options.selection

    def nights(self) -> list[date]:
        """The nights the plan is for: the week from :attr:`start`, on the selection's nights of week.

        The plan's peak nights (then every night) when the selection names none, as in the briefing.
        """
        return plan_schedule(self.result, start=self.start)[0]


def plan_start(selection: Selection, incidents: pd.DataFrame) -> date:
    """The first day a plan for ``selection`` is for: the day after its last date.

    The selection's ``to`` date when it has one, else the latest selected incident's date, else
    today (nothing selected).
    """
    if selection.date_to is not None:
        return selection.date_to + timedelta(days=1)
    if len(incidents) and "occurred_from" in incidents:
        latest = incidents["occurred_from"].max()
        if pd.notna(latest):
            return latest.date() + timedelta(days=1)
    return date.today()


def plan_window(selection: Selection, incidents: pd.DataFrame) -> tuple[date, date]:
    """The first and last day of the week a plan for ``selection`` is for (:func:`plan_start`)."""
    start = plan_start(selection, incidents)
    return start, start + timedelta(days=6)


def point_rows(chosen: SelectionResult, centroids: bool) -> tuple[SelectionResult, int]:
    """The selection without rows placed at a postcode centroid (unless ``centroids``), and how many left out.

    A postcode centroid is the middle of a postcode unit, not the place of the incident: siting a
    van or a patrol cell on it would send officers to the wrong street.
    """
    precise = point_precise(chosen.incidents)
    left_out = int((~precise).sum())
    if centroids or not left_out:
        return chosen, 0
    return replace(chosen, incidents=chosen.incidents[precise.to_numpy()]), left_out


def centroid_count(incidents: pd.DataFrame) -> int:
    """How many of ``incidents`` are placed at a postcode centroid."""
    return int((~point_precise(incidents)).sum())


def centroid_places(incidents: pd.DataFrame) -> pd.DataFrame:
    """The postcode centroids ``incidents`` are placed at: ``longitude``, ``latitude``, ``incidents``, ``types``.

    One row per centroid (many rows share one), most incidents first; empty when every row has
    its own point.
    """
    cols = ["longitude", "latitude", "incidents", "types"]
    at = incidents[~point_precise(incidents).to_numpy()].dropna(subset=["longitude", "latitude"])
    if at.empty:
        return pd.DataFrame(columns=cols)
    grouped = at.groupby(["longitude", "latitude"], sort=False)
    out = grouped.size().rename("incidents").to_frame()
    out["types"] = grouped["crime_type"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
    return out.reset_index().sort_values("incidents", ascending=False, kind="stable")[cols].reset_index(drop=True)


@cache.cached
def run_centroid_places(source: Source, selection: Selection) -> pd.DataFrame:
    """:func:`centroid_places` of a selection, counted in the database (no incident row is read).

    The same places, counts and types; places with as many incidents come earliest first.
    """
    cols = ["longitude", "latitude", "incidents", "types"]
    counted = source.open_store().postcode_places(selection)
    if counted.empty:
        return pd.DataFrame(columns=cols)
    grouped = counted.groupby(["longitude", "latitude"], sort=False)
    out = grouped["n"].sum().rename("incidents").to_frame()
    out["types"] = grouped["crime_type"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
    out["first"] = grouped["first"].min()
    out = out.reset_index().sort_values(
        ["incidents", "first", "longitude", "latitude"], ascending=[False, True, True, True]
    )
    return out[cols].reset_index(drop=True)


def centroid_note(left_out: int, n: int) -> str:
    """What the plan and the briefing say about rows left out for being at a postcode centroid."""
    return (
        f"{left_out:,} of {n:,} selected incidents are placed at a postcode centroid (no exact point) and are "
        "left out of siting; include them with the 'centroids' option"
    )


def _extra_notes(n: int, synthetic: int, untimed: int) -> tuple[str, ...]:
    notes = []
    if synthetic:
        share = "all" if synthetic == n else f"{synthetic:,} of {n:,}"
        notes.append(f"{share} selected incidents are synthetic demo records (illustrative, not real)")
    if 0 < untimed < n:
        notes.append(
            f"{untimed:,} of {n:,} selected incidents have no time of day (month or date only): they "
            "count for coverage but not for peak hours and days"
        )
    return tuple(notes)


#: The stored columns a plan reads: the hotspot layer's (points, crime types, times, street text,
#: location precision) and the synthetic flag its notes and the briefing's label need.
PLAN_COLUMNS = (*HOTSPOT_COLUMNS, "synthetic")


@cache.cached
def run_plan(source: Source, options: PlanOptions) -> PlanRun:
    """The plan for ``options`` (cached per store version).  Raises ``PlanError`` when impossible."""
    district = source.district()
    selected = source.query(options.selection, PLAN_COLUMNS)
    chosen, left_out = point_rows(selected, options.centroids)
    cutoff = options.selection.night_cutoff
    if options.mode == "van":
        cctv = None if options.fixed_cctv else district.cctv.iloc[0:0]
        result = plan_van_sites(
            chosen,
            options.k,
            options.radius,
            district=district,
            cctv=cctv,
            solver=options.solver,
            candidates=options.candidates,
            night_cutoff=cutoff,
        )
    else:
        result = plan_patrols(
            chosen,
            options.cell,
            options.n,
            window_hours=options.window,
            visit_minutes=options.visit,
            night_cutoff=cutoff,
        )
    df = chosen.incidents
    untimed = int((df["time_precision"] != PRECISION_TIME).sum()) if "time_precision" in df and len(df) else 0
    synthetic = synthetic_count(df)
    notes = _extra_notes(len(df), synthetic, untimed)
    if left_out:
        notes = (centroid_note(left_out, len(selected.incidents)), *notes)
    elif options.centroids and (included := centroid_count(df)):
        notes = (
            f"{included:,} of {len(df):,} incidents sited on are placed at a postcode centroid (precision: "
            "postcode centroid, not the incident's point)",
            *notes,
        )
    start = plan_start(options.selection, selected.incidents)
    return PlanRun(result, options, len(df), synthetic, notes, start=start, centroid_rows=left_out)
