"""The canonical incident schema shared by the store, the analysis, the CLI and the dashboard.

Every reader turns its input into a DataFrame with :data:`CANONICAL_COLUMNS`; the store keeps
exactly these columns; every query returns them.  Times are timezone-aware ``Europe/London``.
"""

from __future__ import annotations

from typing import Final

#: Local time zone of every incident time (DST-aware).
LOCAL_TZ: Final = "Europe/London"
#: British National Grid: all distances and areas are computed in metres in this CRS.
BNG: Final = "EPSG:27700"
#: WGS84 longitude/latitude, used only at the edges (input files, maps, GeoJSON out).
WGS84: Final = "EPSG:4326"

#: The 14 data.police.uk street-level crime categories, in the order data.police.uk lists them.
CRIME_TYPES: Final[tuple[str, ...]] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
    "Other crime",
)

#: Crime types grouped the way a CSP analyst thinks about them (used by filters and reports).
CRIME_GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "Violence and disorder": (
        "Violence and sexual offences",
        "Public order",
        "Possession of weapons",
        "Robbery",
    ),
    "Anti-social behaviour and damage": ("Anti-social behaviour", "Criminal damage and arson"),
    "Acquisitive crime": (
        "Burglary",
        "Vehicle crime",
        "Bicycle theft",
        "Theft from the person",
        "Shoplifting",
        "Other theft",
    ),
    "Other": ("Drugs", "Other crime"),
}

#: Crime types that make up night-time-economy violence by default.
NTE_VIOLENCE: Final[tuple[str, ...]] = ("Violence and sexual offences",)

#: Values of ``time_precision``.
PRECISION_MONTH: Final = "month"  # data.police.uk: the row spans its whole month
PRECISION_DAY: Final = "day"  # a date without a time of day
PRECISION_TIME: Final = "time"  # an exact time, or a from/to window of times

#: Values of ``location_precision``.
PRECISION_POINT: Final = "point"  # coordinates from the source
PRECISION_POSTCODE: Final = "postcode"  # placed at the postcode's centroid (the source gave no point)

#: Canonical columns and their meaning.  ``dtype`` is the pandas dtype after a store query.
CANONICAL_COLUMNS: Final[dict[str, tuple[str, str]]] = {
    "incident_id": ("string", "Source id, or a stable content-derived id when the source has none"),
    "source": ("string", "Reader and file stem, e.g. 'police_uk:2017-02-hampshire-street-winchester'"),
    "synthetic": ("bool", "True for generated demo data, which the UI labels synthetic"),
    "crime_type": ("string", "One of the 14 data.police.uk categories (CRIME_TYPES)"),
    "ho_category": ("string", "Home Office target category where one applies, else missing"),
    "occurred_from": ("datetime64[ns, Europe/London]", "Earliest time the incident may have happened"),
    "occurred_to": ("datetime64[ns, Europe/London]", "Latest time it may have happened (>= occurred_from)"),
    "time_precision": ("string", "'month', 'day' or 'time' (see PRECISION_*)"),
    "longitude": ("float64", "WGS84 longitude"),
    "latitude": ("float64", "WGS84 latitude"),
    "easting": ("float64", "British National Grid easting, metres"),
    "northing": ("float64", "British National Grid northing, metres"),
    "location": ("string", "Location text, e.g. 'On or near High Street'"),
    "lsoa_code": ("string", "2011 LSOA code, from the source or derived from the point"),
    "outcome": ("string", "Last outcome category where the source gives one"),
    "ward_code": ("string", "Ward containing the point (derived)"),
    "ward_name": ("string", "Ward name (derived)"),
    "sector": ("string", "Police sector containing the point (derived)"),
    "location_precision": ("string", "'point' (coordinates from the source) or 'postcode' (postcode centroid)"),
    "sensitive": (
        "bool",
        "True for sexual offences and rows the force extract flags (e.g. domestic abuse): point level for "
        "analysts and officers only, never public (the district's [privacy] rule, applied at ingest)",
    ),
}

#: Zone membership columns are added per zone the district config declares: ``in_zone_<key>``
#: (bool).  Winchester declares keys ``2005`` (city centre) and ``2007`` (extended town zone).
ZONE_PREFIX: Final = "in_zone_"

#: Column names, in store order.
COLUMNS: Final[tuple[str, ...]] = tuple(CANONICAL_COLUMNS)


def zone_column(key: str) -> str:
    """Return the store column holding membership of the zone with config key ``key``."""
    return f"{ZONE_PREFIX}{key}"


def schema_markdown() -> str:
    """Return the canonical schema as a Markdown table (used by the README and ``hotspots schema``).

    Returns
    -------
    str
        One row per canonical column: name, dtype and meaning.
    """
    rows = ["| column | type | meaning |", "|---|---|---|"]
    rows += [f"| `{name}` | {dtype} | {meaning} |" for name, (dtype, meaning) in CANONICAL_COLUMNS.items()]
    rows.append("| `in_zone_<key>` | bool | Inside the alcohol control zone `<key>` of the district config (derived) |")
    return "\n".join(rows)
