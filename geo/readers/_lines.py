"""Byte-level pieces of the streaming CSV reader: line boundaries, quote state, decoding, raw text.

:mod:`geo.readers._stream` classifies each chunk's lines with :class:`LineIndex` (vectorised
scans) and keeps the original text of every row it read (:class:`MergedRaw`) for the rejects file.
"""

from __future__ import annotations

import csv
import io

import numpy as np

#: A quoted field may span at most this many lines before the opening line is rejected.
MAX_JOIN_LINES = 50


def ends_in_quote(text: str, in_quote: bool = False) -> bool:
    """Whether a CSV line ends inside a quoted field (quotes only open at a field's start)."""
    at_start = not in_quote
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if in_quote:
            if c == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 2
                    continue
                in_quote = False
        elif c == '"' and at_start:
            in_quote = True
        at_start = not in_quote and c == ","
        i += 1
    return in_quote


def split_row(text: str) -> list[str] | None:
    """A row's fields, or None when the csv module cannot read it (a carriage return outside quotes)."""
    try:
        return next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        return None


def join_quoted(
    chunk: bytes, starts: np.ndarray, stops: np.ndarray, i: int, text: str, n: int, ncols: int, max_field: int
) -> tuple[str | None, int, bool]:
    """Close a quote opened on line ``i`` (text ``text``) with the following lines of ``chunk``.

    Returns ``(row text, last line used, ran_out)``: the text is None when no single well-formed
    row of ``ncols`` fields results, and ``ran_out`` says the quote was still open at line ``n``
    with fewer than :data:`MAX_JOIN_LINES` lines tried, so more of the file could still close it.
    """
    parts = [text]
    size = len(text)
    last = min(n, i + MAX_JOIN_LINES)
    for j in range(i + 1, last):
        nxt, _ = decode_line(chunk[int(starts[j]) : int(stops[j])])
        if nxt is None:
            return None, i, False
        parts.append(nxt)
        size += len(nxt)
        if size > max_field * ncols:
            return None, i, False
        if not ends_in_quote(nxt, in_quote=True):
            joined = "\n".join(parts)
            if ends_in_quote(joined):
                return None, i, False
            fields = split_row(joined)
            return (joined, j, False) if fields is not None and len(fields) == ncols else (None, i, False)
    return None, i, last < i + MAX_JOIN_LINES


class LineIndex:
    """Line boundaries and per-line counts of one chunk, found with numpy."""

    def __init__(self, buf: bytes) -> None:
        arr = np.frombuffer(buf, dtype=np.uint8)
        self.ends = np.flatnonzero(arr == 10)
        self.starts = np.concatenate([[0], self.ends[:-1] + 1]).astype(np.int64)
        stop = self.ends.copy()
        if len(stop):
            cr = arr[np.maximum(stop - 1, 0)] == 13
            stop[cr & (stop > self.starts)] -= 1
        self.stops = stop  # end of the line's text, before any \r\n
        self.lengths = self.stops - self.starts

        def per_line(positions: np.ndarray) -> np.ndarray:
            return np.searchsorted(positions, self.stops) - np.searchsorted(positions, self.starts)

        self.quotes = per_line(np.flatnonzero(arr == 34))
        self.commas = per_line(np.flatnonzero(arr == 44))
        self.high = per_line(np.flatnonzero(arr >= 128)) > 0
        # A carriage return inside a line (not the one of a \r\n): pyarrow would end the row there.
        self.lone_cr = per_line(np.flatnonzero(arr == 13)) > 0

    def __len__(self) -> int:
        return len(self.ends)


def decode_line(data: bytes) -> tuple[str | None, bool]:
    """(text, was_cp1252); text is None when the bytes are neither UTF-8 nor Windows-1252."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None, False
    if any(ord(c) < 32 and c != "\t" for c in text):
        return None, False
    return text, True


class RawView:
    """Row -> raw text for fast-path rows, sliced from the chunk on demand (no copy per row)."""

    def __init__(self, chunk: bytes, starts: np.ndarray, stops: np.ndarray, rows: np.ndarray) -> None:
        self.chunk, self.starts, self.stops, self.rows = chunk, starts, stops, rows

    def get(self, row: int, default: str = "") -> str:
        """The original text of file row ``row``, or ``default`` when the fast path did not read it."""
        k = np.searchsorted(self.rows, row)
        if k < len(self.rows) and self.rows[k] == row:
            return self.chunk[int(self.starts[k]) : int(self.stops[k])].decode("utf-8", errors="replace")
        return default


class LazyRawView:
    """Row -> raw text for a chunk whose lines are consecutive rows from ``first_row`` on.

    The line boundaries are found only when a row's text is first asked for (a rejected row),
    so a chunk with no reject never pays for them.
    """

    def __init__(self, chunk: bytes, first_row: int) -> None:
        self.chunk, self.first_row = chunk, first_row
        self._view: RawView | None = None

    def get(self, row: int, default: str = "") -> str:
        """The original text of file row ``row``, or ``default`` when the chunk does not hold it."""
        if self._view is None:
            lines = LineIndex(self.chunk)
            rows = self.first_row + np.arange(len(lines))
            self._view = RawView(self.chunk, lines.starts, lines.stops, rows)
        return self._view.get(row, default)


class MergedRaw:
    """Row -> raw text over both paths: rows parsed one by one first, then the fast path's view."""

    def __init__(self, fast: RawView | LazyRawView | None, slow: dict[int, str]) -> None:
        self.fast, self.slow = fast, slow

    def get(self, row: int, default: str = "") -> str:
        """The original text of file row ``row``, or ``default``."""
        if row in self.slow:
            return self.slow[row]
        return self.fast.get(row, default) if self.fast is not None else default
