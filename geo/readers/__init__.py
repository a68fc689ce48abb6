"""Readers: turn input files into :class:`RawBatch` objects, detecting the format.

``iter_batches(paths)`` accepts files, folders (searched recursively) and zip files (the
data.police.uk download: only its ``*-street.csv`` members are crime records).  CSV files are
streamed: a large file arrives as several batches of bounded size (see
:mod:`geo.readers._stream` for how broken rows are re-synchronised and refused, never lost).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from geo.readers._common import FileFormatError, RawBatch, file_label, find_flag_columns
from geo.readers._source import Source, expand_sources, open_utf8
from geo.readers._stream import MAX_FIELD_BYTES, CsvStreamReader
from geo.readers.force_csv import check_force_header, check_mapping, force_csv_batch, looks_like_force
from geo.readers.police_uk import check_police_uk_header, looks_like_police_uk, police_uk_batch
from geo.readers.vector import VECTOR_SUFFIXES, read_vector

FORMATS = ("auto", "police_uk", "force_csv", "vector")

__all__ = [
    "FORMATS",
    "FileFormatError",
    "RawBatch",
    "Source",
    "check_mapping",
    "expand_inputs",
    "file_label",
    "find_flag_columns",
    "iter_batches",
]


def expand_inputs(paths: list[str | Path], max_members: int | None = None) -> list[Source]:
    """Expand folders and zips into :class:`Source` objects (file, or zip member), in a stable order.

    Raises
    ------
    FileNotFoundError
        Naming the first path that does not exist.
    """
    return expand_sources(paths, VECTOR_SUFFIXES, max_members)


def _detect(header: list[str], label: str, mapping: Mapping[str, str]) -> str:
    if looks_like_police_uk(header):
        return "police_uk"
    if mapping and looks_like_force(header, mapping):
        return "force_csv"
    raise FileFormatError(
        f"{label}: format not recognised: the header is neither a data.police.uk street file nor a force "
        f"extract with the configured column mapping (found: {', '.join(header[:12])}); "
        "give --format and --map to say what it is"
    )


def _csv_batches(
    src: Source,
    fmt: str,
    mapping: Mapping[str, str],
    synthetic: bool,
    chunk_bytes: int,
    max_field: int,
    flag_columns: tuple[str, ...],
) -> Iterator[tuple[RawBatch, list[str]]]:
    stream, note = open_utf8(src)
    try:
        reader = CsvStreamReader(stream, src.label, chunk_bytes=chunk_bytes, max_field_bytes=max_field)
        kind = fmt if fmt != "auto" else _detect(reader.header, src.label, mapping)
        flags: tuple[str, ...] = ()
        if kind == "police_uk":  # its header is fixed: no flag column (sensitive by category only)
            check_police_uk_header(reader.header, src.label)
        else:
            check_force_header(reader.header, mapping, src.label)
            flags = tuple(find_flag_columns(reader.header, flag_columns))
        notes = [note] if note else []
        for chunk in reader.chunks():
            if kind == "police_uk":
                batch = police_uk_batch(chunk.frame, chunk.refused, src.label, synthetic, chunk.raw_text)
            else:
                batch = force_csv_batch(
                    chunk.frame, chunk.refused, src.label, mapping, synthetic, chunk.raw_text, flags
                )
            yield batch, notes + chunk.notes
            notes = []
    finally:
        stream.close()


def iter_batches(
    paths: list[str | Path] | list[Source],
    fmt: str = "auto",
    mapping: Mapping[str, str] | None = None,
    synthetic: bool = False,
    chunk_bytes: int = 16 << 20,
    max_field_bytes: int = MAX_FIELD_BYTES,
    flag_columns: tuple[str, ...] | list[str] = (),
) -> Iterator[tuple[RawBatch, list[str]]]:
    """Read every input into :class:`RawBatch` objects (with notes such as encoding fallbacks).

    Parameters
    ----------
    paths : list of path or Source
        Files, folders or zips (or sources already expanded by :func:`expand_inputs`).
    fmt : {"auto", "police_uk", "force_csv", "vector"}, default "auto"
        Overrides format detection.
    mapping : mapping, optional
        Force-extract column mapping (field -> column name).
    synthetic : bool, default False
        Mark every row synthetic.
    chunk_bytes : int, default 16 MiB
        CSV bytes per batch: bounds memory whatever the file's size.
    max_field_bytes : int, default 128 KiB
        Longer fields are rejected row by row.
    flag_columns : sequence of str, optional
        Yes/no columns that mark a row sensitive (the district's ``sensitive_flag_columns``): those a
        force extract or vector layer holds (names compared case-insensitively) are carried in
        :attr:`RawBatch.flags`.  data.police.uk files have none.
    """
    if fmt not in FORMATS:
        raise FileFormatError(f"unknown format '{fmt}': choose from {', '.join(FORMATS)}")
    mapping = dict(mapping or {})
    sources = [p for p in paths if isinstance(p, Source)]
    named = [p for p in paths if not isinstance(p, Source)]
    if named:
        if sources:
            raise TypeError("iter_batches takes paths or sources, not both")
        sources = expand_inputs(named)
    for src in sources:
        suffix = Path(src.name).suffix.lower()
        if fmt == "vector" or (fmt == "auto" and suffix in VECTOR_SUFFIXES):
            if src.member is not None:
                raise FileFormatError(f"{src.label}: vector layers inside zips are not read; unzip it first")
            yield read_vector(src.path, src.label, mapping, synthetic, tuple(flag_columns))
            continue
        yield from _csv_batches(src, fmt, mapping, synthetic, chunk_bytes, max_field_bytes, tuple(flag_columns))
