"""Streaming ingest: read, validate, geocode and join areas batch by batch; write through a writer.

Memory is bounded whatever the input size: each CSV arrives in batches of about
``IngestLimits.chunk_bytes``; each batch is validated, joined to wards, sectors and zones and
handed to the store's writer (:class:`IngestWriter`), which stages it.  Only ``finish`` makes
anything visible, in one transaction; any failure (or a kill) leaves the store as it was.

Every row of every file ends up stored, a duplicate, or rejected with file, row number and
reason: ``read == stored + duplicates + rejected`` always.  Rejects stream to an unnamed
temporary file beside the store, which is given its name only once the ingest has committed, so
a failed or killed ingest leaves no stray file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import pandas as pd

from geo.areas import attach_areas
from geo.errors import HotspotsError
from geo.readers import FileFormatError, RawBatch, Source, expand_inputs, iter_batches
from geo.readers.force_csv import check_mapping
from geo.validate import REJECT_COLUMNS, YEAR_RANGE, RepeatCounter, validate_batch

if TYPE_CHECKING:
    from tqdm import tqdm

    from geo.config import District

#: Rejects kept in memory on the report (all of them go to the rejects file).
REPORT_REJECTS = 1000


@dataclass
class IngestReport:
    """What an ingest did.  ``read == stored + duplicates + rejected`` always holds.

    ``rejects`` holds the first :data:`REPORT_REJECTS` rejected rows; the file at
    ``rejects_path`` holds all of them.  ``geocoded`` counts stored-or-duplicate rows placed at a
    postcode centroid.
    """

    files: list[str]
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    geocoded: int = 0
    staged: int = 0

    def summary_line(self) -> str:
        """One line of counts for the command line and logs."""
        return f"read {self.read:,}  stored {self.stored:,}  duplicates {self.duplicates:,}  rejected {self.rejected:,}"


@dataclass(frozen=True)
class IngestLimits:
    """Bounds on one ingest.  The defaults suit the command line; a server passes tighter ones.

    Attributes
    ----------
    chunk_bytes : int
        CSV bytes per batch (memory per batch is a small multiple of this).
    max_field_bytes : int
        Rows with a longer field are rejected.
    years : (int, int)
        Incidents outside these years (inclusive) are rejected.
    max_rows, max_bytes, max_members : int or None
        Refuse the whole ingest beyond this many rows read, uncompressed input bytes, or CSV
        members in one zip (uploads).
    """

    chunk_bytes: int = 16 << 20
    max_field_bytes: int = 128 * 1024
    years: tuple[int, int] = YEAR_RANGE
    max_rows: int | None = None
    max_bytes: int | None = None
    max_members: int | None = None


def record_ingest(con: Any, report: IngestReport, ingest_id: int, staged: int, stored: int, mark: str = "?") -> None:
    """The shared last step of every writer's ``finish``: settle the counts and log the ingest.

    Sets ``report.stored`` and ``report.duplicates`` (staged rows not stored) and appends the
    ``ingests`` row, on ``con`` inside the ingest's transaction (the caller commits).

    Parameters
    ----------
    con : connection
        A DuckDB or psycopg connection with the ingest's transaction open.
    report : IngestReport
    ingest_id : int
    staged, stored : int
        Rows handed to the writer, and rows of them inserted.
    mark : str, default "?"
        The driver's parameter placeholder (``"%s"`` for psycopg).
    """
    report.stored = int(stored)
    report.duplicates = int(staged) - report.stored
    row = [
        ingest_id,
        datetime.now(UTC).replace(tzinfo=None),
        "; ".join(report.files),
        report.read,
        report.stored,
        report.duplicates,
        report.rejected,
        str(report.rejects_path or ""),
    ]
    con.execute(f"INSERT INTO ingests VALUES ({', '.join([mark] * len(row))})", row)


class IngestError(HotspotsError, ValueError):
    """An ingest refused as a whole (a limit exceeded); the store is unchanged."""


class IngestWriter(Protocol):
    """The store side of an ingest (one per ingest, used as a context manager: exception -> abort)."""

    def stage(self, frame: pd.DataFrame) -> None:
        """Stage one batch: canonical columns + zone columns, tz-aware times."""

    def finish(self, report: IngestReport) -> None:
        """Insert staged rows whose incident_id is not stored yet (the first staged copy wins), and commit.

        Sets ``report.stored`` and ``report.duplicates`` and appends the ``ingests`` log row, in the
        same transaction.
        """

    def abort(self) -> None:
        """Roll back: the store is exactly as before."""


class IngestTarget(Protocol):
    """What :func:`ingest_files` needs of a store: its district, its location and a writer."""

    district: District
    path: Path

    def writer(self) -> AbstractContextManager[IngestWriter]:
        """A writer for one ingest (see :class:`IngestWriter`)."""
        ...


class _RejectSink:
    """Rejected rows stream to an unnamed file in the store's folder, named only on success."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.fd: int | None = None
        self.file: IO[bytes] | None = None
        self.count = 0

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)  # a PostgreSQL store's var/<database> may not exist yet
        try:  # Linux: an anonymous file that vanishes if the process dies
            self.fd = os.open(self.folder, os.O_TMPFILE | os.O_RDWR, 0o644)
            self.file = os.fdopen(self.fd, "w+b")
        except (AttributeError, OSError):
            self.file = tempfile.TemporaryFile(dir=self.folder)  # noqa: SIM115 - closed in close()
            self.fd = None

    def write(self, rejects: pd.DataFrame) -> None:
        if rejects.empty:
            return
        if self.file is None:
            self._open()
        rejects.to_csv(self.file, index=False, header=self.count == 0, columns=REJECT_COLUMNS)
        self.count += len(rejects)

    def publish(self, path: Path) -> None:
        """Give the file its name (atomically where the system allows)."""
        assert self.file is not None
        self.file.flush()
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.link(f"/proc/self/fd/{self.fd}", path)
                return
        self.file.seek(0)
        part = path.with_name(path.name + ".part")
        with open(part, "wb") as out:
            while block := self.file.read(1 << 20):
                out.write(block)
        part.replace(path)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def _rejects_folder(store: IngestTarget) -> Path:
    folder = getattr(store, "rejects_dir", None)
    return Path(folder) if folder else Path(store.path).parent


def _progress(enabled: bool, total: int) -> tqdm:
    from tqdm import tqdm

    return tqdm(total=None, unit=" rows", unit_scale=True, disable=not enabled, file=sys.stderr, leave=False)


def _summarise_reasons(report: IngestReport, rejects: pd.DataFrame) -> None:
    if rejects.empty:
        return
    counts = rejects["reason"].astype(str).str.replace(r"'.*'", "'…'", regex=True).value_counts()
    for reason, n in counts.items():
        report.reasons[reason] = report.reasons.get(reason, 0) + int(n)
    if len(report.rejects) < REPORT_REJECTS:
        head = rejects.head(REPORT_REJECTS - len(report.rejects))
        report.rejects = head if report.rejects.empty else pd.concat([report.rejects, head], ignore_index=True)


def ingest_files(
    store: IngestTarget,
    paths: list[str | Path],
    fmt: str = "auto",
    mapping: Mapping[str, str] | None = None,
    synthetic: bool = False,
    progress: bool = False,
    limits: IngestLimits | None = None,
) -> IngestReport:
    """Read, validate and store files through ``store.writer()``, in one transaction.

    Parameters
    ----------
    store : Store
        Any store with ``district``, ``path`` and ``writer()``.
    paths : list of path
        Files, folders or zips (see :func:`geo.readers.iter_batches`).
    fmt : {"auto", "police_uk", "force_csv", "vector"}, default "auto"
    mapping : mapping, optional
        Force-extract column mapping; default the district config's ``[force_csv]``.  A mapping
        given here describes another extract: it replaces the config's, not merges.
    synthetic : bool, default False
        Mark every stored row synthetic (files named ``*synthetic*`` are marked anyway).
    progress : bool, default False
        Show a progress bar on stderr.
    limits : IngestLimits, optional

    Returns
    -------
    IngestReport
        Counts that add up; rejects written beside the store.

    Raises
    ------
    FileFormatError, FileNotFoundError, IngestError, StoreError
        With one clear message; the store is unchanged and no file is left behind.
    """
    limits = limits or IngestLimits()
    district = store.district
    full_mapping = dict(mapping) if mapping else dict(district.force_csv)
    if fmt == "force_csv":
        check_mapping(full_mapping, "column mapping")
    sources = expand_inputs(paths, max_members=limits.max_members)
    total = sum(s.size for s in sources)
    if limits.max_bytes is not None and total > limits.max_bytes:
        raise IngestError(f"the input is {total:,} bytes uncompressed, more than the limit of {limits.max_bytes:,}")
    report = IngestReport(files=[])
    sink = _RejectSink(_rejects_folder(store))
    bar = _progress(progress, total)
    try:
        with store.writer() as writer:
            if hasattr(writer, "expect"):  # optional: lets a writer pick a strategy by input size
                writer.expect(total)
            _read_all(sources, fmt, full_mapping, synthetic, limits, writer, report, sink, bar, district)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
            stem = Path(store.path).stem if getattr(store, "path", None) else "store"
            rejects_path = sink.folder / f"{stem}-rejects-{stamp}.csv"
            report.rejects_path = rejects_path if report.rejected else None
            bar.set_description_str(f"storing {report.staged:,} rows")
            writer.finish(report)
        if report.rejected:
            sink.publish(rejects_path)
    finally:
        sink.close()
        bar.close()
    if report.geocoded:
        report.notes.append(
            f"{report.geocoded:,} row(s) had a postcode and no coordinates: placed at the postcode's centre "
            "(location_precision 'postcode'; left out of analyses that need a point)"
        )
    if report.read != report.stored + report.duplicates + report.rejected:
        raise AssertionError(f"ingest counts do not add up: {report}")
    return report


def _read_all(
    sources: list[Source],
    fmt: str,
    mapping: Mapping[str, str],
    synthetic: bool,
    limits: IngestLimits,
    writer: IngestWriter,
    report: IngestReport,
    sink: _RejectSink,
    bar: tqdm,
    district: District,
) -> None:
    """Stream every source's batches through validation and area joins into the writer."""
    for src in sources:
        report.files.append(src.label)
        counter = RepeatCounter()  # content repeats are counted per file, across its batches
        flags = district.sensitivity.flag_columns
        batches = iter_batches([src], fmt, mapping, synthetic, limits.chunk_bytes, limits.max_field_bytes, flags)
        for batch, notes in batches:
            _one_batch(batch, notes, counter, limits, writer, report, sink, district)
            bar.update(batch.n_read)


def _one_batch(
    batch: RawBatch,
    notes: list[str],
    counter: RepeatCounter,
    limits: IngestLimits,
    writer: IngestWriter,
    report: IngestReport,
    sink: _RejectSink,
    district: District,
) -> None:
    accepted, rejects, vnotes = validate_batch(batch, district, years=limits.years, repeats=counter)
    report.read += batch.n_read
    if limits.max_rows is not None and report.read > limits.max_rows:
        raise IngestError(f"{batch.file}: more than the limit of {limits.max_rows:,} rows in one ingest")
    report.notes += notes + vnotes
    report.rejected += len(rejects)
    sink.write(rejects)
    _summarise_reasons(report, rejects)
    if len(accepted):
        framed = attach_areas(accepted, district)
        report.geocoded += int((framed["location_precision"] == "postcode").sum())
        report.staged += len(framed)
        writer.stage(framed)


__all__ = [
    "FileFormatError",
    "IngestError",
    "IngestLimits",
    "IngestReport",
    "IngestTarget",
    "IngestWriter",
    "REPORT_REJECTS",
    "ingest_files",
    "record_ingest",
]
