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
