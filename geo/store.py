"""The incident store: an embedded DuckDB file (the default) or a PostgreSQL + PostGIS database.

* One table ``incidents`` with the canonical columns (times kept as UTC, returned as
  Europe/London), one ``ingests`` log, one ``meta`` table.
* Each ingest is one transaction: a malformed file or any failure leaves the store as it was.
* Selections and aggregates run in the database (:mod:`geo.sql_selection`), so a reader pulls only
  the rows, counts or points a view needs.
* Connections are short-lived, so several read-only processes (dashboard workers) can share
  the file.  One writer at a time: a lock file beside the store (``<store>.lock``) serialises writers
  across processes and says who is writing (:meth:`Store.ingest_in_progress`); a reader that meets
  DuckDB's own write lock retries briefly, then raises :class:`StoreBusy`.
* A store file that was replaced, removed or corrupted after it was opened raises
  :class:`StoreUnavailable` (the faces answer 503), never stale or half-read data.
* ``Store.open("postgresql://...")`` (or ``HOTSPOTS_STORE=postgresql://...``) opens the same
  interface on PostgreSQL (:mod:`geo.store_pg`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from geo.backends.duckdb_file import (
    add_missing_columns,
    check_same_file,
    identity,
    missing_columns,
    open_connection,
    read_session,
    release_read_session,
    view_missing_columns,
)
from geo.backends.errors import StoreBusy, StoreError, StoreUnavailable
from geo.backends.frames import arrow_to_pandas, is_present, to_local
from geo.backends.lock import lock_holder, write_lock
from geo.backends.reads import StoreReads
from geo.config import DEFAULT_DISTRICT, District, load_district
from geo.ingest import IngestLimits, IngestReport, IngestWriter, ingest_files
from geo.sql_selection import DUCKDB, LOCAL_COLUMNS

#: Default store file, relative to the working directory.
DEFAULT_STORE = Path("var") / "hotspots.duckdb"
#: How long a reader waits for a writer's DuckDB lock before raising :class:`StoreBusy` (seconds).
READ_WAIT_S = 10.0
#: How long a writer waits for another writer (or for readers to let go) before :class:`StoreBusy`.
WRITE_WAIT_S = 30.0

_SQL_TYPES = {
    "string": "VARCHAR",
    "bool": "BOOLEAN",
    "float64": "DOUBLE",
}


def is_database_url(location: str | Path | None) -> bool:
    """Whether a ``--store`` value names a PostgreSQL database rather than a file."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def default_store_location() -> str | Path:
    """``$HOTSPOTS_STORE`` if set (a path or a ``postgresql://`` URL), else ``var/hotspots.duckdb``."""
    value = os.environ.get("HOTSPOTS_STORE")
    if value is not None and is_database_url(value):
        return value
    return Path(value or DEFAULT_STORE)


def default_store_path() -> Path:
    """``$HOTSPOTS_STORE`` if set, else ``var/hotspots.duckdb``."""
    return Path(os.environ.get("HOTSPOTS_STORE") or DEFAULT_STORE)


class Store(StoreReads):
    """An incident store on a DuckDB file.  Build with :meth:`Store.open`."""

    backend = "duckdb"
    dialect = DUCKDB

    def __init__(self, path: Path, district: District, read_only: bool) -> None:
        self.path = path
        self.district = district
        self.read_only = read_only
        self._opened_as: tuple[int, int] | None = None
        # Columns an older store lacks, read through a view until a writer adds them.
        self._missing_columns: list[str] = []

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path | None = None, district: District | None = None, read_only: bool = True) -> Store:
        """Open (or, when writable, create) a store.

        Parameters
        ----------
        path : path or str, optional
            A DuckDB file, or a ``postgresql://`` URL (:class:`geo.store_pg.PgStore`).
            Default :func:`default_store_location`.
        district : District, optional
            Default the bundled Winchester district.
        read_only : bool, default True
            A read-only store refuses :meth:`ingest`; a missing file is an error.

        Raises
        ------
        StoreError
            Missing (read-only), or the folder cannot hold a store.
        StoreUnavailable
            Not a readable csp-hotspots store (corrupted, another kind of file, database unreachable).
        """
        location = path if path else default_store_location()
        district = district or load_district(DEFAULT_DISTRICT)
        if is_database_url(str(location)):
            from geo.store_pg import PgStore

            return PgStore.open_url(str(location), district, read_only)
        path = Path(location)
        store = Store(path, district, read_only)
        if not path.exists():
            if read_only:
                raise StoreError(
                    f"no store at {path}: create it with `hotspots ingest FILES --store {path}` "
                    f"or `hotspots demo --store {path}`"
                )
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{path}: cannot create the store's folder ({exc.strerror})") from None
        elif path.is_dir():
            raise StoreError(f"{path} is a folder, not a store file")
        store._init_schema()
        store._opened_as = identity(path)
        return store

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """Run the reads of the block on one connection (per thread) instead of one each.

        A read connection attaches the file (about 1.5 ms, :mod:`geo.backends._duckdb_host`) and
        detaches it at the end; a map layer asks four or five questions, a request several more.
        The connection opens at the block's first read (a block that reads nothing costs nothing)
        and is shared by every store object on the same file in this thread
        (:func:`geo.backends.duckdb_file.read_session`); a write from this thread closes it first.
        Nested blocks share the outer one's connection.
        """
        with read_session(self.path):
            yield self

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        check_same_file(self.path, self._opened_as)
        if write:
            with self.write_lock("write"):
                with open_connection(self.path, True, WRITE_WAIT_S) as con:
                    yield con
        else:
            with open_connection(self.path, False, READ_WAIT_S) as con:
                if self._missing_columns:  # an older store: has a writer brought it up to date since?
                    self._missing_columns = missing_columns(con)
                    if self._missing_columns:
                        view_missing_columns(con, self._missing_columns)
                yield con

    # -- one writer at a time ------------------------------------------------------------------
    @contextmanager
    def write_lock(self, what: str = "ingest") -> Iterator[None]:
        """Hold the store's cross-process write lock for the block (re-entrant in one process).

        Other processes see ``what`` through :meth:`ingest_in_progress`; a second writer waits up
        to :data:`WRITE_WAIT_S` seconds, then gets :class:`StoreBusy`.
        """
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; cannot write")
        release_read_session(self.path)  # never wait for the lock while holding the file open
        try:
            with write_lock(self.path, what, WRITE_WAIT_S, StoreBusy):
                yield
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot write beside the store ({exc.strerror})") from None

    def ingest_in_progress(self) -> dict[str, Any] | None:
        """Who is writing to the store right now (``{"pid", "since", "what"}``), or None."""
        return lock_holder(self.path)

    @property
    def location(self) -> str:
        """Where the store lives, for messages (a file path; a URL without password for PostgreSQL)."""
        return str(self.path)

    @property
    def state_key(self) -> str:
        """Changes whenever the data a reader sees may have changed: store identity + version.

        Unlike :attr:`version` alone it also changes when the store is replaced by another store
        with as many ingests, so caches keyed on it never serve another store's rows.
        """
        df = self._frame("SELECT (SELECT value FROM meta WHERE key = 'store_id') AS id, count(*) AS n FROM ingests")
        store_id = df["id"].iloc[0] if df["id"].iloc[0] is not None else f"{self.path}:{identity(self.path)}"
        return f"{store_id}:{int(df['n'].iloc[0])}"

    def _zone_columns(self) -> list[str]:
        return [z.column for z in self.district.zones]

    def _frame(self, sql: str, args: list[Any] | None = None, categories: tuple[str, ...] = ()) -> pd.DataFrame:
        # Through Arrow: 1.5-2x faster than .df() on wide text columns, and strings arrive typed.
        with self._connect() as con:
            return arrow_to_pandas(con.sql(sql, params=args or None).to_arrow_table(), categories)

    def _init_schema(self) -> None:
        if self.read_only:
            with self._connect() as con:
                sql = "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
                tables = {r[0] for r in con.execute(sql).fetchall()}
                if "incidents" not in tables:
                    raise StoreUnavailable(f"{self.path}: not a csp-hotspots store (no incidents table)")
                self._missing_columns = missing_columns(con)
            return
        from geo.schema import CANONICAL_COLUMNS

        cols = []
        for name, (dtype, _) in CANONICAL_COLUMNS.items():
            sql = "TIMESTAMP" if dtype.startswith("datetime") else _SQL_TYPES.get(dtype, "VARCHAR")
            # No PRIMARY KEY: ingest removes duplicates with an anti join, 4x faster than the index.
            cols.append(f"{name} {sql}")
        cols += [f"{c} BOOLEAN" for c in self._zone_columns()]
        cols.append("ingest_id INTEGER")
        cols += [f"{c} TIMESTAMP" for c in LOCAL_COLUMNS]  # filled when rows are written
        with self._connect(write=True) as con:
            con.execute(f"CREATE TABLE IF NOT EXISTS incidents ({', '.join(cols)})")
            add_missing_columns(con)  # a store made by an earlier version
            con.execute(
                "CREATE TABLE IF NOT EXISTS ingests (ingest_id INTEGER PRIMARY KEY, finished_at TIMESTAMP, "
                "files VARCHAR, read BIGINT, stored BIGINT, duplicates BIGINT, rejected BIGINT, "
                "rejects_path VARCHAR)"
            )
            con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            con.execute(
                "INSERT OR IGNORE INTO meta VALUES ('district', ?), ('schema_version', '1'), ('store_id', ?)",
                [self.district.name, uuid.uuid4().hex],
            )

    # -- reading (selections and aggregates: geo.backends.reads) -----------------------------
    @property
    def version(self) -> int:
        """Number of ingests so far: changes whenever the incidents change (use it as a cache key)."""
        return int(self._frame("SELECT count(*) AS n FROM ingests")["n"].iloc[0])

    def summary(self) -> dict[str, Any]:
        """What the store holds: totals, sources, date range, counts per crime type and sector.

        Returns
        -------
        dict
            ``total``, ``sources`` (DataFrame), ``date_from``, ``date_to``, ``dated_to`` (the latest
            incident with a day rather than only a month), ``by_crime_type``, ``by_sector``,
            ``by_precision`` (Series of counts), ``synthetic`` (count) and ``ingests`` (the log).
        """
        q, text = self._frame, self.dialect.text_order
        total = q("SELECT count(*) AS n FROM incidents")["n"].iloc[0]
        sources = q(
            "SELECT source, bool_or(synthetic) AS synthetic, count(*) AS incidents, "
            "min(occurred_from) AS first, max(occurred_to) AS last FROM incidents "
            f"GROUP BY source ORDER BY {text('source')}"
        )
        by_type = q(f"SELECT crime_type, count(*) AS n FROM incidents GROUP BY 1 ORDER BY 2 DESC, {text('crime_type')}")
        by_sector = q(f"SELECT sector, count(*) AS n FROM incidents GROUP BY 1 ORDER BY 2 DESC, {text('sector')}")
        by_prec = q(f"SELECT time_precision, count(*) AS n FROM incidents GROUP BY 1 ORDER BY {text('time_precision')}")
        rng = q("SELECT min(occurred_from) AS lo, max(occurred_to) AS hi FROM incidents").iloc[0].tolist()
        dated = q("SELECT max(occurred_to) AS d FROM incidents WHERE time_precision <> 'month'")["d"].iloc[0]
        ingests = q("SELECT * FROM ingests ORDER BY ingest_id")
        for col in ("first", "last"):
            sources[col] = to_local(sources[col])
        sources["incidents"] = sources["incidents"].astype("int64")
        lo, hi = (to_local(pd.Series([v]))[0] if is_present(v) else None for v in rng)
        return {
            "total": int(total),
            "sources": sources,
            "date_from": lo,
            "date_to": hi,
            # the latest incident with a day: weekend and 28-day picks count back from it
            "dated_to": to_local(pd.Series([dated]))[0] if is_present(dated) else None,
            "by_crime_type": by_type.set_index("crime_type")["n"].astype("int64"),
            "by_sector": by_sector.set_index("sector")["n"].astype("int64"),
            "by_precision": by_prec.set_index("time_precision")["n"].astype("int64"),
            "synthetic": int(sources.loc[sources["synthetic"].astype(bool), "incidents"].sum()),
            "ingests": ingests,
        }

    # -- writing ---------------------------------------------------------------------------
    def ingest(
        self,
        paths: list[str | Path],
        fmt: str = "auto",
        mapping: Mapping[str, str] | None = None,
        synthetic: bool = False,
        progress: bool = False,
        limits: IngestLimits | None = None,
    ) -> IngestReport:
        """Read, validate and store files in one transaction (see :func:`geo.ingest.ingest_files`).

        Parameters
        ----------
        paths : list of path
            Files, folders or zips (see :func:`geo.readers.iter_batches`).
        fmt : {"auto", "police_uk", "force_csv", "vector"}, default "auto"
        mapping : mapping, optional
            Force-extract column mapping; default the district config's ``[force_csv]``.
        synthetic : bool, default False
            Mark every stored row synthetic (files named ``*synthetic*`` are marked anyway).
        progress : bool, default False
            Show a progress bar on stderr.
        limits : IngestLimits, optional
            Batch size, field size, year range and upload limits.

        Returns
        -------
        IngestReport
            Counts that add up; rejects written beside the store.

        Raises
        ------
        FileFormatError, FileNotFoundError, StoreError
            With one clear message; the store is unchanged.
        """
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; cannot ingest")
        return ingest_files(
            self, paths, fmt=fmt, mapping=mapping, synthetic=synthetic, progress=progress, limits=limits
        )

    def writer(self) -> AbstractContextManager[IngestWriter]:
        """The ingest writer for this store: a context manager that rolls back on an exception."""
        from geo._duckdb_writer import DuckDBWriter

        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; cannot ingest")
        return DuckDBWriter(self)
