"""Results shared by the worker processes of one server: a private folder of pickles, one computation per key.

A gunicorn server runs several worker processes, each with its own in-process cache
(:mod:`service.cache`).  The three callbacks of one filter change, and ``/api/hotspots``, land on
whichever worker is free, so without this each worker would compute the same hotspot result for
itself.  Here a result one worker computed is written to a folder every worker of the server
reads, and a worker asking for a key another is computing waits for it (``fcntl.flock`` on a lock
file per key) instead of computing it again.

The folder is named by ``$HOTSPOTS_SHARED_CACHE`` (``hotspots serve`` makes a fresh one per run and
removes it at exit); each store gets its own sub-folder.  Pickles are only ever read from a folder
owned by this user that nobody else can read or write (mode 0700): anything else is refused, with
one warning, and the worker keeps to its in-process cache.  Files are written whole and renamed
into place, so a reader never sees half a result; the folder is held within
``$HOTSPOTS_SHARED_CACHE_MB`` (default :data:`DEFAULT_BUDGET_MB`), least recently used let go first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import errno
import fcntl
import hashlib
import logging
import os
import pickle
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

#: The environment variable naming the shared folder (unset or empty: nothing is shared).
DIR_ENV = "HOTSPOTS_SHARED_CACHE"
#: The environment variable giving the folder's budget in MB.
BUDGET_ENV = "HOTSPOTS_SHARED_CACHE_MB"
DEFAULT_BUDGET_MB = 512
#: How long a worker waits for another to finish a key before computing it itself (a worker
#: that dies releases its lock at once; this only bounds a computation that hangs).
LOCK_WAIT_S = 300.0
#: How often a waiting worker tries the lock again.
LOCK_POLL_S = 0.02
#: Bumped when the file layout changes, so an older layout is never read.
FORMAT = "1"

R = TypeVar("R")


class Unshareable(Exception):
    """A key with no text that is the same in every process (an object known only by its address)."""


class Refused(Exception):
    """The shared folder is not safe to read pickles from, or cannot be used."""


_state_lock = threading.Lock()
_folders: dict[tuple[str, Hashable], Path | None] = {}
_warned: set[str] = set()
_code_stamp: str | None = None


def stable_text(value: Any) -> str:
    """A text of ``value`` that is the same in every process (``repr`` of a frozenset is not).

    Raises
    ------
    Unshareable
        ``value`` holds something known only by its address.
    """
    if value is None or isinstance(value, bool | int | float | str | bytes | complex):
        return repr(value)
    if isinstance(value, dt.date | dt.time | dt.timedelta | enum.Enum):
        return repr(value)
    if isinstance(value, tuple | list):
        return type(value).__name__ + "(" + ",".join(stable_text(v) for v in value) + ")"
    if isinstance(value, set | frozenset):
        return type(value).__name__ + "{" + ",".join(sorted(stable_text(v) for v in value)) + "}"
    if isinstance(value, dict):
        items = sorted(f"{stable_text(k)}:{stable_text(v)}" for k, v in value.items())
        return "dict{" + ",".join(items) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        parts = ",".join(f"{f.name}={stable_text(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{kind.__module__}.{kind.__qualname__}({parts})"
    raise Unshareable(f"no stable text for a {type(value).__qualname__}")


def code_stamp() -> str:
    """A digest of the analysis code (``geo`` and ``service`` files: names, sizes, times), read once per process.

    Part of every key, so a folder kept across an upgrade never serves a result of older code.
    """
    global _code_stamp
    if _code_stamp is None:
        root = Path(__file__).resolve().parents[1]
        h = hashlib.sha256()
        for pkg in ("geo", "service"):
            for p in sorted((root / pkg).rglob("*.py")):
                st = p.stat()
                h.update(f"{p.relative_to(root)}:{st.st_size}:{st.st_mtime_ns};".encode())
        _code_stamp = h.hexdigest()[:16]
    return _code_stamp


def _warn_once(what: str, message: str) -> None:
    with _state_lock:
        if what in _warned:
            return
        _warned.add(what)
    log.warning("shared cache: %s; each worker keeps its own results", message)


def check_private(path: Path) -> None:
    """Refuse a folder that is a link, not a folder, not this user's, or open to anyone else.

    Raises
    ------
    Refused
        With the reason.
    """
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise Refused(f"{path}: {exc.strerror}") from None
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise Refused(f"{path} is not a folder")
    if st.st_uid != os.geteuid():
        raise Refused(f"{path} belongs to another user")
    if st.st_mode & 0o077:
        raise Refused(f"{path} is open to other users (mode {stat.S_IMODE(st.st_mode):o}, needs 700)")


def folder(store_key: Hashable) -> Path | None:
    """The store's private sub-folder of the shared folder (made on first use), or None when not sharing."""
    base = os.environ.get(DIR_ENV, "")
    if not base:
        return None
    with _state_lock:
        if (base, store_key) in _folders:
            return _folders[(base, store_key)]
    sub = Path(base) / hashlib.sha256(stable_text(store_key).encode()).hexdigest()[:32]
    path: Path | None = sub
    try:
        check_private(Path(base))
        try:
            os.mkdir(sub, 0o700)
        except FileExistsError:
            pass
        check_private(sub)
    except (Refused, OSError) as exc:
        _warn_once(base, f"refused {exc}" if isinstance(exc, Refused) else f"cannot use {base} ({exc})")
        path = None
    with _state_lock:
        _folders[(base, store_key)] = path
    return path


def budget_bytes() -> int:
    """The shared folder's budget for each store (``$HOTSPOTS_SHARED_CACHE_MB``, default :data:`DEFAULT_BUDGET_MB`)."""
    try:
        return int(float(os.environ.get(BUDGET_ENV) or DEFAULT_BUDGET_MB) * 2**20)
    except ValueError:
        return DEFAULT_BUDGET_MB * 2**20


def through(where: Path, key_text: str, compute: Callable[[], R]) -> R:
    """The value stored under ``key_text`` in ``where``, else ``compute()`` once across processes and stored.

    A second process asking for the key while the first computes it waits for the first's file.
    Any failure of the folder itself (full disc, permissions changed) falls back to ``compute()``.
    """
    digest = hashlib.sha256(f"{FORMAT}\0{key_text}".encode()).hexdigest()
    data = where / f"{digest[:40]}.pkl"
    found, value = _load(data, digest)
    if found:
        return value
    try:
        fd = os.open(where / f"{digest[:40]}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        _warn_once(f"lock:{where}", f"cannot lock in {where} ({exc.strerror})")
        return compute()
    try:
        _lock(fd)
        found, value = _load(data, digest)  # computed by another process while this one waited
        if found:
            return value
        value = compute()
        _save(where, data, digest, value)
        return value
    finally:
        os.close(fd)  # releases the lock


def _lock(fd: int) -> bool:
    """Take the exclusive lock on ``fd``, waiting at most :data:`LOCK_WAIT_S`; False when it was not had."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK) or time.monotonic() > deadline:
                return False
        time.sleep(LOCK_POLL_S)


def _load(path: Path, digest: str) -> tuple[bool, Any]:
    """(found, value) of a stored file; a file not this user's, unreadable or of another key counts as absent."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False, None
    try:
        st = os.fstat(fd)
        if st.st_uid != os.geteuid() or not stat.S_ISREG(st.st_mode):
            return False, None
        with os.fdopen(os.dup(fd), "rb") as f:
            stored_digest, value = pickle.load(f)
    except Exception:  # a damaged or outdated file: computed again and replaced
        log.exception("shared cache: cannot read %s; computing it again", path.name)
        return False, None
    finally:
        os.close(fd)
    if stored_digest != digest:
        return False, None
    try:
        os.utime(path)  # the most recently used is let go last
    except OSError:
        pass
    return True, value


def _save(where: Path, path: Path, digest: str, value: Any) -> None:
    """Write ``value`` whole, rename it into place, then let go of the oldest files beyond the budget."""
    try:
        blob = pickle.dumps((digest, value), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a result that cannot be pickled is only kept in-process
        log.exception("shared cache: cannot store a %s", type(value).__qualname__)
        return
    if len(blob) > budget_bytes():
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-", suffix=".pkl")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        _warn_once(f"write:{where}", f"cannot write in {where} ({exc.strerror})")
        return
    evict(where, budget_bytes())


def evict(where: Path, budget: int) -> int:
    """Delete the least recently used files until ``where`` holds at most ``budget`` bytes; returns bytes held."""
    files = []
    with os.scandir(where) as entries:
        for e in entries:
            if e.name.endswith(".pkl") and not e.name.startswith(".tmp-"):
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                files.append((st.st_mtime_ns, st.st_size, e.name))
    held = sum(size for _, size, _ in files)
    for _, size, name in sorted(files):
        if held <= budget:
            break
        try:
            os.unlink(where / name)
        except FileNotFoundError:
            pass  # another worker let it go first
        held -= size
    return held


def forget() -> None:
    """Forget which folders were checked and the warnings given (tests; a changed environment)."""
    with _state_lock:
        _folders.clear()
        _warned.clear()
