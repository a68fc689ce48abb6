"""data.police.uk street-level crime CSVs: single files, folders and the zip as downloaded."""

from __future__ import annotations

from pathlib import Path

from geo.readers._common import RawBatch, decode_bytes, read_csv_text, require_columns

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


def read_police_uk(data: bytes, label: str, synthetic: bool = False) -> tuple[RawBatch, list[str]]:
    """Read one data.police.uk street CSV (bytes) into a :class:`RawBatch`.

    Parameters
    ----------
    data : bytes
        The file's content (CRLF and a UTF-8 BOM are fine).
    label : str
        The file's name as shown in messages and in the rejects file.
    synthetic : bool, default False
        Mark the rows synthetic (benchmarks and tests generate such files).

    Returns
    -------
    batch, notes
    """
    text, note = decode_bytes(data, label)
    frame, refused, lines = read_csv_text(text, label)
    require_columns(list(frame.columns), POLICE_UK_COLUMNS, label, "data.police.uk street-level crime file")
    keep = [*_RENAME.values(), "_row", *(["_raw"] if "_raw" in frame else [])]
    frame = frame.rename(columns=_RENAME)[keep]
    stem = Path(label.split("!")[-1]).stem
    batch = RawBatch(
        frame=frame,
        file=label,
        source=f"police_uk:{stem}",
        kind="police_uk",
        coords="lonlat",
        synthetic=synthetic,
        rows_rejected=refused,
        lines=lines,
    )
    return batch, [note] if note else []
