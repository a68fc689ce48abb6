"""What every deployment plan shares: the result type, errors, time profiles and the small-number rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import HotspotsError
from geo.rota import hours_text, peak_window
from geo.schema import BNG, PRECISION_TIME, WGS84
from geo.selection import DAY_ABBR, night_of, reference_time

NO_INCIDENTS = "no incidents match the selection"
#: Fewest incidents a site, cell or figure may rest on before it is marked :data:`TOO_FEW`.
DEFAULT_MIN_COUNT = 5
TOO_FEW = "too few to rely on"


class PlanError(HotspotsError, ValueError):
    """Impossible planning parameters (negative radius, more sites than candidates...)."""


@dataclass
class PlanResult:
    """A ranked plan (van sites or patrol cells) and how it was made."""

    kind: str
    table: gpd.GeoDataFrame
    params: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_incidents: int = 0
    #: Named snap points near the sites/cells (``easting``, ``northing``, ``name``...), for map labels.
    places: pd.DataFrame | None = None

    @property
    def empty(self) -> bool:
        """Whether the plan suggests no site or cell."""
        return self.table.empty

    def to_wgs84(self) -> gpd.GeoDataFrame:
        """The table in WGS84 longitude/latitude, for maps and GeoJSON."""
        return self.table.to_crs(WGS84)


# ---- time windows -------------------------------------------------------------------------


def _timed(df: pd.DataFrame) -> pd.DataFrame:
    """The incidents with a time of day (precision ``'time'``)."""
    if "time_precision" not in df:
        return df.iloc[0:0]
    return df[df["time_precision"] == PRECISION_TIME]


def _time_profile(df: pd.DataFrame, width: int, cutoff: int | None, within: tuple[int, int] | None) -> dict[str, Any]:
    """When the timed incidents of ``df`` happen: the busiest ``width``-hour window and nights.

    Returns ``timed_incidents``, ``peak_hours`` (e.g. "22:00-01:00", inside ``within`` when given),
    ``peak_days`` (the one or two busiest nights of week, by the ``cutoff`` night-of convention) and
    ``window_share`` (share of the timed incidents in the window); blanks without timed incidents.
    """
    timed = _timed(df)
    if timed.empty:
        return {"timed_incidents": 0, "peak_hours": "", "peak_days": "", "window_share": None}
    ref = reference_time(timed)
    start, end, share = peak_window(ref.dt.hour.to_numpy(), width, within)
    days = night_of(ref, cutoff).dt.day_of_week.value_counts()
    top = [DAY_ABBR[d] for d in days.index[:2] if days[d] >= max(2, 0.15 * len(timed))] or [DAY_ABBR[days.index[0]]]
    return {
        "timed_incidents": len(timed),
        "peak_hours": hours_text(start, end),
        "peak_days": ", ".join(top),
        "window_share": round(share, 3),
    }


def _selection_window(
    incidents: object, hours: tuple[int, int] | None, days: tuple[int, ...] | None
) -> tuple[tuple[int, int] | None, tuple[int, ...]]:
    """The hour window and nights of week asked for: explicit, else the selection's, else none."""
    sel = getattr(incidents, "selection", None)
    if hours is None and sel is not None:
        hours = getattr(sel, "hours", None)
    if days is None:
        days = tuple(getattr(sel, "days", ()) or ()) if sel is not None else ()
    window = cast("tuple[int, int]", tuple(int(h) for h in hours)) if hours else None
    return window, tuple(days)


def _reliability(counts: pd.Series, min_count: int) -> tuple[pd.Series, pd.Series]:
    """``too_few`` (count below ``min_count``) and the matching ``reliability`` text per row."""
    few = counts.astype(int) < min_count
    return few, pd.Series(np.where(few, TOO_FEW, ""), index=counts.index)


def _empty(columns: list[str]) -> gpd.GeoDataFrame:
    """An empty plan table with ``columns`` and a BNG geometry column."""
    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)


def _finish_table(table: gpd.GeoDataFrame, columns: list[str], count_col: str, min_count: int) -> gpd.GeoDataFrame:
    """The plan table with its reliability columns, in ``columns`` order, then the geometry."""
    if table.empty:
        return _empty(columns)
    table["too_few"], table["reliability"] = _reliability(table[count_col], min_count)
    return table[[*columns, "geometry"]]


def _timed_warning(df: pd.DataFrame, what: str) -> list[str]:
    """A warning saying ``what`` is blank when no incident of ``df`` has a time of day."""
    return [f"no incident has a time of day (e.g. data.police.uk): {what}"] if _timed(df).empty else []
