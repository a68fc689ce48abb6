"""The one cache: results keyed by the store's identity and version and the (hashable) options.

This module holds the only mutable state of the service layer: a bounded LRU of results and a
short memo of each store's version (re-read at most every :data:`VERSION_TTL_S` seconds, or at once
when the store file's size or mtime changes), so an ingest in any process invalidates every cached
result at the next call.  The CLI may bypass it (``cached(...)(fn).__wrapped__``).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, ParamSpec, TypeVar

#: How long (seconds) a process trusts the store version it last read before asking again ...
VERSION_TTL_S = 2.0
#: ... and how long while the store file (and its WAL) keep the same size and mtime.
STAMP_TTL_S = 60.0
#: Results kept per process, across every cached function.
MAX_ENTRIES = 256

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_results: OrderedDict[Hashable, Any] = OrderedDict()
#: One lock per result being computed, so two callbacks asking for it at once compute it once.
_pending: dict[Hashable, threading.Lock] = {}
_versions: dict[str, tuple[float, str, tuple | None]] = {}


def file_stamp(path: str) -> tuple | None:
    """(mtime, size) of a store file and its write-ahead log; None for a database URL or an unreadable file."""
    if "://" in path:
        return None
    out: list[tuple[int, int] | None] = []
    for p in (path, path + ".wal"):
        try:
            st = os.stat(p)
        except FileNotFoundError:
            out.append(None)
            continue
        except OSError:
            return None
        out.append((st.st_mtime_ns, st.st_size))
    return tuple(out)


def remembered_version(key: str, read: Callable[[], str]) -> str:
    """The store's state key (``store.state_key``), re-read with ``read()`` only when the memo is stale.

    Keyed on the state key, not the ingest count alone: a store replaced by another with as many
    ingests gets a new key, so no result of the old store is served.
    """
    now = time.monotonic()
    stamp = file_stamp(key)
    with _lock:
        hit = _versions.get(key)
    if hit and (now - hit[0] < VERSION_TTL_S or (stamp is not None and stamp == hit[2] and now - hit[0] < STAMP_TTL_S)):
        return hit[1]
    version = str(read())
    with _lock:
        _versions[key] = (now, version, stamp)
    return version


def forget_version(key: str) -> None:
    """Drop the memo of a store's version (after this process wrote to it)."""
    with _lock:
        _versions.pop(key, None)


def clear() -> None:
    """Empty the cache (tests)."""
    with _lock:
        _results.clear()
        _versions.clear()


def cached(fn: Callable[P, R]) -> Callable[P, R]:
    """Cache ``fn(source, *args)`` on ``(fn, source.key, source.version(), args)``.

    ``source`` is a :class:`service.source.Source`; every other argument must be hashable (the
    frozen options dataclasses are).  Results are shared: callers must not mutate them.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        source: Any = args[0]  # a service.source.Source (not imported: it imports this module)
        key = (fn.__module__, fn.__qualname__, source.key, source.version(), args[1:], tuple(sorted(kwargs.items())))
        with _lock:
            if key in _results:
                _results.move_to_end(key)
                return _results[key]
            pending = _pending.setdefault(key, threading.Lock())
        with pending:
            with _lock:
                if key in _results:
                    return _results[key]
            try:
                value = fn(*args, **kwargs)
            finally:
                with _lock:
                    _pending.pop(key, None)
            with _lock:
                _results[key] = value
                while len(_results) > MAX_ENTRIES:
                    _results.popitem(last=False)
        return value

    return wrapper


def cached_recent(keep: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """As :func:`cached`, but only the ``keep`` most recently used results of the function stay.

    For large results (the selected rows of a selection): the shared bound counts entries, not bytes.
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        inner = cached(fn)
        name = (fn.__module__, fn.__qualname__)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            value = inner(*args, **kwargs)
            with _lock:
                mine = [key for key in _results if isinstance(key, tuple) and key[:2] == name]
                for key in mine[: max(len(mine) - keep, 0)]:
                    del _results[key]
            return value

        return wrapper

    return decorate


def memo(key: Hashable, factory: Callable[[], R]) -> R:
    """A value that does not change with the store's version (a district's layers), built once per process."""
    full = ("memo", key)
    with _lock:
        if full in _results:
            return _results[full]
    value = factory()
    with _lock:
        _results[full] = value
    return value
