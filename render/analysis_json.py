"""Plain JSON of the analyses (``/api/nte``, ``/api/targets``): NaN/NA become null, dates ISO strings."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from service.nte import Comparison, NteResult
from service.nte_types import window_text
from service.targets import TargetsResult


def clean(value: Any) -> Any:  # noqa: ANN401 - any scalar a table holds
    """JSON-safe scalars: NaN/NA -> None, numpy -> Python, timestamps -> ISO dates."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()[:10]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a table as JSON-safe dicts."""
    return [{str(k): clean(v) for k, v in row.items()} for row in df.to_dict("records")]


def nte_json(a: NteResult, comparison: Comparison) -> dict[str, Any]:
    """The ``/api/nte`` payload."""
    v, hours, opts = a.view, a.hours, a.options
    bands = {
        b: {
            "matrix": [[clean(x) for x in row] for row in m.matrix[hours].to_numpy()],
            "used": int(m.used), "excluded_month": int(m.excluded_month), "excluded_day": int(m.excluded_day),
            "midnight_flagged": int(m.midnight_flagged),
        }
        for b, m in v.matrices.items()
    }  # fmt: skip
    out: dict[str, Any] = {
        "selection": opts.selection.describe(),
        "selected": a.n_selected,
        "crime_types": list(a.crime_types),
        "measure": "aoristic" if opts.aoristic else "count",
        "window": window_text(opts.window),
        "hours": [f"{h:02d}:00" for h in hours],
        "nights": list(v.by_night.index),
        "convention": v.convention,
        "band_rule": v.band_rule,
        "bands": v.bands,
        "by_band": bands,
        "by_night": {c: {k: clean(x) for k, x in v.by_night[c].items()} for c in v.by_night.columns},
        "by_hour": {c: {f"{int(h):02d}:00": clean(x) for h, x in v.by_hour[c].items()} for c in v.by_hour.columns},
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
            "radius_m": p.radius_m, "rule": p.rule, "incidents": p.n_incidents, "linked": p.n_linked,
            "unlocated": p.n_unlocated, "notes": list(p.notes), "table": records(p.table),
        }  # fmt: skip
    if comparison.comparison is not None:
        c = comparison.comparison
        out["comparison"] = {
            "current": [d.isoformat() for d in c.current], "previous": [d.isoformat() for d in c.previous],
            "method": c.method, "basis": comparison.note, "notes": list(c.notes), "table": records(c.table),
        }  # fmt: skip
    else:
        out["comparison_note"] = comparison.note
    if a.n_window == 0:
        out["message"] = "no timed night-time incidents match this selection"
    return out


def targets_json(t: TargetsResult) -> dict[str, Any]:
    """The ``/api/targets`` payload."""
    r = t.report
    return {
        "selection": t.options.selection.describe(),
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
        "coverage": records(r.coverage.reset_index()),
        "notes": list(t.notes),
    }
