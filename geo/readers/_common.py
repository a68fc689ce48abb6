"""Shared reader plumbing: the raw batch every reader produces, and tolerant CSV reading."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

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


class FileFormatError(ValueError):
    """A whole file cannot be read as the format it claims (wrong columns, junk, empty)."""


@dataclass
class RawBatch:
    """One input file's rows as raw strings, ready for :func:`geo.validate.validate_batch`.

    ``frame`` has the :data:`RAW_FIELDS` present plus ``_row`` (the row number a user sees in the
    file: the header is row 1) and ``_raw`` (the original row text, for the rejects file).
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


def read_csv_text(text: str, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read CSV text into strings; rows with the wrong number of fields are refused, not lost.

    Returns
    -------
    frame, refused
        ``frame`` has the file's columns (as str), ``_row`` and ``_raw``; ``refused`` has
        ``_row``, ``_raw``, ``field`` and ``reason`` for malformed rows.
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
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, ValueError):
        frame, refused = _read_row_by_row(lines, header, name)
        blank = (frame.drop(columns=["_row", "_raw"]) == "").all(axis=1)
        return frame.loc[~blank].reset_index(drop=True), refused
    frame["_row"] = frame.index + 2
    frame["_raw"] = pd.Series(lines[1:], dtype=str) if len(lines) - 1 == len(frame) else ""
    blank = (frame[header] == "").all(axis=1)
    # pandas pads a cut-off line with empty fields; fewer separators than the header betrays it
    # (quoted commas can only add separators, never remove them).
    short = pd.Series(False, index=frame.index)
    if len(lines) - 1 == len(frame):
        short = (frame["_raw"].str.count(",") < len(header) - 1) & ~blank
    refused = pd.DataFrame(
        {
            "_row": frame.loc[short, "_row"],
            "_raw": frame.loc[short, "_raw"],
            "field": "(row)",
            "reason": f"row has fewer fields than the header's {len(header)} (truncated or broken row)",
        }
    )
    return frame.loc[~blank & ~short].reset_index(drop=True), refused.reset_index(drop=True)


def _read_row_by_row(lines: list[str], header: list[str], name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Slow path for files pandas refuses: keep good rows, refuse rows with a wrong field count."""
    good, bad = [], []
    for i, fields in enumerate(csv.reader(lines[1:]), start=2):
        if len(fields) == len(header):
            good.append([*fields, i, lines[i - 1]])
        elif fields:
            bad.append(
                {
                    "_row": i,
                    "_raw": lines[i - 1],
                    "field": "(row)",
                    "reason": f"row has {len(fields)} fields, the header has {len(header)} (truncated or broken row)",
                }
            )
    frame = pd.DataFrame(good, columns=[*header, "_row", "_raw"])
    for col in header:
        frame[col] = frame[col].astype(str)
    return frame, pd.DataFrame(bad, columns=["_row", "_raw", "field", "reason"])


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
