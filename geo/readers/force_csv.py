"""Force extracts in CSV: columns mapped by the district config or on the command line.

A mapping names the file's column for each field.  Dates and times may sit in separate columns
(``date``/``time``, ``date_to``/``time_to``) or combined (``datetime``/``datetime_to``); coordinates
as ``easting``/``northing`` (British National Grid) or ``longitude``/``latitude``.  The crime is a
force code (``crime_code``, looked up in the district's crime-code table) or a data.police.uk
category name (``crime_type``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from geo.readers._common import FLAG_PREFIX, FileFormatError, RawBatch, RowText, require_columns

#: Fields a mapping may name, besides ``date_format``.
MAPPABLE = (
    "id",
    "crime_code",
    "crime_type",
    "date",
    "time",
    "datetime",
    "date_to",
    "time_to",
    "datetime_to",
    "easting",
    "northing",
    "longitude",
    "latitude",
    "location",
    "lsoa_code",
    "outcome",
    "postcode",
)


def check_mapping(mapping: Mapping[str, str], where: str) -> None:
    """Validate a column mapping before any work (one clear message)."""
    unknown = [k for k in mapping if k not in (*MAPPABLE, "date_format")]
    if unknown:
        raise FileFormatError(f"{where}: unknown mapping field(s) {unknown}; use {', '.join(MAPPABLE)}")
    if not ({"crime_code", "crime_type"} & set(mapping)):
        raise FileFormatError(f"{where}: the mapping needs crime_code or crime_type")
    if not ({"date", "datetime"} & set(mapping)):
        raise FileFormatError(f"{where}: the mapping needs date (and time) or datetime")
    has_bng = {"easting", "northing"} <= set(mapping)
    has_ll = {"longitude", "latitude"} <= set(mapping)
    if not (has_bng or has_ll or "postcode" in mapping):
        raise FileFormatError(f"{where}: the mapping needs easting+northing, longitude+latitude or postcode")


def looks_like_force(header: list[str], mapping: Mapping[str, str]) -> bool:
    """Whether a CSV header holds the mapping's crime, date and coordinate columns."""
    cols = set(header)
    needed = [mapping.get(k) for k in ("crime_code", "crime_type", "date", "datetime") if mapping.get(k)]
    coords = [mapping.get(k) for k in ("easting", "northing", "longitude", "latitude", "postcode") if mapping.get(k)]
    return bool(needed) and any(c in cols for c in needed) and bool(coords) and all(c in cols for c in coords[:2])


def check_force_header(header: list[str], mapping: Mapping[str, str], label: str) -> None:
    """Refuse a file whose header lacks a column the mapping names (before reading any row)."""
    check_mapping(mapping, label)
    named = [v for k, v in mapping.items() if k != "date_format"]
    require_columns(header, named, label, "force extract with this column mapping")


def force_csv_batch(
    frame: pd.DataFrame,
    refused: pd.DataFrame,
    label: str,
    mapping: Mapping[str, str],
    synthetic: bool = False,
    raw_of: RowText | None = None,
    flags: tuple[str, ...] = (),
) -> RawBatch:
    """Turn one chunk of a force extract (header columns as str) into a :class:`RawBatch`.

    ``flags`` are the file's sensitivity flag columns (:func:`geo.readers.find_flag_columns`), carried
    for :func:`geo.validate.validate_batch` to check and apply.
    """
    out = frame[["_row", *(["_raw"] if "_raw" in frame else [])]].copy()
    for column in flags:
        out[FLAG_PREFIX + column] = frame[column]
    for field in ("id", "location", "lsoa_code", "outcome", "postcode"):
        if field in mapping:
            out[field] = frame[mapping[field]]
    out["crime"] = frame[mapping.get("crime_code") or mapping["crime_type"]]
    if "datetime" in mapping:
        out["date_from"] = frame[mapping["datetime"]]
    else:
        out["date_from"] = frame[mapping["date"]]
        if "time" in mapping:
            out["time_from"] = frame[mapping["time"]]
    if "datetime_to" in mapping:
        out["date_to"] = frame[mapping["datetime_to"]]
    elif "date_to" in mapping:
        out["date_to"] = frame[mapping["date_to"]]
        if "time_to" in mapping:
            out["time_to"] = frame[mapping["time_to"]]
    bng = "easting" in mapping
    xcol, ycol = ("easting", "northing") if bng else ("longitude", "latitude")
    if xcol in mapping:
        out["x"] = frame[mapping[xcol]]
        out["y"] = frame[mapping[ycol]]
    return RawBatch(
        frame=out,
        file=label,
        source=f"force_csv:{Path(label.split('!')[-1]).stem}",
        kind="force_csv",
        coords="bng" if bng else "lonlat",
        crime_is_code="crime_code" in mapping,
        date_format=mapping.get("date_format"),
        synthetic=synthetic or "synthetic" in label.lower(),
        rows_rejected=refused,
        raw_of=raw_of,
        flags=tuple(flags),
    )
