"""Two periods compared: counts per group, a test of the change, and "same period last year".

Conventions (reported back in each result's ``method`` / ``basis``):

* **The test.** Two counts are compared with the conditional binomial test for two Poisson counts:
  given the total, the current count is Binomial with p = current length / total length under
  "no change in rate".  With several groups the p-values are corrected together
  (Benjamini-Hochberg, the ``Total`` row apart); ``beyond_chance`` uses the corrected values.
* **Small numbers.** A row whose two counts are both below ``min_count`` (default 5) is marked
  "too few to rely on".
* **Same period last year** (:func:`same_period_last_year`) aligns weekdays: a period is compared
  with the one 364 days (52 weeks) earlier, so a Friday-Saturday weekend meets a Friday-Saturday
  weekend.  A period of whole calendar months is compared with the same months a year earlier
  instead, because month-only records (data.police.uk) can only be counted by whole months.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from geo.coverage import DEFAULT_MIN_COUNT, TOO_FEW, record_dates
from geo.schema import PRECISION_MONTH
from geo.selection import DEFAULT_NIGHT_CUTOFF

if TYPE_CHECKING:
    from geo.config import District, Zone


@dataclass
class PeriodComparison:
    """Two periods compared per group, with a test of whether the change is beyond chance.

    Attributes
    ----------
    table : DataFrame
        Columns: group column (if any), ``previous``, ``current``, ``change``, ``change_pct``,
        ``rate_ratio`` (per day, so periods of different length compare fairly), ``p_value``,
        ``q_value`` (Benjamini-Hochberg across the groups; the ``Total`` row keeps its own p),
        ``beyond_chance`` (q < alpha), ``too_few``, ``reliability``; last row ``Total``.
    current, previous : tuple of date
    method : str
    notes : list of str
    """

    table: pd.DataFrame
    current: tuple[date, date]
    previous: tuple[date, date]
    method: str
    notes: list[str] = field(default_factory=list)


def poisson_change_test(current: int, previous: int, ratio: float = 1.0) -> float:
    """Two-sided p-value that two Poisson counts share one rate (conditional binomial test).

    Parameters
    ----------
    current, previous : int
        Counts in the two periods.
    ratio : float, default 1.0
        Length of the current period over the length of the previous one.

    Returns
    -------
    float
        1.0 when both counts are zero.
    """
    n = int(current) + int(previous)
    if n == 0:
        return 1.0
    return float(stats.binomtest(int(current), n, ratio / (1.0 + ratio)).pvalue)


def compare_periods(
    incidents: pd.DataFrame,
    current: tuple[date, date],
    previous: tuple[date, date],
    *,
    by: str | None = None,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
    alpha: float = 0.05,
    min_count: int = DEFAULT_MIN_COUNT,
) -> PeriodComparison:
    """Compare counts in two date ranges (e.g. this year against last), per group and in total.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents, already restricted to what is compared (types, hours...).
    current, previous : (date, date)
        Inclusive local date ranges; timed records are placed by night-of date.
    by : str, optional
        Grouping column, e.g. ``"band"`` from :func:`geo.timing.zone_bands` or ``"sector"``.
    night_cutoff : int or None, default 6
    alpha : float, default 0.05
        Significance level (false discovery rate across the groups) for ``beyond_chance``.
    min_count : int, default 5
        Rows whose two counts are both below this are marked ``too_few``.

    Returns
    -------
    PeriodComparison
    """
    (c0, c1), (p0, p1) = (map(pd.Timestamp, current), map(pd.Timestamp, previous))
    if c1 < c0 or p1 < p0:
        raise ValueError("each period must end on or after its start")
    d = record_dates(incidents, night_cutoff)
    is_month = (incidents["time_precision"] == PRECISION_MONTH).fillna(False).to_numpy()
    month_end = d + pd.offsets.MonthEnd(0)
    notes = []

    def inside(a: pd.Timestamp, b: pd.Timestamp) -> np.ndarray:
        # A month-only record counts only when its whole month is inside the period.
        whole = (d >= a) & (month_end <= b)
        return np.where(is_month, whole, (d >= a) & (d <= b))

    in_c, in_p = inside(c0, c1), inside(p0, p1)
    overlaps = ((d <= c1) & (month_end >= c0)) | ((d <= p1) & (month_end >= p0))
    partial = int((is_month & ~in_c & ~in_p & overlaps.to_numpy()).sum())
    if partial:
        notes.append(f"{partial:,} month-only records left out: their month is only partly in a period")
    ratio = ((c1 - c0).days + 1) / ((p1 - p0).days + 1)
    groups = incidents[by].astype(object).fillna("(none)") if by else pd.Series("All", index=incidents.index)
    cur = groups[in_c].value_counts()
    prv = groups[in_p].value_counts()
    names = sorted(set(cur.index) | set(prv.index), key=str)
    rows = [(g, int(prv.get(g, 0)), int(cur.get(g, 0))) for g in names]
    if by:
        rows.append(("Total", sum(r[1] for r in rows), sum(r[2] for r in rows)))
    table = pd.DataFrame(rows, columns=[by or "group", "previous", "current"])
    table["change"] = table["current"] - table["previous"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["change_pct"] = (100 * table["change"] / table["previous"].replace(0, np.nan)).round(1)
        table["rate_ratio"] = (table["current"] / ratio / table["previous"].replace(0, np.nan)).round(3)
    method = _test_changes(table, by, ratio, alpha)
    few = (table["current"] < min_count) & (table["previous"] < min_count)
    table["too_few"] = few
    table["reliability"] = np.where(few, TOO_FEW, "")
    if few.any():
        notes.append(f"{int(few.sum())} row(s) with fewer than {min_count} incidents in both periods: {TOO_FEW}")
    return PeriodComparison(
        table=table,
        current=(c0.date(), c1.date()),
        previous=(p0.date(), p1.date()),
        method=method,
        notes=notes,
    )


def _test_changes(table: pd.DataFrame, by: str | None, ratio: float, alpha: float) -> str:
    """Add ``p_value``, ``q_value`` and ``beyond_chance`` to ``table`` in place; the method in words."""
    pairs = zip(table["current"], table["previous"], strict=True)
    table["p_value"] = [poisson_change_test(c, p, ratio) for c, p in pairs]
    groups_only = (table[by or "group"] != "Total").to_numpy() if by else np.ones(len(table), dtype=bool)
    q = table["p_value"].to_numpy(float).copy()
    if groups_only.sum() > 1:
        q[groups_only] = stats.false_discovery_control(q[groups_only])
    table["q_value"] = q
    table["beyond_chance"] = table["q_value"] < alpha
    n_groups = int(groups_only.sum())
    return f"conditional binomial test of two Poisson counts (period lengths {ratio:.3g}:1); beyond chance when " + (
        f"the Benjamini-Hochberg corrected p < {alpha:g} across the {n_groups} groups tested (the Total row on its own)"
        if n_groups > 1
        else f"p < {alpha:g} (one group tested)"
    )


@dataclass
class YearOnYear:
    """Night-time incidents per zone band in a period against the same period a year before."""

    comparison: PeriodComparison
    current: tuple[date, date]
    previous: tuple[date, date]
    basis: str  # how the current period was chosen, in words
    band_rule: str
    alignment: str = ""  # how the previous period was chosen, in words


def compare_year_on_year(
    incidents: pd.DataFrame,
    zones: District | Sequence[Zone],
    *,
    crime_types: tuple[str, ...],
    window: tuple[int, int],
    date_from: date | None = None,
    date_to: date | None = None,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
    min_count: int = DEFAULT_MIN_COUNT,
) -> YearOnYear | None:
    """Compare this year against last, per zone band.

    The rule the CLI's ``nte --compare-year`` and the dashboard share.

    The current period is ``date_from``..``date_to`` where given, otherwise the 12 months to the
    latest timed incident in the window; the previous period is :func:`same_period_last_year`
    (52 weeks earlier so weekdays match, or the same calendar months for whole months).  Both
    windows are returned (``current``, ``previous``) and named in the comparison's first note.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents over *all* dates (the previous period lies outside the current one).
    zones : District or sequence of Zone
        As for :func:`geo.timing.zone_bands`.
    crime_types : tuple of str
    window : (int, int)
        Hour window, e.g. (18, 6).
    date_from, date_to : date, optional
    night_cutoff : int or None, default 6
    min_count : int, default 5
        Rows whose two counts are both below this are marked "too few to rely on".

    Returns
    -------
    YearOnYear or None
        None when no timed incident of these types falls in the window.
    """
    from geo.timing import in_hour_window, untimed_midnight, zone_bands

    keep = incidents["crime_type"].isin(crime_types).to_numpy() & in_hour_window(incidents, window)
    # as on the hour x night heat map: a record stamped exactly 00:00 with no window has no real time
    midnight = keep & untimed_midnight(incidents)
    sub = incidents[keep & ~midnight]
    if sub.empty:
        return None
    band, _, rule = zone_bands(sub, zones)
    last = sub["occurred_from"].max().tz_localize(None).normalize()
    end = pd.Timestamp(date_to) if date_to else last
    start = pd.Timestamp(date_from) if date_from else end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    p0, p1, alignment = same_period_last_year(start.date(), end.date())
    basis = "the filters' date range" if date_from or date_to else "the 12 months to the latest timed incident"
    cmp = compare_periods(
        sub.assign(band=band.to_numpy()),
        (start.date(), end.date()),
        (p0, p1),
        by="band",
        night_cutoff=night_cutoff,
        min_count=min_count,
    )
    cmp.notes.insert(0, f"compared: {_span_text(start.date(), end.date())} with {_span_text(p0, p1)} ({alignment})")
    if midnight.any():
        cmp.notes.append(
            f"{int(midnight.sum()):,} record(s) stamped exactly 00:00 with no window left out (time unknown), as on "
            "the hour × night heat map"
        )
    cmp.notes += _night_vs_calendar(sub, start, end, cmp, night_cutoff)
    return YearOnYear(cmp, (start.date(), end.date()), (p0, p1), basis, rule, alignment)


def _night_vs_calendar(
    sub: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, cmp: PeriodComparison, night_cutoff: int | None
) -> list[str]:
    """Say why the current count can differ from a calendar-date count of the same dates."""
    if not night_cutoff:
        return []
    ref_day = (sub["occurred_from"] + (sub["occurred_to"] - sub["occurred_from"]) / 2).dt.tz_localize(None)
    ref_day = ref_day.dt.normalize()
    by_calendar = int(((ref_day >= start) & (ref_day <= end)).sum())
    by_night = int(cmp.table["current"].iloc[-1])
    if by_calendar == by_night:
        return []
    return [
        f"periods are nights (times before {night_cutoff:02d}:00 count to the previous evening): {by_night:,} "
        f"incidents in the current period by night, {by_calendar:,} by calendar date as the date filter counts "
        f"them; the {abs(by_night - by_calendar):,} after midnight at the ends of the period make the difference"
    ]


def _span_text(a: date, b: date) -> str:
    day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return f"{day[a.weekday()]} {a:%d/%m/%Y} to {day[b.weekday()]} {b:%d/%m/%Y}"


def _whole_months(a: date, b: date) -> bool:
    return a.day == 1 and (pd.Timestamp(b) + pd.Timedelta(days=1)).day == 1


def same_period_last_year(start: date, end: date) -> tuple[date, date, str]:
    """The period a year before ``start``..``end`` that compares like with like.

    Whole calendar months (01/06/2017-30/06/2017) go back to the same months; any other period goes
    back 364 days, so weekdays align (Fri 04/04/2025-Sat 05/04/2025 -> Fri 05/04/2024-Sat 06/04/2024).

    Returns
    -------
    (date, date, str)
        First and last day of the previous period, and the rule used in words.
    """
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    if _whole_months(start, end):
        p0 = a - pd.DateOffset(years=1)
        p1 = (b - pd.DateOffset(years=1)) + pd.offsets.MonthEnd(0)
        return p0.date(), p1.date(), "the same calendar months a year earlier (month-only records count whole months)"
    shift = pd.Timedelta(days=364)
    return (a - shift).date(), (b - shift).date(), "52 weeks earlier, so the weekdays match"
