"""Which periods each crime type's data really cover, and which kind of data (real or synthetic).

Rules (used by :func:`geo.trends.period_trends`, stated in its notes):

* A **source** is one input file (the ``source`` column, e.g. ``police_uk:2017-03-...``); a
  **feed** is the sources of one kind (the part before ``:``, e.g. ``police_uk``) and one
  ``synthetic`` value.  A feed *records* a crime type when any of its usable records has it.
* A source **covers** a period when it has at least one usable record in it *and* either its span
  (first ``occurred_from`` to last ``occurred_to``) overlaps at least half of the period or it holds
  at least half the source's median count per period.  Three records of an extract that ends on
  01/04/2008 (against hundreds a month before) therefore do not make April 2008 a covered month.
* A period is **covered for a crime type** when a source of a feed that records the type covers
  it.  Inside a covered period a type with no incident is a true zero; elsewhere it is missing.
* **Kinds.** Real and synthetic feeds are kept apart: a baseline is built only from periods
  covered by the same kind as the period examined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.schema import PRECISION_MONTH
from geo.selection import night_of, reference_time

#: Fewest incidents a count (or a change) may rest on before it is marked :data:`TOO_FEW`.
DEFAULT_MIN_COUNT = 5
TOO_FEW = "too few to rely on"


@dataclass
class Coverage:
    """Covered period keys per (kind, crime type), and per kind for any type."""

    by_type: dict[tuple[bool, str], set[int]]
    any_type: dict[bool, set[int]]

    def covered(self, synthetic: bool, crime_type: str | None) -> set[int]:
        """Periods covered for ``crime_type`` (None: any type) by feeds of one kind."""
        if crime_type is None:
            return self.any_type.get(synthetic, set())
        return self.by_type.get((synthetic, crime_type), set())

    def kind_of(self, key: int) -> bool | None:
        """The kind covering period ``key``: False (real) when a real feed covers it, else True, else None."""
        if key in self.any_type.get(False, set()):
            return False
        if key in self.any_type.get(True, set()):
            return True
        return None


def _codes(values: pd.Series, missing: str) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their names (missing values get ``missing``), without a per-row string pass."""
    codes, uniques = pd.factorize(values)
    names = [str(u) for u in uniques]
    if (codes < 0).any():
        codes = np.where(codes < 0, len(names), codes)
        names.append(missing)
    return codes, names


def feeds(incidents: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(source, feed name, synthetic flag) of each record; one source "all" when there is no column."""
    if "source" in incidents:
        codes, names = _codes(incidents["source"], "(unknown)")
        arr = np.asarray(names, dtype=object)
        source = pd.Series(arr[codes], index=incidents.index, dtype=object)
        # the feed is the part before ":"; split once per distinct source, not once per record
        feed_arr = np.asarray([n.split(":", 1)[0] for n in names], dtype=object)
        feed = pd.Series(feed_arr[codes], index=incidents.index, dtype=object)
    else:
        source = pd.Series("all", index=incidents.index, dtype=object)
        feed = source
    synthetic = (
        incidents["synthetic"].fillna(False).astype(bool)
        if "synthetic" in incidents
        else pd.Series(False, index=incidents.index)
    )
    return source, feed, synthetic


def source_coverage(
    incidents: pd.DataFrame, keys: pd.Series, period_bounds: Callable[[int], tuple[pd.Timestamp, pd.Timestamp]]
) -> Coverage:
    """Covered periods per kind and crime type (see the module notes).

    Parameters
    ----------
    incidents : DataFrame
        The usable records (canonical columns; ``source``/``synthetic`` optional).
    keys : Series of int
        Period key of each record (same index).
    period_bounds : callable
        ``key -> (first day, last day)`` as naive Timestamps.
    """
    if "source" in incidents:
        src, src_names = _codes(incidents["source"], "(unknown)")
    else:
        src, src_names = np.zeros(len(incidents), dtype=np.int64), ["all"]
    feed_of = [n.split(":", 1)[0] for n in src_names]
    syn = (
        incidents["synthetic"].fillna(False).astype(bool).to_numpy()
        if "synthetic" in incidents
        else np.zeros(len(incidents), dtype=bool)
    )
    typ, type_names = (
        _codes(incidents["crime_type"], "") if "crime_type" in incidents else (np.zeros(len(src), int), [""])
    )
    frame = pd.DataFrame(
        {
            "src": src,
            "syn": syn,
            "typ": typ,
            "key": keys.to_numpy(dtype=np.int64),
            "s": incidents["occurred_from"].dt.tz_localize(None).dt.normalize().to_numpy(),
            "e": incidents["occurred_to"].dt.tz_localize(None).dt.normalize().to_numpy(),
        }
    )
    spans = frame.groupby("src").agg(s=("s", "min"), e=("e", "max"))
    per = frame.groupby(["src", "key"]).size()
    covered_by_source: dict[int, set[int]] = {}
    for code, part in per.groupby(level="src"):
        s0, e0 = spans.loc[code, "s"], spans.loc[code, "e"]
        typical = float(part.median())
        ok = set()
        for (_, k), n in part.items():
            p0, p1 = period_bounds(int(k))
            overlap = (min(p1, e0) - max(p0, s0)).days + 1
            if overlap * 2 >= (p1 - p0).days + 1 or n * 2 >= typical:
                ok.add(int(k))
        covered_by_source[int(code)] = ok
    by_type: dict[tuple[bool, str], set[int]] = {}
    any_type: dict[bool, set[int]] = {}
    combos = frame.groupby(["src", "syn", "typ"]).size().reset_index()[["src", "syn", "typ"]]
    combos["feed"] = [feed_of[c] for c in combos["src"]]
    for (_feed, kind), part in combos.groupby(["feed", "syn"]):
        periods = set().union(*(covered_by_source[int(c)] for c in part["src"].unique()))
        any_type.setdefault(bool(kind), set()).update(periods)
        for t in part["typ"].unique():
            name = type_names[int(t)]
            if name:
                by_type.setdefault((bool(kind), name), set()).update(periods)
    return Coverage(by_type=by_type, any_type=any_type)


def record_dates(incidents: pd.DataFrame, night_cutoff: int | None) -> pd.Series:
    """Local (night-of) date of each incident; month-precision records get their month's first day."""
    ref = reference_time(incidents)
    d = night_of(ref, night_cutoff)
    is_month = (incidents["time_precision"] == PRECISION_MONTH).fillna(False).to_numpy()
    first = incidents["occurred_from"].dt.tz_localize(None).dt.normalize()
    return d.where(~is_month, first)


__all__ = ["DEFAULT_MIN_COUNT", "TOO_FEW", "Coverage", "feeds", "record_dates", "source_coverage"]
