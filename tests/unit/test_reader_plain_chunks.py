"""A chunk with no quote, non-ASCII byte or blank line skips the per-line scans: same rows, same rejects.

Each planted input is read twice, once as shipped and once with the plain-chunk shortcut turned off
(every chunk through the full per-line path), and the two must agree on every row, row number,
refusal and raw text.  Known answers pin the cases the shortcut must hand back to the full path.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from geo.readers._stream import CsvStreamReader

ROOT = Path(__file__).resolve().parents[2]
MARCH = ROOT / "data" / "winchester" / "police-uk" / "2017-03-hampshire-street-winchester.csv"


def _file() -> tuple[bytes, list[bytes]]:
    lines = MARCH.read_bytes().split(b"\r\n")
    return lines[0], [ln for ln in lines[1:61] if ln]


def _read(data: bytes, chunk: int, max_field: int = 4096, plain: bool = True) -> list[tuple]:
    """Every chunk's rows, refusals and raw text, comparable across the two paths."""
    reader = CsvStreamReader(io.BytesIO(data), "x.csv", chunk_bytes=chunk, max_field_bytes=max_field)
    if not plain:
        reader._plain = lambda chunk: None  # type: ignore[method-assign]
    out = []
    for c in reader.chunks():
        rows = c.frame["_row"].to_numpy()
        refused = c.refused.astype(str).to_numpy().tolist()
        out.append((c.frame.astype(str).to_numpy().tolist(), refused, c.raw_text(rows), c.notes))
    return out


def _inputs() -> dict[str, bytes]:
    header, rows = _file()
    crlf = b"\r\n".join([header, *rows]) + b"\r\n"
    long_row = rows[3].split(b",")
    long_row[6] = b"x" * 5000  # over the 4 KiB field limit used below, without quotes
    return {
        "plain": crlf,
        "lf": b"\n".join([header, *rows]) + b"\n",
        "no final line end": crlf.rstrip(b"\r\n"),
        "blank line": crlf.replace(rows[10] + b"\r\n", rows[10] + b"\r\n\r\n"),
        "quoted field": crlf.replace(rows[5], rows[5].replace(b"On or near", b'"On or near, by"')),
        "non-ASCII": crlf.replace(rows[12], rows[12].replace(b"On or near", "Café".encode())),
        "short row": crlf.replace(rows[20], rows[20].rsplit(b",", 2)[0]),
        "long row": crlf.replace(rows[3], b",".join(long_row)),
        "spaces only line": crlf.replace(rows[30] + b"\r\n", rows[30] + b"\r\n   \r\n"),
        "lone carriage return": crlf.replace(rows[7], rows[7].replace(b"On or near ", b"On or near\r", 1)),
    }


@pytest.mark.parametrize("chunk", [300, 2048, 1 << 20])
@pytest.mark.parametrize("name", list(_inputs()))
def test_plain_chunks_read_as_the_full_path_does(name, chunk):
    data = _inputs()[name]
    assert _read(data, chunk) == _read(data, chunk, plain=False)


def test_long_line_without_quotes_is_still_rejected_with_its_size():
    data = _inputs()["long row"]
    chunks = _read(data, 1 << 20)
    refused = pd.DataFrame(chunks[0][1], columns=["_row", "_raw", "field", "reason"])
    assert refused["_row"].tolist() == ["5"]
    assert "over the 4 KiB limit" in refused["reason"].iloc[0]
    assert len(chunks[0][0]) == 59


def test_blank_line_keeps_the_row_numbers_of_the_lines_below():
    chunks = _read(_inputs()["blank line"], 1 << 20)
    numbers = [int(r[-1]) for r in chunks[0][0]]
    assert numbers == [*range(2, 13), *range(14, 63)]  # line 13 is the blank one
