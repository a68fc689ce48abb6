"""Opening the DuckDB store file: DuckDB's own lock waited out briefly, every failure one clear error.

Stores made by an earlier version lack columns added since (:data:`geo.backends.frames.ADDED_COLUMNS`,
and the wall-clock columns :data:`geo.sql_selection.LOCAL_COLUMNS`): a writable open adds them (the
wall-clock ones filled from the stored times), a read-only one reads them through a temporary view.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from geo.backends import _duckdb_host as host
from geo.backends._duckdb_host import Handle
from geo.backends.errors import StoreBusy, StoreError, StoreUnavailable
from geo.backends.frames import ADDED_COLUMNS, LATER_COLUMNS, fill_local_sql, missing_column_sql, sql_literal
from geo.backends.lock import lock_holder
from geo.sql_selection import LOCAL_COLUMNS


def identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file, or None when it is not there: tells a replaced file apart."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def check_same_file(path: Path, opened_as: tuple[int, int] | None) -> None:
    """Raise :class:`StoreUnavailable` when the file at ``path`` is no longer the one opened."""
    if opened_as is None:
        return
    now = identity(path)
    if now is None:
        raise StoreUnavailable(f"{path}: the store file has gone since it was opened")
    if now != opened_as:
        raise StoreUnavailable(f"{path}: the store file was replaced since it was opened; open it again")


class _ReadSession:
    """The read connection one thread shares for a block (opened at the block's first read)."""

    def __init__(self) -> None:
        self.con: Handle | None = None

    def close(self) -> None:
        if self.con is not None:
            con, self.con = self.con, None
            con.close()


#: Per thread: store path -> the read session of the ``read_session`` block open on it.
_sessions = threading.local()


def _thread_sessions() -> dict[str, _ReadSession]:
    found: dict[str, _ReadSession] | None = getattr(_sessions, "by_path", None)
    if found is None:
        found = _sessions.by_path = {}
    return found


@contextmanager
def read_session(path: Path) -> Iterator[None]:
    """Let the reads of the block on this thread share one read-only connection to ``path``.

    Attaching the file costs about 1.5 ms (:mod:`geo.backends._duckdb_host`), and a request asks
    several questions.  The connection is opened at the block's first read and closed at its end;
    a write to the same file from this thread (through any store object) closes it first, since
    a writer in this process waits until no reader here has the file, and while another
    process holds the write lock each read gets a connection of its own again, so the writer waits
    no longer than it did before.  Nested blocks on the same file share the outer one.
    """
    sessions = _thread_sessions()
    key = str(path)
    if key in sessions:
        yield
        return
    session = sessions[key] = _ReadSession()
    try:
        yield
    finally:
        del sessions[key]
        session.close()


def release_read_session(path: Path) -> None:
    """Close this thread's shared read connection to ``path``, if any (the next read opens a new one).

    Called before waiting for the write lock: a reader that waited for the lock while holding its
    connection would keep the lock's holder, in another process, from opening the file to write,
    and each would wait on the other until the holder's wait ran out.
    """
    session = _thread_sessions().get(str(path))
    if session is not None:
        session.close()


@contextmanager
def open_connection(path: Path, write: bool, wait_s: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection, retried while another process holds DuckDB's file lock.

    Inside a :func:`read_session` block on ``path``, reads share the session's connection.

    Raises
    ------
    StoreBusy
        Still locked after ``wait_s`` seconds (the message says who is writing when it is known).
    StoreUnavailable
        Not a readable DuckDB file (corrupted, another kind of file, an I/O error while reading).
    StoreError
        Not writable (permissions).
    """
    session = _thread_sessions().get(str(path))
    if session is not None and (write or lock_holder(path) is not None):
        session.close()  # let the write (ours, or another process's) have the file
        session = None
    if session is None:
        handle = _connect_retrying(path, write, wait_s)
    else:
        handle = session.con = session.con or _connect_retrying(path, False, wait_s)
    try:
        yield handle.con
    except duckdb.IOException as exc:
        if session is not None:  # the file failed under it: the next read opens afresh
            session.close()
        raise StoreUnavailable(f"{path}: the store could not be read ({exc})") from None
    finally:
        if session is None:
            handle.close()


def _connect_retrying(path: Path, write: bool, wait_s: float) -> Handle:
    """A connection to ``path``, waiting out another writer for up to ``wait_s`` seconds.

    A read attaches the file to this process's DuckDB instance (:mod:`geo.backends._duckdb_host`);
    a write opens the file in an instance of its own once this process's readers have let it go.
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            handle = host.open_for_write(path, deadline) if write else host.attach(path, deadline)
            break
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                if "permission denied" in message.lower() or "read-only" in message.lower():
                    raise StoreError(f"{path}: cannot open the store for writing ({message})") from None
                raise StoreUnavailable(f"{path}: cannot read the store ({message})") from None
            if time.monotonic() > deadline:
                raise _busy(path) from None
            time.sleep(0.1)
        except TimeoutError:  # this process's own readers or writer kept the file past the wait
            raise _busy(path) from None
        except duckdb.Error as exc:
            raise StoreUnavailable(f"{path}: not a readable DuckDB store ({exc})") from None
    return handle


def _busy(path: Path) -> StoreBusy:
    holder = lock_holder(path)
    what = f"{holder.get('what', 'a write')} in progress" if holder else "another process is writing"
    return StoreBusy(f"{path}: {what}; try again shortly")


def missing_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The added and wall-clock columns the file's ``incidents`` table lacks (an older store)."""
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
            "AND table_schema = 'main' AND table_name = 'incidents'"
        ).fetchall()
    }
    return [c for c in LATER_COLUMNS if c not in have]


def add_missing_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Bring an older store's ``incidents`` table up to the schema (a write connection).

    Rows stored before a column existed get its default (:data:`~geo.backends.frames.ADDED_COLUMNS`),
    or, for a wall-clock column, the value computed from their stored times.
    """
    missing = missing_columns(con)
    for col in missing:
        if col in LOCAL_COLUMNS:
            con.execute(f"ALTER TABLE incidents ADD COLUMN {col} TIMESTAMP")
            continue
        default = ADDED_COLUMNS[col]
        sql_type = "BOOLEAN" if isinstance(default, bool) else "VARCHAR"
        con.execute(f"ALTER TABLE incidents ADD COLUMN {col} {sql_type} DEFAULT {sql_literal(default)}")
    if local := [c for c in missing if c in LOCAL_COLUMNS]:
        con.execute(fill_local_sql(local))


def view_missing_columns(con: duckdb.DuckDBPyConnection, columns: list[str]) -> None:
    """Let a read-only connection query an older store as if it had ``columns`` (their defaults).

    A temporary view named ``incidents`` (searched before the file's own table, and gone when the
    connection closes) adds the columns; the file itself is not changed.
    """
    database = str(con.execute("SELECT current_database()").fetchall()[0][0]).replace('"', '""')
    extra = ", ".join(f"{missing_column_sql(c)} AS {c}" for c in columns)
    con.execute(f'CREATE OR REPLACE TEMP VIEW incidents AS SELECT *, {extra} FROM "{database}".main.incidents')
