"""One DuckDB instance per process, which every read attaches the store file to.

Creating a DuckDB instance costs about 20 ms of CPU whatever the file (even ``:memory:`` costs as
much: the built-in catalogue is set up each time), a tenth of a dashboard request's work at a
million incidents.  Attaching a file to an instance that already exists costs about 1.5 ms.  So the
reads of a process go through one in-memory instance: the first reader of a file attaches it
read-only, later readers share that attachment (a cursor each), and the last one out detaches it,
which lets go of the file, and of DuckDB's lock on it, as closing a connection of its own did.

DuckDB's file lock is a POSIX lock, which does not tell the threads of one process apart, and the
instances of one process do not see each other's files.  So the process keeps its own account: a
writer here waits until its file is detached, and new readers wait while a writer here has it.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb


class Handle:
    """A connection (``con``) and the way to give it back (:meth:`close`, once)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, release: Callable[[], None]) -> None:
        self.con = con
        self._release: Callable[[], None] | None = release

    def close(self) -> None:
        """Close the connection and let the file go (a second call does nothing)."""
        release, self._release = self._release, None
        if release is None:
            return
        try:
            self.con.close()
        finally:
            release()


@dataclass
class _Attachment:
    alias: str
    readers: int = 0


@dataclass
class _Host:
    instance: duckdb.DuckDBPyConnection | None = None
    attached: dict[str, _Attachment] = field(default_factory=dict)
    writing: dict[str, int] = field(default_factory=dict)
    serial: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)


_host = _Host()
#: Hosts inherited through ``fork``: a child never uses (or closes) its parent's DuckDB instance.
_inherited: list[_Host] = []


def _after_fork_in_child() -> None:
    global _host
    _inherited.append(_host)
    _host = _Host()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _wait(host: _Host, ready: Callable[[], bool], deadline: float) -> None:
    """Wait (holding ``host.changed``) until ``ready()``; TimeoutError past ``deadline``."""
    while not ready():
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        host.changed.wait(min(left, 0.1))


def _literal(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def _new_instance() -> duckdb.DuckDBPyConnection:
    # An in-memory instance would spill a large sort into ``.tmp`` under the working directory:
    # a folder of the system's temporary directory instead, one per process.
    spill = Path(tempfile.gettempdir()) / f"csp-hotspots-duckdb-{os.getpid()}"
    return duckdb.connect(":memory:", config={"temp_directory": str(spill)})


def attach(path: Path, deadline: float) -> Handle:
    """A read-only connection to ``path`` through this process's instance.

    Raises
    ------
    duckdb.IOException
        The file cannot be attached (locked by a writer in another process, missing, not DuckDB).
    TimeoutError
        A writer in this process still had the file at ``deadline``.
    """
    key, host = str(path), _host
    with host.changed:
        _wait(host, lambda: not host.writing.get(key), deadline)
        if host.instance is None:
            host.instance = _new_instance()
        entry = host.attached.get(key)
        if entry is None:
            host.serial += 1
            alias = f"store_{host.serial}"
            host.instance.execute(f"ATTACH {_literal(key)} AS {alias} (READ_ONLY)")
            entry = host.attached[key] = _Attachment(alias)
        entry.readers += 1
        try:
            con = host.instance.cursor()
            con.execute(f"USE {entry.alias}")
            con.execute("SET enable_progress_bar = false")  # a long query would print a bar on a terminal
        except BaseException:
            _let_go(host, key)
            raise
    return Handle(con, lambda: _let_go(host, key))


def _let_go(host: _Host, key: str) -> None:
    with host.changed:
        entry = host.attached[key]
        entry.readers -= 1
        if entry.readers > 0:
            return
        del host.attached[key]
        host.changed.notify_all()
        if host.instance is not None:
            host.instance.execute(f"DETACH {entry.alias}")


def open_for_write(path: Path, deadline: float) -> Handle:
    """A writable connection to ``path`` (an instance of its own) once this process's readers let go.

    Readers arriving meanwhile wait for the write to finish, so a busy reader cannot starve it.

    Raises
    ------
    duckdb.IOException
        DuckDB could not open the file (locked by another process, permissions...).
    TimeoutError
        This process's readers still had the file at ``deadline``.
    """
    key, host = str(path), _host
    with host.changed:
        host.writing[key] = host.writing.get(key, 0) + 1
    try:
        with host.changed:
            _wait(host, lambda: key not in host.attached, deadline)
        con = duckdb.connect(key)
        con.execute("SET enable_progress_bar = false")
    except BaseException:
        _write_done(host, key)
        raise
    return Handle(con, lambda: _write_done(host, key))


def _write_done(host: _Host, key: str) -> None:
    with host.changed:
        host.writing[key] -= 1
        if not host.writing[key]:
            del host.writing[key]
        host.changed.notify_all()
