"""Night-time economy: hour × night by zone band, this year against last, and the premises links.

**The crime-type rule, the same in the API, the CLI and the page**: the night-time crime types are
the selection's crime filter (parameter ``crime``) when one is given; otherwise violence
(:data:`geo.schema.NTE_VIOLENCE`).  The filter *replaces* the night-time types, it is never
intersected with them.  The page's crime-type boxes set that same ``crime`` parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.premises import PremisesLinks
from geo.schema import PRECISION_TIME
from geo.selection import Selection
from geo.synthetic import synthetic_share
from geo.timing import NTE_WINDOW, HourWeekday, NteView, hour_weekday, nte_by_zone
from geo.timing import window_hours as hours_of
from geo.trends import PeriodComparison, compare_year_on_year
from service import cache
from service.limits import check_number, parse_number
from service.nte_types import DEFAULT_RADIUS, nte_types, parse_window
from service.params import Params, check_known, choice, flag, number_text, selection_of, selection_params, single
from service.premises import PremisesOptions, run_premises, window_incidents
from service.source import Source

OWN_PARAMS = ("aoristic", "radius", "window", "midnight")


@dataclass(frozen=True)
class NteOptions:
    """A selection (its crime filter picks the types), the measure, the premises radius and the window."""

    selection: Selection = field(default_factory=Selection)
    aoristic: bool = False
    radius: float = DEFAULT_RADIUS
    window: tuple[int, int] = NTE_WINDOW
    midnight: str = "exclude"

    def __post_init__(self) -> None:
        """Check the radius, the window and the midnight rule."""
        check_number("premises_radius", self.radius, "radius")
        parse_window(f"{self.window[0]}-{self.window[1]}")
        choice({"midnight": self.midnight}, "midnight", ("exclude", "include"), "exclude")

    @classmethod
    def from_params(cls, params: Params) -> NteOptions:
        """Options from parameters: the selection plus ``aoristic``, ``radius``, ``window``, ``midnight``."""
        check_known(params, OWN_PARAMS)
        return cls(
            selection=selection_of(params),
            aoristic=flag(params, "aoristic"),
            radius=float(parse_number("premises_radius", single(params, "radius"), "radius") or DEFAULT_RADIUS),
            window=parse_window(single(params, "window")),
            midnight=choice(params, "midnight", ("exclude", "include"), "exclude"),
        )

    def to_params(self) -> dict[str, str | list[str]]:
        """The parameters of these options, omitting defaults."""
        out = selection_params(self.selection)
        if self.aoristic:
            out["aoristic"] = "true"
        if self.radius != DEFAULT_RADIUS:
            out["radius"] = number_text(self.radius)
        if self.window != NTE_WINDOW:
            out["window"] = f"{self.window[0]:02d}-{self.window[1]:02d}"
        if self.midnight != "exclude":
            out["midnight"] = self.midnight
        return out

    @property
    def crime_types(self) -> tuple[str, ...]:
        """The types analysed (:func:`service.nte_types.nte_types`)."""
        return nte_types(self.selection)

    def premises_options(self) -> PremisesOptions:
        """The premises linking these options imply."""
        return PremisesOptions(self.selection, self.radius, self.window)


@dataclass(frozen=True)
class Comparison:
    """The year-on-year comparison per zone band, or why there is none."""

    comparison: PeriodComparison | None
    note: str
    band_rule: str = ""


@dataclass(frozen=True)
class NteResult:
    """Everything the NTE page, ``/api/nte`` and ``hotspots nte`` show for one selection."""

    options: NteOptions
    view: NteView
    hours: list[int]
    n_selected: int
    selection_notes: tuple[str, ...]
    n_window: int
    synthetic_share: float
    n_timed: int
    n_windowed: int
    premises: PremisesLinks | None

    @property
    def crime_types(self) -> tuple[str, ...]:
        """The types analysed."""
        return self.options.crime_types


@cache.cached
def run_nte(source: Source, options: NteOptions) -> NteResult:
    """The hour × night view by zone band, with counts of what was used and the premises links."""
    sel = options.selection
    result = source.query(sel)
    df = result.incidents
    types = options.crime_types
    view = nte_by_zone(
        df, source.district(), crime_types=types, window=options.window, night_cutoff=sel.night_cutoff,
        aoristic=options.aoristic,
    )  # fmt: skip
    sub = window_incidents(df, options.crime_types, options.window)
    timed = df[
        df["crime_type"].isin(types).to_numpy() & (df["time_precision"] == PRECISION_TIME).fillna(False).to_numpy()
    ]
    return NteResult(
        options=options,
        view=view,
        hours=hours_of(options.window),
        n_selected=len(df),
        selection_notes=tuple(result.notes),
        n_window=len(sub),
        synthetic_share=synthetic_share(sub),
        n_timed=len(timed),
        n_windowed=int((timed["occurred_to"] != timed["occurred_from"]).sum()),
        premises=run_premises(source, options.premises_options()),
    )


@cache.cached
def run_comparison(source: Source, options: NteOptions) -> Comparison:
    """The selection against a year earlier, per zone band (current period: the selection's dates, else 12 months)."""
    sel = options.selection
    df = source.query(sel.replace(date_from=None, date_to=None)).incidents
    yoy = compare_year_on_year(
        df, source.district(), crime_types=options.crime_types, window=options.window,
        date_from=sel.date_from, date_to=sel.date_to, night_cutoff=sel.night_cutoff,
    )  # fmt: skip
    if yoy is None:
        return Comparison(None, "no timed night-time incidents in this selection to compare")
    return Comparison(yoy.comparison, f"current period: {yoy.basis}", yoy.band_rule)


@cache.cached
def run_hour_weekday(source: Source, options: NteOptions) -> HourWeekday:
    """The 7 × 24 hour × weekday matrix of the whole selection (every crime type selected)."""
    return hour_weekday(
        source.query(options.selection).incidents,
        aoristic=options.aoristic,
        night_cutoff=options.selection.night_cutoff,
        midnight=options.midnight,  # type: ignore[arg-type]
    )


def describe_change(row: dict[str, Any]) -> str:
    """One sentence on a comparison row: the change and whether it is beyond chance."""
    prev, cur = int(row["previous"]), int(row["current"])
    if prev == cur:
        what = f"no change ({cur:,} both years)"
    else:
        pct = row.get("change_pct")
        pct_txt = "" if pct is None or pd.isna(pct) else f" ({pct:+.0f}%)"
        what = f"{'up' if cur > prev else 'down'} from {prev:,} to {cur:,}{pct_txt}"
    p = float(row["p_value"])
    p_txt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    verdict = "beyond what chance would explain" if row["beyond_chance"] else "within what chance alone could give"
    return f"{what}: {verdict} ({p_txt})"
