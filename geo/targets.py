"""Home Office crime-reduction targets: maxima, actuals per financial year, status, arithmetic check.

Everything comes from ``district.targets`` (:class:`geo.config.Targets`), so the next strategy's
targets need only a config change.  Conventions (all reported back in :class:`TargetReport`):

* **Financial years** run 1 April to 31 March and are named by their first calendar year
  (2003 = 2003/04).  A timed record belongs to the year of its window's midpoint (local date); a
  month-only record to the year of its month.
* **Maximum to aim for** at reduction r is ``floor(baseline × (1 − r))``, computed exactly (no
  floating-point error): a maximum must be a whole number of offences not above the target.
* **Counts** are by the ``ho_category`` column.  A category with no record at all in a year is shown
  as missing ("not recorded"), not zero: data.police.uk rows carry a Home Office category only for
  the few categories the district config maps (four for Winchester), so other categories are simply
  absent from those years.
* **Status** for the year evaluated (projected to a full year pro rata when it is part-way through,
  which ignores seasonality): once the target year is complete its count is final: *met* when at or
  below the final maximum, otherwise *missed* (never "at risk"). Before then: *on track to meet* when
  the projection is at or below the final maximum; *on track* when at or below a straight line from
  the baseline to that maximum; *at risk* when above the line but below the baseline; *off track*
  when at or above the baseline.  The line uses the smallest reduction (the target; larger ones are
  stretch targets).
* **Totals.** The categories are summed and shown beside the published total; when they differ
  (Winchester: 3,557 against 4,195) both rows are shown and a note says so; neither is dropped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from geo.config import Targets
from geo.schema import PRECISION_MONTH
from geo.selection import reference_time

TOTAL_CATEGORIES = "Total of the categories"
PUBLISHED_TOTAL = "Published total"


@dataclass
class TargetReport:
    """The target tracker table and everything needed to read it honestly.

    Attributes
    ----------
    table : DataFrame
        One row per category, then ``Total of the categories`` and ``Published total``.  Columns:
        ``category``, ``baseline``, ``max at <r>%`` per reduction, one column per financial year
        (label ``2003/04``; missing = not recorded), ``to_date`` (evaluated year up to ``as_of``),
        ``projected``, ``trajectory``, ``change``, ``change_pct`` (projected vs baseline), ``status``.
    years : list of str
        Financial-year column labels, in order.
    evaluated_year : str
    as_of : date
        Last day counted in the evaluated year.
    months_elapsed : int
    coverage : DataFrame
        Per financial year: ``months_with_data``, ``last_day``, ``categories_recorded``, ``synthetic``.
    baseline_sum : int
    published_total : int or None
    totals_agree : bool
    status_rule, rounding_rule : str
    synthetic : bool
        Whether any counted record is synthetic demo data.
    notes : list of str
    """

    table: pd.DataFrame
    years: list[str]
    evaluated_year: str
    as_of: date
    months_elapsed: int
    coverage: pd.DataFrame
    baseline_sum: int
    published_total: int | None
    totals_agree: bool
    status_rule: str
    rounding_rule: str
    synthetic: bool
    targets: Targets
    notes: list[str] = field(default_factory=list)


def fy_label(year: int) -> str:
    """Financial year label: 2003 -> ``"2003/04"``."""
    return f"{year}/{(year + 1) % 100:02d}"


def financial_year(dates: pd.Series) -> pd.Series:
    """Financial year (first calendar year) of each date: April to March."""
    return dates.dt.year - (dates.dt.month < 4).astype(int)


def max_offences(baseline: int, reduction: float) -> int:
    """Largest whole number of offences meeting a reduction: ``floor(baseline × (1 − r))``, exactly.

    Parameters
    ----------
    baseline : int
    reduction : float
        E.g. 0.125 for 12.5%.
    """
    if not 0 <= reduction < 1:
        raise ValueError(f"reduction must be in [0, 1), got {reduction}")
    return math.floor(Fraction(int(baseline)) * (1 - Fraction(str(reduction))))


def reduction_label(r: float) -> str:
    """``0.125`` -> ``"max at 12.5%"``."""
    return f"max at {float(r) * 100:g}%"


def parse_quarter(text: str) -> tuple[int, int]:
    """Parse a financial quarter: ``"2007/08 Q3"``, ``"2007-08-Q3"``, ``"2007Q3"`` or ``"Q3 2007/08"``.

    Returns
    -------
    (financial year, quarter)
        Quarter 1 is April-June, 4 is January-March of the next calendar year.
    """
    t = text.strip().upper().replace(" ", "")
    m = re.fullmatch(r"(\d{4})(?:[/-](\d{2}))?[-_]?Q([1-4])", t) or re.fullmatch(
        r"Q([1-4])[-_]?(\d{4})(?:[/-](\d{2}))?", t
    )
    if not m:
        raise ValueError(f"quarter '{text}' not understood: use e.g. 2007/08 Q3 (financial quarters, Q1 = Apr-Jun)")
    if t.startswith("Q"):
        q, y, nxt = int(m.group(1)), int(m.group(2)), m.group(3)
    else:
        y, nxt, q = int(m.group(1)), m.group(2), int(m.group(3))
    if nxt is not None and int(nxt) != (y + 1) % 100:
        raise ValueError(f"quarter '{text}': {y}/{nxt} is not a financial year")
    return y, q


def quarter_end(year: int, quarter: int) -> date:
    """Last day of financial quarter ``quarter`` of financial year ``year``."""
    month = 3 + 3 * quarter  # 6, 9, 12, 15
    y, m = (year, month) if month <= 12 else (year + 1, month - 12)
    return (pd.Timestamp(year=y, month=m, day=1) + pd.offsets.MonthEnd(0)).date()


def _record_dates(incidents: pd.DataFrame) -> pd.Series:
    is_month = (incidents["time_precision"] == PRECISION_MONTH).fillna(False).to_numpy()
    ref = reference_time(incidents).dt.tz_localize(None).dt.normalize()
    first = incidents["occurred_from"].dt.tz_localize(None).dt.normalize()
    return ref.where(~is_month, first)


def target_table(incidents: pd.DataFrame, targets: Targets, *, as_of: date | str | None = None) -> TargetReport:
    """Build the target tracker: maxima, actual counts per financial year, change and status.

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents (``ho_category``, times, ``synthetic``), normally the whole store.
    targets : Targets
        ``district.targets``.
    as_of : date or str, optional
        Last day to count in the year evaluated.  Default: the last day with data, but not later
        than the end of the target year (later years are still shown as columns).

    Returns
    -------
    TargetReport
    """
    _check_targets(targets)
    b, t_year = targets.baseline_year, targets.target_year
    dates = _record_dates(incidents)
    fy = financial_year(dates)
    cats = list(targets.baseline)
    if not len(dates):
        raise ValueError("no incidents to count against the targets")
    as_of_ts = _default_as_of(dates, fy, t_year) if as_of is None else pd.Timestamp(as_of)
    eval_year = int(as_of_ts.year - (as_of_ts.month < 4))
    months = (as_of_ts.year - eval_year) * 12 + as_of_ts.month - 3
    months = max(1, min(12, months))
    counted = ((dates <= as_of_ts) | (fy != eval_year)).to_numpy()
    cat = incidents["ho_category"].astype(object)
    in_cats = cat.isin(cats).to_numpy()
    sub = pd.DataFrame({"fy": fy, "cat": cat})[counted & in_cats]
    pivot = sub.groupby(["cat", "fy"]).size().unstack("fy")
    years = sorted(set(int(y) for y in fy[counted].dropna().unique()))
    pivot = pivot.reindex(index=cats, columns=years)  # NaN = no record of that category that year
    coverage = _coverage(incidents, dates, fy, counted, years, cats)
    status_r = min(targets.reductions)
    table = pd.DataFrame(_target_rows(targets, pivot, years, months, eval_year))
    for y in years:
        table[fy_label(y)] = table[fy_label(y)].astype("Int64")
    table["to_date"] = table["to_date"].astype("Int64")
    baseline_sum = sum(targets.baseline.values())
    synthetic = bool(incidents.loc[counted & in_cats, "synthetic"].fillna(False).any())
    return TargetReport(
        table=table,
        years=[fy_label(y) for y in years],
        evaluated_year=fy_label(eval_year),
        as_of=as_of_ts.date(),
        months_elapsed=months,
        coverage=coverage,
        baseline_sum=baseline_sum,
        published_total=targets.published_total,
        totals_agree=targets.published_total is None or int(targets.published_total) == baseline_sum,
        status_rule=_status_rule(eval_year, b, t_year, status_r),
        rounding_rule="maximum = floor(baseline × (1 − reduction)): the largest whole number not above the target",
        synthetic=synthetic,
        targets=targets,
        notes=_target_notes(targets, coverage, len(cats), months, eval_year, as_of_ts),
    )


def _check_targets(targets: Targets) -> None:
    """Raise a ValueError when the district's targets cannot be tracked."""
    if not targets.baseline or not targets.reductions:
        raise ValueError("the district config has no targets (targets.baseline and targets.reductions)")
    if targets.target_year <= targets.baseline_year:
        raise ValueError(f"target year {targets.target_year} must be after the baseline year {targets.baseline_year}")


def _default_as_of(dates: pd.Series, fy: pd.Series, target_year: int) -> pd.Timestamp:
    """The month end of the last record, but not later than the end of the target year."""
    end_target = pd.Timestamp(year=target_year + 1, month=3, day=31)
    in_scope = dates[(fy <= target_year).to_numpy()]
    last = (in_scope if len(in_scope) else dates).max() + pd.offsets.MonthEnd(0)
    return min(last, end_target) if len(in_scope) else last


def _target_rows(
    targets: Targets, pivot: pd.DataFrame, years: list[int], months: int, eval_year: int
) -> list[dict[str, Any]]:
    """One row per category, then the categories' total and (when published) the published total."""
    cats = list(targets.baseline)
    b, t_year = targets.baseline_year, targets.target_year
    reds = sorted(targets.reductions)
    status_r = reds[0]
    rows = []
    for c in [*cats, TOTAL_CATEGORIES, PUBLISHED_TOTAL]:
        if c == TOTAL_CATEGORIES:
            base = sum(targets.baseline.values())
            actual = pivot.sum(axis=0, min_count=len(cats)).where(pivot.notna().all(axis=0))
        elif c == PUBLISHED_TOTAL:
            if targets.published_total is None:
                continue
            base = int(targets.published_total)
            actual = pd.Series(np.nan, index=years)
        else:
            base = int(targets.baseline[c])
            actual = pivot.loc[c]
        row: dict[str, Any] = {"category": c, "baseline": base}
        row |= {reduction_label(r): max_offences(base, r) for r in reds}
        row |= {fy_label(y): actual.get(y, np.nan) for y in years}
        if c == PUBLISHED_TOTAL:
            row |= {"to_date": np.nan, "projected": np.nan, "change": np.nan, "change_pct": np.nan}
            row |= {"trajectory": round(trajectory(base, row[reduction_label(status_r)], eval_year, b, t_year), 1)}
            row["status"] = "not countable"
        else:
            row |= _status(
                base, actual.get(eval_year, np.nan), months, eval_year, b, t_year, max_offences(base, status_r)
            )
        rows.append(row)
    return rows


def _target_notes(
    targets: Targets, coverage: pd.DataFrame, n_cats: int, months: int, eval_year: int, as_of: pd.Timestamp
) -> list[str]:
    """What a reader must know: totals that disagree, partial years, unrecorded categories, projection."""
    notes: list[str] = []
    baseline_sum = sum(targets.baseline.values())
    if targets.published_total is not None and int(targets.published_total) != baseline_sum:
        diff = int(targets.published_total) - baseline_sum
        notes.append(
            f"The categories' baselines sum to {baseline_sum:,} but the published total is "
            f"{targets.published_total:,} ({diff:+,}): the published total includes offences not itemised here. "
            f"Both rows are shown; only the categories can be counted from the store."
        )
    partial = coverage[coverage["months_with_data"] < 12]
    if len(partial):
        notes.append(
            "Years with fewer than 12 months of data: "
            + ", ".join(
                f"{r.Index} ({r.months_with_data} month{'s' if r.months_with_data != 1 else ''})"
                for r in partial.itertuples()
            )
        )
    thin = coverage[coverage["categories_recorded"] < n_cats]
    if len(thin):
        notes.append(
            "Categories not recorded in "
            + ", ".join(thin.index)
            + " are shown as missing, not zero (e.g. data.police.uk rows have a Home Office category "
            "only where the district config maps one)"
        )
    if months < 12:
        notes.append(
            f"{fy_label(eval_year)} is counted to {as_of:%d/%m/%Y} ({months} of 12 months) and projected "
            f"pro rata to a full year (seasonality ignored)"
        )
    return notes


def _status_rule(eval_year: int, baseline_year: int, target_year: int, reduction: float) -> str:
    """The status rule in words, for captions."""
    b, t_year = baseline_year, target_year
    return (
        f"projected {fy_label(eval_year)} count against a straight line from the {fy_label(b)} baseline to the "
        f"{fy_label(t_year)} maximum at {reduction * 100:g}%: met = at or below that maximum once {fy_label(t_year)} "
        f"is complete (missed = above it), on track to meet = at or below it before then; on track = at or "
        f"below the line; at risk = above the line but below the baseline; off track = at or above the baseline; "
        f"once the {fy_label(t_year)} target year is complete: met or missed"
    )


def trajectory(baseline: int, final_max: int, year: int, baseline_year: int, target_year: int) -> float:
    """Straight-line expected count for ``year`` between the baseline and the final maximum."""
    frac = min(max((year - baseline_year) / (target_year - baseline_year), 0.0), 1.0)
    return baseline - (baseline - final_max) * frac


def _status(base: int, to_date: float, months: int, year: int, b: int, t_year: int, final_max: int) -> dict[str, Any]:
    """``to_date``, ``projected``, ``trajectory``, ``change``, ``change_pct`` and ``status`` of one row."""
    out = {"to_date": to_date, "projected": np.nan, "trajectory": np.nan, "change": np.nan, "change_pct": np.nan}
    if year <= b:
        return out | {"status": "baseline year" if year == b else "before baseline"}
    line = trajectory(base, final_max, year, b, t_year)
    out["trajectory"] = round(line, 1)
    if pd.isna(to_date):
        return out | {"status": "no data"}
    projected = to_date * 12 / months
    out |= {
        "projected": round(projected, 1),
        "change": round(projected - base, 1),
        "change_pct": round(100 * (projected - base) / base, 1),
    }
    complete = months >= 12 and year >= t_year  # only a finished target year can be met or missed
    if complete:
        # the target year is over: the count is final, so it either met the maximum or missed it
        status = "met" if to_date <= final_max else "missed"
    elif projected <= final_max:
        status = "on track to meet"
    elif projected <= line:
        status = "on track"
    elif projected < base:
        status = "at risk"
    else:
        status = "off track"
    return out | {"status": status}


def _coverage(
    incidents: pd.DataFrame,
    dates: pd.Series,
    fy: pd.Series,
    counted: np.ndarray,
    years: list[int],
    cats: list[str],
) -> pd.DataFrame:
    """Per financial year: months with data, last day, categories recorded and whether any is synthetic."""
    frame = pd.DataFrame(
        {
            "fy": fy,
            "month": dates.dt.to_period("M"),
            "date": dates,
            "cat": incidents["ho_category"].astype(object),
            "synthetic": incidents["synthetic"].fillna(False).astype(bool),
        }
    )[counted]
    g = frame.groupby("fy")
    cov = pd.DataFrame(
        {
            "months_with_data": g["month"].nunique(),
            "last_day": g["date"].max().dt.strftime("%d/%m/%Y"),
            "categories_recorded": g["cat"].agg(lambda s: int(s[s.isin(cats)].nunique())),
            "synthetic": g["synthetic"].any(),
        }
    ).reindex(years)
    cov.index = [fy_label(y) for y in years]
    cov.index.name = "financial_year"
    return cov


__all__ = [
    "PUBLISHED_TOTAL",
    "TOTAL_CATEGORIES",
    "TargetReport",
    "financial_year",
    "fy_label",
    "max_offences",
    "parse_quarter",
    "quarter_end",
    "target_table",
    "trajectory",
]
