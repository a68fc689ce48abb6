"""Regenerate tests/data/broken/ from the real data.police.uk March 2017 file.

Each file keeps the real header and rows, then breaks them in one documented way.
Run: ``python tests/data/make_broken_corpus.py`` (the outputs are committed).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent / "broken"
REAL = (
    Path(__file__).resolve().parents[2]
    / "data"
    / "winchester"
    / "police-uk"
    / "2017-03-hampshire-street-winchester.csv"
)


def _rows() -> tuple[bytes, list[bytes]]:
    lines = REAL.read_bytes().split(b"\r\n")
    return lines[0], [ln for ln in lines[1:41] if ln]


def _set_field(row: bytes, index: int, value: bytes) -> bytes:
    fields = row.split(b",")
    fields[index] = value
    return b",".join(fields)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    header, rows = _rows()
    crlf = b"\r\n"

    def write(name: str, body: list[bytes], head: bytes = header, bom: bool = False) -> None:
        data = (b"\xef\xbb\xbf" if bom else b"") + crlf.join([head, *body]) + crlf
        (HERE / name).write_bytes(data)

    # Last row cut off mid-line (download interrupted), plus a BOM.
    truncated = rows[:20] + [rows[20][:45]]
    (HERE / "truncated.csv").write_bytes(b"\xef\xbb\xbf" + crlf.join([header, *truncated]))
    # Columns renamed: not a data.police.uk file any more.
    write("wrong_header.csv", rows[:10], head=header.replace(b"Longitude", b"Lng").replace(b"Latitude", b"Lat"))
    # Text in coordinates (rows 3, 6): 'n/a' and '51.0x'.
    r = list(rows[:12])
    r[1] = _set_field(r[1], 4, b"n/a")
    r[4] = _set_field(r[4], 5, b"51.0x")
    write("text_in_coordinates.csv", r)
    # Eastings/northings in the longitude/latitude columns (rows 2, 5).
    r = list(rows[:12])
    r[0] = _set_field(_set_field(r[0], 4, b"448437"), 5, b"129385")
    r[3] = _set_field(_set_field(r[3], 4, b"447100"), 5, b"128900")
    write("eastings_in_longitude.csv", r)
    # Latitude and longitude swapped (row 4).
    r = list(rows[:12])
    f = r[2].split(b",")
    f[4], f[5] = f[5], f[4]
    r[2] = b",".join(f)
    write("swapped_lat_lon.csv", r)
    # Windows-1252 bytes in a UTF-8 file (an Excel round trip): every row is still good.
    r = list(rows[:12])
    r[5] = _set_field(r[5], 6, b"On or near Caf\xe9 Rouge")
    write("mixed_encoding.csv", r)
    # Binary junk with a .csv name.
    (HERE / "binary_junk.csv").write_bytes(bytes(range(256)) * 8)
    # Empty file.
    (HERE / "empty.csv").write_bytes(b"")
    # Dates, crime types, places that are wrong (rows 2, 3, 4, 5): month 13, 'March', 'Fraud', London.
    r = list(rows[:12])
    r[0] = _set_field(r[0], 1, b"2017-13")
    r[1] = _set_field(r[1], 1, b"March")
    r[2] = _set_field(r[2], 9, b"Fraud")
    r[3] = _set_field(_set_field(r[3], 4, b"-0.127758"), 5, b"51.507351")
    write("bad_values.csv", r)
    # One row with an extra field (an unquoted comma in the location).
    r = list(rows[:12])
    r[6] = _set_field(r[6], 6, b"On or near High Street, Winchester")
    write("extra_field.csv", r)
    # An unclosed quote in row 6 of 20: that row is refused, the 14 after it are read.
    r = list(rows[:20])
    r[4] = r[4].replace(b"On or near", b'"On or near', 1)
    write("unclosed_quote.csv", r)
    # A legitimate quoted line break inside the location of row 6: one row over two lines.
    r = list(rows[:20])
    r[4] = _set_field(r[4], 6, b'"On or near\r\nHigh Street"')
    write("quoted_line_break.csv", r)
    # Months no incident can have (rows 3, 4, 5): they would overflow nanosecond timestamps.
    r = list(rows[:20])
    for i, month in ((1, b"9999-12"), (2, b"0001-01"), (3, b"2262-05")):
        r[i] = _set_field(r[i], 1, month)
    write("impossible_months.csv", r)
    # Row 6 holds bytes that are neither UTF-8 nor Windows-1252; row 8 is Windows-1252 (an Excel edit).
    r = list(rows[:20])
    r[4] = _set_field(r[4], 6, b"On or near \x81\x8d\x90")
    r[6] = _set_field(r[6], 6, b"On or near Caf\xe9 Rouge")
    write("undecodable_row.csv", r)
    # A carriage return alone in the middle of row 9 (a broken line end): that row is refused.
    r = list(rows[:20])
    r[7] = r[7].replace(b"On or near ", b"On or near\r", 1)
    write("lone_carriage_return.csv", r)
    # Old Mac line ends: every line ends in a bare carriage return; all 20 rows are good.
    (HERE / "old_mac_line_ends.csv").write_bytes(b"\r".join([header, *rows[:20]]) + b"\r")
    # The whole file saved as UTF-16 with a byte-order mark (Excel's "Unicode text").
    (HERE / "utf16_bom.csv").write_bytes((crlf.join([header, *rows[:20]]) + crlf).decode().encode("utf-16"))


if __name__ == "__main__":
    main()
