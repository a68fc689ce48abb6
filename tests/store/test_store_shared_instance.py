"""Reads attach the store file to one DuckDB instance per process, and let the file go when done."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import duckdb
import pytest

from geo.backends import _duckdb_host
from geo.backends.errors import StoreUnavailable
from geo.store import Store

# Another process opens the file to write: DuckDB refuses while any process has it open.
_WRITE_ELSEWHERE = "import duckdb, sys; duckdb.connect(sys.argv[1]).close(); print('OPENED')"


def _opened_elsewhere(path) -> bool:
    out = subprocess.run([sys.executable, "-c", _WRITE_ELSEWHERE, str(path)], capture_output=True, text=True)
    return out.stdout.strip() == "OPENED"


@pytest.fixture
def own_copy(demo_store, tmp_path) -> Store:
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_store.path, path)
    return Store.open(path, district=demo_store.district, read_only=True)


def test_reads_share_one_instance_and_the_file_is_let_go_after_the_last(own_copy, monkeypatch):
    made = []
    real = duckdb.connect

    def counting(database=":memory:", *args, **kwargs):
        made.append(str(database))
        return real(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", counting)
    expected = own_copy.count()
    results, errors, inside, leave = [], [], threading.Barrier(5), threading.Event()

    def read() -> None:
        try:
            with own_copy.reading():
                results.append(own_copy.count())
                inside.wait(10)  # all five hold the file at once
                leave.wait(10)
                results.append(own_copy.count())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    inside.wait(10)
    assert _duckdb_host._host.attached[str(own_copy.path)].readers == 4
    assert not _opened_elsewhere(own_copy.path)  # held while anyone reads
    leave.set()
    for t in threads:
        t.join(10)
    assert not errors and results == [expected] * 8
    assert str(own_copy.path) not in _duckdb_host._host.attached
    assert _opened_elsewhere(own_copy.path)  # let go once the last reader left
    own_copy.count()
    assert str(own_copy.path) not in made  # never an instance of its own for a read


def test_two_stores_attached_at_once_see_only_their_own_tables(own_copy, tmp_path):
    other = tmp_path / "not-a-store.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE something (x INTEGER)")
    with own_copy.reading():
        assert own_copy.count() > 0  # attached now, with its incidents table
        with pytest.raises(StoreUnavailable, match="not a csp-hotspots store"):
            Store.open(other, district=own_copy.district, read_only=True)


def test_a_child_process_does_not_use_its_parents_instance(own_copy):
    import multiprocessing

    expected = own_copy.count()
    with own_copy.reading():
        own_copy.count()  # the parent holds an attachment while it forks
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()

        def child() -> None:
            queue.put((_duckdb_host._host.attached == {}, own_copy.count()))

        proc = ctx.Process(target=child)
        proc.start()
        fresh, counted = queue.get(timeout=30)
        proc.join(30)
    assert fresh and counted == expected
