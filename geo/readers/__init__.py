"""Readers: turn input files into :class:`RawBatch` objects, detecting the format.

``iter_batches(paths)`` accepts files, folders (searched recursively) and zip files (the
data.police.uk download: only its ``*-street.csv`` members are crime records).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from geo.readers._common import FileFormatError, RawBatch, decode_bytes, file_label
from geo.readers.force_csv import check_mapping, looks_like_force, read_force_csv
from geo.readers.police_uk import looks_like_police_uk, read_police_uk
from geo.readers.vector import VECTOR_SUFFIXES, read_vector

FORMATS = ("auto", "police_uk", "force_csv", "vector")

__all__ = ["FORMATS", "FileFormatError", "RawBatch", "expand_inputs", "iter_batches", "check_mapping"]


def expand_inputs(paths: list[str | Path]) -> list[tuple[Path, str | None]]:
    """Expand folders and zips into (file, zip member or None) pairs, in a stable order.

    Raises
    ------
    FileNotFoundError
        Naming the first path that does not exist.
    """
    out: list[tuple[Path, str | None]] = []
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder")
        if p.is_dir():
            files = sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in {".csv", ".zip", *VECTOR_SUFFIXES}
            )
            if not files:
                raise FileFormatError(f"{p}: the folder holds no CSV, zip or vector files")
            out += expand_inputs(files)
        elif p.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(p) as zf:
                    members = sorted(n for n in zf.namelist() if n.lower().endswith(".csv"))
            except zipfile.BadZipFile:
                raise FileFormatError(f"{p.name}: not a readable zip file") from None
            # A data.police.uk download also holds outcomes and stop-and-search files: not incidents.
            street = [m for m in members if "-street" in Path(m).name.lower()]
            chosen = street or members
            if not chosen:
                raise FileFormatError(f"{p.name}: the zip holds no CSV files")
            out += [(p, m) for m in chosen]
        else:
            out.append((p, None))
    return out


def _read_bytes(path: Path, member: str | None) -> bytes:
    if member is None:
        return path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        return zf.read(member)


def _detect(data: bytes, label: str, mapping: Mapping[str, str]) -> str:
    text, _ = decode_bytes(data[:65536], label) if len(data) > 65536 else decode_bytes(data, label)
    header = [h.strip().strip('"') for h in text.splitlines()[0].split(",")] if text.strip() else []
    if looks_like_police_uk(header):
        return "police_uk"
    if mapping and looks_like_force(header, mapping):
        return "force_csv"
    raise FileFormatError(
        f"{label}: format not recognised: the header is neither a data.police.uk street file nor a force "
        f"extract with the configured column mapping (found: {', '.join(header[:12])}); "
        "give --format and --map to say what it is"
    )


def iter_batches(
    paths: list[str | Path],
    fmt: str = "auto",
    mapping: Mapping[str, str] | None = None,
    synthetic: bool = False,
) -> Iterator[tuple[RawBatch, list[str]]]:
    """Read every input file into a :class:`RawBatch` (with notes such as encoding fallbacks).

    Parameters
    ----------
    paths : list of path
        Files, folders or zips.
    fmt : {"auto", "police_uk", "force_csv", "vector"}, default "auto"
        Overrides format detection.
    mapping : mapping, optional
        Force-extract column mapping (field -> column name).
    synthetic : bool, default False
        Mark every row synthetic.
    """
    if fmt not in FORMATS:
        raise FileFormatError(f"unknown format '{fmt}': choose from {', '.join(FORMATS)}")
    mapping = dict(mapping or {})
    for path, member in expand_inputs(paths):
        label = file_label(path, member)
        suffix = Path(member or path.name).suffix.lower()
        if fmt == "vector" or (fmt == "auto" and suffix in VECTOR_SUFFIXES):
            yield read_vector(path, label, mapping, synthetic)
            continue
        data = _read_bytes(path, member)
        kind = fmt if fmt != "auto" else _detect(data, label, mapping)
        if kind == "police_uk":
            yield read_police_uk(data, label, synthetic)
        else:
            yield read_force_csv(data, label, mapping, synthetic)
