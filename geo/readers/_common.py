"""Shared reader plumbing: the raw batch every reader produces, and tolerant CSV reading."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

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
#: Frame columns holding a sensitivity flag (see :attr:`RawBatch.flags`) are named this + the file's column.
FLAG_PREFIX = "flag:"


#: Row numbers -> the original text of those rows (for the rejects file).
RowText = Callable[[np.ndarray], list[str]]


class FileFormatError(HotspotsError, ValueError):
    """A whole file cannot be read as the format it claims (wrong columns, junk, empty)."""


@dataclass
class RawBatch:
    """One input file's rows as raw strings, ready for :func:`geo.validate.validate_batch`.

    ``frame`` has the :data:`RAW_FIELDS` present plus ``_row`` (the row number a user sees in the
    file: the header is row 1) and either ``_raw`` (the original row text, for the rejects file)
    or a ``raw_of`` function giving the text of row numbers.  A large file arrives as several
    batches with the same ``file``.  ``flags`` names the file's yes/no columns that mark a row
    sensitive (the district's ``sensitive_flag_columns`` found in the header), held in the frame as
    ``flag:<column>`` (:meth:`flag_text`).
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
    raw_of: RowText | None = None  # row numbers -> original text
    postcode_only: bool = False  # the mapping names a postcode and no coordinates
    flags: tuple[str, ...] = ()  # the file's sensitivity flag columns (see flag_text)

    def flag_text(self, column: str) -> pd.Series:
        """The raw text of flag column ``column`` (one of :attr:`flags`), empty where missing."""
        return self.frame[FLAG_PREFIX + column].fillna("").astype(str)

    def raw_text(self, mask: np.ndarray) -> list[str]:
        """Original text of the rows selected by a boolean mask (for the rejects file)."""
        if "_raw" in self.frame:
            return list(self.frame["_raw"].to_numpy()[mask])
        rows = self.frame["_row"].to_numpy()[mask]
        return self.raw_of(rows) if self.raw_of is not None else [""] * len(rows)

    @property
    def n_read(self) -> int:
        """Rows read from the file, including those the reader refused."""
        return len(self.frame) + len(self.rows_rejected)


def require_columns(columns: list[str], needed: list[str], name: str, what: str) -> None:
    """Raise one clear FileFormatError naming the missing columns."""
    missing = [c for c in needed if c not in columns]
    if missing:
        raise FileFormatError(
            f"{name}: not a {what}: missing column(s) {', '.join(missing)} (found: {', '.join(columns[:15])})"
        )


def find_flag_columns(header: list[str], names: tuple[str, ...] | list[str]) -> list[str]:
    """The columns of ``header`` named in ``names``, compared case-insensitively and trimmed, in header order."""
    wanted = {n.strip().casefold() for n in names}
    return [c for c in header if c.strip().casefold() in wanted]


def file_label(path: Path, member: str | None = None) -> str:
    """How a file is named in messages and rejects: 'file.zip!member.csv' for zip members."""
    return f"{path.name}!{member}" if member else path.name
