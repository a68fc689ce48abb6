"""The one cache: results keyed by the store's identity and version and the (hashable) options.

This module holds the mutable state of the service layer (beside :mod:`service._shared`'s note of
the folders it checked): two least-recently-used pools
bounded by bytes, not entries (selected rows, :data:`ROWS_BUDGET_BYTES`; results,
:data:`RESULTS_BUDGET_BYTES`), so a worker's memory does not grow with the store, and a
short memo of each store's version (re-read at most every :data:`VERSION_TTL_S` seconds, or at once
when the store file's size or mtime changes), so an ingest in any process invalidates every cached
result at the next call.  :func:`cached_shared` results are also shared by the worker processes
of one server (:mod:`service._shared`).  The CLI may bypass it (``cached(...)(fn).__wrapped__``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd
import shapely

from service import _shared

#: How long (seconds) a process trusts the store version it last read before asking again ...
VERSION_TTL_S = 2.0
#: ... and how long while the store file (and its WAL) keep the same size and mtime.
STAMP_TTL_S = 60.0
#: Bytes of selected rows (:func:`cached_rows`: ``Source.query``) a process keeps, least recently
#: used let go first.  Enough for the hotspot rows of a whole 1M-incident store (about 38 bytes a
#: row, 38 MB) and its all-crime context (32 bytes a row): the hotspots, table, details and backtest
#: of one filter change then read once, and a worker's rows stay under this whatever the store holds.
ROWS_BUDGET_BYTES = 96 * 2**20
#: Bytes of results (:func:`cached`) a process keeps, across every cached function.  A hotspot
#: result, its table and its membership arrays are a few MB at most at 1M incidents: this keeps
#: those of the last few dozen selections.
RESULTS_BUDGET_BYTES = 64 * 2**20
#: Items of a long list, tuple or set :func:`size_of` measures (the rest are taken to be alike).
SIZE_SAMPLE = 1000

P = ParamSpec("P")
R = TypeVar("R")

#: Results (cache misses) a process computes at once, across its threads (``$HOTSPOTS_COMPUTE_SLOTS``).
COMPUTE_SLOTS = max(1, int(os.environ.get("HOTSPOTS_COMPUTE_SLOTS") or 2))

_lock = threading.Lock()
_slots = threading.BoundedSemaphore(COMPUTE_SLOTS)
_slot_depth = threading.local()


class _Pool:
    """Entries, least recently used first, with their estimated sizes and the total held."""

    def __init__(self, budget: str) -> None:
        self.budget = budget  # the module constant holding the budget (read at each store)
        self.entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.held = 0

    def get(self, key: Hashable) -> tuple[bool, Any]:
        """(found, value); a hit becomes the most recently used."""
        if key not in self.entries:
            return False, None
        self.entries.move_to_end(key)
        return True, self.entries[key][0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        """Keep ``value`` unless it alone exceeds the budget; then let go of the oldest until within it."""
        budget = int(globals()[self.budget])
        if size > budget:
            return
        if key in self.entries:
            self.held -= self.entries.pop(key)[1]
        self.entries[key] = (value, size)
        self.held += size
        while self.held > budget:
            self.held -= self.entries.popitem(last=False)[1][1]

    def clear(self) -> None:
        """Drop every entry."""
        self.entries.clear()
        self.held = 0


_pools = {"rows": _Pool("ROWS_BUDGET_BYTES"), "results": _Pool("RESULTS_BUDGET_BYTES")}
_memos: dict[Hashable, Any] = {}
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
        for pool in _pools.values():
            pool.clear()
        _memos.clear()
        _versions.clear()
    _shared.forget()


def held_bytes() -> dict[str, int]:
    """Estimated bytes each pool holds now (``rows``, ``results``): what the budgets bound."""
    with _lock:
        return {name: pool.held for name, pool in _pools.items()}


@contextlib.contextmanager
def _compute_slot() -> Iterator[None]:
    """Hold one of the process's :data:`COMPUTE_SLOTS` for an outermost computation (nested ones share it).

    A threaded worker then computes at most that many results at once, whatever its threads, so the
    threads left answer what is already cached (a page load, the table of the hotspots just drawn)
    at once instead of sharing the cores with every computation.  Taken before the key's own lock
    and never while waiting for one: a thread holding a slot never waits for another slot.
    """
    depth = getattr(_slot_depth, "n", 0)
    if depth == 0:
        _slots.acquire()
    _slot_depth.n = depth + 1
    try:
        yield
    finally:
        _slot_depth.n = depth
        if depth == 0:
            _slots.release()


def _keep(pool_name: str, fn: Callable[P, R], shared: bool = False) -> Callable[P, R]:
    """``fn(source, *args)`` cached in one pool on ``(fn, source.key, source.version(), args)``.

    ``shared``: computed once across the server's workers too (:func:`_across_workers`).
    """
    pool = _pools[pool_name]

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        source: Any = args[0]  # a service.source.Source (not imported: it imports this module)
        key = (fn.__module__, fn.__qualname__, source.key, source.version(), args[1:], tuple(sorted(kwargs.items())))
        with _lock:
            found, value = pool.get(key)
            if found:
                return value
            pending = _pending.setdefault(key, threading.Lock())
        with _compute_slot(), pending:
            with _lock:
                found, value = pool.get(key)
                if found:
                    return value
            try:
                value = _across_workers(key, lambda: fn(*args, **kwargs)) if shared else fn(*args, **kwargs)
            finally:
                with _lock:
                    _pending.pop(key, None)
            size = size_of(value)
            with _lock:
                pool.put(key, value, size)
        return value

    return wrapper


def cached(fn: Callable[P, R]) -> Callable[P, R]:
    """Cache ``fn(source, *args)`` on ``(fn, source.key, source.version(), args)``.

    ``source`` is a :class:`service.source.Source`; every other argument must be hashable (the
    frozen options dataclasses are).  Results are shared: callers must not mutate them.  They are
    kept within :data:`RESULTS_BUDGET_BYTES` (by :func:`size_of`), least recently used let go
    first; a result larger than the whole budget is returned but not kept.
    """
    return _keep("results", fn)


def cached_shared(fn: Callable[P, R]) -> Callable[P, R]:
    """As :func:`cached`, and computed once across the worker processes of one server.

    For the expensive results several faces derive from (the hotspot result behind the map's
    hotspot, table and details callbacks, the backtest and ``/api/hotspots``): when
    ``$HOTSPOTS_SHARED_CACHE`` names a private folder (``hotspots serve`` makes one), a result one
    worker computed is read by the others, and a worker asking for a result another is computing
    waits for it.  Without the folder, or when it is refused (not this user's, open to others),
    this is :func:`cached`.  The result must pickle.
    """
    return _keep("results", fn, shared=True)


def _across_workers(key: tuple, compute: Callable[[], R]) -> R:
    """``compute()`` through the store's shared folder when there is one (``key`` as :func:`_keep` builds it)."""
    where = _shared.folder(key[2])
    if where is None:
        return compute()
    try:
        text = _shared.stable_text((_shared.code_stamp(), key))
    except _shared.Unshareable:
        return compute()
    return _shared.through(where, text, compute)


def cached_rows(fn: Callable[P, R]) -> Callable[P, R]:
    """As :func:`cached`, for selected rows: kept within :data:`ROWS_BUDGET_BYTES`, apart from the results.

    Rows are the large entries (a share of the store each): their own budget keeps a worker's
    memory bounded by bytes whatever the store holds, and a burst of them never pushes out results.
    """
    return _keep("rows", fn)


def memo(key: Hashable, factory: Callable[[], R]) -> R:
    """A value that does not change with the store's version (a district's layers), built once per process."""
    with _lock:
        if key in _memos:
            return _memos[key]
    value = factory()
    with _lock:
        return _memos.setdefault(key, value)


def size_of(value: Any) -> int:
    """A cheap estimate of the bytes ``value`` holds (what the budgets count).

    DataFrames, Series and Indexes by ``memory_usage(deep=False)`` (exact for numbers, times,
    Arrow text and categoricals), object columns from a sample of their values, geometries from
    their coordinates; NumPy arrays by ``nbytes``; dataclasses, objects, mappings and sequences by
    their parts (long sequences from a sample of :data:`SIZE_SAMPLE`).  An object reached twice
    counts once.
    """
    return _size(value, set())


def _size(value: Any, seen: set[int]) -> int:  # noqa: PLR0911 - one return per kind of value
    if value is None or isinstance(value, bool | int | float | complex):
        return sys.getsizeof(value)
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, str | bytes):
        return sys.getsizeof(value)
    if isinstance(value, pd.DataFrame):
        return int(value.index.memory_usage()) + sum(_column_bytes(value.iloc[:, i]) for i in range(value.shape[1]))
    if isinstance(value, pd.Series):
        return int(value.index.memory_usage()) + _column_bytes(value)
    if isinstance(value, pd.Index):
        return int(value.memory_usage())
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + (_objects_bytes(value) if value.dtype == object else 0)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(_size(k, seen) + _size(v, seen) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + _items_bytes(list(value), seen)
    if dataclasses.is_dataclass(value):
        return sys.getsizeof(value) + sum(_size(getattr(value, f.name), seen) for f in dataclasses.fields(value))
    if hasattr(value, "__dict__"):
        return sys.getsizeof(value) + _size(vars(value), seen)
    return sys.getsizeof(value)


def _items_bytes(items: list[Any], seen: set[int]) -> int:
    """Bytes of a sequence's items: all of them, or a sample of :data:`SIZE_SAMPLE` scaled up."""
    if len(items) <= SIZE_SAMPLE:
        return sum(_size(v, seen) for v in items)
    step = len(items) / SIZE_SAMPLE
    sample = sum(_size(items[int(i * step)], seen) for i in range(SIZE_SAMPLE))
    return int(sample * len(items) / SIZE_SAMPLE)


def _column_bytes(column: pd.Series) -> int:
    """One column's values: ``memory_usage(deep=False)`` plus what its objects hold beyond the pointers."""
    own = int(column.memory_usage(index=False, deep=False))
    if getattr(column.dtype, "name", "") == "geometry":
        # GEOS geometries live outside Python: 16 bytes a coordinate (x, y) and a header each
        coords = shapely.get_num_coordinates(np.asarray(column.array, dtype=object))
        return own + int(coords.sum()) * 16 + len(column) * 96
    if column.dtype == object:
        return own + _objects_bytes(column.to_numpy())
    return own


def _objects_bytes(values: np.ndarray) -> int:
    """Bytes the Python objects of an object array hold (beyond its pointers), from a sample."""
    flat = values.ravel()
    if not len(flat):
        return 0
    pick = flat[np.linspace(0, len(flat) - 1, min(len(flat), SIZE_SAMPLE)).astype(np.intp)]
    return int(sum(sys.getsizeof(v) for v in pick) * len(flat) / len(pick))
