"""Safe outputs: escape text that came from data, neutralise spreadsheet formulas in CSV.

Every string shown in HTML (map popups, tooltips, tables, the briefing, the report) or written to a
CSV may come from an uploaded file, so it is hostile until proven otherwise:

* :func:`escape_html` for text placed in HTML;
* :func:`csv_cell` / :func:`neutralise_csv` for CSV cells: a text cell that begins with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return is prefixed with a single quote so that a spreadsheet shows
  it as text instead of running it as a formula (OWASP "CSV injection").  Numbers stored as numbers
  are left alone, so ``-2.5`` in a float column stays a number;
* :func:`neutralise_csv_text` for CSV that is already text (the server applies it to every
  ``text/csv`` response): there every cell is a string, so a cell that is a plain number is kept.
"""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet treat a cell as a formula (or a DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def escape_html(text: Any) -> str:
    """``text`` as HTML-safe text (``&``, ``<``, ``>``, both quotes escaped); ``None`` -> ``""``.

    Parameters
    ----------
    text : any
        A value from data; non-strings are converted with ``str``.

    Returns
    -------
    str
        Safe to place in an element's content or a quoted attribute.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return html.escape(str(text), quote=True)


def csv_cell(value: Any) -> Any:
    """One CSV cell made safe: a string beginning with a formula character gets a leading ``'``.

    Parameters
    ----------
    value : any
        The cell.  Only strings are changed; numbers, dates and missing values come back as given.

    Returns
    -------
    any
        The value, or ``"'" + value`` for a dangerous string.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_csv(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) are passed through :func:`csv_cell`.

    Numeric columns are untouched, so a negative number stays a number.
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_datetime64_any_dtype(s):
            continue
        out[col] = s.map(csv_cell).astype(object) if s.dtype == object else s.astype(object).map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def _text_cell(cell: str) -> str:
    if cell.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell


def neutralise_csv_text(text: str) -> str:
    r"""CSV text with every dangerous cell prefixed by ``'`` (cells that are plain numbers kept).

    Parameters
    ----------
    text : str
        A whole CSV document (comma-separated, double-quoted as Python's ``csv`` writes it).

    Returns
    -------
    str
        The same rows, re-written with RFC 4180 ``\r\n`` line ends (so that a carriage return inside a
        cell stays quoted); unchanged when no cell needed it.
    """
    rows = list(csv.reader(io.StringIO(text, newline="")))
    changed = False
    safe_rows = []
    for row in rows:
        new = [_text_cell(c) for c in row]
        changed = changed or new != row
        safe_rows.append(new)
    if not changed:
        return text
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(safe_rows)
    return buf.getvalue()


#: Name of the column that carries the protective marking in every exported CSV (the last column).
MARKING_COLUMN = "protective_marking"
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def mark_csv_text(text: str, marking: str) -> str:
    r"""CSV text with a last column ``protective_marking`` holding ``marking`` on every row.

    A column rather than a comment line: spreadsheets, pandas and GDAL's CSV driver (QGIS) all read
    the file as before, and the marking travels with every row copied out of it.

    Parameters
    ----------
    text : str
        A whole CSV document with a header row.
    marking : str
        The district's protective marking, e.g. ``OFFICIAL-SENSITIVE``.

    Returns
    -------
    str
        The same rows plus the column (line ends as in ``text``); unchanged when ``text`` is empty,
        ``marking`` is empty or the column is already there.
    """
    if not text.strip() or not marking:
        return text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or MARKING_COLUMN in rows[0]:
        return text
    cell = csv_cell(marking)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n" if "\r\n" in text else "\n")
    writer.writerow([*rows[0], MARKING_COLUMN])
    writer.writerows([*row, cell] if row else row for row in rows[1:])
    return buf.getvalue()


def marked_filename(name: str, marking: str) -> str:
    """``hotspots-kde.csv`` -> ``hotspots-kde-OFFICIAL-SENSITIVE.csv`` (unchanged if already marked).

    Parameters
    ----------
    name : str
        A download's file name.
    marking : str
        The protective marking; characters other than letters and digits become ``-``.

    Returns
    -------
    str
        The file name with the marking before its extension.
    """
    tag = _NAME_UNSAFE.sub("-", marking).strip("-")
    if not tag or tag.lower() in name.lower():
        return name
    stem, dot, ext = name.rpartition(".")
    return f"{stem}-{tag}.{ext}" if dot and stem else f"{name}-{tag}"
