"""The workers of one server share expensive results: computed once, invalidated by the store's version.

``cache.cached_shared`` goes through a private folder (``$HOTSPOTS_SHARED_CACHE``); a folder
anyone else could write is refused and each process then keeps to its in-process cache.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from service import cache

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Planted:
    """A store identity and a version the test changes (as an ingest would)."""

    key: tuple[str, str] = ("planted-store", "district")
    state: list[str] = field(default_factory=lambda: ["1"])

    def version(self) -> str:
        """The current version."""
        return self.state[0]


computed: list[str] = []


@cache.cached_shared
def planted_result(source: Planted, name: str, n: int = 10) -> np.ndarray:
    """``n`` numbers, counted when computed."""
    computed.append(name)
    return np.arange(n, dtype=np.float64)


@pytest.fixture
def shared(tmp_path, monkeypatch) -> Path:
    base = tmp_path / "shared"
    base.mkdir(mode=0o700)
    monkeypatch.setenv("HOTSPOTS_SHARED_CACHE", str(base))
    cache.clear()
    computed.clear()
    yield base
    cache.clear()


def _stored(base: Path) -> list[Path]:
    return sorted(base.glob("*/*.pkl"))


def _worker_code(counter: Path, started: Path, go: Path) -> str:
    # A worker process: one cached_shared function that records each computation in ``counter``
    # and, while computing, waits for the test's ``go`` file (so the second worker arrives mid-way).
    return textwrap.dedent(
        f"""
        import os, time
        from pathlib import Path
        from service import cache

        class Source:
            key = ("planted-store", "district")
            def version(self):
                return "7"

        @cache.cached_shared
        def slow(source, name):
            with open({str(counter)!r}, "a") as f:
                f.write(f"{{os.getpid()}}\\n")
            Path({str(started)!r}).touch()
            while not Path({str(go)!r}).exists():
                time.sleep(0.01)
            return {{"name": name, "by": os.getpid()}}

        Path({str(started)!r} + f".{{os.getpid()}}.asking").touch()
        print(slow(Source(), "hot")["by"])
        """
    )


def test_two_processes_asking_for_the_same_key_compute_it_once(shared, tmp_path):
    counter, started, go = tmp_path / "calls", tmp_path / "started", tmp_path / "go"
    code = _worker_code(counter, started, go)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)

    first = start()
    deadline = time.monotonic() + 60
    while not started.exists():  # the first is computing (and holds the key's lock)
        assert first.poll() is None and time.monotonic() < deadline, "the first worker did not start"
        time.sleep(0.01)
    second = start()
    asking = Path(f"{started}.{second.pid}.asking")
    while not asking.exists():  # the second has imported everything and is about to ask
        assert second.poll() is None and time.monotonic() < deadline, "the second worker did not start"
        time.sleep(0.01)
    time.sleep(0.5)  # it reaches the key's lock in microseconds; were it slower, it still must not compute
    go.touch()
    outs = [p.communicate(timeout=60)[0].strip() for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0]
    calls = counter.read_text().split()
    assert calls == [str(first.pid)]  # computed once, by the first
    assert outs == [str(first.pid)] * 2  # the second got the first's result
    assert len(_stored(shared)) == 1


def test_a_result_written_by_one_process_is_read_by_another(shared):
    src = Planted()
    first = planted_result(src, "a")
    cache.clear()  # as another worker: nothing in this process's pools
    again = planted_result(src, "a")
    assert computed == ["a"]
    np.testing.assert_array_equal(first, again)


def test_a_version_change_invalidates(shared):
    src = Planted()
    planted_result(src, "a")
    src.state[0] = "2"  # an ingest
    cache.clear()
    planted_result(src, "a")
    assert computed == ["a", "a"]
    cache.clear()
    planted_result(src, "a")  # the new version's result is now the one shared
    assert computed == ["a", "a"]
    assert len(_stored(shared)) == 2


def test_the_options_are_part_of_the_key(shared):
    src = Planted()
    planted_result(src, "a")
    planted_result(src, "b")
    planted_result(src, "a", 11)
    assert computed == ["a", "b", "a"]


def _refused(base: Path, caplog) -> None:
    src = Planted()
    with caplog.at_level(logging.WARNING, logger="service._shared"):
        planted_result(src, "a")
        cache.clear()
        planted_result(src, "a")
    assert computed == ["a", "a"]  # each process on its own: computed again, nothing shared
    assert not list(base.rglob("*.pkl"))
    assert "refused" in caplog.text


def test_a_folder_open_to_other_users_is_refused(shared, caplog):
    shared.chmod(0o777)
    _refused(shared, caplog)


def test_a_store_folder_open_to_other_users_is_refused(shared, caplog):
    planted_result(Planted(), "warm")  # makes the store's sub-folder
    (sub,) = [p for p in shared.iterdir() if p.is_dir()]
    sub.chmod(0o755)
    for p in sub.iterdir():
        p.unlink()
    cache.clear()
    computed.clear()
    _refused(shared, caplog)


def test_a_link_is_refused(shared, tmp_path, caplog, monkeypatch):
    link = tmp_path / "link"
    link.symlink_to(shared)
    monkeypatch.setenv("HOTSPOTS_SHARED_CACHE", str(link))
    _refused(shared, caplog)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_folder_of_another_user_is_refused(shared, caplog):
    os.chown(shared, 65534, 65534)
    _refused(shared, caplog)


def test_a_folder_that_cannot_be_used_falls_back_to_the_process(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("HOTSPOTS_SHARED_CACHE", str(tmp_path / "missing"))
    cache.clear()
    computed.clear()
    with caplog.at_level(logging.WARNING, logger="service._shared"):
        first = planted_result(Planted(), "a")
        assert planted_result(Planted(), "a") is first  # the in-process cache still works
    assert computed == ["a"]
    cache.clear()


def test_the_folder_is_held_within_its_budget_oldest_let_go_first(shared, monkeypatch):
    monkeypatch.setenv("HOTSPOTS_SHARED_CACHE_MB", str(30_000 / 2**20))  # 30 kB
    src = Planted()
    for name in ("a", "b", "c", "d"):
        planted_result(src, name, 1000)  # 8 kB of numbers each, a little more pickled
    files = _stored(shared)
    assert sum(p.stat().st_size for p in files) <= 30_000
    assert len(files) == 3
    cache.clear()
    computed.clear()
    for name in ("b", "c", "d"):  # still stored: read, not computed
        planted_result(src, name, 1000)
    assert computed == []
    planted_result(src, "a", 1000)  # the oldest was let go
    assert computed == ["a"]


def test_a_database_password_is_never_written(shared):
    src = Planted(key=("postgresql://hotspots:s3cret@db.example/hotspots", "district"))
    planted_result(src, "a")
    written = [p for p in shared.rglob("*") if p.is_file()]
    assert written
    assert all(b"s3cret" not in p.read_bytes() and "s3cret" not in str(p) for p in written)


def test_without_a_folder_nothing_is_shared(monkeypatch):
    monkeypatch.delenv("HOTSPOTS_SHARED_CACHE", raising=False)
    cache.clear()
    computed.clear()
    planted_result(Planted(), "a")
    cache.clear()
    planted_result(Planted(), "a")
    assert computed == ["a", "a"]


@pytest.fixture(params=["duckdb", "postgresql"])
def location(request, tmp_path) -> str:
    """An empty store of either backend."""
    if request.param == "duckdb":
        return str(tmp_path / "store.duckdb")
    return request.getfixturevalue("pg_schemas")()


def test_a_stores_hotspots_are_shared_and_an_ingest_invalidates(shared, location, district, monkeypatch):
    from geo.store import Store
    from service import hotspots as service_hotspots
    from service.hotspots import HotspotsOptions, run_hotspots
    from service.source import Source
    from tests.conftest import POLICE_UK

    runs: list[int] = []
    real = service_hotspots.find_hotspots

    def counting(incidents, *args, **kwargs):
        runs.append(len(incidents))
        return real(incidents, *args, **kwargs)

    monkeypatch.setattr(service_hotspots, "find_hotspots", counting)
    writer = Store.open(location, district=district, read_only=False)
    writer.ingest([POLICE_UK / "2017-06-hampshire-street-winchester.csv"])
    src = Source.build(location, district)
    options = HotspotsOptions(method="counts")
    first = run_hotspots(src, options)
    cache.clear()  # another worker
    assert run_hotspots(src, options).ranks == first.ranks
    assert len(runs) == 1
    writer.ingest([POLICE_UK / "2017-07-hampshire-street-winchester.csv"])
    cache.clear()
    after = run_hotspots(src, options)
    assert len(runs) == 2 and runs[1] > runs[0]  # the new version computed, over more incidents
    assert after.n_incidents == runs[1]
