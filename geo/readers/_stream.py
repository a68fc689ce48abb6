"""Streaming CSV reading that loses no row: chunks of whole lines, a fast path, a careful path.

A file is read in chunks of whole lines (``chunk_bytes`` at a time), so memory stays bounded
whatever the file's size.  Each chunk's lines are classified with a few vectorised scans:

* a *clean* line holds no quote character, or an even number of them, has exactly the header's
  number of separators, is valid UTF-8 and is no longer than the field-size limit.  Clean lines
  are parsed together by pyarrow's C++ reader (the fast path).
* every other line goes through the careful path, line by line: a quote left open is closed by
  joining the following lines (a quoted line break) only if that yields one well-formed row;
  otherwise the line alone is rejected ("unclosed quote") and reading re-synchronises at the next
  line.  Rows with the wrong number of fields, a field over the size limit or bytes that are
  neither UTF-8 nor Windows-1252 are rejected with their reason.  A row that is not UTF-8 but
  is valid Windows-1252 (an Excel round trip) is read as Windows-1252 and noted.  A carriage
  return inside a line (not that of a CR LF) goes to the careful path too, as pyarrow would end the
  row there: inside quotes it is data, outside them the row is rejected.
* a quoted field open at a chunk's end is carried to the next chunk from its opening line, found by
  following the careful path's walk, so the rows read never depend on the chunk size.

Row numbers are the line a user sees in an editor: the header is row 1 and a row spanning
several lines is numbered by its first line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from geo.readers._common import FileFormatError
from geo.readers._lines import (
    MAX_JOIN_LINES,
    LazyRawView,
    LineIndex,
    MergedRaw,
    RawView,
    decode_line,
    ends_in_quote,
    join_quoted,
    split_row,
)
from geo.readers._source import ByteStream

#: Largest field (and so largest single line) accepted, in bytes.
MAX_FIELD_BYTES = 128 * 1024
_REFUSED_COLUMNS = ["_row", "_raw", "field", "reason"]
_LONE_CR = (
    "row holds a carriage return outside quotes, in the middle of the line (a broken line end): "
    "row skipped, reading resumed at the next line"
)

csv.field_size_limit(1 << 30)  # the size limit is enforced below, with a clear reason


@dataclass
class CsvChunk:
    """One chunk's rows: ``frame`` (header columns as str, plus ``_row``), refusals, raw text."""

    frame: pd.DataFrame
    refused: pd.DataFrame
    raw: dict[int, str] | MergedRaw = field(default_factory=dict)  # row -> original text, for every row
    notes: list[str] = field(default_factory=list)

    def raw_text(self, rows: np.ndarray) -> list[str]:
        """Original text of the given row numbers."""
        return [self.raw.get(int(r), "") for r in rows]


def _refusal(row: int, raw: str, reason: str) -> dict:
    return {"_row": row, "_raw": raw[:2000], "field": "(row)", "reason": reason}


class CsvStreamReader:
    """Read a CSV byte stream chunk by chunk; see the module docstring for the rules.

    Parameters
    ----------
    stream : binary file object
        Already positioned after any byte-order mark and transcoded to UTF-8 where needed.
    label : str
        The file's name in messages.
    chunk_bytes : int
        Bytes read per chunk (a chunk always ends at a line end).
    max_field_bytes : int
        Fields (and lines) longer than this are rejected.
    """

    def __init__(
        self, stream: ByteStream, label: str, chunk_bytes: int = 16 << 20, max_field_bytes: int = MAX_FIELD_BYTES
    ) -> None:
        self.stream = stream
        self.label = label
        self.chunk_bytes = chunk_bytes
        self.max_field = max_field_bytes
        self.header = self._read_header()
        self.ncols = len(self.header)
        self._next_line = 2
        self._cp1252_rows = 0

    def _read_header(self) -> list[str]:
        first = b""
        while b"\n" not in first:
            more = self.stream.read(65536)
            if not more:
                break
            first += more
            if len(first) > self.max_field:
                break
        self._pending = b""
        line, sep, rest = first.partition(b"\n")
        self._pending = rest
        if not line.strip() and not rest.strip():
            raise FileFormatError(f"{self.label}: the file is empty")
        text, _ = decode_line(line.rstrip(b"\r"))
        header = (split_row(text) or []) if text else []  # unreadable (None) is no header either
        header = [h.strip() for h in header]
        if len(header) < 2 or len(set(header)) != len(header) or len(line) > self.max_field:
            shown = (text or repr(line[:80]))[:80]
            raise FileFormatError(f"{self.label}: the first line is not a CSV header (found {shown!r})")
        return header

    def chunks(self) -> Iterator[CsvChunk]:
        """Yield the file's rows as :class:`CsvChunk` objects, in file order."""
        buf = self._pending
        self._pending = b""
        eof = False
        want = self.chunk_bytes
        while True:
            while not eof and len(buf) < want:
                more = self.stream.read(self.chunk_bytes)
                if not more:
                    eof = True
                else:
                    buf += more
            if eof and buf and not buf.endswith(b"\n"):
                buf += b"\n"
            cut = buf.rfind(b"\n") + 1
            if cut == 0:
                if eof:
                    return
                continue
            chunk, buf = buf[:cut], buf[cut:]
            plain = self._plain(chunk)
            if plain is not None:  # no line needs the careful path: skip the per-line scans
                yield plain
                self._next_line += chunk.count(b"\n")
                if eof and not buf:
                    return
                continue
            lines = LineIndex(chunk)
            keep = len(lines) if eof and not buf else self._carry_from(chunk, lines)
            if keep < len(lines):
                buf = chunk[int(lines.starts[keep]) :] + buf
            if not keep:  # the first line's quoted field goes on past the chunk: read more first
                want = len(buf) + self.chunk_bytes
                continue
            want = self.chunk_bytes
            yield self._parse(chunk[: int(lines.ends[keep - 1]) + 1], keep, lines)
            self._next_line += keep
            if eof and not buf:
                return

    def _carry_from(self, chunk: bytes, lines: LineIndex) -> int:
        """Number of lines to parse now: a quoted field still open at the chunk's end waits for more.

        The careful path's own walk is followed (:meth:`_opens_at`): a line consumed by the quoted
        line break above it opens nothing, and a join that fails resumes at the next line.  So the
        lines parsed, and what becomes of them, are the same whatever the chunk size.
        """
        n = len(lines)
        maybe = np.flatnonzero((lines.quotes % 2 == 1) | ((lines.quotes > 0) & lines.high))
        if not len(maybe) or maybe[-1] <= n - MAX_JOIN_LINES:
            return n  # a join started this far from the end closes or fails inside the chunk
        consumed = -1
        for i in maybe.tolist():
            if i <= consumed:
                continue
            text = self._opens_at(chunk, lines, i)
            if text is None:
                continue
            _, end, ran_out = join_quoted(chunk, lines.starts, lines.stops, i, text, n, self.ncols, self.max_field)
            if ran_out:
                return i
            consumed = end
        return n

    def _opens_at(self, chunk: bytes, lines: LineIndex, i: int) -> str | None:
        """Line ``i``'s text when :meth:`_careful` would try to join it with the lines below."""
        data = chunk[int(lines.starts[i]) : int(lines.stops[i])]
        text, _ = decode_line(data)
        if text is None or len(data) > self.max_field or not ends_in_quote(text):
            return None
        return text

    def _parse(self, chunk: bytes, n: int, lines: LineIndex) -> CsvChunk:
        starts, stops = lines.starts[:n], lines.stops[:n]
        blank = lines.lengths[:n] == 0
        clean = ~blank & (lines.quotes[:n] % 2 == 0) & (lines.lengths[:n] <= self.max_field) & ~lines.lone_cr[:n]
        clean &= (lines.commas[:n] == self.ncols - 1) | (lines.quotes[:n] > 0)
        if lines.high[:n].any():
            try:
                chunk.decode("utf-8")
            except UnicodeDecodeError:
                clean &= ~lines.high[:n]
        rows = self._next_line + np.arange(n)
        slow, refused, raw, joined = self._careful(chunk, starts, stops, ~clean & ~blank, rows)
        clean[joined] = False  # continuation lines of a quoted line break belong to the row above
        fast, ragged = self._fast(chunk, starts, stops, clean, rows)
        if ragged:  # a quoted separator hid a wrong field count: parse quoted lines carefully
            quoted = clean & (lines.quotes[:n] > 0)
            clean &= ~quoted
            fast, still = self._fast(chunk, starts, stops, clean, rows)
            if still:  # pyarrow and the line scans disagree on an unquoted line: read every line one by one
                quoted |= clean
                clean[:] = False
                fast, _ = self._fast(chunk, starts, stops, clean, rows)
            more, more_refused, more_raw, _ = self._careful(chunk, starts, stops, quoted, rows, join=False)
            slow = pd.concat([slow, more], ignore_index=True)
            refused += more_refused
            raw.update(more_raw)
        raw_fast = None
        if len(fast):
            idx = np.flatnonzero(clean)
            raw_fast = RawView(chunk, starts[idx], stops[idx], rows[idx])
        frame = pd.concat([fast, slow], ignore_index=True) if len(slow) else fast
        if len(slow) and len(fast):
            frame = frame.sort_values("_row", kind="stable").reset_index(drop=True)
        out = CsvChunk(frame=frame, refused=pd.DataFrame(refused, columns=_REFUSED_COLUMNS))
        out.raw = MergedRaw(raw_fast, raw)
        if self._cp1252_rows:
            out.notes.append(
                f"{self.label}: {self._cp1252_rows} row(s) not valid UTF-8 (rows {self._cp1252_first}...): "
                "read as Windows-1252"
            )
            self._cp1252_rows = 0
        return out

    def _plain(self, chunk: bytes) -> CsvChunk | None:
        """Parse a chunk with no quote, no non-ASCII byte, no blank line and no lone carriage return.

        Such a chunk has no quoted line break to carry and no line to decode, so when pyarrow reads
        one row per line, each with the header's number of fields and none over the size limit, every
        line is clean and the result is what :meth:`_parse` gives.  None otherwise (the full path).
        """
        if b'"' in chunk or not chunk.isascii():
            return None
        arr = np.frombuffer(chunk, dtype=np.uint8)
        ends = np.flatnonzero(arr == 10)
        crlf = arr[np.maximum(ends - 1, 0)] == 13
        # Each line's text, without its line end: a blank line is empty, a long one over the limit.
        lengths = np.diff(ends, prepend=-1) - 1 - crlf
        if chunk.count(b"\r") != int(crlf.sum()) or lengths.min() == 0 or lengths.max() > self.max_field:
            return None  # a carriage return inside a line (pyarrow would end the row there), a blank or long line
        n = len(ends)
        table = self._read_arrow(chunk)
        if table is None or table.num_rows != n:
            return None
        rows = self._next_line + np.arange(n)
        out = CsvChunk(frame=self._to_frame(table, rows), refused=pd.DataFrame([], columns=_REFUSED_COLUMNS))
        out.raw = MergedRaw(LazyRawView(chunk, int(rows[0])), {})
        return out

    def _read_arrow(self, data: bytes) -> pa.Table | None:
        """Read clean lines with pyarrow's C++ reader; None when a line has the wrong number of fields."""
        ragged = []

        def skip_ragged(row: object) -> str:
            ragged.append(1)
            return "skip"

        table = pacsv.read_csv(
            io.BytesIO(data),
            # One thread: a chunk is a few blocks, and spreading them over threads cost a third more
            # CPU time than reading them in turn (the writer and the checks are single-threaded too).
            read_options=pacsv.ReadOptions(
                column_names=[f"c{i}" for i in range(self.ncols)], block_size=1 << 22, use_threads=False
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, invalid_row_handler=skip_ragged),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(self.ncols)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        return None if ragged else table

    def _to_frame(self, table: pa.Table, rows: np.ndarray) -> pd.DataFrame:
        frame = table.rename_columns(self.header).to_pandas()
        frame["_row"] = rows
        return frame

    def _fast(
        self, chunk: bytes, starts: np.ndarray, stops: np.ndarray, clean: np.ndarray, rows: np.ndarray
    ) -> tuple[pd.DataFrame, bool]:
        idx = np.flatnonzero(clean)
        if not len(idx):
            return pd.DataFrame({**{h: pd.Series(dtype="str") for h in self.header}, "_row": []}), False
        if len(idx) == len(clean):
            data = chunk
        else:
            # Contiguous runs of clean lines, copied once each.
            breaks = np.flatnonzero(np.diff(idx) != 1)
            run_first = np.concatenate([[idx[0]], idx[breaks + 1]])
            run_last = np.concatenate([idx[breaks], [idx[-1]]])
            data = b"\n".join(chunk[int(starts[a]) : int(stops[b])] for a, b in zip(run_first, run_last, strict=True))
            data += b"\n"
        table = self._read_arrow(data)
        if table is None or table.num_rows != len(idx):
            return pd.DataFrame(), True
        return self._to_frame(table, rows[idx]), False

    def _careful(
        self, chunk: bytes, starts: np.ndarray, stops: np.ndarray, todo: np.ndarray, rows: np.ndarray, join: bool = True
    ) -> tuple[pd.DataFrame, list[dict[str, object]], dict[int, str], np.ndarray]:
        """Parse the lines the fast path cannot take, one by one, re-synchronising after a bad one.

        Returns the rows, the refusals, the raw text per row and the continuation lines consumed
        by quoted line breaks.
        """
        joined: list[int] = []
        good: list[list] = []
        refused: list[dict] = []
        raw: dict[int, str] = {}
        idx = np.flatnonzero(todo)
        consumed = -1
        for i in idx.tolist():
            if i <= consumed:
                continue
            row = int(rows[i])
            data = chunk[int(starts[i]) : int(stops[i])]
            text, cp1252 = decode_line(data)
            if text is None:
                shown = data.decode("utf-8", errors="replace")
                refused.append(_refusal(row, shown, "row is neither UTF-8 nor Windows-1252 text (undecodable bytes)"))
                continue
            if len(data) > self.max_field:
                refused.append(
                    _refusal(
                        row, text, f"row is {len(data):,} bytes: a field is over the {self.max_field // 1024} KiB limit"
                    )
                )
                continue
            end = i
            if ends_in_quote(text):
                whole, end = (None, i)
                if join:
                    whole, end, _ = join_quoted(chunk, starts, stops, i, text, len(rows), self.ncols, self.max_field)
                if whole is None:
                    refused.append(
                        _refusal(
                            row,
                            text,
                            "unclosed quote: the row ends inside a quoted field (row skipped, "
                            "reading resumed at the next line)",
                        )
                    )
                    continue
                text = whole
            fields = split_row(text)
            if fields is None:
                refused.append(_refusal(row, text, _LONE_CR))
                continue
            if len(fields) != self.ncols:
                kind = "fewer" if len(fields) < self.ncols else "more"
                plural = "s" if len(fields) != 1 else ""
                refused.append(
                    _refusal(
                        row,
                        text,
                        f"row has {len(fields)} field{plural}, {kind} than the header's "
                        f"{self.ncols} (truncated or broken row)",
                    )
                )
                continue
            big = next((h for h, v in zip(self.header, fields, strict=True) if len(v.encode()) > self.max_field), None)
            if big is not None:
                refused.append(_refusal(row, text, f"field '{big}' is over the {self.max_field // 1024} KiB limit"))
                continue
            if cp1252:
                self._cp1252_rows += 1
                if self._cp1252_rows == 1:
                    self._cp1252_first = row
            joined += range(i + 1, end + 1)
            consumed = end
            good.append([*fields, row])
            raw[row] = text
        frame = pd.DataFrame(good, columns=[*self.header, "_row"])
        for h in self.header:
            frame[h] = frame[h].astype("str")
        frame["_row"] = frame["_row"].astype(np.int64)
        return frame, refused, raw, np.asarray(joined, dtype=np.int64)
