"""Carriage returns: one inside a line is a refused row, a file of bare ones (old Mac) is read.

pyarrow ends a row at any carriage return, so a stray one used to split a row and lose the whole
chunk in a crash.  Now the row holding it is refused with its number and reason and every other
row is stored; a file whose lines all end in a bare carriage return is read line by line.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pandas as pd
import pytest

from geo.ingest import IngestLimits
from geo.readers._source import _BareCrToLf
from geo.readers._stream import CsvStreamReader
from geo.store import Store
from hotspots_cli.main import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
MARCH = ROOT / "data" / "winchester" / "police-uk" / "2017-03-hampshire-street-winchester.csv"


@pytest.fixture
def store(tmp_path, district) -> Store:
    return Store.open(tmp_path / "s.duckdb", district=district, read_only=False)


def _rows() -> tuple[bytes, list[bytes]]:
    lines = MARCH.read_bytes().split(b"\r\n")
    return lines[0], [ln for ln in lines[1:61] if ln]


def _lone_cr_file(folder: Path) -> tuple[Path, list[bytes]]:
    """The real month's first 60 rows, with a carriage return in the middle of row 9's location."""
    header, rows = _rows()
    r = list(rows)
    r[7] = r[7].replace(b"On or near ", b"On or near\r", 1)
    assert r[7] != rows[7]
    path = folder / "lone_cr.csv"
    path.write_bytes(b"\r\n".join([header, *r]) + b"\r\n")
    return path, rows


@pytest.mark.parametrize("chunk", [300, 4096, IngestLimits().chunk_bytes])
def test_lone_carriage_return_refuses_its_row_and_stores_the_rest(store, tmp_path, chunk):
    path, rows = _lone_cr_file(tmp_path)
    report = store.ingest([path], limits=IngestLimits(chunk_bytes=chunk))
    assert (report.read, report.stored, report.rejected) == (60, 59, 1)
    rejects = pd.read_csv(report.rejects_path)
    assert rejects["row"].tolist() == [9] and rejects["file"].tolist() == ["lone_cr.csv"]
    assert "carriage return outside quotes" in rejects["reason"].iloc[0]
    assert rejects["raw"].iloc[0] == rows[7].replace(b"On or near ", b"On or near\r", 1).decode()
    # The same rows as a file without row 9 gives (ids of rows without a Crime ID come from their content).
    header, _ = _rows()
    without = tmp_path / "without_row_9.csv"
    without.write_bytes(b"\r\n".join([header, *rows[:7], *rows[8:]]) + b"\r\n")
    other = Store.open(tmp_path / "other.duckdb", district=store.district, read_only=False)
    assert other.ingest([without]).stored == 59
    assert sorted(store.all()["incident_id"]) == sorted(other.all()["incident_id"])


def test_lone_carriage_return_row_numbers_of_the_rows_below_are_kept():
    path_rows = _rows()
    header, rows = path_rows
    r = list(rows)
    r[7] = r[7].replace(b"On or near ", b"On or near\r", 1)
    data = b"\r\n".join([header, *r]) + b"\r\n"
    reader = CsvStreamReader(io.BytesIO(data), "x.csv")
    (chunk,) = list(reader.chunks())
    assert chunk.frame["_row"].tolist() == [*range(2, 9), *range(10, 62)]
    assert chunk.frame["Crime ID"].tolist() == [ln.split(b",")[0].decode() for ln in rows[:7] + rows[8:]]


def test_carriage_return_inside_quotes_is_data():
    header, rows = _rows()
    r = list(rows)
    r[7] = r[7].replace(b"On or near ", b'"On or near\r', 1).replace(b",E0", b'",E0', 1)
    reader = CsvStreamReader(io.BytesIO(b"\r\n".join([header, *r]) + b"\r\n"), "x.csv")
    (chunk,) = list(reader.chunks())
    assert len(chunk.frame) == 60 and chunk.refused.empty
    assert chunk.frame.loc[chunk.frame["_row"] == 9, "Location"].item().startswith("On or near\r")


def _cli(*args: str) -> tuple[int, str, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli_main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_cli_ingest_of_a_lone_carriage_return_reports_the_row_without_traceback(tmp_path):
    path, _ = _lone_cr_file(tmp_path)
    code, out, err = _cli("ingest", str(path), "--store", str(tmp_path / "s.duckdb"), "--no-progress")
    assert code == 0, err
    assert "Traceback" not in out + err
    assert "carriage return outside quotes" in out
    assert [ln.split() for ln in out.splitlines() if ln.split()[:1] in (["stored"], ["rejected"])] == [
        ["stored", "59"],
        ["rejected", "1"],
    ]


def test_old_mac_line_ends_are_read_as_lines(store, tmp_path):
    header, rows = _rows()
    path = tmp_path / "mac.csv"
    path.write_bytes(b"\r".join([header, *rows]) + b"\r")
    report = store.ingest([path], limits=IngestLimits(chunk_bytes=1024))
    assert (report.read, report.stored, report.rejected) == (60, 60, 0)
    lf = tmp_path / "lf.csv"
    lf.write_bytes(b"\n".join([header, *rows]) + b"\n")
    other = Store.open(tmp_path / "other.duckdb", district=store.district, read_only=False)
    assert other.ingest([lf]).stored == 60
    assert sorted(store.all()["incident_id"]) == sorted(other.all()["incident_id"])
    assert any("bare carriage returns" in n for n in report.notes)


def test_cli_ingest_of_old_mac_line_ends(tmp_path):
    header, rows = _rows()
    path = tmp_path / "mac.csv"
    path.write_bytes(b"\r".join([header, *rows[:20]]))  # no line end after the last row either
    code, out, err = _cli("ingest", str(path), "--store", str(tmp_path / "s.duckdb"), "--no-progress")
    assert code == 0 and "Traceback" not in out + err
    assert "mac.csv: the lines end in bare carriage returns" in out + err
    assert ["stored", "20"] in [ln.split() for ln in out.splitlines()]


class _Trickle(io.RawIOBase):
    """A stream handing out one byte per read, so every CR LF is split across two reads."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        out, self.data = self.data[:1], self.data[1:]
        return out


def test_line_end_translation_joins_a_crlf_split_across_reads():
    stream = _BareCrToLf(_Trickle(b"a,b\rc,d\r\ne,f\r\r\ng,h\r"))
    out = b"".join(iter(lambda: stream.read(1), b""))
    assert out == b"a,b\nc,d\ne,f\n\ng,h\n"
