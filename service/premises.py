"""Night-time incidents linked to their nearest licensed premises (``hotspots premises``, the NTE page)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geo.premises import PremisesLinks, link_premises, premises_zones
from geo.selection import Selection
from geo.timing import NTE_WINDOW, in_hour_window
from service import cache
from service.limits import check_number, parse_number
from service.nte_types import DEFAULT_RADIUS, nte_types, parse_window
from service.params import Params, check_known, number_text, selection_of, selection_params, single
from service.source import Source

OWN_PARAMS = ("radius", "window")


@dataclass(frozen=True)
class PremisesOptions:
    """A selection (its crime filter picks the types, else violence), the radius and the window."""

    selection: Selection = field(default_factory=Selection)
    radius: float = DEFAULT_RADIUS
    window: tuple[int, int] = NTE_WINDOW

    def __post_init__(self) -> None:
        """Check the radius against the limits table."""
        check_number("premises_radius", self.radius, "radius")

    @classmethod
    def from_params(cls, params: Params) -> PremisesOptions:
        """Options from parameters: the selection plus ``radius`` and ``window``."""
        check_known(params, OWN_PARAMS)
        radius = parse_number("premises_radius", single(params, "radius"), "radius")
        return cls(selection_of(params), float(radius or DEFAULT_RADIUS), parse_window(single(params, "window")))

    def to_params(self) -> dict[str, str | list[str]]:
        """The parameters of these options, omitting defaults."""
        out = selection_params(self.selection)
        if self.radius != DEFAULT_RADIUS:
            out["radius"] = number_text(self.radius)
        if self.window != NTE_WINDOW:
            out["window"] = f"{self.window[0]:02d}-{self.window[1]:02d}"
        return out

    @property
    def crime_types(self) -> tuple[str, ...]:
        """The types linked."""
        return nte_types(self.selection)


def window_incidents(df: pd.DataFrame, crime_types: tuple[str, ...], window: tuple[int, int]) -> pd.DataFrame:
    """The incidents of ``crime_types`` inside the night-time ``window``."""
    return df[df["crime_type"].isin(crime_types).to_numpy() & in_hour_window(df, window)]


@cache.cached
def run_premises(source: Source, options: PremisesOptions) -> PremisesLinks | None:
    """Night-time incidents linked to their nearest licensed premises within ``options.radius``.

    None when no incident of the types falls in the window.
    """
    district = source.district()
    sub = window_incidents(source.query(options.selection).incidents, options.crime_types, options.window)
    if sub.empty:
        return None
    zones = cache.memo(("premises_zones", source.district_folder), lambda: premises_zones(district.premises, district))
    return link_premises(
        sub, district.premises, radius_m=options.radius, zones=zones, night_cutoff=options.selection.night_cutoff
    )
