"""When to deploy: peak hours inside the window asked for, the nights with their dates, a van rota.

Conventions:

* **Hours** are Europe/London clock hours; a window ``(20, 4)`` runs 20:00 to 04:00 and crosses
  midnight.  A peak window asked for inside a selection's hour window stays inside it: the busiest
  ``width`` hours *of the window*, never an evening hour the user left out.
* **Nights** are named by the evening they start (the night-of convention of
  :mod:`geo.selection`): "Fri 04/04" is Friday 04/04 20:00 to Saturday 05/04 04:00.
* **Rota.** A van is in one place at a time.  Sites are given to nights in rank order, round
  robin (site 1 the first night, site 2 the second...); when there are more sites than nights a
  night holds several sites and its hours are split between them in rank order, in whole
  quarter-hours; when there are more nights than sites the sites repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import pandas as pd

from geo.selection import DAY_ABBR

#: Shortest rota slot in minutes (slots are whole multiples of it).
SLOT_MINUTES = 15


def window_hours(window: tuple[int, int] | None) -> list[int]:
    """Clock hours of ``window`` in reading order (``(20, 4)`` -> 20 ... 23, 0 ... 3); all 24 if None."""
    if window is None:
        return list(range(24))
    start, end = int(window[0]), int(window[1])
    n = (end - start) % 24 or 24
    return [(start + i) % 24 for i in range(n)]


def peak_window(hours: np.ndarray, width: int = 3, within: tuple[int, int] | None = None) -> tuple[int, int, float]:
    """Busiest ``width``-hour window (may cross midnight): (start hour, end hour, share of times).

    Parameters
    ----------
    hours : array of int
        Clock hour of each timed incident.
    width : int, default 3
    within : (int, int), optional
        Hour window the answer must stay inside (e.g. the selection's 20-4); a window shorter than
        ``width`` is returned whole.

    Returns
    -------
    (int, int, float)
        Among equally busy windows, the one centred on the busiest hour, then the earliest in the
        window's reading order.  ``(0, 0, 0.0)`` for no hours and no ``within``.
    """
    allowed = window_hours(within)
    width = max(1, min(int(width), len(allowed)))
    hist = np.bincount(np.asarray(hours, dtype=int) % 24, minlength=24) if len(hours) else np.zeros(24, int)
    if len(hours) == 0 and within is None:
        return (0, 0, 0.0)
    ok = set(allowed)
    starts = [s for s in allowed if all((s + i) % 24 in ok for i in range(width))]
    roll = np.array([hist[(np.arange(width) + s) % 24].sum() for s in starts])
    centred = np.array([hist[(s + width // 2) % 24] for s in starts])
    best = starts[int(np.lexsort((np.arange(len(starts)), -centred, -roll))[0])]
    share = float(roll.max() / len(hours)) if len(hours) else 0.0
    return best, (best + width) % 24, share


def hours_text(start: int, end: int) -> str:
    """``(20, 4)`` -> ``"20:00-04:00"`` (hyphen; displays swap in an en dash)."""
    return f"{start:02d}:00-{end % 24:02d}:00"


def deployment_nights(days: Sequence[int] = (), start: date | None = None, *, weeks: int = 1) -> list[date]:
    """The nights (evening dates) from ``start`` over ``weeks`` weeks whose weekday is in ``days``.

    Parameters
    ----------
    days : sequence of int
        0 = Monday ... 6 = Sunday; empty means every night.
    start : date, optional
        First evening that may be used (default today).
    weeks : int, default 1
    """
    start = start or date.today()
    wanted = set(days) or set(range(7))
    every = [start + timedelta(days=i) for i in range(7 * max(1, weeks))]
    return [d for d in every if d.weekday() in wanted]


def night_label(d: date) -> str:
    """``date(2025, 4, 4)`` -> ``"Fri 04/04"``."""
    return f"{DAY_ABBR[d.weekday()]} {d:%d/%m}"


def nights_text(nights: Sequence[date], hours: tuple[int, int] | None = None) -> str:
    """``"Fri 04/04 and Sat 05/04, 20:00–04:00"``; without hours "..., hours not set"."""
    if not nights:
        return "no nights chosen"
    labels = [night_label(d) for d in nights]
    text = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    when = hours_text(*hours).replace(":00-", ":00–") if hours else "hours not set"
    return f"{text}, {when}"


def _minutes(h: int) -> int:
    return int(h) * 60


def _clock(minutes: int) -> str:
    m = minutes % (24 * 60)
    return f"{m // 60:02d}:{m % 60:02d}"


def van_rota(ranks: Sequence[int], nights: Sequence[date], hours: tuple[int, int] | None) -> pd.DataFrame:
    """Which site the van covers on which night and when (see the module notes).

    Returns
    -------
    DataFrame
        ``night`` (date), ``night_label`` ("Fri 04/04"), ``rank``, ``start``, ``end`` ("20:00";
        "" when no hours were set), ``minutes`` (slot length, None without hours).
    """
    cols = ["night", "night_label", "rank", "start", "end", "minutes"]
    ranks, nights = list(ranks), list(nights)
    if not ranks or not nights:
        return pd.DataFrame({c: [] for c in cols})
    per_night: list[list[int]] = [[] for _ in nights]
    for i in range(max(len(ranks), len(nights))):
        per_night[i % len(nights)].append(ranks[i % len(ranks)])
    rows = []
    span = ((hours[1] - hours[0]) % 24 or 24) * 60 if hours else 0
    for night, sites in zip(nights, per_night, strict=True):
        sites = list(dict.fromkeys(sites))
        slots = len(sites)
        # equal whole quarter-hours; the first-ranked sites get any spare quarter-hours
        base, spare = divmod(span // SLOT_MINUTES, slots)
        t = _minutes(hours[0]) if hours else 0
        for j, rank in enumerate(sites):
            length = (base + (1 if j < spare else 0)) * SLOT_MINUTES
            rows.append(
                {
                    "night": night,
                    "night_label": night_label(night),
                    "rank": int(rank),
                    "start": _clock(t) if hours else "",
                    "end": _clock(t + length) if hours else "",
                    "minutes": length if hours else None,
                }
            )
            t += length
    return pd.DataFrame(rows, columns=cols)


__all__ = [
    "SLOT_MINUTES",
    "deployment_nights",
    "hours_text",
    "night_label",
    "nights_text",
    "peak_window",
    "van_rota",
    "window_hours",
]
