"""Repeat locations: how concentrated incidents are at places, and which places see them again.

The unit is the *location*.  data.police.uk snaps every record to one of a fixed set of anonymised
map points, so records at the same snap point share an identical easting/northing (and the snap
point's location text).  Precise data (a force extract) is rounded to a grid first, ``grid_m``
metres (default 1 m), so that two records at the same address are the same location.

Which locations are counted matters as much as the counts: a Gini coefficient or a "top 10 % of
places" share computed only over places that *had* an incident leaves out every place with none
and understates concentration.  So the caller passes the candidate locations explicitly: the faces
take every location of the same kind of data in the study area that appears anywhere in the store
(see :mod:`service.repeats`), and any location of the selection itself is added to them.

Concentration is summarised by the Lorenz curve and two Gini coefficients:

* the naive (standard) Gini over every candidate location, zeros included;
* the generalised Gini of Bernasco & Steenbeek (2017), which compares the observed curve with the
  *maximal equality possible given the data*: with N incidents at n > N locations at most N
  locations can have an incident, so even the most even spread has a naive Gini of 1 - N/n.  It is
  ``G' = max(1, n/N) (G - 1) + 1`` and equals the naive Gini when N >= n.

References
----------
Bernasco, W. & Steenbeek, W. (2017). More places than crimes: implications for evaluating the law
of crime concentration at place. *Journal of Quantitative Criminology* 33(3), 451-467.
https://doi.org/10.1007/s10940-016-9324-7
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from geo.schema import PRECISION_MONTH
from geo.selection import reference_time

#: Shares of locations reported by default (percent).
DEFAULT_PERCENTS: tuple[float, ...] = (1.0, 5.0, 10.0, 20.0)
#: Default grid (metres) that precise coordinates are rounded to.
DEFAULT_GRID_M = 1.0
#: Points of the Lorenz curve kept for drawing (the Gini uses every location).
LORENZ_POINTS = 501

TABLE_COLUMNS = [
    "location",
    "easting",
    "northing",
    "incidents",
    "crime_types",
    "first",
    "last",
    "precision",
    "median_gap",
    "min_gap",
    "gap_unit",
]


def gini(counts: Sequence[float] | np.ndarray) -> float:
    """The standard (naive) Gini coefficient of counts per location, zeros included.

    ``G = 2 sum(i x_(i)) / (n sum(x)) - (n + 1) / n`` over the counts sorted ascending (i from 1):
    0 when every location has the same count, ``1 - 1/n`` when one location has everything.

    Raises
    ------
    ValueError
        When there are no locations, a negative count, or no incidents at all.
    """
    x = _counts(counts)
    n, total = len(x), x.sum()
    ranks = np.arange(1, n + 1)
    return float(2.0 * np.sum(ranks * np.sort(x)) / (n * total) - (n + 1) / n)


def generalised_gini(counts: Sequence[float] | np.ndarray) -> float:
    """Bernasco & Steenbeek's (2017) generalised Gini, corrected for fewer incidents than locations.

    ``G' = max(1, n/N) (G - 1) + 1`` where G is :func:`gini`, n the number of locations and N the
    number of incidents.  0 when the N incidents are at N different locations (maximal equality
    possible), ``1 - 1/N`` when all are at one location; equal to G when N >= n.
    """
    x = _counts(counts)
    n, total = len(x), float(x.sum())
    return float(max(1.0, n / total) * (gini(x) - 1.0) + 1.0)


def _counts(counts: ArrayLike) -> np.ndarray:
    x = np.asarray(counts, dtype=float)
    if x.ndim != 1 or len(x) == 0:
        raise ValueError("no locations to measure concentration over")
    if (x < 0).any() or not np.isfinite(x).all():
        raise ValueError("counts per location must be finite and non-negative")
    if x.sum() <= 0:
        raise ValueError("no incidents at any location")
    return x


def lorenz_curve(counts: Sequence[float] | np.ndarray, points: int = LORENZ_POINTS) -> pd.DataFrame:
    """The Lorenz curve: cumulative share of incidents against cumulative share of locations.

    Locations are taken from the fewest incidents to the most.  Returns columns ``locations`` and
    ``incidents`` (shares 0-1, from (0, 0) to (1, 1)) and ``maximal_equality`` (the generalised
    curve's reference: the most even spread possible given N incidents at n locations), sampled at
    ``points`` evenly spaced location shares (the curve is piecewise linear, so nothing is lost
    that a chart could show).
    """
    x = np.sort(_counts(counts))
    n, total = len(x), x.sum()
    xs = np.arange(n + 1) / n
    ys = np.concatenate([[0.0], np.cumsum(x) / total])
    grid = np.unique(np.concatenate([np.linspace(0.0, 1.0, max(2, points)), xs if n + 1 <= points else []]))
    start = max(0.0, 1.0 - total / n)  # with N < n incidents, at most N locations can have one
    equal = np.clip((grid - start) / (1.0 - start), 0.0, 1.0)
    return pd.DataFrame({"locations": grid, "incidents": np.interp(grid, xs, ys), "maximal_equality": equal})


def top_shares(counts: Sequence[float] | np.ndarray, percents: Sequence[float] = DEFAULT_PERCENTS) -> pd.DataFrame:
    """Share of incidents at the top ``p`` % of locations, for each ``p``.

    The top p % is the ``ceil(p/100 * n)`` locations with the most incidents (at least one); ties
    at the cut do not change the share.  Columns: ``percent``, ``locations``, ``incidents``, ``share``.
    """
    x = np.sort(_counts(counts))[::-1]
    n, total = len(x), x.sum()
    rows = []
    for p in percents:
        if not 0 < p <= 100:
            raise ValueError(f"a share of locations must be in (0, 100] percent, got {p}")
        k = max(1, math.ceil(round(p / 100.0 * n, 9)))
        got = float(x[:k].sum())
        rows.append({"percent": float(p), "locations": k, "incidents": int(round(got)), "share": got / total})
    return pd.DataFrame(rows)


def location_keys(frame: pd.DataFrame, grid_m: float = DEFAULT_GRID_M) -> pd.DataFrame:
    """Easting/northing rounded to ``grid_m`` metres (snap points are unchanged by a 1 m grid)."""
    if not grid_m > 0:
        raise ValueError(f"the location grid must be positive, got {grid_m}")
    return pd.DataFrame(
        {
            "easting": np.round(frame["easting"].to_numpy(dtype=float) / grid_m) * grid_m,
            "northing": np.round(frame["northing"].to_numpy(dtype=float) / grid_m) * grid_m,
        },
        index=frame.index,
    )


@dataclass(frozen=True)
class RepeatsReport:
    """Concentration of a selection's incidents at locations.

    Attributes
    ----------
    n_incidents : int
        Incidents with coordinates in the selection.
    n_locations : int
        Candidate locations counted (zeros included).
    n_with_incident, n_repeat_locations : int
        Locations with at least one, and at least two, incidents.
    incidents_at_repeats : int
        Incidents at repeat locations (two or more).
    shares : DataFrame
        :func:`top_shares`.
    table : DataFrame
        Repeat locations (two or more incidents), most first: :data:`TABLE_COLUMNS`.
    lorenz : DataFrame
        :func:`lorenz_curve`.
    gini, gini_corrected : float
        :func:`gini` and :func:`generalised_gini`.
    grid_m : float
        Grid the coordinates were rounded to.
    rule : str
        What a location is and which locations were counted, in words.
    notes : list of str
    """

    n_incidents: int
    n_locations: int
    n_with_incident: int
    n_repeat_locations: int
    incidents_at_repeats: int
    shares: pd.DataFrame
    table: pd.DataFrame
    lorenz: pd.DataFrame
    gini: float
    gini_corrected: float
    grid_m: float
    rule: str
    notes: list[str] = field(default_factory=list)


def repeat_locations(
    incidents: pd.DataFrame,
    candidates: pd.DataFrame | None = None,
    *,
    grid_m: float = DEFAULT_GRID_M,
    percents: Sequence[float] = DEFAULT_PERCENTS,
) -> RepeatsReport:
    """Repeat locations, top-k % shares, Lorenz curve and Gini coefficients of a selection.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents of the selection (``easting``, ``northing``, ``location``,
        ``crime_type``, ``occurred_from``, ``occurred_to``, ``time_precision``).
    candidates : DataFrame, optional
        Every location that *could* have had an incident (``easting``, ``northing``; duplicates
        allowed), e.g. all locations of the study area in the whole store.  Locations of
        ``incidents`` are always added.  None counts only the selection's own locations, which
        leaves out the zeros: a note says so.
    grid_m : float, default 1
        Coordinates are rounded to this grid (metres) to define a location.
    percents : sequence of float
        Shares of locations for :func:`top_shares`.

    Returns
    -------
    RepeatsReport

    Raises
    ------
    ValueError
        When no incident has coordinates.
    """
    notes: list[str] = []
    located = incidents[incidents["easting"].notna() & incidents["northing"].notna()]
    if len(located) < len(incidents):
        notes.append(f"{len(incidents) - len(located):,} incidents without coordinates are left out")
    if located.empty:
        raise ValueError("no incident with coordinates in this selection")
    keys = location_keys(located, grid_m)
    own = keys.drop_duplicates()
    if candidates is None or candidates.empty:
        notes.append("only the selection's own locations were counted, so places with no incident are missing")
        every = own
    else:
        every = pd.concat([location_keys(candidates, grid_m), own]).drop_duplicates()
    counts = keys.value_counts().rename("incidents")
    idx = pd.MultiIndex.from_frame(every)
    all_counts = counts.reindex(idx, fill_value=0).to_numpy()
    table = _table(located, keys)
    return RepeatsReport(
        n_incidents=len(located),
        n_locations=len(every),
        n_with_incident=int((counts > 0).sum()),
        n_repeat_locations=len(table),
        incidents_at_repeats=int(table["incidents"].sum()),
        shares=top_shares(all_counts, percents),
        table=table,
        lorenz=lorenz_curve(all_counts),
        gini=gini(all_counts),
        gini_corrected=generalised_gini(all_counts),
        grid_m=float(grid_m),
        rule=(
            f"a location is one map point (data.police.uk snap point, or precise coordinates rounded to "
            f"{grid_m:g} m); {len(every):,} locations counted, of which {len(own):,} had an incident"
        ),
        notes=notes,
    )


def _event_dates(frame: pd.DataFrame) -> pd.Series:
    """Local calendar date of each incident: the midpoint of its from/to window, or its month's first day."""
    mid = reference_time(frame).dt.tz_localize(None).dt.normalize()
    start = frame["occurred_from"].dt.tz_localize(None).dt.normalize()
    return mid.where(frame["time_precision"] != PRECISION_MONTH, start)


def _first_of(frame: pd.DataFrame, column: str) -> pd.Series:
    """Per location, the most frequent value of ``column`` (ties: the first in sort order)."""
    counts = frame.groupby(["_key", column]).size().rename("_n").reset_index()
    counts = counts.sort_values(["_key", "_n", column], ascending=[True, False, True])
    return counts.drop_duplicates("_key").set_index("_key")[column]


def _table(located: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """One row per location with two or more incidents, most incidents first.

    Vectorised: a town has thousands of repeat locations, and a Python loop over them is slow.
    """
    frame = located.assign(easting=keys["easting"], northing=keys["northing"], _date=_event_dates(located))
    frame["_key"] = frame.groupby(["easting", "northing"], sort=False).ngroup()
    size = frame.groupby("_key")["_key"].transform("size")
    frame = frame[(size >= 2).to_numpy()]
    if frame.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    # A location with any month-only record counts its gaps in months, otherwise in days.
    month = (frame["time_precision"] == PRECISION_MONTH).groupby(frame["_key"]).transform("any")
    start = frame["occurred_from"].dt.tz_localize(None)
    months = (start.dt.year * 12 + start.dt.month).to_numpy()
    days = (frame["_date"] - pd.Timestamp("1970-01-01")).dt.days.to_numpy()
    frame = frame.assign(_month=month.to_numpy(), _t=np.where(month.to_numpy(), months, days))
    frame = frame.sort_values(["_key", "_t"], kind="stable")
    frame["_gap"] = frame.groupby("_key")["_t"].diff()
    g = frame.groupby("_key")
    types = frame.groupby(["_key", "crime_type"]).size().rename("_n").reset_index()
    types = types.sort_values(["_key", "_n", "crime_type"], ascending=[True, False, True])
    types["_text"] = types["crime_type"] + " (" + types["_n"].astype(str) + ")"
    out = pd.DataFrame(
        {
            "location": _first_of(frame.assign(location=frame["location"].fillna("")), "location"),
            "easting": g["easting"].first(),
            "northing": g["northing"].first(),
            "incidents": g.size(),
            "crime_types": types.groupby("_key", sort=True)["_text"].agg("; ".join),
            "first": g["_date"].min(),
            "last": g["_date"].max(),
            "precision": np.where(g["_month"].first(), "month", "day"),
            "median_gap": g["_gap"].median().astype(float),
            "min_gap": g["_gap"].min().astype(float),
            "gap_unit": np.where(g["_month"].first(), "months", "days"),
        }
    )
    out = out.sort_values(["incidents", "first", "location"], ascending=[False, True, True], ignore_index=True)
    return out[TABLE_COLUMNS]
