"""The incident store on PostgreSQL + PostGIS, for deployments that share one database.

Same interface, schema and rules as the DuckDB :class:`geo.store.Store` (``query``, ``summary``,
the aggregates, ``writer()``, the :mod:`geo.records` side tables), plus a PostGIS column ``geom``
(``geometry(Point, 27700)``, GiST-indexed) beside ``easting``/``northing`` for map windows.

* Times are kept as naive UTC ``timestamp`` like the DuckDB store; selections convert with
  ``AT TIME ZONE`` in SQL.
* An ingest is one transaction: rows are COPYed into a temporary staging table, then inserted with
  ``INSERT ... SELECT ... WHERE NOT EXISTS`` (the first of each ``incident_id`` wins); a failure
  anywhere rolls everything back.
* One writer at a time across hosts: a transaction-level advisory lock per schema.
* Open with ``Store.open("postgresql://user@host:port/db")``; choose a schema with libpq's
  ``options=-csearch_path%3Dmyschema,public`` (PostGIS must be on the search path).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from geo.backends.frames import (
    ADDED_COLUMNS,
    LATER_COLUMNS,
    fill_local_sql,
    missing_column_sql,
    sql_literal,
    to_sql_frame,
)
from geo.config import District
from geo.ingest import record_ingest
from geo.schema import CANONICAL_COLUMNS, COLUMNS
from geo.sql_selection import LOCAL_COLUMNS, POSTGRES
from geo.store import WRITE_WAIT_S, IngestReport, Store, StoreBusy, StoreError, StoreUnavailable

if TYPE_CHECKING:
    import psycopg

_PG_TYPES = {"string": "TEXT", "bool": "BOOLEAN", "float64": "DOUBLE PRECISION"}
_LOCK_KEY = "hashtext('csp-hotspots writer ' || current_schema())"
_WRITER_APP = "csp-hotspots writer"


def _psycopg() -> ModuleType:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - it is a dependency
        raise StoreError("PostgreSQL stores need psycopg: pip install 'psycopg[binary]'") from None
    return psycopg


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _view_missing_columns(con: psycopg.Connection) -> list[str]:
    """Let a read-only session query an older store as if it had the columns added since.

    A temporary view named ``incidents`` (searched before the schema's table, gone with the session)
    adds each :data:`~geo.backends.frames.ADDED_COLUMNS` column the table lacks, with its default;
    the table is not changed.  Returns the columns it lacks (none once a writer has added them).
    """
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'incidents'"
    ).fetchall()
    missing = [c for c in LATER_COLUMNS if c not in {r[0] for r in rows}]
    if missing:
        row = con.execute("SELECT current_schema()").fetchone()
        assert row is not None  # a SELECT of a value always returns one row
        schema = str(row[0]).replace('"', '""')
        extra = ", ".join(f"{missing_column_sql(c)} AS {c}" for c in missing)
        con.execute(f'CREATE TEMP VIEW incidents AS SELECT *, {extra} FROM "{schema}".incidents')
    con.commit()
    return missing


def _add_missing_columns(con: psycopg.Connection, cols: list[tuple[str, str]]) -> None:
    """Bring an older store's ``incidents`` table up to the schema ``cols`` (a write session).

    Rows stored before a column existed get its default (:data:`~geo.backends.frames.ADDED_COLUMNS`),
    or, for a wall-clock column (:data:`~geo.sql_selection.LOCAL_COLUMNS`), the value computed from
    their stored times.
    """
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'incidents'"
    ).fetchall()
    have = {r[0] for r in rows}
    for name, sql_type in cols:
        if name in have:
            continue
        default = ADDED_COLUMNS.get(name)  # the value of rows stored before the column existed
        fill = f" DEFAULT {sql_literal(default)}" if default is not None else ""
        con.execute(f"ALTER TABLE incidents ADD COLUMN IF NOT EXISTS {name} {sql_type}{fill}")
    if local := [c for c in LOCAL_COLUMNS if c not in have]:
        con.execute(fill_local_sql(local))


class PgStore(Store):
    """An incident store in a PostgreSQL database with PostGIS.  Build with :meth:`Store.open`."""

    backend = "postgres"
    dialect = POSTGRES

    def __init__(self, url: str, district: District, read_only: bool) -> None:
        # ``path`` names where files that belong beside the store go (rejects CSVs): var/<database>.
        database = re.sub(r"\W+", "_", url.rsplit("/", 1)[-1].split("?")[0]) or "postgres"
        super().__init__(Path("var") / database, district, read_only)
        self.url = url
        # The read connection of a ``with store.reading():`` block, per thread (None until its first read).
        self._reading = threading.local()

    @classmethod
    def open_url(cls, url: str, district: District, read_only: bool = True) -> PgStore:
        """Connect, check (or, when writable, create) the schema."""
        store = cls(url, district, read_only)
        store._init_schema()
        return store

    @property
    def location(self) -> str:
        """The database URL without its password."""
        return redact(self.url)

    # -- connections -------------------------------------------------------------------------
    @contextmanager
    def reading(self) -> Iterator[Store]:
        """Run the reads of the block on one database session (per thread), opened at its first read."""
        if getattr(self._reading, "active", False):
            yield self
            return
        self._reading.active, self._reading.con = True, None
        try:
            yield self
        finally:
            con, self._reading.con, self._reading.active = self._reading.con, None, False
            if con is not None:
                con.close()

    @contextmanager
    def _connect(self, write: bool = False, application: str = "csp-hotspots") -> Iterator:
        shared = not write and getattr(self._reading, "active", False)  # inside ``with store.reading():``
        if shared:
            con = self._reading.con = self._reading.con or self._open(False, application)
        else:
            con = self._open(write, application)
        psycopg = _psycopg()
        try:
            yield con
            con.commit()
        except BaseException as exc:
            if shared:  # a failed session is not reused: the next read opens afresh
                self._reading.con = None
                con.close()
            else:
                con.rollback()
            if isinstance(exc, psycopg.OperationalError):
                raise StoreUnavailable(f"{self.location}: the database stopped answering ({exc})") from None
            raise
        finally:
            if not shared:
                con.close()

    def _open(self, write: bool, application: str) -> Any:
        """A new session (read-only unless ``write``), an older store's missing columns viewed."""
        psycopg = _psycopg()
        try:
            con = psycopg.connect(self.url, connect_timeout=10, application_name=application)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreUnavailable(f"{self.location}: cannot reach the database ({reason})") from None
        try:
            if not write and self._missing_columns:  # an older store: has a writer brought it up to date since?
                self._missing_columns = _view_missing_columns(con)
            con.read_only = not write
        except BaseException:
            con.close()
            raise
        return con

    def _frame(self, sql: str, args: list | None = None, categories: tuple[str, ...] = ()) -> pd.DataFrame:
        # ``categories``: made categorical by from_sql_frame (the rows arrive as Python objects anyway)
        with self._connect() as con:
            cur = con.execute(sql, args or None)
            names = [d.name for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=names)

    def _init_schema(self) -> None:
        psycopg = _psycopg()
        if self.read_only:
            with self._connect() as con:
                found = con.execute(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_name = 'incidents'"
                ).fetchone()[0]
            if not found:
                raise StoreError(
                    f"{self.location}: no csp-hotspots store in this database yet: "
                    f"create it with `hotspots ingest FILES --store URL` or `hotspots demo --store URL`"
                )
            self._missing_columns = list(LATER_COLUMNS)  # checked on the next connection
            return
        cols = []
        for name, (dtype, _) in CANONICAL_COLUMNS.items():
            cols.append((name, "TIMESTAMP" if dtype.startswith("datetime") else _PG_TYPES.get(dtype, "TEXT")))
        cols += [(c, "BOOLEAN") for c in self._zone_columns()]
        cols += [("ingest_id", "INTEGER"), ("geom", "geometry(Point, 27700)")]
        cols += [(c, "TIMESTAMP") for c in LOCAL_COLUMNS]  # filled when rows are written
        try:
            with self._connect(write=True) as con:
                con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                con.execute(f"CREATE TABLE IF NOT EXISTS incidents ({', '.join(f'{n} {t}' for n, t in cols)})")
                _add_missing_columns(con, cols)
                con.execute("CREATE UNIQUE INDEX IF NOT EXISTS incidents_incident_id ON incidents (incident_id)")
                con.execute("CREATE INDEX IF NOT EXISTS incidents_occurred_from ON incidents (occurred_from)")
                con.execute("CREATE INDEX IF NOT EXISTS incidents_geom ON incidents USING gist (geom)")
                con.execute(
                    "CREATE TABLE IF NOT EXISTS ingests (ingest_id INTEGER PRIMARY KEY, finished_at TIMESTAMP, "
                    "files TEXT, read BIGINT, stored BIGINT, duplicates BIGINT, rejected BIGINT, rejects_path TEXT)"
                )
                con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                con.execute(
                    "INSERT INTO meta VALUES ('district', %s), ('schema_version', '1'), "
                    "('store_id', md5(random()::text || clock_timestamp()::text)) ON CONFLICT (key) DO NOTHING",
                    [self.district.name],
                )
        except psycopg.errors.FeatureNotSupported as exc:
            raise StoreUnavailable(f"{self.location}: PostGIS is not available in this database ({exc})") from None
        except psycopg.errors.UndefinedFile as exc:
            raise StoreUnavailable(f"{self.location}: PostGIS is not installed on the server ({exc})") from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(f"{self.location}: not allowed to create the store's tables ({exc})") from None

    # -- one writer at a time ------------------------------------------------------------------
    @contextmanager
    def write_lock(self, what: str = "ingest") -> Iterator[None]:
        """Writes on PostgreSQL are serialised inside :meth:`writer` (an advisory lock); nothing to hold here."""
        if self.read_only:
            raise StoreError(f"{self.location}: opened read-only; cannot write")
        yield

    def ingest_in_progress(self) -> dict | None:
        """Whether a writer holds the store's advisory lock, as ``{"pid", "since", "what"}``, or None."""
        with self._connect() as con:
            free = con.execute(f"SELECT pg_try_advisory_lock({_LOCK_KEY})").fetchone()[0]
            if free:
                con.execute(f"SELECT pg_advisory_unlock({_LOCK_KEY})")
                return None
            row = con.execute(
                "SELECT pid, xact_start FROM pg_stat_activity WHERE application_name = %s ORDER BY xact_start LIMIT 1",
                [_WRITER_APP],
            ).fetchone()
        if row is None:
            return {"pid": None, "since": None, "what": "ingest"}
        since = row[1].astimezone(UTC).isoformat(timespec="seconds") if row[1] else None
        return {"pid": row[0], "since": since, "what": "ingest"}

    @contextmanager
    def writer(self) -> Iterator[PgWriter]:
        """One all-or-nothing write: ``stage(frame)`` per batch, then ``finish(report)``.

        Leaving the block without :meth:`PgWriter.finish`, or with an exception, rolls back.

        Raises
        ------
        StoreBusy
            Another writer kept the lock for longer than :data:`geo.store.WRITE_WAIT_S`.
        """
        if self.read_only:
            raise StoreError(f"{self.location}: opened read-only; cannot ingest")
        psycopg = _psycopg()
        with self._connect(write=True, application=_WRITER_APP) as con:
            con.execute(f"SET LOCAL lock_timeout = '{int(WRITE_WAIT_S * 1000)}ms'")
            try:
                con.execute(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
            except psycopg.errors.LockNotAvailable:
                raise StoreBusy(f"{self.location}: another ingest is in progress; try again shortly") from None
            con.execute("SET LOCAL lock_timeout = 0")
            w = PgWriter(self, con)
            try:
                yield w
            except BaseException:
                w.abort()
                raise
            if not w.finished:
                w.abort()

    def _commit(self, frame: pd.DataFrame, report: IngestReport, dup_input: int) -> None:
        """The write step of the file pipeline (:meth:`Store.ingest`), through :meth:`writer`."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        rejects_path = self.path.with_name(f"{self.path.name}-rejects-{stamp}.csv")
        if report.rejected:
            rejects_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = rejects_path.with_suffix(".csv.tmp")
            report.rejects.to_csv(tmp, index=False)
            report.rejects_path = rejects_path
        try:
            with self.writer() as w:
                w.stage(frame)
                w.finish(report)
        except BaseException:
            if report.rejected:
                tmp.unlink(missing_ok=True)
                report.rejects_path = None
            raise
        report.duplicates += dup_input
        if report.rejected:
            tmp.replace(rejects_path)


class PgWriter:
    """Stages batches in a temporary table; :meth:`finish` inserts the new rows and commits."""

    def __init__(self, store: PgStore, con: psycopg.Connection) -> None:
        self.store = store
        self.con = con
        self.finished = False
        self.staged = 0
        self.columns = [*COLUMNS, *store._zone_columns()]
        cols = ", ".join(f"{n} {t}" for n, t in self._column_types())
        con.execute(f"CREATE TEMP TABLE staged (seq BIGSERIAL, {cols}) ON COMMIT DROP")

    def _column_types(self) -> list[tuple[str, str]]:
        out = []
        for name in self.columns:
            dtype = CANONICAL_COLUMNS.get(name, ("bool", ""))[0]
            out.append((name, "TIMESTAMP" if dtype.startswith("datetime") else _PG_TYPES.get(dtype, "TEXT")))
        return out

    def stage(self, frame: pd.DataFrame) -> None:
        """COPY one batch of canonical rows (tz-aware times, zone columns) into the staging table."""
        if frame is None or not len(frame):
            return
        rows = to_sql_frame(frame, self.store._zone_columns())
        # One CSV block per batch, written by Arrow: about 10x faster than row-by-row COPY.  Arrow
        # quotes every string and leaves missing values bare, which is how PostgreSQL's CSV tells an
        # empty string from NULL.
        block = io.BytesIO()
        table = pa.Table.from_pandas(rows, preserve_index=False)
        pacsv.write_csv(table, block, pacsv.WriteOptions(include_header=False))
        with self.con.cursor() as cur:
            with cur.copy(f"COPY staged ({', '.join(self.columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(block.getvalue())
        self.staged += len(rows)

    def finish(self, report: IngestReport) -> None:
        """Insert staged rows not yet stored (first of each id wins), log the ingest, commit."""
        cols = ", ".join(self.columns)
        next_id = self.con.execute("SELECT coalesce(max(ingest_id), 0) + 1 FROM ingests").fetchone()
        assert next_id is not None  # an aggregate always returns one row
        ingest_id = next_id[0]
        cur = self.con.execute(
            f"INSERT INTO incidents ({cols}, ingest_id, {', '.join(LOCAL_COLUMNS)}, geom) "
            f"SELECT {cols}, %s, {', '.join(LOCAL_COLUMNS.values())}, "
            "CASE WHEN easting IS NULL OR northing IS NULL THEN NULL "
            "ELSE ST_SetSRID(ST_MakePoint(easting, northing), 27700) END FROM ("
            f"SELECT DISTINCT ON (incident_id) * FROM staged s WHERE NOT EXISTS "
            "(SELECT 1 FROM incidents i WHERE i.incident_id = s.incident_id) ORDER BY incident_id, seq) AS fresh",
            [ingest_id],
        )
        record_ingest(self.con, report, ingest_id, staged=self.staged, stored=cur.rowcount, mark="%s")
        self.con.commit()
        self.finished = True

    def abort(self) -> None:
        """Roll back everything staged."""
        if not self.finished:
            self.con.rollback()
            self.finished = True
