"""Public aggregates: anonymous, suppressed, without sensitive categories.

Served as ``/api/public/counts`` and on the Public view page (``dashboard/pages/public.py``) only
when the district's ``[privacy] public = true`` (off by default; logged-in users may always preview
the page).  Counts per sector, ward or LSOA for a selection; sensitive incidents (see
:func:`drop_sensitive`) are removed first and every count below ``public_min_count`` is withheld
(``null`` in the API, "fewer than 5" on the page) with a notice, so that no victim or address can be
inferred from a small number.  Nothing here returns a point, a location text or an incident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from flask import Flask, Response, current_app, jsonify, request

from dashboard.security.config import Privacy
from geo.params import flatten_multi, selection_from_mapping
from geo.sensitivity import sensitive_rows

AREAS = {"sector": "sector", "ward": "ward_name", "lsoa": "lsoa_code"}
SELECTION_KEYS = ("from", "to", "crime", "sector", "zone", "days", "hours", "night_cutoff")
#: Flag columns in words, for the notice (others are named as they are).
FLAG_WORDS = {"domestic": "domestic abuse"}


@dataclass(frozen=True)
class PublicCounts:
    """Suppressed counts of one selection by one kind of area.

    Attributes
    ----------
    by : str
        ``sector``, ``ward`` or ``lsoa``.
    rows : list of dict
        ``{"area": name, "count": int or None}`` sorted by area; ``None`` is below the threshold.
    selection : str
        The selection in words.
    notice : str
        What was withheld and why (shown with every public answer).
    min_count : int
        The suppression threshold.
    """

    by: str
    rows: list[dict]
    selection: str
    notice: str
    min_count: int


def drop_sensitive(df: pd.DataFrame, privacy: Privacy) -> pd.DataFrame:
    """``df`` without its sensitive rows.

    A row goes when its stored ``sensitive`` column is true (set at ingest by the district's rule:
    sensitive force codes, Home Office categories and flag columns such as a domestic-abuse flag) or,
    as a second line for rows stored before that column existed or before the rule named a category,
    when its Home Office category is a sensitive one.  A frame without a ``sensitive`` column is
    refused rather than trusted.

    Raises
    ------
    ValueError
        When ``df`` has no ``sensitive`` column (the read did not select it).
    """
    if "sensitive" not in df:
        raise ValueError("the incidents read for a public answer lack the 'sensitive' column")
    keep = ~df["sensitive"].fillna(True).astype(bool).to_numpy()
    if "ho_category" in df:  # the ingest's own rule, by category alone (the stored rows carry no code or flag)
        keep &= ~sensitive_rows(privacy.sensitivity, None, df["ho_category"])
    return df[keep]


def suppressed_counts(df: pd.DataFrame, column: str, min_count: int) -> list[dict]:
    """Counts per value of ``column``; those below ``min_count`` become ``None`` (shown as "fewer than")."""
    counts = df[column].fillna("(unknown)").astype(str).value_counts().sort_index()
    return [{"area": area, "count": int(n) if n >= min_count else None} for area, n in counts.items()]


def removed_text(privacy: Privacy) -> str:
    """What the public view removes, in words (the district's sensitive categories, codes and flags)."""
    rule = privacy.sensitivity
    parts = list(rule.ho_categories)
    if rule.codes:
        plural = "s" if len(rule.codes) > 1 else ""
        parts.append(f"offences recorded under force code{plural} {', '.join(rule.codes)}")
    if rule.flag_columns:
        parts.append("incidents flagged " + " or ".join(FLAG_WORDS.get(c.lower(), c) for c in rule.flag_columns))
    return ", ".join(parts) or "none named"


def notice_text(privacy: Privacy) -> str:
    """The notice shown with every public answer: what is withheld and why."""
    return (
        f'Counts below {privacy.public_min_count} are not shown ("fewer than {privacy.public_min_count}") and '
        f"sensitive incidents ({removed_text(privacy)}) are removed, so that no victim or address can be "
        "inferred. No individual incident is shown."
    )


def public_counts(by: str, params: Mapping[str, Any]) -> PublicCounts:
    """Suppressed counts of the selection ``params`` (the API's names) by ``by``, on the current app.

    Parameters
    ----------
    by : str
        ``sector``, ``ward`` or ``lsoa``.
    params : mapping
        Selection parameters (:data:`SELECTION_KEYS`).

    Returns
    -------
    PublicCounts

    Raises
    ------
    ValueError
        For an unknown ``by`` or parameter, or a selection that cannot be parsed.
    """
    if by not in AREAS:
        raise ValueError(f"parameter 'by' must be one of {', '.join(AREAS)}")
    unknown = sorted(set(params) - set(SELECTION_KEYS))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; use by, {', '.join(SELECTION_KEYS)}")
    from dashboard import data_access

    sel = selection_from_mapping(params)
    df = data_access.source().query(sel).incidents
    privacy = current_app.extensions["hotspots_security"].privacy
    rows = suppressed_counts(drop_sensitive(df, privacy), AREAS[by], privacy.public_min_count)
    return PublicCounts(by, rows, sel.describe(), notice_text(privacy), privacy.public_min_count)


def months_with_data() -> list[str]:
    """Every calendar month (``YYYY-MM``) holding at least one incident, newest first."""
    from dashboard import data_access
    from geo.selection import Selection

    when = data_access.source().query(Selection(night_cutoff=None)).incidents["occurred_from"]
    return sorted(set(when.dropna().dt.strftime("%Y-%m")), reverse=True)


def counts_view() -> Response | tuple[Response, int]:
    """``/api/public/counts?by=sector|ward|lsoa`` plus the shared selection parameters."""
    params = flatten_multi(request.args.items(multi=True))
    by = params.pop("by", "sector")
    if isinstance(by, list):
        return jsonify(error=f"parameter 'by' must be one of {', '.join(AREAS)}"), 400
    try:
        found = public_counts(by, params)
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    marking = current_app.extensions["hotspots_security"].privacy.marking
    return jsonify(by=by, selection=found.selection, counts=found.rows, notice=found.notice, marking=marking)


def register(server: Flask) -> None:
    """Add ``/api/public/counts`` (the policy table lets every role and, when enabled, anonymous visitors in)."""
    if "security_public_counts" not in server.view_functions:
        server.add_url_rule("/api/public/counts", "security_public_counts", counts_view)
