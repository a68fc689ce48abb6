"""One limits table for every numeric option, whichever face it arrives through.

The API, the CLI flags and the dashboard controls all parse through :func:`parse_number`, so K is
1-20 everywhere, a radius is 10-1000 m everywhere, and the message is the same everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from service.errors import OptionsError


@dataclass(frozen=True)
class Limit:
    """Default, bounds and wording of one numeric option."""

    default: float | int | None
    lo: float
    hi: float
    label: str
    unit: str = ""
    integer: bool = False


#: Every numeric option, by its parameter name (the same name in URLs, the API and CLI flags).
LIMITS: dict[str, Limit] = {
    "k": Limit(5, 1, 20, "number of van sites", integer=True),
    "radius": Limit(100.0, 10.0, 1000.0, "camera radius", " m"),
    "cell": Limit(150.0, 25.0, 1000.0, "patrol cell size", " m"),
    "n": Limit(8, 1, 30, "number of patrols", integer=True),
    "cell_size": Limit(None, 25.0, 2000.0, "hotspot cell size", " m"),
    "bandwidth": Limit(None, 25.0, 2000.0, "KDE bandwidth", " m"),
    "top_share": Limit(0.01, 0.001, 0.2, "hotspot area share"),
    "max_hotspots": Limit(None, 1, 200, "number of hotspots", integer=True),
    "min_count": Limit(5, 1, 1000, "minimum incidents per hotspot", integer=True),
    "top": Limit(10, 1, 200, "hotspots shown", integer=True),
    "premises_radius": Limit(50.0, 5.0, 500.0, "premises radius", " m"),
    # One default for the map's PAI and `hotspots evaluate`: the latest 6 monthly folds (a fold costs a
    # few tenths of a second; the map waits for it).  `folds=all` (CLI `--max-folds 0`) keeps every fold.
    "folds": Limit(6, 1, 120, "backtest folds", integer=True),
    "train_months": Limit(3, 1, 24, "training months", integer=True),
    "permutations": Limit(999, 99, 9999, "permutations", integer=True),
    "seed": Limit(0, 0, 2**31 - 1, "random seed", integer=True),
    "buffer": Limit(200.0, 25.0, 2000.0, "buffer ring width", " m"),
    "period_days": Limit(None, 1, 366, "period length", " days", integer=True),
    "grid": Limit(1.0, 0.1, 100.0, "location grid", " m"),
    "last_days": Limit(28, 1, 365, "days of latest incidents for risk zones", integer=True),
    "eps": Limit(None, 5.0, 2000.0, "DBSCAN radius", " m"),
    "min_samples": Limit(None, 1, 1000, "core-point incidents", integer=True),
    "min_cluster_size": Limit(None, 2, 10000, "smallest cluster", integer=True),
    "local_weight": Limit(None, 0.0, 100.0, "KDE local weight"),
    "area_share": Limit(0.01, 0.001, 0.5, "hotspot area share"),
    "test_months": Limit(1, 1, 12, "test months", integer=True),
    "window": Limit(3, 1, 12, "patrol time window", " h", integer=True),
    "visit": Limit(15, 5, 120, "suggested visit", " min", integer=True),
    "limit": Limit(None, 1, 10_000_000, "number of incidents returned", integer=True),
    "baseline": Limit(12, 1, 60, "baseline periods", integer=True),
    "alpha": Limit(0.01, 0.0001, 0.5, "expected-range tail"),
}

#: The most incident points the map draws; a larger selection is drawn as counts per grid cell.
MAP_POINT_LIMIT = 50_000
#: Side of the grid cells the map counts incidents in when a selection exceeds :data:`MAP_POINT_LIMIT`.
MAP_GRID_CELL_M = 250.0


def check_number(name: str, value: float | int | None, param: str | None = None) -> float | int | None:
    """Check an already-typed value against :data:`LIMITS` (None passes: it means automatic).

    ``param`` is the name the user typed, when it differs from the limits row (``radius`` of the
    premises linking uses the ``premises_radius`` row).

    Raises
    ------
    OptionsError
        Naming the option and its bounds.
    """
    if value is None:
        return None
    lim = LIMITS[name]
    shown = param or name
    v = float(value)
    if not math.isfinite(v) or not lim.lo <= v <= lim.hi:
        raise OptionsError(
            f"the {lim.label} ('{shown}') must be between {lim.lo:g} and {lim.hi:g}{lim.unit}, got {v:g}"
        )
    if lim.integer:
        if v != int(v):
            raise OptionsError(f"the {lim.label} ('{shown}') must be a whole number, got {v:g}")
        return int(v)
    return v


def parse_number(name: str, raw: Any, param: str | None = None) -> float | int | None:
    """Parse a parameter (string, number, or a one-item list from a query string) against :data:`LIMITS`.

    Missing or empty gives the default; ``auto`` gives None where the default is automatic.
    ``param`` names the parameter in messages when it differs from the limits row.
    """
    shown = param or name
    if isinstance(raw, list | tuple):
        if len(raw) > 1:
            raise OptionsError(f"'{shown}' given {len(raw)} times; give it once")
        raw = raw[0] if raw else None
    lim = LIMITS[name]
    if raw is None or raw == "" or (isinstance(raw, str) and raw.lower() == "auto" and lim.default is None):
        return lim.default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise OptionsError(f"the {lim.label} ('{shown}') must be a number, got '{raw}'") from None
    return check_number(name, value, param)
