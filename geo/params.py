"""Parse and format the shared selection parameters (CLI flags, API query strings, URL state).

One mapping of string parameters, the same names everywhere:

=============  ===================================================  ====================
name           value                                                example
=============  ===================================================  ====================
from, to       date, dd/mm/yyyy or yyyy-mm-dd (inclusive)           ``01/04/2007``
crime          crime types, comma-separated or repeated             ``Burglary``
ho             Home Office categories, repeated                     ``Criminal damage``
sector         police sectors, comma-separated or repeated          ``Winchester Town``
zone           zone key, ``out:`` prefix for outside                ``2005`` / ``out:2005``
days           days of week                                         ``fri,sat``
hours          hour window, may cross midnight                      ``20-04``
night_cutoff   hour, or ``off``                                     ``6``
=============  ===================================================  ====================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from geo.selection import DAY_ABBR, DEFAULT_NIGHT_CUTOFF, Selection, SelectionError

_DAY_LOOKUP = {name.lower(): i for i, name in enumerate(DAY_ABBR)} | {
    full.lower(): i
    for i, full in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}


def parse_date(text: str | date | None, name: str = "date") -> date | None:
    """Parse ``dd/mm/yyyy`` or ISO ``yyyy-mm-dd``; None or '' gives None."""
    if text is None or text == "":
        return None
    if isinstance(text, date):
        return text
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise SelectionError(f"{name} '{text}' is not a date: use dd/mm/yyyy or yyyy-mm-dd")


def _split(values: Any) -> tuple[str, ...]:
    if values is None or values == "":
        return ()
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        out += [p.strip() for p in str(v).split(",") if p.strip()]
    return tuple(out)


def _split_keep_commas(values: Any) -> tuple[str, ...]:
    """Like _split, for names that may contain commas: only repeated values separate them."""
    if values is None or values == "":
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(str(v).strip() for v in values if str(v).strip())


def parse_days(text: Any) -> tuple[int, ...]:
    """``"fri,sat"`` or ``"4,5"`` -> ``(4, 5)`` (0 = Monday)."""
    days = []
    for part in _split(text):
        key = part.lower()
        if key.isdigit() and int(key) in range(7):
            days.append(int(key))
        elif key in _DAY_LOOKUP:
            days.append(_DAY_LOOKUP[key])
        else:
            raise SelectionError(f"day '{part}' not understood: use mon,tue,...,sun or 0-6 (0 = Monday)")
    return tuple(sorted(set(days)))


def parse_hours(text: str | None) -> tuple[int, int] | None:
    """``"20-04"`` -> ``(20, 4)``; ``"22:00-03:00"`` is accepted too."""
    if text is None or text == "":
        return None
    try:
        start, end = (p.strip().split(":")[0] for p in str(text).split("-"))
        return int(start), int(end)
    except ValueError:
        raise SelectionError(f"hours '{text}' not understood: use HH-HH, e.g. 20-04") from None


def parse_cutoff(text: Any) -> int | None:
    """Night cut-off: an hour, or ``off``/``none`` for calendar days."""
    if text is None or text == "":
        return DEFAULT_NIGHT_CUTOFF
    if str(text).lower() in {"off", "none", "no"}:
        return None
    try:
        return int(text)
    except ValueError:
        raise SelectionError(f"night cut-off '{text}' must be an hour (0-12) or 'off'") from None


def selection_from_mapping(params: Mapping[str, Any]) -> Selection:
    """Build a validated :class:`Selection` from string parameters (names in the module table).

    Raises
    ------
    SelectionError
        Naming the parameter that is wrong.
    """
    zone = params.get("zone") or None
    inside = True
    if zone and str(zone).startswith("out:"):
        zone, inside = str(zone)[4:], False
    elif zone and str(zone).startswith("in:"):
        zone = str(zone)[3:]
    return Selection(
        date_from=parse_date(params.get("from"), "from"),
        date_to=parse_date(params.get("to"), "to"),
        crime_types=_split_keep_commas(params.get("crime")),
        ho_categories=_split_keep_commas(params.get("ho")),
        sectors=_split_keep_commas(params.get("sector")),
        zone=zone,
        zone_inside=inside,
        days=parse_days(params.get("days")),
        hours=parse_hours(params.get("hours")),
        night_cutoff=parse_cutoff(params.get("night_cutoff")),
    )


def selection_to_mapping(sel: Selection) -> dict[str, str | list[str]]:
    """The inverse of :func:`selection_from_mapping`, omitting defaults (for URLs and links)."""
    out: dict[str, str | list[str]] = {}
    if sel.date_from:
        out["from"] = sel.date_from.isoformat()
    if sel.date_to:
        out["to"] = sel.date_to.isoformat()
    for key, values in (("crime", sel.crime_types), ("ho", sel.ho_categories), ("sector", sel.sectors)):
        if values:
            out[key] = list(values)
    if sel.zone:
        out["zone"] = sel.zone if sel.zone_inside else f"out:{sel.zone}"
    if sel.days:
        out["days"] = ",".join(DAY_ABBR[d].lower() for d in sel.days)
    if sel.hours:
        out["hours"] = f"{sel.hours[0]:02d}-{sel.hours[1]:02d}"
    if sel.night_cutoff != DEFAULT_NIGHT_CUTOFF:
        out["night_cutoff"] = "off" if sel.night_cutoff is None else str(sel.night_cutoff)
    return out


def flatten_multi(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str] | str]:
    """Turn query-string pairs into a mapping whose repeated keys become lists."""
    out: dict[str, list[str] | str] = {}
    for k, v in pairs:
        if k in out:
            prev = out[k]
            out[k] = (prev if isinstance(prev, list) else [prev]) + [v]
        else:
            out[k] = v
    return out


def parse_bbox(text: str | None, lonlat: bool = True) -> tuple[float, float, float, float] | None:
    """A map window as British National Grid bounds for the store's ``points``/``grid_counts``.

    Parameters
    ----------
    text : str or None
        ``"west,south,east,north"``: longitude/latitude (as Leaflet gives them) or, with
        ``lonlat=False``, eastings/northings in metres.  None or '' gives None (no window).
    lonlat : bool, default True

    Returns
    -------
    tuple of float or None
        ``(min_e, min_n, max_e, max_n)``: the BNG envelope of the window's four corners.

    Raises
    ------
    SelectionError
        Not four numbers, or west/east or south/north reversed.
    """
    if text is None or text == "":
        return None
    try:
        west, south, east, north = (float(p) for p in str(text).split(","))
    except ValueError:
        raise SelectionError(f"bbox '{text}' not understood: use west,south,east,north") from None
    if not (west < east and south < north):
        raise SelectionError(f"bbox '{text}' is reversed: use west,south,east,north")
    if not lonlat:
        return west, south, east, north
    from pyproj import Transformer

    from geo.schema import BNG, WGS84

    to_bng = Transformer.from_crs(WGS84, BNG, always_xy=True)
    xs, ys = to_bng.transform([west, west, east, east], [south, north, south, north])
    return min(xs), min(ys), max(xs), max(ys)
