"""Hour windows and the night-time economy (NTE) view: incidents by night and hour in each zone band.

The hour × weekday matrix, local time and the night-of convention it rests on are in
:mod:`geo.timing_matrix` (its notes state the conventions); their names are importable from here too,
so ``from geo.timing import hour_weekday`` keeps working.

* **Hour window.** ``(start, end)`` clock hours, end exclusive, may cross midnight: ``(18, 6)`` is
  18:00 to 05:59.  An incident is in the window when the local clock hour of its window's midpoint
  is; month- and day-precision records never are.
* **Zone bands.** Zones are nested (Winchester's 2005 zone lies inside the 2007 one), so each
  incident is counted once, in the first zone of the config order containing it, and the bands add
  up to the total (:func:`zone_bands`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from geo.schema import NTE_VIOLENCE, PRECISION_TIME
from geo.selection import DEFAULT_NIGHT_CUTOFF, reference_time
from geo.timing_matrix import (
    HOURS_PER_WEEK,
    HourWeekday,
    convention_text,
    hour_weekday,
    local_times,
    untimed_midnight,
)

if TYPE_CHECKING:
    from geo.config import District, Zone

#: Default night-time economy window: 18:00 to 06:00.
NTE_WINDOW = (18, 6)
#: Crime types the NTE view offers besides violence.
NTE_OPTIONAL = ("Public order", "Criminal damage and arson", "Anti-social behaviour")


def in_hour_window(incidents: pd.DataFrame, window: tuple[int, int] = NTE_WINDOW) -> np.ndarray:
    """Mask of timed incidents whose midpoint's local clock hour is in ``window`` (may cross midnight).

    Month- and day-precision records are never in the window.
    """
    start, end = window
    prec = incidents["time_precision"].astype("string").fillna("month").to_numpy()
    start_t, end_t = local_times(incidents["occurred_from"]), local_times(incidents["occurred_to"])
    ref = reference_time(pd.DataFrame({"occurred_from": start_t, "occurred_to": end_t}))
    h = ref.dt.hour.to_numpy()
    inside = (h >= start) & (h < end) if end > start else (h >= start) | (h < end)
    return inside & (prec == PRECISION_TIME)


def window_hours(window: tuple[int, int]) -> list[int]:
    """Clock hours of a window in reading order: ``(18, 6)`` -> 18 ... 23, 0 ... 5."""
    start, end = window
    if not (0 <= start <= 23 and 0 <= end <= 24) or start == end % 24:
        raise ValueError(f"hour window must be two different hours in 0-24, got {start}-{end}")
    n = (end - start) % 24
    return [(start + i) % 24 for i in range(n)]


@dataclass
class NteView:
    """Night-time economy view: a window of hours by night of week, one column per zone band.

    Attributes
    ----------
    by_night : DataFrame
        Index night-of weekday (Monday ... Sunday), one column per band plus ``Total``.
    by_hour : DataFrame
        Index clock hours in window order (18 ... 5), one column per band plus ``Total``.
    table : DataFrame
        Tidy form: ``band``, ``night``, ``hour``, ``value``.
    matrices : dict of str to HourWeekday
        Full hour × weekday matrix per band (all 24 hours, before the window is applied).
    bands : list of str
        Band labels in column order, ending with "Elsewhere".
    band_rule : str
        How incidents are assigned to bands (zones are nested, so bands are made exclusive).
    crime_types : tuple of str
    window : tuple of (int, int)
    convention : str
    notes : list of str
    """

    by_night: pd.DataFrame
    by_hour: pd.DataFrame
    table: pd.DataFrame
    matrices: dict[str, HourWeekday]
    bands: list[str]
    band_rule: str
    crime_types: tuple[str, ...]
    window: tuple[int, int]
    convention: str
    notes: list[str] = field(default_factory=list)


def zone_bands(incidents: pd.DataFrame, zones: District | Sequence[Zone]) -> tuple[pd.Series, list[str], str]:
    """Assign each incident to one exclusive zone band.

    Zones are taken in config order, innermost first (Winchester: the 2005 city-centre zone, then
    the 2007 extended zone which contains it).  An incident goes to the first zone containing it,
    so the band "2007 zone outside the 2005 zone" is the ring the 2007 extension added and the
    bands add up to the total.  Incidents in no zone are "Elsewhere".

    Parameters
    ----------
    incidents : DataFrame
        With an ``in_zone_<key>`` column per zone.
    zones : District or sequence of geo.config.Zone

    Returns
    -------
    (Series of band labels, list of labels in order, rule text)
    """
    # a District (or anything else holding its zones) gives its zones, in config order
    ordered = list(cast("Sequence[Zone]", getattr(zones, "zones", zones)))
    band = pd.Series("Elsewhere", index=incidents.index, dtype=object)
    assigned = np.zeros(len(incidents), dtype=bool)
    labels: list[str] = []
    for i, z in enumerate(ordered):
        if z.column not in incidents:
            raise ValueError(f"incidents have no column {z.column} for zone '{z.key}'")
        inside = incidents[z.column].fillna(False).to_numpy(dtype=bool)
        label = f"Zone {z.key}" if i == 0 else f"Zone {z.key} outside " + ", ".join(x.key for x in ordered[:i])
        band[inside & ~assigned] = label
        assigned |= inside
        labels.append(label)
    labels.append("Elsewhere")
    rule = (
        "each incident is counted once, in the first zone (config order, innermost first) containing it: "
        + "; ".join(labels[:-1])
        + "; Elsewhere = in no zone"
        if ordered
        else "the district declares no zones: everything is Elsewhere"
    )
    return band, labels, rule


def nte_by_zone(
    incidents: pd.DataFrame,
    zones: District | Sequence[Zone],
    *,
    crime_types: tuple[str, ...] | None = NTE_VIOLENCE,
    window: tuple[int, int] = NTE_WINDOW,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
    aoristic: bool = False,
) -> NteView:
    """Night-time economy incidents by night and hour, inside each zone band and elsewhere.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents with zone columns.
    zones : District or sequence of Zone
        See :func:`zone_bands`.
    crime_types : tuple of str or None, default ``("Violence and sexual offences",)``
        Crime types to keep (add e.g. :data:`NTE_OPTIONAL`); None keeps all given incidents.
    window : (int, int), default (18, 6)
        Clock hours of the night-time economy, end exclusive, may cross midnight.
    night_cutoff : int or None, default 6
        Night-of convention (see module notes); should not exceed the window's end.
    aoristic : bool, default False
        Aoristic weights instead of midpoint counts; values are then incident-equivalents
        falling inside the window.

    Returns
    -------
    NteView
    """
    hours = window_hours(window)
    cutoff = night_cutoff
    if crime_types is not None:
        incidents = incidents.loc[incidents["crime_type"].isin(crime_types)]
    band, labels, rule = zone_bands(incidents, zones)
    matrices = {
        lab: hour_weekday(incidents.loc[band.eq(lab).to_numpy()], aoristic=aoristic, night_cutoff=cutoff)
        for lab in labels
    }
    by_night = pd.DataFrame({lab: m.matrix[hours].sum(axis=1) for lab, m in matrices.items()})
    by_night.index.name = "night"
    by_night["Total"] = by_night.sum(axis=1)
    by_hour = pd.DataFrame({lab: m.matrix[hours].sum(axis=0) for lab, m in matrices.items()}).loc[hours]
    by_hour["Total"] = by_hour.sum(axis=1)
    by_hour.index.name = "hour"
    table = pd.concat(
        [m.matrix[hours].stack().rename("value").reset_index().assign(band=b) for b, m in matrices.items()],
        ignore_index=True,
    ).rename(columns={"day": "night"})[["band", "night", "hour", "value"]]
    first = next(iter(matrices.values()))
    excl = {
        "month": sum(m.excluded_month for m in matrices.values()),
        "day": sum(m.excluded_day for m in matrices.values()),
        "midnight": sum(m.midnight_flagged for m in matrices.values()),
    }
    notes = [f"zone bands: {rule}"]
    if excl["month"] or excl["day"]:
        notes.append(
            f"{excl['month'] + excl['day']:,} records without a time of day left out "
            f"({excl['month']:,} month-only, {excl['day']:,} date-only)"
        )
    if excl["midnight"]:
        notes.append(f"{excl['midnight']:,} records stamped exactly 00:00 with no window left out")
    if night_cutoff and night_cutoff > window[1] and window[1] < window[0]:
        notes.append(f"night cut-off {night_cutoff:02d}:00 is after the window's end: check the night rows")
    return NteView(
        by_night=by_night,
        by_hour=by_hour,
        table=table,
        matrices=matrices,
        bands=labels,
        band_rule=rule,
        crime_types=tuple(crime_types) if crime_types is not None else (),
        window=window,
        convention=first.convention + f" Window {window[0]:02d}:00-{window[1] % 24:02d}:00.",
        notes=notes,
    )


__all__ = [
    "HOURS_PER_WEEK",
    "HourWeekday",
    "NteView",
    "nte_by_zone",
    "zone_bands",
    "NTE_OPTIONAL",
    "NTE_VIOLENCE",
    "NTE_WINDOW",
    "convention_text",
    "hour_weekday",
    "in_hour_window",
    "local_times",
    "untimed_midnight",
    "window_hours",
]
