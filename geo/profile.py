"""When a set of incidents happens: the busiest hours window and the busiest days (night-of days)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from geo.deploy import peak_window
from geo.schema import PRECISION_TIME
from geo.selection import DAY_NAMES, night_of, reference_time


@dataclass(frozen=True)
class TimeProfile:
    """Peak hours and days of the incidents with an exact time.

    ``peak_hours`` is e.g. "22:00-01:00" (the busiest ``width``-hour window, may cross midnight),
    ``window_share`` its share of the timed incidents and ``days`` (day name, count) pairs,
    busiest first; empty when no incident has a time of day.
    """

    timed: int = 0
    peak_hours: str = ""
    window_share: float | None = None
    days: tuple[tuple[str, int], ...] = field(default_factory=tuple)


def time_profile(incidents: pd.DataFrame, cutoff: int | None, width: int = 3) -> TimeProfile:
    """The :class:`TimeProfile` of ``incidents``; days are nights of week when ``cutoff`` is an hour."""
    if "time_precision" not in incidents:
        return TimeProfile()
    timed = incidents[(incidents["time_precision"] == PRECISION_TIME).fillna(False).to_numpy()]
    if timed.empty:
        return TimeProfile()
    ref = reference_time(timed)
    start, end, share = peak_window(ref.dt.hour.to_numpy(), width)
    days = night_of(ref, cutoff).dt.day_of_week.value_counts()
    return TimeProfile(
        timed=len(timed),
        peak_hours=f"{start:02d}:00-{end:02d}:00",
        window_share=share,
        days=tuple((DAY_NAMES[int(d)], int(n)) for d, n in days.items()),
    )
