"""One writer at a time; readers get a clear StoreBusy, never a lock error; a broken store says so."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from store_helpers import POLICE_UK, canonical_frames, load

import geo.store as store_module
from geo.selection import Selection
from geo.store import Store, StoreBusy, StoreError, StoreUnavailable

MARCH = POLICE_UK / "2017-03-hampshire-street-winchester.csv"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def duck(tmp_path, district) -> Store:
    store = Store.open(tmp_path / "s.duckdb", district=district, read_only=False)
    load(store, canonical_frames([MARCH], district))
    return store


class Holder:
    """Another process that holds the store's write lock (and, with ``connect``, DuckDB's) until told."""

    def __init__(self, path: Path, connect: bool) -> None:
        body = "with store._connect(write=True):" if connect else "with store.write_lock('ingest'):"
        code = textwrap.dedent(
            f"""
            import sys
            from geo.store import Store
            store = Store.open({str(path)!r}, read_only=False)
            {body}
                print("held", flush=True)
                sys.stdin.readline()
            """
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        self.proc.communicate("go\n", timeout=60)
        assert self.proc.returncode == 0


def test_second_writer_sees_ingest_in_progress_then_busy(duck, monkeypatch):
    monkeypatch.setattr(store_module, "WRITE_WAIT_S", 0.2)
    assert duck.ingest_in_progress() is None
    holder = Holder(duck.path, connect=False)
    try:
        state = duck.ingest_in_progress()
        assert state["what"] == "ingest" and state["pid"] == holder.proc.pid
        with pytest.raises(StoreBusy, match=f"ingest in progress \\(process {holder.proc.pid}"):
            with duck.write_lock("ingest"):
                pass
        assert duck.count() > 0  # the lock file alone does not stop readers
    finally:
        holder.release()
    assert duck.ingest_in_progress() is None
    with duck.write_lock("ingest"):
        assert duck.ingest_in_progress()["pid"] == os.getpid()


def test_reader_during_a_write_gets_store_busy_not_a_lock_error(duck, monkeypatch, district):
    monkeypatch.setattr(store_module, "READ_WAIT_S", 0.2)
    holder = Holder(duck.path, connect=True)
    try:
        with pytest.raises(StoreBusy, match="write in progress; try again shortly"):
            Store.open(duck.path, district=district).count()
    finally:
        holder.release()
    assert Store.open(duck.path, district=district).count() == duck.count()


def test_replaced_store_file_is_unavailable(duck, tmp_path, district):
    reader = Store.open(duck.path, district=district)
    key, reader_count = reader.state_key, reader.count()
    other = Store.open(tmp_path / "other.duckdb", district=district, read_only=False)
    load(other, canonical_frames([MARCH], district))  # as many ingests: the version alone would not tell
    assert other.version == reader.version
    os.replace(other.path, duck.path)
    with pytest.raises(StoreUnavailable, match="replaced since it was opened"):
        reader.query(Selection())
    fresh = Store.open(duck.path, district=district)  # a fresh open reads the new store
    assert fresh.count() == reader_count and fresh.state_key != key


def test_removed_store_file_is_unavailable(duck, district):
    reader = Store.open(duck.path, district=district)
    duck.path.unlink()
    with pytest.raises(StoreUnavailable, match="has gone"):
        reader.summary()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupted_store_is_unavailable(duck, district, damage):
    data = duck.path.read_bytes()
    duck.path.write_bytes(os.urandom(len(data)) if damage == "garbage" else data[: len(data) // 3])
    with pytest.raises(StoreUnavailable):
        Store.open(duck.path, district=district).query(Selection())


def test_not_a_store_and_impossible_places_are_clear_errors(tmp_path, district):
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(StoreUnavailable, match="plain.txt"):
        Store.open(tmp_path / "plain.txt", district=district)
    with pytest.raises(StoreError, match="cannot create the store's folder"):
        Store.open(tmp_path / "plain.txt" / "s.duckdb", district=district, read_only=False)
    with pytest.raises(StoreError, match="is a folder"):
        Store.open(tmp_path, district=district, read_only=False)


def test_postgres_one_writer_and_readers_unblocked(pg_schemas, district, monkeypatch):
    monkeypatch.setattr(store_module, "WRITE_WAIT_S", 0.3)
    store = Store.open(pg_schemas(), district=district, read_only=False)
    (march,) = canonical_frames([MARCH], district)
    load(store, [march.iloc[:10]])
    assert store.ingest_in_progress() is None
    with store.writer() as w:
        w.stage(march.iloc[10:])
        state = Store.open(store.url, district=district).ingest_in_progress()  # a read-only handle can tell
        assert state["what"] == "ingest" and state["pid"] is not None
        with pytest.raises(StoreBusy, match="another ingest is in progress"):
            with store.writer():
                pass
        assert store.count() == 10  # readers see the last committed state, no waiting
    assert store.count() == 10  # left without finish(): rolled back
    assert store.ingest_in_progress() is None


def test_postgres_unreachable_is_unavailable(district):
    with pytest.raises(StoreUnavailable, match="cannot reach the database"):
        Store.open("postgresql://nobody:secret@127.0.0.1:1/none", district=district)
    with pytest.raises(StoreUnavailable) as info:
        Store.open("postgresql://nobody:secret@127.0.0.1:1/none", district=district)
    assert "secret" not in str(info.value)
