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

from dataclasses import dataclass

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


def feeds(incidents: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(source, feed name, synthetic flag) of each record; one source "all" when there is no column."""
    if "source" in incidents:
        source = incidents["source"].astype(object).fillna("(unknown)").astype(str)
    else:
        source = pd.Series("all", index=incidents.index)
    feed = source.str.split(":", n=1).str[0]
    synthetic = (
        incidents["synthetic"].fillna(False).astype(bool)
        if "synthetic" in incidents
        else pd.Series(False, index=incidents.index)
    )
    return source, feed, synthetic


def source_coverage(
    incidents: pd.DataFrame,
    keys: pd.Series,
    period_bounds,
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
    source, feed, synthetic = feeds(incidents)
    start = incidents["occurred_from"].dt.tz_localize(None).dt.normalize()
    end = incidents["occurred_to"].dt.tz_localize(None).dt.normalize()
    frame = pd.DataFrame({"source": source, "feed": feed, "syn": synthetic, "key": keys, "s": start, "e": end})
    spans = frame.groupby("source").agg(s=("s", "min"), e=("e", "max"))
    covered_by_source: dict[str, set[int]] = {}
    for src, ks in frame.groupby("source")["key"]:
        s0, e0 = spans.loc[src, "s"], spans.loc[src, "e"]
        per_period = ks.value_counts()
        typical = float(per_period.median())
        ok = set()
        for k, n in per_period.items():
            p0, p1 = period_bounds(int(k))
            days = (p1 - p0).days + 1
            overlap = (min(p1, e0) - max(p0, s0)).days + 1
            if overlap * 2 >= days or n * 2 >= typical:
                ok.add(int(k))
        covered_by_source[src] = ok
    by_type: dict[tuple[bool, str], set[int]] = {}
    any_type: dict[bool, set[int]] = {}
    types = incidents["crime_type"].astype(object) if "crime_type" in incidents else pd.Series("", index=frame.index)
    frame["type"] = types.to_numpy()
    for (_feed, syn), part in frame.groupby(["feed", "syn"]):
        periods = set().union(*(covered_by_source[s] for s in part["source"].unique()))
        any_type.setdefault(bool(syn), set()).update(periods)
        for t in part["type"].dropna().unique():
            by_type.setdefault((bool(syn), str(t)), set()).update(periods)
    return Coverage(by_type=by_type, any_type=any_type)


def record_dates(incidents: pd.DataFrame, night_cutoff: int | None) -> pd.Series:
    """Local (night-of) date of each incident; month-precision records get their month's first day."""
    ref = reference_time(incidents)
    d = night_of(ref, night_cutoff)
    is_month = (incidents["time_precision"] == PRECISION_MONTH).fillna(False).to_numpy()
    first = incidents["occurred_from"].dt.tz_localize(None).dt.normalize()
    return d.where(~is_month, first)


__all__ = ["DEFAULT_MIN_COUNT", "TOO_FEW", "Coverage", "feeds", "record_dates", "source_coverage"]
