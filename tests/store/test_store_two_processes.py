"""A reader that starts a write lets go of the file before it waits for another process's write lock.

Two dashboard workers: one holds the write lock and waits for DuckDB's own file lock (to write an
audit row); the other, in the middle of a request whose reads share one connection, wants to write
too.  Had the second kept its read connection open while waiting for the write lock, each would
wait on the other until the first gave up (a 30 s stall and a lost audit row).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from geo.store import Store

# The other worker: takes the write lock, says so, then opens the file to write (waiting at most 5 s).
_OTHER_WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from geo.backends.duckdb_file import open_connection
    from geo.backends.errors import StoreBusy
    from geo.backends.lock import write_lock

    path = Path(sys.argv[1])
    with write_lock(path, "audit", 5.0, StoreBusy):
        print("LOCKED", flush=True)
        time.sleep(0.3)  # the test's worker is now waiting for the lock
        try:
            with open_connection(path, True, 5.0) as con:
                con.execute("SELECT count(*) FROM incidents").fetchall()
            print("WROTE", flush=True)
        except StoreBusy:
            print("BUSY", flush=True)
    """
)


def test_a_reader_waiting_to_write_does_not_hold_the_file(demo_store):
    reader = Store.open(demo_store.path, district=demo_store.district, read_only=True)
    writer = Store.open(demo_store.path, district=demo_store.district, read_only=False)
    with reader.reading():
        expected = reader.count()  # the request's shared read connection is open now
        other = subprocess.Popen(
            [sys.executable, "-c", _OTHER_WORKER, str(demo_store.path)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert other.stdout is not None
            assert other.stdout.readline().strip() == "LOCKED"
            with writer._connect(write=True) as con:  # waits for the other worker's lock
                assert con.execute("SELECT count(*) FROM incidents").fetchone()[0] == expected
            assert other.stdout.read().strip() == "WROTE"  # it could open the file while this one waited
        finally:
            other.kill()
            other.wait(10)
        assert reader.count() == expected  # the block's reads go on after the write
