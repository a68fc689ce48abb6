"""A reader and a short writer in two threads of one process (a dashboard worker) both get through.

DuckDB refuses a read-only connection to a file while the same process holds a writable one (and the
reverse); the store waits for the other connection to close instead of reporting the store unreadable.
"""

from __future__ import annotations

import threading
import time

from geo.store import Store


def test_reader_waits_for_a_writer_in_another_thread(demo_store):
    writer = Store.open(demo_store.path, district=demo_store.district, read_only=False)
    reader = Store.open(demo_store.path, district=demo_store.district, read_only=True)
    expected = reader.count()
    opened, release = threading.Event(), threading.Event()

    def write_briefly() -> None:
        with writer._connect(write=True):
            opened.set()
            release.wait(5)

    thread = threading.Thread(target=write_briefly)
    thread.start()
    assert opened.wait(5)
    threading.Timer(0.3, release.set).start()  # the writer closes while the reader is waiting
    started = time.monotonic()
    assert reader.count() == expected  # before the fix: StoreUnavailable ("different configuration")
    assert time.monotonic() - started >= 0.2  # it did wait for the writer
    thread.join(5)


def test_writer_waits_for_a_reader_in_another_thread(demo_store):
    writer = Store.open(demo_store.path, district=demo_store.district, read_only=False)
    reader = Store.open(demo_store.path, district=demo_store.district, read_only=True)
    expected = reader.count()
    opened, release = threading.Event(), threading.Event()

    def read_briefly() -> None:
        with reader._connect():
            opened.set()
            release.wait(5)

    thread = threading.Thread(target=read_briefly)
    thread.start()
    assert opened.wait(5)
    threading.Timer(0.3, release.set).start()
    with writer._connect(write=True) as con:
        assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == expected
    thread.join(5)
