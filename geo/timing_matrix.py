"""Local time, the night-of convention and hour × weekday matrices (counts or aoristic).

The public names are importable from :mod:`geo.timing` too, beside the night-time economy views.

Conventions (reported back in every result's ``convention`` text):

* **Local time.** Hours and weekdays are Europe/London wall-clock time, daylight saving included:
  01:30 GMT on 25/03/2007 is hour 1 of Sunday; 01:30 on 28/10/2007 happens twice and both
  instants are hour 1.  Inputs must be tz-aware; any zone is converted to Europe/London.
* **Night of.** With ``night_cutoff`` (default 6) an hour before the cut-off belongs to the
  previous evening, so the matrix row "Friday" holds Friday 18:00 ... Saturday 05:59.  The weekday
  of a row is therefore the *night-of* weekday; the column is still the clock hour.
  ``night_cutoff=None`` gives calendar days.  The date arithmetic is
  :func:`geo.selection.night_of` (shared with the selection filter).
* **Counts** place an incident with a from/to window at its midpoint
  (:func:`geo.selection.reference_time`, as the selection filter does).
* **Aoristic** weighting (Ratcliffe 2000) spreads each incident's one unit evenly over every clock
  hour its window touches: 21:40-23:10 gives 1/3 to each of 21, 22 and 23.  A window ending
  exactly on the hour does not touch that hour.  The hours are real elapsed hours, so a window
  across a clock change spreads over the hours that actually happened.
* **Left out and counted:** month-precision records (data.police.uk) and day-precision records
  have no time of day.  Records stamped exactly 00:00:00 with no window (``time_precision``
  'time', from == to at midnight) are usually "time unknown": they are flagged, counted by night
  in ``midnight_by_day`` and, by default, left out of the matrix rather than piling up at 00:00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from geo.schema import LOCAL_TZ, PRECISION_TIME
from geo.selection import DAY_NAMES, DEFAULT_NIGHT_CUTOFF, night_of, reference_time

HOURS_PER_WEEK = 168
#: A window spanning more hours than this goes through the exact per-hour path (it may span two
#: clock changes, so one UTC offset cannot describe it).
_LONG_WINDOW_H = 24 * 150
_EPOCH_DOW = 3  # 01/01/1970 was a Thursday
_UNIT_PER_S = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


@dataclass
class HourWeekday:
    """An hour × weekday matrix and what went into it.

    Attributes
    ----------
    matrix : DataFrame
        7 rows (index ``DAY_NAMES``, Monday first) × 24 columns (clock hours 0-23); counts, or
        aoristic weights (floats summing to ``used``).
    used : int
        Incidents in the matrix.
    excluded_month, excluded_day : int
        Records without a time of day (month- or day-precision), left out.
    midnight_flagged : int
        Records stamped exactly 00:00 with no window (probably "time unknown").
    midnight_included : bool
        Whether those records are in ``matrix`` (else they are only in ``midnight_by_day``).
    midnight_by_day : Series
        The flagged records by (night-of) weekday, shown separately.
    aoristic : bool
    night_cutoff : int or None
    convention : str
        One-sentence statement of the weekday/hour convention in force, for captions.
    notes : list of str
    """

    matrix: pd.DataFrame
    used: int
    excluded_month: int
    excluded_day: int
    midnight_flagged: int
    midnight_included: bool
    midnight_by_day: pd.Series
    aoristic: bool
    night_cutoff: int | None
    convention: str
    notes: list[str] = field(default_factory=list)

    @property
    def hour_order(self) -> list[int]:
        """Clock hours in the order a night reads: from the cut-off round to the hour before it."""
        c = self.night_cutoff or 0
        return [(c + i) % 24 for i in range(24)]

    def night_ordered(self) -> pd.DataFrame:
        """The matrix with columns in :attr:`hour_order` (e.g. 06 ... 23, 00 ... 05)."""
        return self.matrix[self.hour_order]

    def long(self) -> pd.DataFrame:
        """Tidy form: one row per (day, hour) with column ``value``."""
        out = self.matrix.stack().rename("value").reset_index()
        out.columns = ["day", "hour", "value"]
        return out


def convention_text(night_cutoff: int | None, aoristic: bool = False) -> str:
    """Say which weekday/hour convention is in force, e.g. for a caption or a CLI header.

    Parameters
    ----------
    night_cutoff : int or None
    aoristic : bool, default False

    Returns
    -------
    str
    """
    how = (
        "aoristic: each incident's one unit is spread evenly over the clock hours its from/to window touches"
        if aoristic
        else "counts: each incident at the midpoint of its from/to window"
    )
    if night_cutoff:
        day = (
            f"days are nights: times before {night_cutoff:02d}:00 count to the previous evening "
            f"(02:00 on Saturday is Friday night)"
        )
    else:
        day = "days are calendar days (night-of convention off)"
    return f"Europe/London local time; {day}; {how}."


def local_times(times: pd.Series) -> pd.Series:
    """Return tz-aware times in Europe/London.

    Raises
    ------
    ValueError
        If ``times`` is naive (its zone would be a guess, wrong by an hour half the year).
    """
    times = pd.Series(times)
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        raise ValueError("incident times must be timezone-aware (Europe/London); got naive datetimes")
    return times.dt.tz_convert(LOCAL_TZ)


def _seconds(times: pd.Series) -> np.ndarray:
    """Epoch seconds (int64) of datetimes, naive wall-clock or tz-aware (UTC)."""
    return times.array.asi8 // _UNIT_PER_S[times.dt.unit]


def _precision_masks(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(timed, untimed midnight, excluded) masks; timed includes the midnight ones."""
    prec = df["time_precision"].astype("string").fillna("month").to_numpy()
    timed = prec == PRECISION_TIME
    start = local_times(df["occurred_from"])
    end = local_times(df["occurred_to"])
    same = _seconds(start) == _seconds(end)
    wall = _seconds(start.dt.tz_localize(None))
    midnight = timed & same & (wall % 86400 == 0)
    return timed, midnight, ~timed


def _k_index(wall_hours: np.ndarray, cutoff: int | None) -> np.ndarray:
    """Hour-of-week index in night order: 0 = Monday's night at the cut-off hour.

    Consecutive wall-clock hours have consecutive indices (mod 168), which is what lets the
    aoristic spread be a difference array.
    """
    how = (wall_hours + _EPOCH_DOW * 24) % HOURS_PER_WEEK  # 0 = Monday 00:00
    return (how - (cutoff or 0)) % HOURS_PER_WEEK


def _k_to_matrix(values: np.ndarray, cutoff: int | None) -> pd.DataFrame:
    """168 values indexed by night-order k -> 7 × 24 (night-of weekday × clock hour)."""
    c = cutoff or 0
    grid = np.zeros((7, 24), dtype=float)
    k = np.arange(HOURS_PER_WEEK)
    grid[k // 24, (k % 24 + c) % 24] = values
    return pd.DataFrame(grid, index=pd.Index(DAY_NAMES, name="day"), columns=pd.Index(range(24), name="hour"))


def _aoristic_k(start: pd.Series, end: pd.Series, cutoff: int | None) -> np.ndarray:
    """Aoristic weights summed into 168 night-order hour-of-week cells."""
    n_inc = len(start)
    if n_inc == 0:
        return np.zeros(HOURS_PER_WEEK)
    s_utc = _seconds(start)
    e_utc = np.maximum(_seconds(end), s_utc)
    s_wall = _seconds(start.dt.tz_localize(None))
    offset = s_wall - s_utc
    e_offset = _seconds(end.dt.tz_localize(None)) - _seconds(end)
    first_h = np.floor_divide(s_utc, 3600)
    last_h = -np.floor_divide(-e_utc, 3600)  # ceil: a window ending on the hour does not touch it
    n_hours = np.maximum(last_h - first_h, 1)
    # Every Europe/London offset is whole hours, so a constant offset maps UTC hours to wall hours.
    simple = (offset == e_offset) & (n_hours <= _LONG_WINDOW_H)
    out = np.zeros(HOURS_PER_WEEK)
    if simple.any():
        k0 = _k_index(first_h[simple] + offset[simple] // 3600, cutoff)
        n = n_hours[simple]
        w = 1.0 / n
        full, rem = np.divmod(n, HOURS_PER_WEEK)
        stop = k0 + rem
        wrap = stop > HOURS_PER_WEEK
        # Difference array over k (index 168 is a sink); a span wrapping past Sunday night is split.
        size = HOURS_PER_WEEK + 1
        diff = np.bincount(k0, weights=w, minlength=size)
        diff -= np.bincount(np.where(wrap, HOURS_PER_WEEK, stop), weights=w, minlength=size)
        diff[0] += w[wrap].sum()
        diff -= np.bincount(stop[wrap] - HOURS_PER_WEEK, weights=w[wrap], minlength=size)
        out += np.cumsum(diff[:HOURS_PER_WEEK])
        out += float((full * w).sum())  # whole weeks touch every cell equally
    # Rare: windows across a clock change (or very long ones): expand them into their real hours.
    slow = np.flatnonzero(~simple)
    if slow.size:
        n = n_hours[slow]
        owner = np.repeat(np.arange(slow.size), n)
        step = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        utc_h = np.repeat(first_h[slow], n) + step
        wall = pd.DatetimeIndex(utc_h * 3600 * 10**9, tz="UTC").tz_convert(LOCAL_TZ).tz_localize(None)
        wall_h = wall.asi8 // (3600 * _UNIT_PER_S[wall.unit])
        out += np.bincount(_k_index(wall_h, cutoff), weights=1.0 / n[owner], minlength=HOURS_PER_WEEK)
    return out


def hour_weekday(
    incidents: pd.DataFrame,
    *,
    aoristic: bool = False,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
    midnight: Literal["exclude", "include"] = "exclude",
) -> HourWeekday:
    """Hour × weekday matrix of incidents in Europe/London local time.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents (``occurred_from``, ``occurred_to``, ``time_precision``).
    aoristic : bool, default False
        Spread each incident evenly over the hours of its from/to window (see module notes);
        otherwise count each at its window's midpoint.
    night_cutoff : int or None, default 6
        Rows are night-of weekdays: times before this hour count to the previous evening.
        None for calendar days.
    midnight : {"exclude", "include"}, default "exclude"
        What to do with records stamped exactly 00:00 with no window: leave them out of the
        matrix (they are always counted in ``midnight_flagged`` / ``midnight_by_day``) or keep them.

    Returns
    -------
    HourWeekday
    """
    if midnight not in ("exclude", "include"):
        raise ValueError(f"midnight must be 'exclude' or 'include', got {midnight!r}")
    if night_cutoff is not None and not 0 <= night_cutoff <= 12:
        raise ValueError(f"night cut-off must be an hour in 0-12, got {night_cutoff}")
    prec = incidents["time_precision"].astype("string").fillna("month")
    excluded_month = int((prec == "month").sum())
    excluded_day = int((prec != "month").sum() - (prec == PRECISION_TIME).sum())
    timed, is_mid, _ = _precision_masks(incidents)
    mid_rows = incidents.loc[is_mid]
    mid_days = night_of(local_times(mid_rows["occurred_from"]), night_cutoff).dt.day_of_week
    midnight_by_day = (
        mid_days.value_counts().reindex(range(7), fill_value=0).set_axis(list(DAY_NAMES)).rename("midnight")
    )
    keep = timed & (~is_mid if midnight == "exclude" else True)
    rows = incidents.loc[keep]
    start = local_times(rows["occurred_from"])
    end = local_times(rows["occurred_to"])
    if aoristic:
        k_values = _aoristic_k(start, end, night_cutoff)
    else:
        ref = reference_time(pd.DataFrame({"occurred_from": start, "occurred_to": end}))
        wall_h = np.floor_divide(_seconds(ref.dt.tz_localize(None)), 3600)
        k_values = np.bincount(_k_index(wall_h, night_cutoff), minlength=HOURS_PER_WEEK).astype(float)
    matrix = _k_to_matrix(k_values, night_cutoff)
    if not aoristic:
        matrix = matrix.round().astype(int)
    notes = []
    if excluded_month or excluded_day:
        notes.append(
            f"{excluded_month + excluded_day:,} records without a time of day left out "
            f"({excluded_month:,} month-only, {excluded_day:,} date-only)"
        )
    n_mid = int(is_mid.sum())
    if n_mid:
        what = "kept at 00:00" if midnight == "include" else "left out of the matrix, shown separately"
        notes.append(f"{n_mid:,} records stamped exactly 00:00 with no window (time unknown?): {what}")
    return HourWeekday(
        matrix=matrix,
        used=len(rows),
        excluded_month=excluded_month,
        excluded_day=excluded_day,
        midnight_flagged=n_mid,
        midnight_included=midnight == "include",
        midnight_by_day=midnight_by_day,
        aoristic=aoristic,
        night_cutoff=night_cutoff,
        convention=convention_text(night_cutoff, aoristic),
        notes=notes,
    )


def untimed_midnight(incidents: pd.DataFrame) -> np.ndarray:
    """Mask of records stamped exactly 00:00:00 with no window (probably "time unknown").

    The same rule :func:`hour_weekday` uses to keep them out of the matrix by default.
    """
    return _precision_masks(incidents)[1]


__all__ = [
    "HOURS_PER_WEEK",
    "HourWeekday",
    "convention_text",
    "hour_weekday",
    "local_times",
    "untimed_midnight",
]
