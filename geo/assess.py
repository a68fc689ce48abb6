"""Assessing a deployment: before, during and after in the target area, a buffer ring and a control area.

Measures (Bowers & Johnson 2003; formulas and reading as in Guerette 2009, *Analyzing Crime Displacement and
Diffusion*, POP tool guide 10, appendices B and C), with R the target (response) area, B the buffer, C the control,
b before and a the period compared (by default *during*):

* success measure ``Ra/Ca - Rb/Cb`` (negative: the target improved relative to the control);
* buffer measure ``Ba/Ca - Bb/Cb`` (positive: possible displacement; negative: possible diffusion);
* WDQ = buffer measure / success measure, read only when the success measure is negative:
  > 1 diffusion greater than the direct effect; 0 to 1 diffusion of benefit; 0 none;
  -1 to 0 displacement smaller than the direct effect; < -1 displacement outweighs it;
* total net effect ``TNE = [Rb(Ca/Cb) - Ra] + [Bb(Ca/Cb) - Ba]`` (crimes prevented, net of the buffer).

Significance: the relative change of the target against the control, ``(Ra/Rb)/(Ca/Cb)``, is tested with the
conditional exact test for Poisson counts, which for the 2×2 table (area × period) is Fisher's exact test:
conditioned on the margins, independent Poisson counts follow the non-central hypergeometric distribution whose odds
ratio is that ratio of rate ratios.  The buffer is tested the same way.  The weighted displacement difference
(Wheeler & Ratcliffe 2018: local estimate ``(Ra - Rb) - (Ca - Cb)``, standard error ``sqrt(Ra+Rb+Ca+Cb)``) is given
beside it in crimes.  Counts below :data:`MIN_COUNT` make the assessment "too few to rely on".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
import shapely
from scipy import stats
from shapely.geometry.base import BaseGeometry

from geo.deployments import Deployment
from geo.schema import PRECISION_MONTH
from geo.selection import Selection, filter_frame, night_of, reference_time

MIN_COUNT = 5
DEFAULT_BUFFER_M = 200.0
PRIOR_MONTHS = 12
TEST_METHOD = "Fisher's exact test on the 2×2 table of counts (area × period), two-sided"
PERIODS = ("before", "during", "after")


@dataclass(frozen=True)
class Displacement:
    """The Bowers & Johnson measures for one comparison (before against a later period)."""

    success_measure: float | None
    buffer_measure: float | None
    wdq: float | None
    total_net_effect: float | None
    reading: str


@dataclass(frozen=True)
class ChangeTest:
    """A test of an area's change relative to the control."""

    ratio: float | None  # (after/before in the area) / (after/before in the control); < 1 = fell relative
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    method: str = TEST_METHOD

    def significant(self, alpha: float = 0.05) -> bool:
        """Whether p is below ``alpha``."""
        return self.p_value is not None and self.p_value < alpha


def displacement(rb: int, ra: int, bb: int, ba: int, cb: int, ca: int) -> Displacement:
    """WDQ, its two measures and the total net effect (None where a count in a denominator is 0).

    The WDQ is None unless the success measure is negative: without a relative improvement in the
    target there is nothing to be displaced, and the quotient's sign would read backwards.

    Parameters
    ----------
    rb, ra, bb, ba, cb, ca : int
        Counts before (b) and after (a) in the target (r), buffer (b) and control (c) areas.
    """
    if cb == 0 or ca == 0:
        return Displacement(None, None, None, None, "no control counts: the measures cannot be computed")
    success = ra / ca - rb / cb
    buffer = ba / ca - bb / cb
    tne = (rb * ca / cb - ra) + (bb * ca / cb - ba)
    wdq = buffer / success if success < 0 else None
    return Displacement(success, buffer, wdq, tne, wdq_reading(success, wdq))


def wdq_reading(success: float | None, wdq: float | None) -> str:
    """The standard reading of a WDQ (Guerette 2009, appendix C)."""
    if success is None:
        return "cannot be computed"
    if success >= 0:
        return "no success in the target area relative to the control, so the WDQ does not apply"
    if wdq is None or wdq == 0:
        return "no displacement or diffusion"
    if wdq > 1:
        return "diffusion of benefit greater than the direct effect"
    if wdq > 0:
        return "diffusion of benefit"
    if wdq >= -1:
        return "some displacement, smaller than the direct effect, so a net benefit"
    return "displacement greater than the direct effect, which it outweighs"


def relative_change_test(xb: int, xa: int, cb: int, ca: int) -> ChangeTest:
    """Conditional exact test that an area changed like the control (Fisher's exact test on the 2×2 counts).

    Returns the ratio of rate ratios ``(xa/xb)/(ca/cb)`` (conditional MLE), exact 95% CI, two-sided p.
    """
    if min(xb + xa, cb + ca, xb + cb, xa + ca) == 0:
        return ChangeTest(None, None, None, None)
    table = np.array([[xa, xb], [ca, cb]])
    p = float(stats.fisher_exact(table, alternative="two-sided").pvalue)
    res = stats.contingency.odds_ratio(table, kind="conditional")
    ci = res.confidence_interval(0.95)
    est = float(res.statistic)
    return ChangeTest(
        est if np.isfinite(est) else None,
        float(ci.low),
        float(ci.high) if np.isfinite(ci.high) else None,
        p,
    )


def wdd(rb: int, ra: int, cb: int, ca: int) -> tuple[int, float]:
    """Local weighted displacement difference (Wheeler & Ratcliffe 2018): estimate and standard error.

    Negative = crimes fewer in the target than the control's change implies.
    """
    return (ra - rb) - (ca - cb), float(np.sqrt(ra + rb + ca + cb))


# ---- periods and counting ---------------------------------------------------------------------


def _month_aligned(start: date, end: date) -> bool:
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def periods(deployment: Deployment, before_days: int | None = None, after_days: int | None = None) -> dict:
    """Before, during and after as inclusive (first, last) dates.

    By default before and after last as long as the deployment; whole calendar months stay
    whole months (so month-precision records can be counted).
    """
    start, end = deployment.date_from, deployment.date_to
    if before_days is None and after_days is None and _month_aligned(start, end):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        b0 = (pd.Timestamp(start) - pd.DateOffset(months=months)).date()
        a1 = (pd.Timestamp(end) + pd.Timedelta(days=1) + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()
        return {
            "before": (b0, start - timedelta(days=1)),
            "during": (start, end),
            "after": (end + timedelta(days=1), a1),
        }
    nb = before_days or deployment.n_days
    na = after_days or deployment.n_days
    return {
        "before": (start - timedelta(days=nb), start - timedelta(days=1)),
        "during": (start, end),
        "after": (end + timedelta(days=1), end + timedelta(days=na)),
    }


def incident_days(incidents: pd.DataFrame, cutoff: int | None) -> pd.Series:
    """The date (night) each incident counts to: its window's midpoint, or the first of its month for month-only."""
    ref = night_of(reference_time(incidents), cutoff)
    month = incidents["occurred_from"].dt.tz_localize(None).dt.normalize()
    is_month = (incidents["time_precision"] == PRECISION_MONTH).to_numpy()
    return ref.where(~is_month, month)


def _in_area(incidents: pd.DataFrame, geom: BaseGeometry) -> np.ndarray:
    return shapely.contains_xy(geom, incidents["easting"].to_numpy(float), incidents["northing"].to_numpy(float))


@dataclass
class Counted:
    """Incidents prepared for counting: their day and whether each may be counted in day-precise periods."""

    incidents: pd.DataFrame
    days: pd.Series
    day_precise: np.ndarray
    notes: list[str] = field(default_factory=list)


def prepare(incidents: pd.DataFrame, deployment: Deployment) -> Counted:
    """Keep the deployment's nights and hours; give each incident the night it counts to."""
    sel = Selection(days=deployment.days, hours=deployment.hours)
    res = filter_frame(incidents, sel)  # no days or hours: only the (empty) attribute filters run
    frame, notes = res.incidents, list(res.notes)
    if res.excluded_imprecise:
        notes.append(
            f"{res.excluded_imprecise:,} records without a time of day are left out: they cannot be placed "
            "in the deployment's nights and hours"
        )
    cutoff = sel.effective_cutoff() if sel.uses_time_of_day else None
    days = incident_days(frame, cutoff)
    return Counted(frame, days, (frame["time_precision"] != PRECISION_MONTH).to_numpy(), notes)


def count(counted: Counted, geom: BaseGeometry, spans: dict) -> dict[str, int]:
    """Incidents inside ``geom`` in each period; month-only records count only in whole-month periods."""
    inside = _in_area(counted.incidents, geom)
    d = counted.days.to_numpy()
    out = {}
    for name, (lo, hi) in spans.items():
        usable = counted.day_precise | _month_aligned(lo, hi)
        m = inside & usable & (d >= np.datetime64(lo)) & (d <= np.datetime64(hi))
        out[name] = int(m.sum())
    return out


def monthly_series(counted: Counted, geom: BaseGeometry, start: date, months: int = PRIOR_MONTHS) -> np.ndarray:
    """Counts in ``geom`` per calendar month over the ``months`` whole months before ``start``."""
    first = (pd.Timestamp(start).to_period("M") - months).to_timestamp()
    idx = pd.period_range(first, periods=months, freq="M")
    inside = _in_area(counted.incidents, geom)
    per = counted.days[inside].dt.to_period("M")
    return per.value_counts().reindex(idx, fill_value=0).to_numpy()


# ---- control area and the assessment ----------------------------------------------------------


@dataclass(frozen=True)
class Control:
    """The control area and how it was chosen."""

    label: str
    geometry: BaseGeometry
    method: str
    correlation: float | None = None


def pick_control(
    counted: Counted,
    candidates: list[tuple[str, BaseGeometry]],
    target: BaseGeometry,
    buffer_ring: BaseGeometry,
    start: date,
    months: int = PRIOR_MONTHS,
) -> tuple[Control | None, pd.DataFrame]:
    """The candidate area whose monthly counts over the prior ``months`` correlate best with the target's.

    Candidates touching the target or the buffer are excluded (they would share its effect), and those with fewer
    prior incidents than the target (then fewer than five a month) are used only when no busier one is left.  Ties
    go to the candidate with more prior incidents.  Returns the control (None if no candidate is left) and a table
    of every candidate with its correlation and whether it was excluded.
    """
    target_series = monthly_series(counted, target, start, months)
    rows = []
    near = shapely.union(target, buffer_ring)
    for label, geom in candidates:
        excluded = bool(geom.intersects(near))
        series = monthly_series(counted, geom, start, months)
        r = None
        if not excluded and series.std() > 0 and target_series.std() > 0:
            r = float(np.corrcoef(target_series, series)[0, 1])
        rows.append({"area": label, "excluded": excluded, "prior_count": int(series.sum()), "correlation": r})
    table = pd.DataFrame(rows, columns=["area", "excluded", "prior_count", "correlation"])
    # Proportionality (Guerette 2009): a control quieter than the target gives ratios that swing on a
    # handful of incidents, so prefer candidates at least as busy as the target over the prior months.
    # Failing that, at least MIN_COUNT a month on average; failing that, any with incidents.
    free = table[~table["excluded"]]
    for floor in (max(int(target_series.sum()), 1), MIN_COUNT * months, 1):
        usable = free[free["prior_count"] >= floor]
        if not usable.empty:
            break
    if usable.empty:
        return None, table
    geoms = dict(candidates)
    with_r = usable.dropna(subset=["correlation"])
    if not with_r.empty:
        best = with_r.sort_values(["correlation", "prior_count"], ascending=False).iloc[0]
        method = (
            f"automatic: the area not touching the target or buffer whose monthly counts over the {months} "
            f"months before correlate best with the target's (r = {best['correlation']:.2f})"
        )
        return Control(best["area"], geoms[best["area"]], method, float(best["correlation"])), table
    best = usable.sort_values("prior_count", ascending=False).iloc[0]
    method = "automatic: the target's prior counts do not vary, so the busiest area not touching it was taken"
    return Control(best["area"], geoms[best["area"]], method), table


@dataclass(frozen=True)
class Assessment:
    """Before/during/after counts and the measures; ``compare`` is set against before.

    ``counts``: one row per area (target, buffer, control), with ``label`` and one column per period.
    """

    deployment: Deployment
    spans: dict
    counts: pd.DataFrame
    compare: str
    buffer_m: float
    control: Control | None
    measures: Displacement
    target_test: ChangeTest
    buffer_test: ChangeTest
    wdd_estimate: int | None
    wdd_se: float | None
    too_few: bool
    candidates: pd.DataFrame
    notes: tuple[str, ...] = ()

    def value(self, area: str, period: str) -> int:
        """One count."""
        return int(self.counts.set_index("area").loc[area, period])

    def change_pct(self, area: str) -> float | None:
        """Change of the daily rate from before to the compared period, in per cent."""
        (b0, b1), (c0, c1) = self.spans["before"], self.spans[self.compare]
        before = self.value(area, "before") / ((b1 - b0).days + 1)
        later = self.value(area, self.compare) / ((c1 - c0).days + 1)
        return None if before == 0 else 100 * (later - before) / before


def assess(
    incidents: pd.DataFrame,
    deployment: Deployment,
    candidates: list[tuple[str, BaseGeometry]],
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    control: tuple[str, BaseGeometry] | None = None,
    compare: str = "during",
    before_days: int | None = None,
    after_days: int | None = None,
) -> Assessment:
    """Assess a deployment on canonical incidents (the selection's crime types, all dates needed).

    Parameters
    ----------
    incidents : DataFrame
        Canonical incidents covering the prior 12 months, before, during and after.
    deployment : Deployment
    candidates : list of (label, geometry)
        Areas (wards, sectors) to choose the control from, in BNG.
    buffer_m : float, default 200
        Width of the buffer ring around the target.
    control : (label, geometry), optional
        A drawn control area instead of the automatic choice.
    compare : {"during", "after"}
        The period compared with before for the measures and the test.
    before_days, after_days : int, optional
        Lengths of the periods (default: as long as the deployment).
    """
    if compare not in ("during", "after"):
        raise ValueError(f"compare must be 'during' or 'after', got '{compare}'")
    target = deployment.geometry
    ring = target.buffer(buffer_m).difference(target)
    counted = prepare(incidents, deployment)
    spans = periods(deployment, before_days, after_days)
    chosen: Control | None
    if control is not None:
        chosen, table = Control(control[0], control[1], "drawn by the user"), pd.DataFrame()
    else:
        chosen, table = pick_control(counted, candidates, target, ring, deployment.date_from)
    rows = [
        {"area": "target", "label": "Target area", **count(counted, target, spans)},
        {"area": "buffer", "label": f"Buffer ring ({buffer_m:g} m)", **count(counted, ring, spans)},
    ]
    notes = list(counted.notes)
    if chosen is not None:
        ctl = chosen.geometry.difference(target.buffer(buffer_m))
        rows.append({"area": "control", "label": f"Control: {chosen.label}", **count(counted, ctl, spans)})
    else:
        rows.append({"area": "control", "label": "No control area", **dict.fromkeys(PERIODS, 0)})
        notes.append("no control area could be found: every candidate touches the target or has no incidents")
    frame = pd.DataFrame(rows)
    c = frame.set_index("area")
    rb, ra = int(c.loc["target", "before"]), int(c.loc["target", compare])
    bb, ba = int(c.loc["buffer", "before"]), int(c.loc["buffer", compare])
    cb, ca = int(c.loc["control", "before"]), int(c.loc["control", compare])
    est, se = wdd(rb, ra, cb, ca) if chosen is not None else (None, None)
    if spans[compare][1] > deployment.date_to and compare == "after":
        notes.append("the after period shows what remained once the deployment ended (residual deterrence)")
    return Assessment(
        deployment=deployment,
        spans=spans,
        counts=frame,
        compare=compare,
        buffer_m=float(buffer_m),
        control=chosen,
        measures=displacement(rb, ra, bb, ba, cb, ca),
        target_test=relative_change_test(rb, ra, cb, ca),
        buffer_test=relative_change_test(bb, ba, cb, ca),
        wdd_estimate=est,
        wdd_se=se,
        too_few=min(rb, ra, cb, ca) < MIN_COUNT,
        candidates=table,
        notes=tuple(notes),
    )


__all__ = ["Assessment", "ChangeTest", "Control", "Displacement", "assess", "count", "displacement", "periods"]
__all__ += ["pick_control", "prepare", "relative_change_test", "wdd", "wdq_reading", "MIN_COUNT", "TEST_METHOD"]
