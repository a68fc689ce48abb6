"""Trends: counts per month (or week, or weekend), expected ranges, unusual-count flags, period tests.

Conventions:

* **Periods.** A month-precision record belongs to its month.  A timed record belongs to the local
  date of its window's midpoint; for weeks and weekends that date is the *night-of* date
  (:func:`geo.selection.night_of`), so 02:00 on Saturday is in Friday night's weekend.  A week runs
  Monday night to Sunday night; a weekend is Friday night + Saturday night, labelled by the Friday.
  Weeks and weekends need a day, so month-precision records are left out of them and counted.
* **No data is not zero.** A period is *covered* for a crime type only where a source recording
  that type covers it (:mod:`geo.coverage`: at least one record in the period and the source's
  span over at least half of it); elsewhere the count is missing, not zero.  Inside a covered
  period a group with no incident is a true zero.
* **Like with like.** Real and synthetic data are never spliced into one baseline: the period
  examined is compared only with earlier periods covered by the same kind of data.
* **Expected count and flags.** The mean of the previous ``baseline`` covered periods is the
  expected count.  Each group's count gets a two-sided Poisson p-value against it, and the
  p-values of all groups tested are corrected together (Benjamini-Hochberg, false discovery rate
  ``alpha``, default 0.01); a group is flagged "high" or "low" when its corrected value is at most
  ``alpha``.  The table also shows the central ``1 - alpha`` Poisson range (uncorrected) for
  reading.  Crime counts are often over-dispersed, so treat a flag as "look at this", not proof.
* **Small numbers.** A group whose count and baseline mean are both below ``min_count`` (default 5)
  is marked "too few to rely on".
* **Two periods** (:func:`compare_periods`) are compared with the conditional binomial test for two
  Poisson counts: given the total, the current count is Binomial with p = current length / total
  length under "no change in rate".
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import cast

import numpy as np
import pandas as pd
from scipy import stats

from geo.compare import (
    PeriodComparison,
    YearOnYear,
    compare_periods,
    compare_year_on_year,
    poisson_change_test,
    same_period_last_year,
)
from geo.coverage import DEFAULT_MIN_COUNT, TOO_FEW, Coverage, feeds, record_dates, source_coverage
from geo.selection import DEFAULT_NIGHT_CUTOFF
from geo.trends_periods import PERIODS_PER_YEAR, Freq, parse_period, period_bounds, period_keys, period_label


@dataclass
class TrendReport:
    """Counts per period and group, with the chosen period flagged against its expected range.

    Attributes
    ----------
    table : DataFrame
        One row per group: the group columns, ``period``, ``count``, ``last_year`` (same period a
        year earlier), ``change_vs_last_year``, ``baseline_mean`` (previous ``baseline`` periods),
        ``change_vs_baseline``, ``expected_low``, ``expected_high``, ``p_value``, ``q_value``
        (Benjamini-Hochberg across the groups tested), ``flag`` ("high", "low" or ""), ``too_few``
        and ``reliability`` ("too few to rely on" when count and baseline are both below the minimum).
    series : DataFrame
        Counts: index period label, one column per group (missing where the input has no data).
    period : str
        Label of the period examined.
    freq : str
    method : str
        The rule behind ``flag``, for captions.
    notes : list of str
    groups_tested : int
        Groups with a baseline, tested (and corrected together) for ``flag``.
    synthetic_periods : list of str
        Labels of the periods covered by synthetic data (for charts to mark).
    """

    table: pd.DataFrame
    series: pd.DataFrame
    period: str
    freq: str
    method: str
    notes: list[str] = field(default_factory=list)
    groups_tested: int = 0
    synthetic_periods: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> pd.DataFrame:
        """Rows whose count is outside the expected range."""
        return self.table[self.table["flag"] != ""]


def period_trends(
    incidents: pd.DataFrame,
    *,
    freq: Freq = "month",
    by: tuple[str, ...] | str = ("crime_type",),
    at: str | date | None = None,
    baseline: int = 12,
    alpha: float = 0.01,
    night_cutoff: int | None = DEFAULT_NIGHT_CUTOFF,
    min_count: int = DEFAULT_MIN_COUNT,
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
        Previous covered periods averaged for the expected count (12 months, 12 weeks...), taken
        only from the ``2 * baseline`` periods before ``at`` and only from periods covered by the
        same kind of data (real or synthetic) for the group's type.
    alpha : float, default 0.01
        Two-sided tail probability of the Poisson expected range, and the false discovery rate of
        the Benjamini-Hochberg correction across the groups tested.
    night_cutoff : int or None, default 6
        Night-of convention for weeks and weekends.
    min_count : int, default 5
        A group whose count and baseline mean are both below this is marked ``too_few``.

    Returns
    -------
    TrendReport
    """
    by = _group_columns(incidents, by, alpha, baseline)
    keys, n_left = period_keys(incidents, freq, night_cutoff)
    notes = [f"{n_left:,} month-only records left out (a {freq} needs a date)"] if n_left else []
    usable = keys.notna().to_numpy()
    inc = incidents.loc[usable]
    if inc.empty:
        raise ValueError("no incidents to count in this selection")
    ikeys = keys[usable].astype(int)
    cov = source_coverage(inc, ikeys, lambda key: period_bounds(key, freq))
    frame = _covered_frame(inc, ikeys, by, cov, freq, notes)
    all_cov = cov.any_type.get(False, set()) | cov.any_type.get(True, set())
    k = parse_period(at, freq)
    k = max(all_cov) if k is None else k
    if k not in all_cov:
        raise ValueError(f"no data in the {freq} {period_label(k, freq)}")
    kind = bool(cov.kind_of(k))
    counts = _counts(frame, by, cov, all_cov)
    same = _counts(frame[frame["_syn"] == kind], by, cov, all_cov, kind=kind)
    table, n_prev, tested = _flag_table(same, counts, k, freq, by, cov, kind, baseline, alpha, min_count)
    notes += _baseline_notes(frame, counts, table, k, freq, kind, baseline, n_prev, min_count)
    series = counts.copy()
    series.index = [period_label(p, freq) for p in counts.index]
    last_date = record_dates(incidents, night_cutoff if freq != "month" else None).max()
    if k == max(all_cov) and last_date < period_bounds(k, freq)[1]:
        notes.append(f"the {freq} examined may be incomplete: the data end on {last_date:%d/%m/%Y}")
    method = _method_text(n_prev, freq, kind, tested, int((table["flag"] != "").sum()), alpha)
    return TrendReport(
        table=table.reset_index(drop=True),
        series=series,
        period=period_label(k, freq),
        freq=freq,
        method=method,
        notes=notes,
        groups_tested=tested,
        synthetic_periods=[period_label(p, freq) for p in sorted(cov.any_type.get(True, set()))],
    )


def _method_text(n_prev: int, freq: Freq, kind: bool, tested: int, n_flags: int, alpha: float) -> str:
    """The rule behind the flags, in words, for captions."""
    return (
        f"expected = mean of the previous {n_prev} {freq}s covered by {'synthetic' if kind else 'real'} data for "
        f"each group's crime type; {tested} group(s) tested with a two-sided Poisson test, Benjamini-Hochberg "
        f"corrected at a false discovery rate of {alpha:g} (of the {n_flags} flag(s), about "
        f"{alpha * n_flags:.2g} expected false); the expected range is the central {1 - alpha:.0%} Poisson range"
    )


def _group_columns(incidents: pd.DataFrame, by: tuple[str, ...] | str, alpha: float, baseline: int) -> tuple[str, ...]:
    """The grouping columns as a tuple, after checking them and the test's parameters."""
    by = (by,) if isinstance(by, str) else tuple(by)
    missing = [c for c in by if c not in incidents]
    if missing:
        raise ValueError(f"cannot group by {missing}: no such column")
    if not 0 < alpha < 1 or baseline < 1:
        raise ValueError("alpha must be in (0, 1) and baseline at least 1")
    return by


def _covered_frame(
    inc: pd.DataFrame, ikeys: pd.Series, by: tuple[str, ...], cov: Coverage, freq: Freq, notes: list[str]
) -> pd.DataFrame:
    """Group columns, period key (``_key``) and kind (``_syn``) of the records their source covers.

    Records whose source covers less than half of their period are left out, and counted in ``notes``.
    """
    _, _, syn = feeds(inc)
    frame = inc[list(by)].astype(object).where(inc[list(by)].notna(), "(none)")
    frame["_key"], frame["_syn"] = ikeys.to_numpy(), syn.to_numpy()
    key_s = pd.Series(frame["_key"].to_numpy())
    syn_a = frame["_syn"].to_numpy(dtype=bool)
    in_cov = np.where(
        syn_a, key_s.isin(sorted(cov.covered(True, None))).to_numpy(), key_s.isin(sorted(cov.covered(False, None)))
    )
    if (~in_cov).any():
        notes.append(
            f"{int((~in_cov).sum()):,} records left out: their source covers less than half of their {freq} "
            "(e.g. a few records just past the end of an extract)"
        )
    frame = frame[in_cov]
    if frame.empty:
        raise ValueError("no incidents in a period their source covers")
    return frame


def _baseline_notes(
    frame: pd.DataFrame,
    counts: pd.DataFrame,
    table: pd.DataFrame,
    k: int,
    freq: Freq,
    kind: bool,
    baseline: int,
    n_prev: int,
    min_count: int,
) -> list[str]:
    """What the flags rest on: one kind of data, a short baseline, groups left out, small numbers."""
    notes = []
    other = "synthetic" if not kind else "real"
    if (frame["_syn"] != kind).any():
        notes.append(
            f"the baseline uses only {'synthetic' if kind else 'real'} data: {other} periods are never spliced in"
        )
    if n_prev < baseline:
        notes.append(
            f"only {n_prev} {freq}s with data among the {2 * baseline} before {period_label(k, freq)} for the baseline "
            f"(asked {baseline})" + ("; nothing is flagged without a baseline" if n_prev == 0 else "")
        )
    not_covered = len(counts.columns) - len(table)
    if not_covered:
        notes.append(f"{not_covered} group(s) left out: no source of their crime type covers {period_label(k, freq)}")
    n_few = int(table["too_few"].sum())
    if n_few:
        notes.append(f"{n_few} group(s) with fewer than {min_count} incidents now and on average: {TOO_FEW}")
    return notes


def _group_type(col: Hashable, by: tuple[str, ...]) -> str | None:
    """The crime type of a count column, or None when the grouping has no crime type."""
    if "crime_type" not in by:
        return None
    if len(by) > 1:
        return str(cast("tuple[Hashable, ...]", col)[by.index("crime_type")])
    return str(col)


def _counts(
    frame: pd.DataFrame, by: tuple[str, ...], cov: Coverage, all_cov: set[int], kind: bool | None = None
) -> pd.DataFrame:
    """Counts per period (rows: every period between the first and last covered) and group.

    NaN where the group's crime type is not covered (by ``kind`` when given, else by either kind).
    """
    if by:
        counts = frame.groupby(["_key", *by]).size().unstack(list(by), fill_value=0)
    else:
        counts = frame.groupby("_key").size().to_frame("All")
    full = pd.RangeIndex(min(all_cov), max(all_cov) + 1)
    counts = counts.reindex(full).fillna(0).astype(float)
    kinds = (False, True) if kind is None else (kind,)
    for col in counts.columns:
        t = _group_type(col, by)
        ok = set().union(*(cov.covered(kd, t) for kd in kinds))
        counts.loc[~counts.index.isin(sorted(ok)), col] = np.nan  # no data is not zero
    return counts


def _flag_table(
    same: pd.DataFrame,
    counts: pd.DataFrame,
    k: int,
    freq: Freq,
    by: tuple[str, ...],
    cov: Coverage,
    kind: bool,
    baseline: int,
    alpha: float,
    min_count: int,
) -> tuple[pd.DataFrame, int, int]:
    """One row per group covered at ``k``: count, last year, baseline, range, BH-corrected flag.

    Returns the table, the most previous periods any group's baseline rests on, and the groups tested.
    """
    cols = [*(by or ("group",))]
    records, n_prev = [], 0
    for col in counts.columns:
        if pd.isna(same.at[k, col]):
            continue
        ok = sorted(cov.covered(kind, _group_type(col, by)))
        # a baseline is recent: covered periods among the 2 x baseline before k (no 2017 months for 2022)
        prev = [p for p in ok if k - 2 * baseline <= p < k][-baseline:]
        n_prev = max(n_prev, len(prev))
        mean = float(same.loc[prev, col].mean()) if prev else np.nan
        now = int(same.at[k, col])
        ly_key = k - PERIODS_PER_YEAR[freq]
        last_year = same.at[ly_key, col] if ly_key in same.index else np.nan
        key = dict(zip(cols, col if len(cols) > 1 else (col,), strict=True))
        p_value = _poisson_p(now, mean)
        records.append({**key, "count": now, "last_year": last_year, "baseline_mean": mean, "p_value": p_value})
    table = pd.DataFrame(records, columns=[*cols, "count", "last_year", "baseline_mean", "p_value"])
    mean = table["baseline_mean"].to_numpy(float)
    tested = int(np.isfinite(mean).sum())
    q = np.full(len(table), np.nan)
    if tested:
        q[np.isfinite(mean)] = stats.false_discovery_control(table["p_value"].to_numpy(float)[np.isfinite(mean)])
    now = table["count"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        lo = stats.poisson.ppf(alpha / 2, mean)
        hi = stats.poisson.ppf(1 - alpha / 2, mean)
        flag = np.where(q <= alpha, np.where(now > mean, "high", "low"), "")
    few = (now < min_count) & ~(mean >= min_count)
    table = table.assign(
        period=period_label(k, freq),
        change_vs_last_year=table["count"] - table["last_year"],
        baseline_mean=table["baseline_mean"].round(2),
        change_vs_baseline=(table["count"] - table["baseline_mean"]).round(2),
        expected_low=lo,
        expected_high=hi,
        q_value=q,
        flag=flag,
        too_few=few,
        reliability=np.where(few, TOO_FEW, ""),
    )
    order = [*cols, "period", "count", "last_year", "change_vs_last_year", "baseline_mean", "change_vs_baseline"]
    order += ["expected_low", "expected_high", "p_value", "q_value", "flag", "too_few", "reliability"]
    table = table[order]
    table = table.iloc[np.lexsort((-table["count"].to_numpy(), table["flag"].eq("").to_numpy()))]
    return table, n_prev, tested


def _poisson_p(count: int, mean: float) -> float:
    """Two-sided p-value of ``count`` under Poisson(``mean``): twice the smaller tail, at most 1."""
    if not np.isfinite(mean):
        return np.nan
    if mean <= 0:
        return 1.0 if count == 0 else 0.0
    return float(min(1.0, 2 * min(stats.poisson.cdf(count, mean), stats.poisson.sf(count - 1, mean))))


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


__all__ = [
    "DEFAULT_MIN_COUNT",
    "TOO_FEW",
    "PeriodComparison",
    "TrendReport",
    "YearOnYear",
    "compare_periods",
    "compare_year_on_year",
    "monthly_trends",
    "period_trends",
    "poisson_change_test",
    "same_period_last_year",
]
