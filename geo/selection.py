"""Selections of incidents: the one set of filters shared by the CLI, the API and the dashboard.

Conventions (documented in the README and reported back in :class:`SelectionResult`):

* **Reference time.** An incident with a from/to window is placed at the window's midpoint for
  date ranges, days and hours (aoristic weighting, in :mod:`geo.timing`, spreads it instead).
* **Date range** ``date_from``..``date_to`` is inclusive, in local dates.  A month-precision record
  (data.police.uk) is kept only when the range covers its whole month; a record whose month is
  only partly covered is excluded and counted in ``excluded_partial_month``.
* **Night of.** With ``night_cutoff`` (default 6), a time before 06:00 belongs to the previous
  evening: 02:00 on Saturday is Friday night.  Days of week refer to that night.  Set
  ``night_cutoff=None`` to use calendar days.  An hour window that crosses midnight (20-4) always
  attributes its after-midnight part to the night it started.
* **Time of day.** Days and hours need a time: month-precision records are excluded from any
  day or hour filter, day-precision records from any hour filter, and both are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import HotspotsError
from geo.schema import CRIME_TYPES, PRECISION_DAY, PRECISION_MONTH, zone_column

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Default hour before which a time belongs to the previous night.
DEFAULT_NIGHT_CUTOFF = 6


class SelectionError(HotspotsError, ValueError):
    """A selection's parameters are impossible (unknown type, bad hours, reversed dates...)."""


@dataclass(frozen=True)
class Selection:
    """Which incidents an analysis works on.  Empty tuples and None mean "no filter".

    Parameters
    ----------
    date_from, date_to : date, optional
        Inclusive local-date range.
    crime_types : tuple of str
        data.police.uk categories.
    ho_categories : tuple of str
        Home Office target categories (combined with ``crime_types`` by AND).
    sectors : tuple of str
        Police sector names.
    zone : str, optional
        Zone key from the district config (e.g. ``"2005"``); with ``zone_inside``.
    zone_inside : bool, default True
        Keep incidents inside (True) or outside (False) ``zone``.
    days : tuple of int
        Nights/days of week, 0 = Monday ... 6 = Sunday.
    hours : tuple of (int, int), optional
        Hour window ``(start, end)``, end exclusive, 0-24; ``(20, 4)`` crosses midnight.
    night_cutoff : int or None, default 6
        See the module notes; None switches the night-of convention off.
    """

    date_from: date | None = None
    date_to: date | None = None
    crime_types: tuple[str, ...] = ()
    ho_categories: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    zone: str | None = None
    zone_inside: bool = True
    days: tuple[int, ...] = ()
    hours: tuple[int, int] | None = None
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF
    sources: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        """Refuse impossible parameters with a :class:`SelectionError` naming the field."""
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise SelectionError(f"date range reversed: {self.date_from:%d/%m/%Y} is after {self.date_to:%d/%m/%Y}")
        bad = [t for t in self.crime_types if t not in CRIME_TYPES]
        if bad:
            raise SelectionError(f"unknown crime type(s) {bad}; choose from {list(CRIME_TYPES)}")
        if any(d not in range(7) for d in self.days):
            raise SelectionError(f"days must be 0 (Monday) to 6 (Sunday), got {list(self.days)}")
        if self.hours is not None:
            start, end = self.hours
            if not (0 <= start <= 23 and 0 <= end <= 24) or start == end:
                raise SelectionError(f"hour window must be two different hours in 0-24, got {start}-{end}")
        if self.night_cutoff is not None and not 0 <= self.night_cutoff <= 12:
            raise SelectionError(f"night cut-off must be an hour in 0-12, got {self.night_cutoff}")

    @property
    def uses_time_of_day(self) -> bool:
        """Whether days or hours filter (and so imprecise records drop out)."""
        return bool(self.days) or self.hours is not None

    @property
    def crosses_midnight(self) -> bool:
        """Whether the hour window wraps past midnight, e.g. 20-4."""
        return self.hours is not None and self.hours[1] < self.hours[0] and self.hours[1] != 0

    def effective_cutoff(self) -> int | None:
        """The hour before which times count towards the previous night, as actually applied."""
        if self.hours is not None and self.crosses_midnight:
            return max(self.night_cutoff or 0, self.hours[1])
        return self.night_cutoff

    def replace(self, **changes: Any) -> Selection:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def describe(self) -> str:
        """A short UK-English description, e.g. for table titles and reports."""
        parts = []
        if self.date_from or self.date_to:
            f = self.date_from.strftime("%d/%m/%Y") if self.date_from else "start"
            t = self.date_to.strftime("%d/%m/%Y") if self.date_to else "latest"
            parts.append(f"{f} to {t}")
        if self.crime_types:
            parts.append(", ".join(self.crime_types))
        if self.ho_categories:
            parts.append("HO: " + ", ".join(self.ho_categories))
        if self.sectors:
            parts.append("sectors: " + ", ".join(self.sectors))
        if self.zone:
            parts.append(f"{'inside' if self.zone_inside else 'outside'} zone {self.zone}")
        if self.days:
            parts.append("/".join(DAY_ABBR[d] for d in sorted(self.days)))
        if self.hours:
            parts.append(f"{self.hours[0]:02d}:00-{self.hours[1] % 24:02d}:00")
        return "; ".join(parts) or "all incidents"


@dataclass
class SelectionResult:
    """Incidents matching a selection, with what was left out and why."""

    incidents: pd.DataFrame
    selection: Selection
    excluded_imprecise: int = 0
    excluded_partial_month: int = 0
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        """The number of incidents selected."""
        return len(self.incidents)

    @property
    def empty(self) -> bool:
        """Whether no incident matches the selection."""
        return self.incidents.empty


def reference_time(df: pd.DataFrame) -> pd.Series:
    """Midpoint of each incident's from/to window (local time)."""
    return df["occurred_from"] + (df["occurred_to"] - df["occurred_from"]) / 2


def night_of(times: pd.Series, cutoff: int | None = DEFAULT_NIGHT_CUTOFF) -> pd.Series:
    """Local date of the night each time belongs to (times before ``cutoff`` go to the previous day).

    Parameters
    ----------
    times : Series of tz-aware datetimes
    cutoff : int or None, default 6
        None returns the calendar date.
    """
    # Shift wall-clock time, not absolute time: on the autumn clocks-back morning 05:30 GMT is only
    # 5 1/2 wall-clock hours after midnight but 6 1/2 real hours, and must stay on the previous night.
    wall = times.dt.tz_localize(None) if times.dt.tz is not None else times
    shifted = wall - pd.Timedelta(hours=cutoff) if cutoff else wall
    return shifted.dt.normalize()


def _hour_mask(hours: pd.Series, window: tuple[int, int]) -> np.ndarray:
    start, end = window
    h = hours.to_numpy()
    if end > start:
        return (h >= start) & (h < end)
    return (h >= start) | (h < end)


def filter_frame(df: pd.DataFrame, sel: Selection) -> SelectionResult:
    """Apply a selection to canonical incidents in pandas: the reference rules.

    The store runs the same rules as SQL (:mod:`geo.sql_selection`); the two are tested to agree.

    Parameters
    ----------
    df : DataFrame
        Canonical incidents (see :mod:`geo.schema`).
    sel : Selection

    Returns
    -------
    SelectionResult
    """
    mask = np.ones(len(df), dtype=bool)
    if sel.crime_types:
        mask &= df["crime_type"].isin(sel.crime_types).to_numpy()
    if sel.ho_categories:
        mask &= df["ho_category"].isin(sel.ho_categories).fillna(False).to_numpy(dtype=bool)
    if sel.sectors:
        mask &= df["sector"].isin(sel.sectors).fillna(False).to_numpy(dtype=bool)
    if sel.sources:
        mask &= df["source"].isin(sel.sources).to_numpy()
    if sel.zone is not None:
        col = zone_column(sel.zone)
        if col not in df:
            raise SelectionError(f"no zone '{sel.zone}' in these incidents")
        inside = df[col].fillna(False).to_numpy(dtype=bool)
        mask &= inside if sel.zone_inside else ~inside
    is_month = (df["time_precision"] == PRECISION_MONTH).to_numpy()
    ref = reference_time(df)
    partial = 0
    if sel.date_from or sel.date_to:
        ref_date = ref.dt.tz_localize(None).dt.normalize()
        in_range = np.ones(len(df), dtype=bool)
        whole = np.ones(len(df), dtype=bool)
        if sel.date_from:
            lo = pd.Timestamp(sel.date_from)
            in_range &= (ref_date >= lo).to_numpy()
            whole &= (df["occurred_from"].dt.tz_localize(None) >= lo).to_numpy()
        if sel.date_to:
            hi = pd.Timestamp(sel.date_to) + pd.Timedelta(days=1)
            in_range &= (ref_date < hi).to_numpy()
            whole &= (df["occurred_to"].dt.tz_localize(None) <= hi).to_numpy()
        lo_all = pd.Timestamp(sel.date_from or "1900-01-01")
        overlaps = np.array(df["occurred_to"].dt.tz_localize(None) >= lo_all, dtype=bool)
        if sel.date_to:
            overlaps &= (df["occurred_from"].dt.tz_localize(None) < hi).to_numpy()
        partial_mask = mask & is_month & overlaps & ~whole
        partial = int(partial_mask.sum())
        mask &= np.where(is_month, whole, in_range)
    imprecise = 0
    if sel.uses_time_of_day:
        is_day = (df["time_precision"] == PRECISION_DAY).to_numpy()
        drop = is_month | (is_day if sel.hours is not None else False)
        imprecise = int((mask & drop).sum())
        mask &= ~drop
        if sel.days:
            nights = night_of(ref, sel.effective_cutoff())
            mask &= nights.dt.day_of_week.isin(sel.days).to_numpy()
        if sel.hours is not None:
            mask &= _hour_mask(ref.dt.hour, sel.hours)
    return SelectionResult(
        incidents=df.loc[mask].reset_index(drop=True),
        selection=sel,
        excluded_imprecise=imprecise,
        excluded_partial_month=partial,
        notes=selection_notes(sel, imprecise, partial),
    )


def selection_notes(sel: Selection, imprecise: int, partial: int) -> list[str]:
    """What a selection left out and how it reads days, in words (shared by pandas and SQL).

    Parameters
    ----------
    sel : Selection
    imprecise : int
        Records without the time of day the day/hour filter needs.
    partial : int
        Month-precision records whose month is only partly in the date range.
    """
    notes = []
    if imprecise:
        notes.append(
            f"{imprecise:,} incidents without a time of day (month or date only) left out of the day/hour filter"
        )
    if partial:
        notes.append(f"{partial:,} month-precision incidents left out: their month is only partly in the date range")
    if sel.days and sel.effective_cutoff():
        notes.append(f"days are nights: times before {sel.effective_cutoff():02d}:00 count to the previous evening")
    return notes
