"""A reader and a short writer in two threads of one process (a dashboard worker) both get through.

DuckDB refuses a read-only connection to a file while the same process holds a writable one (and the
reverse); the store waits for the other connection to close instead of reporting the store unreadable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from geo.store import Store


@contextmanager
def _held_in_another_thread(store: Store, write: bool) -> Iterator[None]:
    """``store`` holds a connection open in another thread; it closes 0.3 s into the block."""
    opened, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store._connect(write=write):
            opened.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    assert opened.wait(5)
    threading.Timer(0.3, release.set).start()  # the other connection closes while this one waits
    try:
        yield
    finally:
        release.set()
        thread.join(5)


def test_reader_waits_for_a_writer_in_another_thread(demo_store):
    writer = Store.open(demo_store.path, district=demo_store.district, read_only=False)
    reader = Store.open(demo_store.path, district=demo_store.district, read_only=True)
    expected = reader.count()
    with _held_in_another_thread(writer, write=True):
        started = time.monotonic()
        assert reader.count() == expected  # before the fix: StoreUnavailable ("different configuration")
        assert time.monotonic() - started >= 0.2  # it did wait for the writer


def test_writer_waits_for_a_reader_in_another_thread(demo_store):
    writer = Store.open(demo_store.path, district=demo_store.district, read_only=False)
    reader = Store.open(demo_store.path, district=demo_store.district, read_only=True)
    expected = reader.count()
    with _held_in_another_thread(reader, write=False), writer._connect(write=True) as con:
        assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == expected


def test_reads_in_a_reading_block_share_one_connection_per_thread(demo_store, duckdb_opens):
    from geo.selection import Selection

    reader = Store.open(demo_store.path, district=demo_store.district, read_only=True)
    sel = Selection(days=(4, 5))
    alone = (reader.count(sel), reader.grid_counts(sel, 250.0)["n"].sum(), reader.count(None))
    duckdb_opens.clear()  # count from here
    opened = duckdb_opens
    seen_elsewhere = []
    with reader.reading() as store:
        assert opened == []  # nothing opened until the first read
        shared = (store.count(sel), store.grid_counts(sel, 250.0)["n"].sum(), store.count(None))
        # Another store object on the same file, in this thread, shares the connection too.
        again = Store.open(demo_store.path, district=demo_store.district, read_only=True)
        opened_before = len(opened)
        assert again.count(sel) == alone[0] and len(opened) == opened_before
        # Another thread inside the block gets its own connection, not this one.
        other = threading.Thread(target=lambda: seen_elsewhere.append(reader.count(sel)))
        other.start()
        other.join(10)
    assert shared == alone and seen_elsewhere == [alone[0]]
    mine = [t for t in opened if t == threading.get_ident()]
    assert len(mine) == 1 and len(opened) == 2
    reader.count(sel)  # after the block: a connection of its own again
    assert len(opened) == 3


def test_a_write_inside_a_reading_block_closes_the_shared_connection_first(demo_store, duckdb_opens):
    # The audit row a request writes, through the security layer's own writable store object.
    reader = Store.open(demo_store.path, district=demo_store.district, read_only=True)
    writer = Store.open(demo_store.path, district=demo_store.district, read_only=False)
    before = reader.count()
    duckdb_opens.clear()  # count from here
    opened = duckdb_opens
    with reader.reading():
        assert reader.count() == before
        started = time.monotonic()
        with writer._connect(write=True) as con:  # before: waited 10 s for the reader, then failed
            con.execute("CREATE TABLE IF NOT EXISTS scratch (x INTEGER)")
            con.execute("INSERT INTO scratch VALUES (1)")
        assert time.monotonic() - started < 2
        assert reader.count() == before  # the block reads on, on a connection opened again
        assert reader._frame("SELECT count(*) AS n FROM scratch")["n"].iloc[0] == 1
    assert len(opened) == 3  # read, write, read again


def test_reads_do_not_keep_the_connection_while_another_process_holds_the_write_lock(demo_store, duckdb_opens):
    # A writer in another process waits on DuckDB's file lock: readers must let go between queries.
    import multiprocessing

    from geo.backends.lock import lock_path

    reader = Store.open(demo_store.path, district=demo_store.district, read_only=True)
    ready = multiprocessing.get_context("fork").Event()
    done = multiprocessing.get_context("fork").Event()

    def hold_lock() -> None:
        import fcntl
        import os

        fd = os.open(lock_path(demo_store.path), os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        ready.set()
        done.wait(10)

    proc = multiprocessing.get_context("fork").Process(target=hold_lock)
    proc.start()
    try:
        assert ready.wait(10)
        duckdb_opens.clear()  # count from here
        opened = duckdb_opens
        with reader.reading():
            reader.count()
            reader.count()
        assert len(opened) == 2  # one each: nothing held between the two
    finally:
        done.set()
        proc.join(10)


def test_two_threads_of_one_process_take_turns_with_the_write_lock(demo_store):
    # A threaded worker: the lock is re-entrant in a thread, not across the process's threads.
    writer = Store.open(demo_store.path, district=demo_store.district, read_only=False)
    events: list[str] = []
    first_in, errors = threading.Event(), []

    def first() -> None:
        with writer.write_lock("first"):
            events.append("first in")
            first_in.set()
            with writer.write_lock("first again"):  # re-entrant in its own thread
                time.sleep(0.3)
            events.append("first out")

    def second() -> None:
        assert first_in.wait(5)
        try:
            with writer.write_lock("second"):
                events.append("second in")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors
    assert events == ["first in", "first out", "second in"]
    assert writer.ingest_in_progress() is None
