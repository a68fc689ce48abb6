"""Periods of :mod:`geo.trends`: months, weeks and weekends as integer keys, their labels and bounds.

A month's key counts months from year 0 (``year * 12 + month - 1``).  A week's key counts weeks from
Monday 05/01/1970; a week runs Monday night to Sunday night and a weekend (Friday and Saturday
nights) has the key of its week.  Timed records are placed by their *night-of* date
(:func:`geo.selection.night_of`); month-precision records have no week.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pandas as pd

from geo.coverage import record_dates
from geo.schema import PRECISION_MONTH

Freq = Literal["month", "week", "weekend"]

#: Periods a year earlier: the "same period last year" is this many keys back.
PERIODS_PER_YEAR = {"month": 12, "week": 52, "weekend": 52}
#: A Monday: week numbers count from here.
MONDAY0 = pd.Timestamp("1970-01-05")


def period_keys(incidents: pd.DataFrame, freq: Freq, night_cutoff: int | None) -> tuple[pd.Series, int]:
    """Integer period key per incident (NA when it cannot be placed) and how many were left out."""
    if freq not in PERIODS_PER_YEAR:
        raise ValueError(f"freq must be one of {list(PERIODS_PER_YEAR)}, got {freq!r}")
    is_month = (incidents["time_precision"] == PRECISION_MONTH).fillna(False).to_numpy()
    if freq == "month":
        d = record_dates(incidents, None)
        return pd.Series(d.dt.year * 12 + d.dt.month - 1, index=incidents.index), 0
    d = record_dates(incidents, night_cutoff)
    key = ((d - MONDAY0).dt.days // 7).astype("Int64")
    if freq == "weekend":
        key = key.where(d.dt.day_of_week.isin([4, 5]))
    key = key.where(~is_month)
    return key, int(is_month.sum())


def period_label(key: int, freq: Freq) -> str:
    """A period's label for tables and charts: ``2007-04``, ``week of 02/04/2007``, ``weekend of 06/04/2007``."""
    if freq == "month":
        return f"{key // 12}-{key % 12 + 1:02d}"
    monday = MONDAY0 + pd.Timedelta(weeks=int(key))
    if freq == "weekend":
        return f"weekend of {(monday + pd.Timedelta(days=4)):%d/%m/%Y}"
    return f"week of {monday:%d/%m/%Y}"


def parse_period(at: str | date | None, freq: Freq) -> int | None:
    """The key of the period holding the date ``at`` (None or "" gives None: the caller's default)."""
    if at is None or at == "":
        return None
    ts = pd.Timestamp(at)
    if freq == "month":
        return ts.year * 12 + ts.month - 1
    return int((ts.normalize() - MONDAY0).days // 7)


def period_bounds(key: int, freq: Freq) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last (night-of) day of a period."""
    if freq == "month":
        first = pd.Timestamp(year=key // 12, month=key % 12 + 1, day=1)
        return first, first + pd.offsets.MonthEnd(0)
    monday = MONDAY0 + pd.Timedelta(weeks=int(key))
    if freq == "weekend":
        return monday + pd.Timedelta(days=4), monday + pd.Timedelta(days=5)
    return monday, monday + pd.Timedelta(days=6)


__all__ = ["MONDAY0", "PERIODS_PER_YEAR", "Freq", "parse_period", "period_bounds", "period_keys", "period_label"]
