"""Trends: counts per month (or week, or weekend), expected ranges, unusual-count flags, period tests.

Conventions:

* **Periods.** A month-precision record belongs to its month.  A timed record belongs to the local
  date of its window's midpoint; for weeks and weekends that date is the *night-of* date
  (:func:`geo.selection.night_of`), so 02:00 on Saturday is in Friday night's weekend.  A week runs
  Monday night to Sunday night; a weekend is Friday night + Saturday night, labelled by the Friday.
  Weeks and weekends need a day, so month-precision records are left out of them and counted.
* **No data is not zero.** A period in which the input has no incident at all (e.g. the years
  between two data sources) is missing, not a zero; inside a covered period a group with no
  incident is a true zero.
* **Expected range.** The mean of the previous ``baseline`` covered periods is the expected count;
  the range is the central ``1 - alpha`` Poisson interval around it (default alpha 0.01, i.e. 99%
  control limits: with many groups a 95% range would flag one in twenty by chance).  A count
  outside it is flagged "high" or "low".  Crime counts are often over-dispersed, so treat a flag as
  "look at this", not proof.
* **Two periods** (:func:`compare_periods`) are compared with the conditional binomial test for two
  Poisson counts: given the total, the current count is Binomial with p = current length / total
  length under "no change in rate".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from geo.schema import PRECISION_MONTH
from geo.selection import DEFAULT_NIGHT_CUTOFF, night_of, reference_time

Freq = Literal["month", "week", "weekend"]
_LAST_YEAR = {"month": 12, "week": 52, "weekend": 52}
_MONDAY0 = pd.Timestamp("1970-01-05")  # a Monday: week numbers count from here


@dataclass
class TrendReport:
    """Counts per period and group, with the chosen period flagged against its expected range.

    Attributes
    ----------
    table : DataFrame
        One row per group: the group columns, ``period``, ``count``, ``last_year`` (same period a
        year earlier), ``change_vs_last_year``, ``baseline_mean`` (previous ``baseline`` periods),
        ``change_vs_baseline``, ``expected_low``, ``expected_high``, ``flag`` ("high", "low" or "").
    series : DataFrame
        Counts: index period label, one column per group (missing where the input has no data).
    period : str
        Label of the period examined.
    freq : str
    method : str
        The rule behind ``flag``, for captions.
    notes : list of str
    """

    table: pd.DataFrame
    series: pd.DataFrame
    period: str
    freq: str
    method: str
    notes: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> pd.DataFrame:
        """Rows whose count is outside the expected range."""
        return self.table[self.table["flag"] != ""]


@dataclass
class PeriodComparison:
    """Two periods compared per group, with a test of whether the change is beyond chance.

    Attributes
    ----------
    table : DataFrame
        Columns: group column (if any), ``previous``, ``current``, ``change``, ``change_pct``,
        ``rate_ratio`` (per day, so periods of different length compare fairly), ``p_value``,
        ``beyond_chance`` (p < alpha); last row ``Total``.
    current, previous : tuple of date
    method : str
    notes : list of str
    """

    table: pd.DataFrame
    current: tuple[date, date]
    previous: tuple[date, date]
    method: str
    notes: list[str] = field(default_factory=list)


def _dates(incidents: pd.DataFrame, night_cutoff: int | None) -> pd.Series:
    """Local (night-of) date of each incident; month-precision records get their month's first day."""
    ref = reference_time(incidents)
    d = night_of(ref, night_cutoff)
    is_month = (incidents["time_precision"] == PRECISION_MONTH).fillna(False).to_numpy()
    first = incidents["occurred_from"].dt.tz_localize(None).dt.normalize()
    return d.where(~is_month, first)


def _period_keys(incidents: pd.DataFrame, freq: Freq, night_cutoff: int | None) -> tuple[pd.Series, int]:
    """Integer period key per incident (NA when it cannot be placed) and how many were left out."""
    if freq not in _LAST_YEAR:
        raise ValueError(f"freq must be one of {list(_LAST_YEAR)}, got {freq!r}")
    is_month = (incidents["time_precision"] == PRECISION_MONTH).fillna(False).to_numpy()
    if freq == "month":
        d = _dates(incidents, None)
        return pd.Series(d.dt.year * 12 + d.dt.month - 1, index=incidents.index), 0
    d = _dates(incidents, night_cutoff)
    key = ((d - _MONDAY0).dt.days // 7).astype("Int64")
    if freq == "weekend":
        key = key.where(d.dt.day_of_week.isin([4, 5]))
    key = key.where(~is_month)
    return key, int(is_month.sum())


def _label(key: int, freq: Freq) -> str:
    if freq == "month":
        return f"{key // 12}-{key % 12 + 1:02d}"
    monday = _MONDAY0 + pd.Timedelta(weeks=int(key))
    if freq == "weekend":
        return f"weekend of {(monday + pd.Timedelta(days=4)):%d/%m/%Y}"
    return f"week of {monday:%d/%m/%Y}"


def _parse_at(at: str | date | None, freq: Freq) -> int | None:
    if at is None or at == "":
        return None
    ts = pd.Timestamp(at)
    if freq == "month":
        return ts.year * 12 + ts.month - 1
    return int((ts.normalize() - _MONDAY0).days // 7)


def period_trends(
    incidents: pd.DataFrame,
    *,
    freq: Freq = "month",
    by: tuple[str, ...] | str = ("crime_type",),
    at: str | date | None = None,
    baseline: int = 12,
    alpha: float = 0.01,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
) -> TrendReport:
    """Counts per period and group; flag the period ``at`` against its expected range.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents.
    freq : {"month", "week", "weekend"}, default "month"
    by : str or tuple of str, default ("crime_type",)
        Grouping columns, e.g. ``("crime_type", "sector")``; ``()`` for one total.
    at : str or date, optional
        A date inside the period to examine; default the latest period with data.
    baseline : int, default 12
        Previous covered periods averaged for the expected count (12 months, 12 weeks...).
    alpha : float, default 0.01
        Two-sided tail probability of the Poisson expected range.
    night_cutoff : int or None, default 6
        Night-of convention for weeks and weekends.

    Returns
    -------
    TrendReport
    """
    by = (by,) if isinstance(by, str) else tuple(by)
    missing = [c for c in by if c not in incidents]
    if missing:
        raise ValueError(f"cannot group by {missing}: no such column")
    if not 0 < alpha < 1 or baseline < 1:
        raise ValueError("alpha must be in (0, 1) and baseline at least 1")
    keys, n_left = _period_keys(incidents, freq, night_cutoff)
    frame = incidents[list(by)].astype(object).where(incidents[list(by)].notna(), "(none)")
    frame["_key"] = keys
    frame = frame.dropna(subset=["_key"])
    notes = []
    if n_left:
        notes.append(f"{n_left:,} month-only records left out (a {freq} needs a date)")
    if frame.empty:
        raise ValueError("no incidents to count in this selection")
    frame["_key"] = frame["_key"].astype(int)
    if by:
        counts = frame.groupby(["_key", *by]).size().unstack(list(by), fill_value=0)
    else:
        counts = frame.groupby("_key").size().to_frame("All")
    covered = counts.index
    full = pd.RangeIndex(covered.min(), covered.max() + 1)
    counts = counts.reindex(full).astype(float)  # uncovered periods stay NaN: no data is not zero
    k = _parse_at(at, freq)
    k = int(covered.max()) if k is None else k
    if k not in covered:
        raise ValueError(f"no data in the {freq} {_label(k, freq)}")
    prev = [p for p in covered if p < k][-baseline:]
    if len(prev) < baseline:
        notes.append(f"only {len(prev)} earlier {freq}s with data for the baseline (asked {baseline})")
    mean = counts.loc[prev].mean() if prev else pd.Series(np.nan, index=counts.columns)
    now = counts.loc[k]
    ly_key = k - _LAST_YEAR[freq]
    last_year = counts.loc[ly_key] if ly_key in covered else pd.Series(np.nan, index=counts.columns)
    lo = pd.Series(stats.poisson.ppf(alpha / 2, mean.to_numpy()), index=counts.columns)
    hi = pd.Series(stats.poisson.ppf(1 - alpha / 2, mean.to_numpy()), index=counts.columns)
    flag = np.where(now > hi, "high", np.where(now < lo, "low", ""))
    table = pd.DataFrame(
        {
            "period": _label(k, freq),
            "count": now.astype(int),
            "last_year": last_year,
            "change_vs_last_year": now - last_year,
            "baseline_mean": mean.round(2),
            "change_vs_baseline": (now - mean).round(2),
            "expected_low": lo,
            "expected_high": hi,
            "flag": flag,
        }
    )
    table = table.reset_index().rename(columns={"index": "group"}) if not by else table.reset_index()
    table = table.iloc[np.lexsort((-table["count"].to_numpy(), table["flag"].eq("").to_numpy()))]
    series = counts.copy()
    series.index = [_label(p, freq) for p in full]
    last_date = _dates(incidents, night_cutoff if freq != "month" else None).max()
    period_end = _period_end(k, freq)
    if k == covered.max() and last_date < period_end:
        notes.append(f"the {freq} examined may be incomplete: the data end on {last_date:%d/%m/%Y}")
    method = (
        f"expected = mean of the previous {len(prev)} {freq}s with data; flagged when outside the central "
        f"{1 - alpha:.0%} Poisson range around it"
    )
    return TrendReport(
        table=table.reset_index(drop=True), series=series, period=_label(k, freq), freq=freq, method=method, notes=notes
    )


def _period_end(key: int, freq: Freq) -> pd.Timestamp:
    if freq == "month":
        return pd.Timestamp(year=key // 12, month=key % 12 + 1, day=1) + pd.offsets.MonthEnd(0)
    monday = _MONDAY0 + pd.Timedelta(weeks=int(key))
    return monday + pd.Timedelta(days=5 if freq == "weekend" else 6)


def monthly_trends(
    incidents: pd.DataFrame,
    *,
    by: tuple[str, ...] | str = ("crime_type",),
    at: str | date | None = None,
    baseline: int = 12,
    alpha: float = 0.01,
) -> TrendReport:
    """Monthly counts per group: this month against last year's and the previous 12 months' mean.

    A shorthand for :func:`period_trends` with ``freq="month"``; see it for the parameters.
    """
    return period_trends(incidents, freq="month", by=by, at=at, baseline=baseline, alpha=alpha)


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
        Significance level for ``beyond_chance``.

    Returns
    -------
    PeriodComparison
    """
    (c0, c1), (p0, p1) = (map(pd.Timestamp, current), map(pd.Timestamp, previous))
    if c1 < c0 or p1 < p0:
        raise ValueError("each period must end on or after its start")
    d = _dates(incidents, night_cutoff)
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
    pairs = zip(table["current"], table["previous"], strict=True)
    table["p_value"] = [poisson_change_test(c, p, ratio) for c, p in pairs]
    table["beyond_chance"] = table["p_value"] < alpha
    method = (
        f"conditional binomial test of two Poisson counts (period lengths {ratio:.3g}:1); "
        f"beyond chance when p < {alpha:g}; not corrected for testing several groups"
    )
    return PeriodComparison(
        table=table,
        current=(c0.date(), c1.date()),
        previous=(p0.date(), p1.date()),
        method=method,
        notes=notes,
    )


__all__ = [
    "PeriodComparison",
    "TrendReport",
    "compare_periods",
    "monthly_trends",
    "period_trends",
    "poisson_change_test",
]


@dataclass
class YearOnYear:
    """Night-time incidents per zone band in a period against the same period a year before."""

    comparison: PeriodComparison
    current: tuple[date, date]
    previous: tuple[date, date]
    basis: str  # how the current period was chosen, in words
    band_rule: str


def compare_year_on_year(
    incidents: pd.DataFrame,
    zones,
    *,
    crime_types: tuple[str, ...],
    window: tuple[int, int],
    date_from: date | None = None,
    date_to: date | None = None,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
) -> YearOnYear | None:
    """This year against last, per zone band: the rule the CLI's ``nte --compare-year`` and the
    dashboard share.

    The current period is ``date_from``..``date_to`` where given, otherwise the 12 months to the
    latest timed incident in the window; the previous period is the same dates a year earlier.

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

    Returns
    -------
    YearOnYear or None
        None when no timed incident of these types falls in the window.
    """
    from geo.timing import in_hour_window, zone_bands

    sub = incidents[incidents["crime_type"].isin(crime_types).to_numpy() & in_hour_window(incidents, window)]
    if sub.empty:
        return None
    band, _, rule = zone_bands(sub, zones)
    last = sub["occurred_from"].max().tz_localize(None).normalize()
    end = pd.Timestamp(date_to) if date_to else last
    start = pd.Timestamp(date_from) if date_from else end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    prev = (start - pd.DateOffset(years=1), end - pd.DateOffset(years=1))
    basis = "the filters' date range" if date_from or date_to else "the 12 months to the latest timed incident"
    cmp = compare_periods(
        sub.assign(band=band.to_numpy()),
        (start.date(), end.date()),
        (prev[0].date(), prev[1].date()),
        by="band",
        night_cutoff=night_cutoff,
    )
    return YearOnYear(cmp, (start.date(), end.date()), (prev[0].date(), prev[1].date()), basis, rule)
