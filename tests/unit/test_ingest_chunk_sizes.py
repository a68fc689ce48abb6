"""The chunk size changes memory use, never the result.

Every file of the malformed-input corpus (and a real month) is ingested at several chunk sizes, from
a line or two per chunk to the whole file in one, and the reports, stored ids, rejected rows and
reasons must be identical.  A quoted line break is planted at many places and read at many chunk
sizes, so every position of the chunk edge relative to the opening and closing lines is met.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from geo.ingest import IngestLimits
from geo.readers import FileFormatError
from geo.readers._stream import CsvStreamReader
from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]
MARCH = ROOT / "data" / "winchester" / "police-uk" / "2017-03-hampshire-street-winchester.csv"
BROKEN = ROOT / "tests" / "data" / "broken"
CHUNKS = [300, 1024, 4096, IngestLimits().chunk_bytes]


def _outcome(tmp_path: Path, district, path: Path, chunk: int) -> tuple:
    store = Store.open(tmp_path / f"s{chunk}.duckdb", district=district, read_only=False)
    try:
        report = store.ingest([path], limits=IngestLimits(chunk_bytes=chunk))
    except FileFormatError as exc:
        return ("error", str(exc))
    rejects = pd.read_csv(report.rejects_path) if report.rejected else pd.DataFrame(columns=["row", "reason"])
    df = store.all()
    return (
        (report.read, report.stored, report.duplicates, report.rejected),
        sorted(df["incident_id"]),
        sorted(df["location"]),
        sorted(zip(rejects["row"].astype(int), rejects["reason"], strict=True)),
        report.reasons,
    )


@pytest.mark.parametrize("path", [*sorted(BROKEN.glob("*.csv")), MARCH], ids=lambda p: p.name)
def test_every_corpus_file_reads_the_same_at_every_chunk_size(tmp_path, district, path):
    outcomes = [_outcome(tmp_path, district, path, chunk) for chunk in CHUNKS]
    assert all(o == outcomes[-1] for o in outcomes), path.name


def test_quoted_line_break_at_a_small_chunk_size_is_one_row(tmp_path, district):
    # The closing line of the break used to be taken for an opening one near a chunk's end.
    store = Store.open(tmp_path / "s.duckdb", district=district, read_only=False)
    report = store.ingest([BROKEN / "quoted_line_break.csv"], limits=IngestLimits(chunk_bytes=4096))
    assert (report.read, report.stored, report.rejected) == (20, 20, 0)
    assert "On or near\nHigh Street" in set(store.all()["location"])


def _rows() -> tuple[bytes, list[bytes]]:
    lines = MARCH.read_bytes().split(b"\r\n")
    return lines[0], [ln for ln in lines[1:61] if ln]


def _read(data: bytes, chunk: int) -> tuple[list, list]:
    reader = CsvStreamReader(io.BytesIO(data), "x.csv", chunk_bytes=chunk)
    rows, refused = [], []
    for c in reader.chunks():
        rows += c.frame.astype(str).to_numpy().tolist()
        refused += c.refused[["_row", "reason"]].astype(str).to_numpy().tolist()
    return rows, refused


def _planted() -> dict[str, tuple[bytes, int, list[int]]]:
    """name -> (file, rows read, rows refused)."""
    header, rows = _rows()

    def location(i: int, value: bytes) -> None:
        fields = r[i].split(b",")
        fields[6] = value
        r[i] = b",".join(fields)

    out = {}
    for at in (0, 4, 29, 58):  # rows 2, 6, 31 and 60
        r = list(rows)
        location(at, b'"On or near\r\nHigh\r\nStreet"')
        out[f"break at row {at + 2}"] = (b"\r\n".join([header, *r]) + b"\r\n", 60, [])
    r = list(rows)
    r[4] = r[4].replace(b"On or near", b'"On or near', 1)  # row 6: unclosed
    location(9, b'"On or near\r\nHigh Street"')  # row 11: a real break after the unclosed quote
    out["unclosed then break"] = (b"\r\n".join([header, *r]) + b"\r\n", 60, [6])
    return out


@pytest.mark.parametrize("name", list(_planted()))
def test_planted_quotes_read_the_same_at_every_chunk_edge(name):
    data, n_rows, refused = _planted()[name]
    whole = _read(data, 1 << 20)
    assert len(whole[0]) + len(whole[1]) == n_rows
    assert [int(r) for r, _ in whole[1]] == refused
    for chunk in range(200, 3000, 37):
        assert _read(data, chunk) == whole, chunk
