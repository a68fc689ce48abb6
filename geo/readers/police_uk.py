"""data.police.uk street-level crime CSVs: single files, folders and the zip as downloaded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.readers._common import RawBatch, RowText, require_columns

#: Header of a data.police.uk street file (``Context`` is often empty; all are required but it).
POLICE_UK_COLUMNS = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
]
_RENAME = {
    "Crime ID": "id",
    "Month": "month",
    "Longitude": "x",
    "Latitude": "y",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "Crime type": "crime",
    "Last outcome category": "outcome",
}


def looks_like_police_uk(header: list[str]) -> bool:
    """Whether a CSV header is a data.police.uk street file's."""
    return {"Crime ID", "Month", "Crime type", "Longitude", "Latitude"} <= set(header)


def police_uk_batch(
    frame: pd.DataFrame, refused: pd.DataFrame, label: str, synthetic: bool = False, raw_of: RowText | None = None
) -> RawBatch:
    """Turn one chunk of a data.police.uk street CSV (header columns as str) into a :class:`RawBatch`.

    Parameters
    ----------
    frame : DataFrame
        The chunk's rows with the file's columns and ``_row``.
    refused : DataFrame
        Rows the CSV reader refused (``_row``, ``_raw``, ``field``, ``reason``).
    label : str
        The file's name as shown in messages and in the rejects file.
    synthetic : bool, default False
        Mark the rows synthetic (benchmarks and tests generate such files).
    raw_of : callable, optional
        Row numbers -> original text.
    """
    keep = [*_RENAME.values(), "_row", *(["_raw"] if "_raw" in frame else [])]
    frame = frame.rename(columns=_RENAME)[keep]
    stem = Path(label.split("!")[-1]).stem
    return RawBatch(
        frame=frame,
        file=label,
        source=f"police_uk:{stem}",
        kind="police_uk",
        coords="lonlat",
        synthetic=synthetic,
        rows_rejected=refused,
        raw_of=raw_of,
    )


def check_police_uk_header(header: list[str], label: str) -> None:
    """Refuse a file that lacks a data.police.uk column (before reading any row)."""
    require_columns(header, POLICE_UK_COLUMNS, label, "data.police.uk street-level crime file")
