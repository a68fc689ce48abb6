"""Nothing lost, ever: the malformed-input corpus.

Every row of every file is stored, a duplicate, or rejected with file, row and reason; a whole
file that cannot be read is one clear error that leaves the store (and its folder) as it was.
"""

from __future__ import annotations

import contextlib
import io
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from geo.ingest import IngestLimits
from geo.readers import FileFormatError
from geo.store import Store
from hotspots_cli.main import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
POLICE_UK = ROOT / "data" / "winchester" / "police-uk"
MARCH = POLICE_UK / "2017-03-hampshire-street-winchester.csv"
APRIL = POLICE_UK / "2017-04-hampshire-street-winchester.csv"
BROKEN = ROOT / "tests" / "data" / "broken"
FORCE_MAP = {"id": "Ref", "crime_code": "Offence", "datetime": "When", "easting": "X", "northing": "Y"}


@pytest.fixture
def store(tmp_path, district) -> Store:
    return Store.open(tmp_path / "s.duckdb", district=district, read_only=False)


def _lines() -> tuple[bytes, list[bytes]]:
    lines = MARCH.read_bytes().split(b"\r\n")
    return lines[0], [ln for ln in lines[1:41] if ln]


def _csv(path: Path, rows: list[bytes]) -> Path:
    header, _ = _lines()
    path.write_bytes(b"\r\n".join([header, *rows]) + b"\r\n")
    return path


def _with_field(row: bytes, index: int, value: bytes) -> bytes:
    fields = row.split(b",")
    fields[index] = value
    return b",".join(fields)


def _rejects(report) -> pd.DataFrame:
    """The rejects file, checked to agree with the report; indexed by row."""
    assert report.read == report.stored + report.duplicates + report.rejected
    if not report.rejected:
        assert report.rejects_path is None
        return pd.DataFrame(columns=["file", "row", "field", "reason", "raw"])
    rejects = pd.read_csv(report.rejects_path)
    assert len(rejects) == report.rejected
    assert rejects["reason"].notna().all() and rejects["row"].notna().all()
    return rejects.set_index("row")


def _n_rows(path: Path) -> int:
    return len(path.read_bytes().splitlines()) - 1


def _fingerprint(store: Store) -> tuple:
    df = store.all()
    return store.version, len(df), tuple(sorted(df["incident_id"]))


def _stray(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix in {".tmp", ".part"} or ".tmp" in p.name)


@pytest.mark.parametrize(
    ("name", "read", "stored", "reasons"),
    [
        ("unclosed_quote.csv", 20, 19, {6: "unclosed quote"}),
        ("quoted_line_break.csv", 20, 20, {}),
        (
            "impossible_months.csv",
            20,
            17,
            {
                3: "month '9999-12' is outside the years 1900-2100",
                4: "month '0001-01' is outside the years 1900-2100",
                5: "month '2262-05' is outside the years 1900-2100",
            },
        ),
        ("undecodable_row.csv", 20, 19, {6: "neither UTF-8 nor Windows-1252"}),
        ("utf16_bom.csv", 20, 20, {}),
        ("lone_carriage_return.csv", 20, 19, {9: "carriage return outside quotes"}),
        ("old_mac_line_ends.csv", 20, 20, {}),
    ],
)
def test_corpus_rows_stored_or_rejected_with_row_and_reason(store, name, read, stored, reasons):
    report = store.ingest([BROKEN / name])
    rejects = _rejects(report)
    assert (report.read, report.stored, report.rejected) == (read, stored, len(reasons))
    assert set(rejects.index) == set(reasons)
    for row, text in reasons.items():
        assert text in rejects.loc[row, "reason"]
        assert rejects.loc[row, "file"] == name
    # Whatever was stored, every query still works (no timestamp overflow, no mojibake).
    df = store.all()
    assert len(df) == stored
    assert df["occurred_from"].dt.year.between(1900, 2100).all()
    assert store.summary()["total"] == stored


def test_quoted_line_break_keeps_the_text_and_the_row_numbers(store):
    store.ingest([BROKEN / "quoted_line_break.csv"])
    assert "On or near\nHigh Street" in set(store.all()["location"])


def test_rejects_file_keeps_the_original_text_of_rows_read_on_the_fast_path(store, tmp_path):
    # Clean lines (no quotes, the header's field count) are parsed in bulk; a row refused later by
    # validation, here for its crime type, must still carry its own text into the rejects file.
    _, rows = _lines()
    r = list(rows[:10])
    r[4] = _with_field(r[4], 9, b"Nonsense type")
    report = store.ingest([_csv(tmp_path / "unknown_type.csv", r)])
    rejects = _rejects(report)
    assert list(rejects.index) == [6]
    assert rejects.loc[6, "raw"] == r[4].decode()
    assert "unknown crime type 'Nonsense type'" in rejects.loc[6, "reason"]


def test_undecodable_row_rejected_while_windows_1252_row_is_read(store):
    report = store.ingest([BROKEN / "undecodable_row.csv"])
    assert "On or near Café Rouge" in set(store.all()["location"])
    assert any("Windows-1252" in n and "1 row" in n for n in report.notes)


def test_oversized_field_is_a_row_rejection(store, tmp_path):
    _, rows = _lines()
    r = list(rows[:20])
    r[9] = _with_field(r[9], 6, b"x" * (129 * 1024))
    report = store.ingest([_csv(tmp_path / "big.csv", r)])
    rejects = _rejects(report)
    assert report.stored == 19 and list(rejects.index) == [11]
    assert "128 KiB limit" in rejects.loc[11, "reason"]


def test_force_extract_dates_outside_the_years_are_rejected_per_row(store, tmp_path):
    csv = tmp_path / "extract.csv"
    csv.write_text(
        "Ref,Offence,When,X,Y\n"
        "A1,CDA-DMG,24/03/1600 22:30,448300,129400\n"  # before pandas' nanosecond range
        "A2,CDA-DMG,24/03/2300 22:30,448300,129400\n"  # after it
        "A3,CDA-DMG,24/03/2007 22:30,448300,129400\n"
        "A4,CDA-DMG,2262-05-01 10:00,448300,129400\n"
        "A5,CDA-DMG,01/01/1899 10:00,448300,129400\n",
        encoding="utf-8",
    )
    report = store.ingest([csv], fmt="force_csv", mapping=FORCE_MAP)
    rejects = _rejects(report)
    assert report.stored == 1 and set(rejects.index) == {2, 3, 5, 6}
    assert (rejects["reason"].str.contains("outside the years 1900-2100")).all()
    assert list(store.all()["incident_id"]) == ["A3"]


def test_configured_year_range_rejects_what_lies_outside(store):
    report = store.ingest([MARCH], limits=IngestLimits(years=(2018, 2030)))
    assert report.stored == 0 and report.rejected == 710
    assert set(report.reasons) == {"month '…' is outside the years 2018-2030"}


def test_zip_members_with_the_same_name_are_both_read(store, tmp_path):
    archive = tmp_path / "twice.zip"
    with zipfile.ZipFile(archive, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.write(MARCH, "2017-03-hampshire-street.csv")
        zf.write(APRIL, "2017-03-hampshire-street.csv")
    report = store.ingest([archive])
    _rejects(report)
    assert report.read == _n_rows(MARCH) + _n_rows(APRIL) == report.stored
    assert report.files == ["twice.zip!2017-03-hampshire-street.csv", "twice.zip!2017-03-hampshire-street.csv#2"]


def test_corrupt_zip_member_is_one_error_and_the_store_is_unchanged(store, tmp_path):
    store.ingest([MARCH])
    before = _fingerprint(store)
    archive = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(APRIL, "2017-04-street.csv")
        zf.write(MARCH, "2017-05-street.csv")
    data = bytearray(archive.read_bytes())
    second = data.find(b"2017-05-street.csv") + len("2017-05-street.csv")
    data[second + 100 : second + 140] = b"\x00" * 40  # inside the second member's deflate stream
    archive.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match=r"corrupt.zip!2017-05-street.csv: the zip member is corrupt"):
        store.ingest([archive])
    assert _fingerprint(store) == before
    assert not list(store.path.parent.glob("*-rejects-*")) and not _stray(store.path.parent)


def test_streaming_in_small_batches_gives_the_same_store(tmp_path, district):
    whole = Store.open(tmp_path / "whole.duckdb", district=district, read_only=False)
    small = Store.open(tmp_path / "small.duckdb", district=district, read_only=False)
    a = whole.ingest([POLICE_UK, BROKEN / "unclosed_quote.csv", BROKEN / "quoted_line_break.csv"])
    # 8 KiB batches: dozens per file, quoted line breaks and ASB repeats across batch edges.
    b = small.ingest(
        [POLICE_UK, BROKEN / "unclosed_quote.csv", BROKEN / "quoted_line_break.csv"],
        limits=IngestLimits(chunk_bytes=8192),
    )
    assert (a.read, a.stored, a.duplicates, a.rejected) == (b.read, b.stored, b.duplicates, b.rejected)
    assert sorted(whole.all()["incident_id"]) == sorted(small.all()["incident_id"])
    assert a.reasons == b.reasons


@pytest.mark.parametrize("direct_bytes", [1 << 30, 0], ids=["direct", "staged"])
def test_duplicates_inside_one_ingest_keep_the_first(store, tmp_path, monkeypatch, direct_bytes):
    import geo._duckdb_writer

    monkeypatch.setattr(geo._duckdb_writer, "DIRECT_BYTES", direct_bytes)
    copy = tmp_path / "copy-of-march.csv"
    copy.write_bytes(MARCH.read_bytes())
    store.ingest([APRIL])
    report = store.ingest([MARCH, copy, APRIL])
    n_march, n_april = _n_rows(MARCH), _n_rows(APRIL)
    assert report.read == 2 * n_march + n_april
    assert report.stored == n_march and report.duplicates == n_march + n_april
    df = store.all()
    assert len(df) == n_march + n_april and df["incident_id"].is_unique
    # The first copy of each new row is kept: the March file's, not the copy's.
    assert set(df["source"]) == {
        "police_uk:2017-03-hampshire-street-winchester",
        "police_uk:2017-04-hampshire-street-winchester",
    }
    with store._connect() as con:  # the staging side table is gone
        assert {r[0] for r in con.execute("SHOW TABLES").fetchall()} == {"incidents", "ingests", "meta"}
        # Either way each row's wall-clock times are written with it: month starts on the local clock.
        local = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE local_from = date_trunc('month', local_ref) "
            "AND local_to >= local_ref AND local_ref > local_from) FROM incidents"
        ).fetchall()[0]
    assert local == (n_march + n_april, n_march + n_april)


def _cli(*args: str) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli_main(list(args))
    return code, err.getvalue()


def test_cli_failures_are_one_line_without_traceback(tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"not a database " * 200)
    cases = [
        (["ingest", str(MARCH), "--format", "vector", "--store", str(tmp_path / "v.duckdb")], "not a point layer"),
        (["ingest", str(MARCH), "--store", str(tmp_path / "a_file" / "s.duckdb")], "cannot create the store"),
        (["ingest", str(MARCH), "--store", str(corrupt)], "not a valid DuckDB database"),
        (["info", "--store", str(corrupt)], "not a valid DuckDB database"),
        (["ingest", str(BROKEN / "binary_junk.csv"), "--store", str(tmp_path / "j.duckdb")], "not a text CSV"),
    ]
    for args, message in cases:
        code, err = _cli(*args, *(["--no-progress"] if args[0] == "ingest" else []))
        assert code == 2, args
        assert "Traceback" not in err and message in err, err
        assert len(err.strip().splitlines()) == 1, err
    # Failed ingests into new paths leave no store file and no temporary file behind.
    # the corrupt store keeps its own write-lock file; the failed new stores leave nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file", "corrupt.duckdb", "corrupt.duckdb.lock"]
    assert corrupt.read_bytes() == b"not a database " * 200


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_cli_store_in_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, err = _cli("ingest", str(MARCH), "--store", str(folder / "s.duckdb"), "--no-progress")
    finally:
        folder.chmod(0o755)
    assert code == 2 and "Traceback" not in err and "s.duckdb" in err
    assert not list(folder.iterdir())


def test_failed_ingest_into_existing_store_changes_nothing(store):
    store.ingest([MARCH])
    before = _fingerprint(store)
    folder = sorted(p.name for p in store.path.parent.iterdir())
    code, err = _cli("ingest", str(APRIL), str(BROKEN / "empty.csv"), "--store", str(store.path), "--no-progress")
    assert code == 2 and "empty.csv: the file is empty" in err and "Traceback" not in err
    assert _fingerprint(store) == before
    assert sorted(p.name for p in store.path.parent.iterdir()) == folder
