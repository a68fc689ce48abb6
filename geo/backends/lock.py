"""One writer at a time on a store file, across processes: an advisory ``flock`` on a file beside it.

The lock file (``<store>.lock``) also says who holds it (process id, since when, what for), so other
processes can show "ingest in progress" instead of failing on DuckDB's own file lock.  The lock is
re-entrant within a thread: a writer that opens further write connections does not wait on itself,
while another thread of the same process (a threaded server worker) waits its turn as another
process would (``flock`` locks belong to each open of the file, so two opens exclude each other).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

#: (lock path, thread) -> (file descriptor, depth) held by that thread of this process
_held: dict[tuple[str, int], tuple[int, int]] = {}
_guard = threading.RLock()


def lock_path(store_path: Path) -> Path:
    """The lock file that guards writes to ``store_path``."""
    return store_path.with_name(store_path.name + ".lock")


@contextmanager
def write_lock(store_path: Path, what: str, timeout_s: float, busy: type[Exception]) -> Iterator[None]:
    """Hold the store's write lock for the duration of the block.

    Parameters
    ----------
    store_path : Path
    what : str
        Shown to other processes while the lock is held, e.g. ``"ingest"``.
    timeout_s : float
        How long to wait for another writer before giving up.
    busy : exception class
        Raised (with a message naming the holder) when the wait runs out.
    """
    path = str(lock_path(store_path))
    key = (path, threading.get_ident())
    with _guard:
        if key in _held:
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                fd, depth = _held[key]
                _held[key] = (fd, depth - 1)
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o664)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _describe(read_holder(fd))
                os.close(fd)
                raise busy(f"{store_path}: {holder}; try again when it has finished") from None
            time.sleep(0.05)
    state = {"pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds"), "what": what}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(state).encode(), 0)
    with _guard:
        _held[key] = (fd, 1)
    try:
        yield
    finally:
        with _guard:
            _held.pop(key, None)
        os.ftruncate(fd, 0)
        if not store_path.exists():
            # A write that failed before the store file existed (a bad first ingest) leaves no lock file.
            Path(path).unlink(missing_ok=True)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def read_holder(fd: int) -> dict | None:
    """What the lock file says about its holder (None if it says nothing readable)."""
    try:
        return json.loads(os.pread(fd, 4096, 0).decode() or "null")
    except (OSError, ValueError):
        return None


def _describe(holder: dict | None) -> str:
    if not holder:
        return "another process is writing to the store"
    return f"{holder.get('what', 'a write')} in progress (process {holder.get('pid')}, since {holder.get('since')})"


def lock_holder(store_path: Path) -> dict | None:
    """Who holds the write lock of ``store_path`` right now, or None when nobody does.

    Returns
    -------
    dict or None
        ``{"pid", "since", "what"}`` of the writer (``since`` ISO 8601 UTC).
    """
    key = str(lock_path(store_path))
    with _guard:
        mine = [fd for (path, _), (fd, _) in _held.items() if path == key]
        if mine:
            return read_holder(mine[0]) or {"pid": os.getpid()}
    try:
        fd = os.open(key, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return read_holder(fd) or {"pid": None, "since": None, "what": "write"}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
