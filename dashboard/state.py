"""Filter state <-> URL query string <-> :class:`geo.selection.Selection`.

The URL query string is the single source of truth: the shared parameter names of
:mod:`geo.params` (``from, to, crime, ho, sector, zone, days, hours, night_cutoff``) plus
page-specific ones (e.g. ``method``) that pages own.  A copied link reopens the same view.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode

import pandas as pd

from geo.params import flatten_multi, selection_from_mapping, selection_to_mapping
from geo.selection import DEFAULT_NIGHT_CUTOFF, Selection, SelectionError

#: Query parameters the shared filters own; every other parameter belongs to a page.
SHARED_PARAMS = ("from", "to", "crime", "ho", "sector", "zone", "days", "hours", "night_cutoff")

#: Quick picks of the date filter (relative to the data's latest date, not today).
QUICK_PICKS = {
    "weekend": "Last weekend",
    "28d": "Last 28 days",
    "fy": "This financial year",
    "prev_year": "Same period last year",
    "all": "All dates",
}


def parse_search(search: str | None) -> dict[str, str | list[str]]:
    """Query string (with or without ``?``) -> mapping; repeated keys become lists."""
    return flatten_multi(parse_qsl((search or "").lstrip("?"), keep_blank_values=False))


def build_search(params: dict[str, str | list[str] | None]) -> str:
    """Mapping -> ``?a=b&c=d`` (empty string when no parameters); lists become repeated keys."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None or value == "" or value == []:
            continue
        for v in value if isinstance(value, list) else [value]:
            pairs.append((key, str(v)))
    return "?" + urlencode(pairs) if pairs else ""


def selection_from_search(search: str | None) -> tuple[Selection, str | None]:
    """The selection a URL describes, and an error message if part of it was invalid.

    An invalid URL gives the default selection and the error text (shown in the filters
    panel) rather than a broken page.
    """
    params = {k: v for k, v in parse_search(search).items() if k in SHARED_PARAMS}
    try:
        return selection_from_mapping(params), None
    except SelectionError as exc:
        return Selection(), f"The link's filters could not be used: {exc}"


def selection_from_store(data: dict | None) -> Selection:
    """The selection held in the shell's ``selection`` dcc.Store (a :func:`selection_to_mapping` dict)."""
    return selection_from_mapping(data or {})


def page_param(search: str | None, key: str, default: str | None = None) -> str | None:
    """A page-specific parameter from the URL (first value if repeated)."""
    value = parse_search(search).get(key, default)
    return value[0] if isinstance(value, list) else value


def with_page_param(search: str | None, key: str, value: str | None) -> str:
    """The query string with one page-specific parameter set (or removed when None/'')."""
    params = parse_search(search)
    if value in (None, ""):
        params.pop(key, None)
    else:
        params[key] = value
    return build_search(params)


def with_selection(search: str | None, sel: Selection) -> str:
    """The query string with the shared parameters replaced by ``sel``'s, page parameters kept."""
    params = {k: v for k, v in parse_search(search).items() if k not in SHARED_PARAMS}
    return build_search({**selection_to_mapping(sel), **params})


# --- filter controls <-> Selection -------------------------------------------------------------


def controls_from_selection(sel: Selection) -> dict:
    """Values of the filter controls that show ``sel`` (keys match :func:`selection_from_controls`)."""
    if sel.zone is None:
        zone = ""
    else:
        zone = sel.zone if sel.zone_inside else f"out:{sel.zone}"
    return {
        "date_from": sel.date_from.isoformat() if sel.date_from else None,
        "date_to": sel.date_to.isoformat() if sel.date_to else None,
        "crime": list(sel.crime_types),
        "ho": list(sel.ho_categories),
        "sector": list(sel.sectors),
        "zone": zone,
        "days": list(sel.days),
        "hour_from": "" if sel.hours is None else str(sel.hours[0]),
        "hour_to": "" if sel.hours is None else str(sel.hours[1]),
        "night_cutoff": "off" if sel.night_cutoff is None else str(sel.night_cutoff),
    }


def selection_from_controls(values: dict) -> Selection:
    """Build a Selection from the filter controls' values (raises SelectionError when impossible)."""
    hf, ht = values.get("hour_from"), values.get("hour_to")
    hours = None
    if hf not in (None, "") and ht not in (None, ""):
        hours = f"{int(hf):02d}-{int(ht):02d}"
    elif hf not in (None, "") or ht not in (None, ""):
        raise SelectionError("choose both ends of the hour window, or neither")
    return selection_from_mapping(
        {
            "from": (values.get("date_from") or "")[:10],
            "to": (values.get("date_to") or "")[:10],
            "crime": values.get("crime") or [],
            "ho": values.get("ho") or [],
            "sector": values.get("sector") or [],
            "zone": values.get("zone") or "",
            "days": ",".join(str(d) for d in values.get("days") or []),
            "hours": hours or "",
            "night_cutoff": values.get("night_cutoff") or str(DEFAULT_NIGHT_CUTOFF),
        }
    )


# --- quick picks --------------------------------------------------------------------------------


def financial_year_start(day: date) -> date:
    """1 April of the financial year (April-March) containing ``day``."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def quick_pick(
    key: str,
    latest: date,
    current: tuple[date | None, date | None] = (None, None),
    latest_dated: date | None = None,
) -> tuple[date | None, date | None]:
    """Date range of a quick pick, relative to the data's last date, not today.

    Parameters
    ----------
    key : str
        One of :data:`QUICK_PICKS`.
    latest : date
        The latest date in the data.
    latest_dated : date, optional
        The latest incident with a day (default ``latest``).  "Last weekend" and "last 28 days"
        count back from it: month-only records (data.police.uk) can never fall in such a range.
    current : (date or None, date or None)
        The range shown now; ``prev_year`` shifts it back one year (or the last 28 days when
        no range is set).

    Returns
    -------
    (date or None, date or None)
    """
    dated = latest_dated or latest
    if key == "weekend":
        # The latest whole Friday-Sunday on or before `dated` (Sunday is weekday 6).
        sunday = dated - timedelta(days=(dated.weekday() - 6) % 7)
        return sunday - timedelta(days=2), sunday
    if key == "28d":
        return dated - timedelta(days=27), dated
    if key == "fy":
        return financial_year_start(latest), latest
    if key == "prev_year":
        lo, hi = current
        if lo is None and hi is None:
            lo, hi = latest - timedelta(days=27), latest
        shift = pd.DateOffset(years=1)
        return (
            (pd.Timestamp(lo) - shift).date() if lo else None,
            (pd.Timestamp(hi) - shift).date() if hi else None,
        )
    if key == "all":
        return None, None
    raise ValueError(f"unknown quick pick '{key}'")


def fmt_date(d: date | pd.Timestamp | None) -> str:
    """dd/mm/yyyy, or an en dash for missing."""
    if d is None or (isinstance(d, float)) or pd.isna(d):
        return "–"
    return pd.Timestamp(d).strftime("%d/%m/%Y")
