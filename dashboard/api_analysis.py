"""Night-time economy, trends and target analyses for the dashboard pages and the JSON API.

Thin and cached: every number comes from :mod:`geo.timing`, :mod:`geo.premises`,
:mod:`geo.trends` and :mod:`geo.targets`; this module only picks the inputs (the shared
selection, the page's options), caches the results per store version and turns them into
plain dicts for ``/api/nte`` and ``/api/targets``.

Parameters (the same names in the page URLs and the API):

* ``/api/nte``: the shared selection plus ``include`` (``public-order``, ``criminal-damage``,
  ``asb``; repeated or comma-separated; added to violence), ``aoristic`` (``true``/``false``)
  and ``radius`` (metres, premises linking).  A ``crime`` filter replaces the crime types
  instead, as in ``hotspots nte``.
* ``/api/targets``: the shared selection (default: the whole store) plus ``quarter``
  (``2007/08 Q3`` or ``2007-08-Q3``) or ``as_of`` (a date): the last day counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from dashboard import data_access, state
from geo.schema import NTE_VIOLENCE
from geo.selection import Selection, filter_frame
from geo.timing import NTE_WINDOW, convention_text, in_hour_window, nte_by_zone, window_hours

#: Page/API keys of the crime types the NTE view offers (violence is always the default).
NTE_TYPE_KEYS = {
    "violence": "Violence and sexual offences",
    "public-order": "Public order",
    "criminal-damage": "Criminal damage and arson",
    "asb": "Anti-social behaviour",
}
#: Linking radii offered on the page (metres); the API accepts any value in RADIUS_RANGE.
RADII = (25, 50, 100)
RADIUS_RANGE = (1.0, 500.0)
NTE_PARAMS = ("include", "aoristic", "radius")
TARGET_PARAMS = ("quarter", "as_of")
#: Periods back from the examined one whose unusual counts are marked on the trend chart.
FLAG_PERIODS = 12


class AnalysisParamError(ValueError):
    """A page or API option that cannot be used (answered as a 400 by the API)."""


# --- parameters ------------------------------------------------------------------------------


def _values(value) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [v.strip() for item in items if item for v in str(item).split(",") if v.strip()]


def parse_types(value, *, with_violence: bool = True) -> tuple[str, ...]:
    """Crime types from keys such as ``violence,asb`` (violence first when ``with_violence``)."""
    keys = _values(value)
    bad = [k for k in keys if k not in NTE_TYPE_KEYS]
    if bad:
        raise AnalysisParamError(f"unknown crime type key(s) {', '.join(bad)}; use {', '.join(NTE_TYPE_KEYS)}")
    if with_violence:
        keys = ["violence", *keys]
    return tuple(t for k, t in NTE_TYPE_KEYS.items() if k in keys)


def types_key(types: tuple[str, ...]) -> str:
    """Inverse of :func:`parse_types` (for URLs)."""
    inv = {v: k for k, v in NTE_TYPE_KEYS.items()}
    return ",".join(inv[t] for t in types if t in inv)


def parse_bool(value, name: str) -> bool:
    if value in (None, ""):
        return False
    if isinstance(value, list):
        raise AnalysisParamError(f"parameter '{name}' given more than once")
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise AnalysisParamError(f"parameter '{name}' must be true or false, got '{value}'")


def parse_radius(value, default: float = 50.0) -> float:
    if value in (None, ""):
        return default
    if isinstance(value, list):
        raise AnalysisParamError("parameter 'radius' given more than once")
    try:
        r = float(value)
    except ValueError:
        raise AnalysisParamError(f"parameter 'radius' must be a number of metres, got '{value}'") from None
    lo, hi = RADIUS_RANGE
    if not (math.isfinite(r) and lo <= r <= hi):
        raise AnalysisParamError(f"parameter 'radius' must be between {lo:g} and {hi:g} metres, got {value}")
    return r


def parse_as_of(quarter, as_of) -> date | None:
    """Last day counted by the target tracker from ``quarter`` or ``as_of`` (not both)."""
    from geo.targets import parse_quarter, quarter_end

    if isinstance(quarter, list) or isinstance(as_of, list):
        raise AnalysisParamError("parameters 'quarter' and 'as_of' may be given once each")
    if quarter and as_of:
        raise AnalysisParamError("give 'quarter' or 'as_of', not both")
    if quarter:
        return quarter_end(*parse_quarter(str(quarter)))
    if as_of:
        from geo.params import parse_date

        return parse_date(str(as_of), "as_of")
    return None


# --- cached analyses -----------------------------------------------------------------------------


def _key(cfg=None):
    cfg = cfg or data_access.settings()
    return cfg, data_access.store_version(cfg)


@lru_cache(maxsize=8)
def _premises_zones(district_folder: str) -> pd.Series:
    from geo.premises import premises_zones

    d = data_access.district_for(district_folder)
    return premises_zones(d.premises, d)


@dataclass
class NteAnalysis:
    """Everything the NTE page and ``/api/nte`` show for one selection."""

    selection: Selection
    crime_types: tuple[str, ...]
    aoristic: bool
    radius_m: float
    n_selected: int
    selection_notes: list[str]
    view: object  # geo.timing.NteView
    hours: list[int]
    n_window: int
    synthetic_share: float
    premises: object | None  # geo.premises.PremisesLinks
    comparison: object | None  # geo.trends.PeriodComparison
    comparison_note: str
    n_timed: int = 0
    n_windowed: int = 0
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=32)
def _nte(cfg, version: int, sel: Selection, types: tuple[str, ...], aoristic: bool, radius: float) -> NteAnalysis:
    from geo.premises import link_premises

    district = data_access.district_for(cfg.district_folder)
    frame = data_access.incidents(cfg)
    result = filter_frame(frame, sel)
    df = result.incidents
    view = nte_by_zone(df, district, crime_types=types, night_cutoff=sel.night_cutoff, aoristic=aoristic)
    hours = window_hours(NTE_WINDOW)
    sub = df[df["crime_type"].isin(types).to_numpy() & in_hour_window(df, NTE_WINDOW)]
    synthetic_share = float(sub["synthetic"].fillna(False).astype(bool).mean()) if len(sub) else 0.0
    premises = None
    if len(sub):
        premises = link_premises(
            sub,
            district.premises,
            radius_m=radius,
            zones=_premises_zones(cfg.district_folder),
            night_cutoff=sel.night_cutoff,
        )
    comparison, comparison_note = _compare(frame, sel, types, district)
    timed = df[df["crime_type"].isin(types).to_numpy() & (df["time_precision"] == "time").fillna(False).to_numpy()]
    n_windowed = int((timed["occurred_to"] != timed["occurred_from"]).sum())
    return NteAnalysis(
        selection=sel,
        crime_types=types,
        aoristic=aoristic,
        radius_m=radius,
        n_selected=len(df),
        selection_notes=list(result.notes),
        view=view,
        hours=hours,
        n_window=len(sub),
        synthetic_share=synthetic_share,
        premises=premises,
        comparison=comparison,
        comparison_note=comparison_note,
        n_timed=len(timed),
        n_windowed=n_windowed,
    )


def _compare(frame: pd.DataFrame, sel: Selection, types, district):
    """This year against last, per zone band (the CLI's ``nte --compare-year`` rule)."""
    from geo.trends import compare_year_on_year

    df = filter_frame(frame, sel.replace(date_from=None, date_to=None)).incidents
    yoy = compare_year_on_year(
        df,
        district,
        crime_types=types,
        window=NTE_WINDOW,
        date_from=sel.date_from,
        date_to=sel.date_to,
        night_cutoff=sel.night_cutoff,
    )
    if yoy is None:
        return None, "no timed night-time incidents in this selection to compare"
    return yoy.comparison, f"current period: {yoy.basis}"


def nte(sel: Selection, types: tuple[str, ...], aoristic: bool = False, radius: float = 50.0, cfg=None) -> NteAnalysis:
    """Cached :class:`NteAnalysis` for a selection and the page's options."""
    cfg, version = _key(cfg)
    return _nte(cfg, version, sel, tuple(types), bool(aoristic), float(radius))


@lru_cache(maxsize=16)
def _targets(cfg, version: int, sel: Selection, as_of: date | None):
    from geo.targets import target_table

    district = data_access.district_for(cfg.district_folder)
    frame = data_access.incidents(cfg)
    df = frame if sel == Selection() else filter_frame(frame, sel).incidents
    return target_table(df, district.targets, as_of=as_of)


def targets(sel: Selection | None = None, as_of: date | None = None, cfg=None):
    """Cached ``geo.targets.target_table`` over the store (or a selection of it)."""
    cfg, version = _key(cfg)
    return _targets(cfg, version, sel or Selection(), as_of)


def quarterly_report(as_of: date | None, quarter: str | None = None, cfg=None) -> tuple[str, str]:
    """(file name, HTML) of the one-page quarterly target report for the whole store."""
    from render.report import render_quarterly_report

    cfg = cfg or data_access.settings()
    district = data_access.district_for(cfg.district_folder)
    report = targets(None, as_of, cfg)
    html = render_quarterly_report(report, partnership=district.partnership, district=district.name, quarter=quarter)
    stem = quarter or report.evaluated_year
    name = f"{district.name}-targets-{stem}".lower().replace("/", "-").replace(" ", "-") + ".html"
    return name, html


@dataclass
class SectorTrends:
    """Trend report of the examined period, the counts series and the flags of recent periods."""

    report: object  # geo.trends.TrendReport
    flags: pd.DataFrame  # group, period, x, count, expected_low, expected_high, flag
    dates: pd.Series  # period label -> plotting date
    group_col: str | None
    n_selected: int
    synthetic: bool


def _period_date(label: str) -> pd.Timestamp:
    if label[:4].isdigit():
        return pd.Timestamp(label + "-01")
    return pd.Timestamp(pd.to_datetime(label.rsplit(" ", 1)[-1], format="%d/%m/%Y"))


@lru_cache(maxsize=32)
def _trends(cfg, version: int, sel: Selection, freq: str, by: str | None) -> SectorTrends:
    from geo.trends import period_trends

    df = filter_frame(data_access.incidents(cfg), sel).incidents
    groups = (by,) if by else ()
    report = period_trends(df, freq=freq, by=groups, night_cutoff=sel.night_cutoff)
    series = report.series
    dates = pd.Series([_period_date(str(p)) for p in series.index], index=series.index)
    covered = [p for p in series.index if series.loc[p].notna().any()]
    recent = covered[-FLAG_PERIODS:]
    rows = []
    for p in recent:
        rep = (
            report
            if p == report.period
            else period_trends(df, freq=freq, by=groups, at=dates[p].date(), night_cutoff=sel.night_cutoff)
        )
        flagged = rep.flagged
        if flagged.empty:
            continue
        for r in flagged.to_dict("records"):
            rows.append(
                {
                    "group": str(r[by]) if by else "All",
                    "period": p,
                    "x": dates[p],
                    "count": int(r["count"]),
                    "baseline_mean": r["baseline_mean"],
                    "expected_low": r["expected_low"],
                    "expected_high": r["expected_high"],
                    "flag": r["flag"],
                }
            )
    flags = pd.DataFrame(
        rows, columns=["group", "period", "x", "count", "baseline_mean", "expected_low", "expected_high", "flag"]
    )
    synthetic = bool(df["synthetic"].fillna(False).astype(bool).any())
    return SectorTrends(report, flags, dates, by, len(df), synthetic)


def trends(sel: Selection, freq: str = "month", by: str | None = "sector", cfg=None) -> SectorTrends:
    """Cached period trends with the unusual counts of the last :data:`FLAG_PERIODS` periods."""
    cfg, version = _key(cfg)
    return _trends(cfg, version, sel, freq, by)


@lru_cache(maxsize=32)
def _sector_counts(cfg, version: int, sel: Selection) -> tuple[pd.Series, int, bool]:
    df = filter_frame(data_access.incidents(cfg), sel).incidents
    district = data_access.district_for(cfg.district_folder)
    counts = df["sector"].value_counts().reindex(list(district.sectors["sector"]), fill_value=0).astype(int)
    outside = int(df["sector"].isna().sum())
    return counts, outside, bool(df["synthetic"].fillna(False).astype(bool).any())


def sector_counts(sel: Selection, cfg=None) -> tuple[pd.Series, int, bool]:
    """Selected incidents per police sector (config order), those in no sector, and whether any is synthetic."""
    cfg, version = _key(cfg)
    return _sector_counts(cfg, version, sel)


# --- JSON --------------------------------------------------------------------------------------


def _clean(value):
    """JSON-safe scalars: NaN/NA -> None, numpy -> Python, timestamps -> ISO dates."""
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return value.isoformat()[:10]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else float(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def records(df: pd.DataFrame) -> list[dict]:
    return [{str(k): _clean(v) for k, v in row.items()} for row in df.to_dict("records")]


def nte_json(sel: Selection, params: dict) -> dict:
    """The ``/api/nte`` payload."""
    extra = parse_types(params.get("include"), with_violence=False)
    types = tuple(sel.crime_types) or (*NTE_VIOLENCE, *(t for t in extra if t not in NTE_VIOLENCE))
    aoristic = parse_bool(params.get("aoristic"), "aoristic")
    radius = parse_radius(params.get("radius"))
    a = nte(sel, types, aoristic, radius)
    v = a.view
    hours = a.hours
    bands = {
        b: {
            "matrix": [[_clean(x) for x in row] for row in m.matrix[hours].to_numpy()],
            "used": int(m.used),
            "excluded_month": int(m.excluded_month),
            "excluded_day": int(m.excluded_day),
            "midnight_flagged": int(m.midnight_flagged),
        }
        for b, m in v.matrices.items()
    }
    out = {
        "selection": sel.describe(),
        "selected": a.n_selected,
        "crime_types": list(types),
        "measure": "aoristic" if aoristic else "count",
        "window": f"{NTE_WINDOW[0]:02d}:00-{NTE_WINDOW[1] % 24:02d}:00",
        "hours": [f"{h:02d}:00" for h in hours],
        "nights": list(v.by_night.index),
        "convention": v.convention,
        "band_rule": v.band_rule,
        "bands": v.bands,
        "by_band": bands,
        "by_night": {c: {k: _clean(x) for k, x in v.by_night[c].items()} for c in v.by_night.columns},
        "by_hour": {c: {f"{int(h):02d}:00": _clean(x) for h, x in v.by_hour[c].items()} for c in v.by_hour.columns},
        "in_window": a.n_window,
        "timed": a.n_timed,
        "with_window": a.n_windowed,
        "synthetic_share": round(a.synthetic_share, 4),
        "notes": [*a.selection_notes, *v.notes],
        "premises": None,
        "comparison": None,
    }
    if a.premises is not None:
        p = a.premises
        out["premises"] = {
            "radius_m": p.radius_m,
            "rule": p.rule,
            "incidents": p.n_incidents,
            "linked": p.n_linked,
            "unlocated": p.n_unlocated,
            "notes": list(p.notes),
            "table": records(p.table),
        }
    if a.comparison is not None:
        c = a.comparison
        out["comparison"] = {
            "current": [d.isoformat() for d in c.current],
            "previous": [d.isoformat() for d in c.previous],
            "method": c.method,
            "basis": a.comparison_note,
            "notes": list(c.notes),
            "table": records(c.table),
        }
    else:
        out["comparison_note"] = a.comparison_note
    if a.n_window == 0:
        out["message"] = "no timed night-time incidents match this selection"
    return out


def targets_json(sel: Selection, params: dict) -> dict:
    """The ``/api/targets`` payload."""
    as_of = parse_as_of(params.get("quarter"), params.get("as_of"))
    try:
        r = targets(sel, as_of)
    except ValueError as exc:
        raise AnalysisParamError(str(exc)) from None
    cov = r.coverage.reset_index()
    return {
        "selection": sel.describe(),
        "evaluated_year": r.evaluated_year,
        "as_of": r.as_of.isoformat(),
        "months_elapsed": r.months_elapsed,
        "years": r.years,
        "table": records(r.table),
        "baseline_sum": int(r.baseline_sum),
        "published_total": None if r.published_total is None else int(r.published_total),
        "totals_agree": bool(r.totals_agree),
        "status_rule": r.status_rule,
        "rounding_rule": r.rounding_rule,
        "synthetic": bool(r.synthetic),
        "coverage": records(cov),
        "notes": list(r.notes),
    }


def describe_change(row: dict) -> str:
    """One sentence on a comparison row: the change and whether it is beyond chance."""
    prev, cur = int(row["previous"]), int(row["current"])
    if prev == cur:
        what = f"no change ({cur:,} both years)"
    else:
        pct = row.get("change_pct")
        pct_txt = "" if pct is None or pd.isna(pct) else f" ({pct:+.0f}%)"
        what = f"{'up' if cur > prev else 'down'} from {prev:,} to {cur:,}{pct_txt}"
    p = float(row["p_value"])
    p_txt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    verdict = "beyond what chance would explain" if row["beyond_chance"] else "within what chance alone could give"
    return f"{what}: {verdict} ({p_txt})"


def fmt_date(d) -> str:
    return state.fmt_date(d)


__all__ = [
    "AnalysisParamError",
    "NTE_PARAMS",
    "NTE_TYPE_KEYS",
    "NteAnalysis",
    "SectorTrends",
    "TARGET_PARAMS",
    "convention_text",
    "describe_change",
    "nte",
    "nte_json",
    "parse_as_of",
    "parse_bool",
    "parse_radius",
    "parse_types",
    "quarterly_report",
    "sector_counts",
    "targets",
    "targets_json",
    "trends",
]
