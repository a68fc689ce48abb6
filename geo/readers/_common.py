"""Shared reader plumbing: the raw batch every reader produces, and tolerant CSV reading."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from geo.errors import HotspotsError

#: Raw fields a reader fills (all strings; missing ones absent or empty).  validate.py parses them.
RAW_FIELDS = (
    "id",
    "crime",  # a data.police.uk category name, or a force code (see RawBatch.crime_is_code)
    "month",  # YYYY-MM, month-precision sources
    "date_from",
    "time_from",
    "date_to",
    "time_to",
    "x",  # longitude or easting (see RawBatch.coords)
    "y",  # latitude or northing
    "location",
    "lsoa_code",
    "outcome",
)


class FileFormatError(HotspotsError, ValueError):
    """A whole file cannot be read as the format it claims (wrong columns, junk, empty)."""


@dataclass
class RawBatch:
    """One input file's rows as raw strings, ready for :func:`geo.validate.validate_batch`.

    ``frame`` has the :data:`RAW_FIELDS` present plus ``_row`` (the row number a user sees in the
    file: the header is row 1) and, where ``lines`` is not kept, ``_raw`` (the original row text,
    for the rejects file).
    """

    frame: pd.DataFrame
    file: str
    source: str
    kind: str  # "police_uk", "force_csv", "vector"
    coords: str = "lonlat"  # "lonlat" or "bng"
    crime_is_code: bool = False
    date_format: str | None = None
    synthetic: bool = False
    rows_rejected: pd.DataFrame = field(default_factory=pd.DataFrame)  # rows the reader itself refused
    lines: list[str] | None = None  # the file's lines, when ``frame`` has no ``_raw`` column

    def raw_text(self, mask) -> list[str]:
        """Original text of the rows selected by a boolean mask (for the rejects file)."""
        if "_raw" in self.frame:
            return list(self.frame["_raw"].to_numpy()[mask])
        rows = self.frame["_row"].to_numpy()[mask]
        return [self.lines[r - 1] for r in rows] if self.lines is not None else [""] * len(rows)

    @property
    def n_read(self) -> int:
        """Rows read from the file, including those the reader refused."""
        return len(self.frame) + len(self.rows_rejected)


def decode_bytes(data: bytes, name: str) -> tuple[str, str | None]:
    """Decode file bytes as UTF-8 (BOM tolerated), else Windows-1252; refuse binary junk.

    Returns
    -------
    text, note
        ``note`` says when a fallback encoding was used.
    """
    if not data.strip():
        raise FileFormatError(f"{name}: the file is empty")
    if b"\x00" in data[:4096]:
        raise FileFormatError(f"{name}: this is not a text CSV file (binary content)")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        note = f"{name}: not valid UTF-8 (byte {exc.start}); read as Windows-1252 instead"
    text = data.decode("cp1252", errors="replace")
    if text.count("\ufffd") > max(10, len(text) // 100):
        raise FileFormatError(f"{name}: this is not a text CSV file (undecodable content)")
    return text, note


def read_csv_text(text: str, name: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Read CSV text into strings; rows with the wrong number of fields are refused, not lost.

    Returns
    -------
    frame, refused, lines
        ``frame`` has the file's columns (as str) and ``_row`` (header = row 1); ``refused`` has
        ``_row``, ``_raw``, ``field`` and ``reason`` for malformed rows; ``lines`` are the file's
        lines, from which the raw text of a rejected row is taken (``lines[_row - 1]``).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise FileFormatError(f"{name}: the file is empty")
    header = next(csv.reader([lines[0]]))
    if len(header) < 2 or len(set(header)) != len(header):
        raise FileFormatError(f"{name}: the first line is not a CSV header (found {lines[0][:80]!r})")
    if "\n\n" in text or len(lines) < 2:
        # Blank lines: the row-by-row reader keeps row numbers right where pyarrow would skip them.
        return _read_row_by_row(lines, header)
    try:
        # pyarrow's reader is three times faster than pandas' C reader on a million rows; it
        # refuses ragged rows, which the row-by-row reader then handles one by one.
        frame = pd.read_csv(io.BytesIO(text.encode("utf-8")), dtype=str, keep_default_na=False, engine="pyarrow")
    except (pa.ArrowInvalid, pd.errors.ParserError, ValueError):
        return _read_row_by_row(lines, header)
    frame.columns = header
    frame["_row"] = np.arange(2, len(frame) + 2)
    if len(lines) - 1 != len(frame):  # quoted line breaks: a row's raw text is not one line
        frame["_raw"] = ""
    return frame, pd.DataFrame(columns=["_row", "_raw", "field", "reason"]), lines


def _read_row_by_row(lines: list[str], header: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Slow path for ragged files: keep good rows, refuse rows with a wrong field count."""
    good, bad = [], []
    for i, fields in enumerate(csv.reader(lines[1:]), start=2):
        if len(fields) == len(header):
            good.append([*fields, i])
        elif fields:
            kind = "fewer" if len(fields) < len(header) else "more"
            plural = "s" if len(fields) != 1 else ""
            bad.append(
                {
                    "_row": i,
                    "_raw": lines[i - 1],
                    "field": "(row)",
                    "reason": f"row has {len(fields)} field{plural}, {kind} than the header's {len(header)} "
                    "(truncated or broken row)",
                }
            )
    frame = pd.DataFrame(good, columns=[*header, "_row"])
    for col in header:
        frame[col] = frame[col].astype(str)
    blank = (frame[header] == "").all(axis=1)
    refused = pd.DataFrame(bad, columns=["_row", "_raw", "field", "reason"])
    return frame.loc[~blank].reset_index(drop=True), refused, lines


def require_columns(columns: list[str], needed: list[str], name: str, what: str) -> None:
    """Raise one clear FileFormatError naming the missing columns."""
    missing = [c for c in needed if c not in columns]
    if missing:
        raise FileFormatError(
            f"{name}: not a {what}: missing column(s) {', '.join(missing)} (found: {', '.join(columns[:15])})"
        )


def file_label(path: Path, member: str | None = None) -> str:
    """How a file is named in messages and rejects: 'file.zip!member.csv' for zip members."""
    return f"{path.name}!{member}" if member else path.name
