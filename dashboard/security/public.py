"""Public aggregates (``/api/public/counts``): anonymous, suppressed, without sensitive categories.

Only served when the district's ``[privacy] public = true`` (off by default).  Counts per sector,
ward or LSOA for a selection; sensitive categories (see :func:`drop_sensitive`) are removed first and
every count below ``public_min_count`` is replaced by ``null`` with a notice, so that no victim or
address can be inferred from a small number.
"""

from __future__ import annotations

import pandas as pd
from flask import Flask, Response, current_app, jsonify, request

from dashboard.security.config import Privacy
from geo.params import flatten_multi, selection_from_mapping

AREAS = {"sector": "sector", "ward": "ward_name", "lsoa": "lsoa_code"}
SELECTION_KEYS = ("from", "to", "crime", "sector", "zone", "days", "hours", "night_cutoff")


def drop_sensitive(df: pd.DataFrame, privacy: Privacy) -> pd.DataFrame:
    """``df`` without the rows of a sensitive Home Office category or with a true sensitive flag column."""
    keep = pd.Series(True, index=df.index)
    if "ho_category" in df and privacy.sensitive_ho_categories:
        keep &= ~df["ho_category"].isin(privacy.sensitive_ho_categories).fillna(False).astype(bool)
    for col in privacy.sensitive_flag_columns:
        if col in df:
            keep &= ~df[col].fillna(False).astype(bool)
    return df[keep.to_numpy()]


def suppressed_counts(df: pd.DataFrame, column: str, min_count: int) -> list[dict]:
    """Counts per value of ``column``; those below ``min_count`` become ``None`` (shown as "fewer than")."""
    counts = df[column].fillna("(unknown)").astype(str).value_counts().sort_index()
    return [{"area": area, "count": int(n) if n >= min_count else None} for area, n in counts.items()]


def counts_view() -> Response | tuple[Response, int]:
    """``/api/public/counts?by=sector|ward|lsoa`` plus the shared selection parameters."""
    state = current_app.extensions["hotspots_security"]
    params = flatten_multi(request.args.items(multi=True))
    by = params.pop("by", "sector")
    unknown = sorted(set(params) - set(SELECTION_KEYS))
    if by not in AREAS or isinstance(by, list):
        return jsonify(error=f"parameter 'by' must be one of {', '.join(AREAS)}"), 400
    if unknown:
        return jsonify(error=f"unknown parameter(s) {', '.join(unknown)}; use by, {', '.join(SELECTION_KEYS)}"), 400
    try:
        sel = selection_from_mapping(params)
        df = state.call(lambda store: store.query(sel).incidents)
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    privacy = state.privacy
    df = drop_sensitive(df, privacy)
    rows = suppressed_counts(df, AREAS[by], privacy.public_min_count)
    notice = (
        f"Counts below {privacy.public_min_count} are not shown and sensitive categories "
        f"({', '.join(privacy.sensitive_ho_categories) or 'none named'}) are removed, so that no victim or "
        "address can be inferred."
    )
    return jsonify(by=by, selection=sel.describe(), counts=rows, notice=notice, marking=privacy.marking)


def register(server: Flask) -> None:
    """Add ``/api/public/counts`` (the policy table lets every role and, when enabled, anonymous visitors in)."""
    if "security_public_counts" not in server.view_functions:
        server.add_url_rule("/api/public/counts", "security_public_counts", counts_view)
