"""A threaded worker computes a bounded number of results at once; what is cached never waits for them."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from service import cache


@dataclass(frozen=True)
class Planted:
    """A store identity and a version that never changes."""

    key: tuple[str, str] = ("slots-store", "district")

    def version(self) -> str:
        """One version."""
        return "1"


running = {"now": 0, "most": 0}
guard = threading.Lock()


@cache.cached
def slow(source: Planted, name: str) -> str:
    """Counts how many run at once."""
    with guard:
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
    time.sleep(0.1)
    with guard:
        running["now"] -= 1
    return name


@cache.cached
def outer(source: Planted, name: str) -> str:
    """A result computed from another (as the table is from the hotspots)."""
    return slow(source, name + "-inner") + "!"


@pytest.fixture
def slots(monkeypatch):
    def use(n: int) -> threading.BoundedSemaphore:
        sem = threading.BoundedSemaphore(n)
        monkeypatch.setattr(cache, "_slots", sem)
        return sem

    cache.clear()
    running.update(now=0, most=0)
    yield use
    cache.clear()


def _run_all(targets: list) -> None:
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not any(t.is_alive() for t in threads), "a computation never finished"


def test_no_more_computations_at_once_than_slots(slots):
    slots(2)
    out: list[str] = []
    _run_all([lambda n=n: out.append(slow(Planted(), f"k{n}")) for n in range(6)])
    assert sorted(out) == [f"k{n}" for n in range(6)]
    assert running["most"] <= 2


def test_a_nested_computation_shares_its_callers_slot(slots):
    slots(1)
    out: list[str] = []
    _run_all([lambda n=n: out.append(outer(Planted(), f"k{n}")) for n in range(3)])
    assert sorted(out) == [f"k{n}-inner!" for n in range(3)]


def test_a_cached_result_does_not_wait_for_a_slot(slots):
    sem = slots(1)
    slow(Planted(), "ready")
    sem.acquire()  # every slot busy with other computations
    try:
        got: list[str] = []
        _run_all([lambda: got.append(slow(Planted(), "ready"))])
        assert got == ["ready"]
    finally:
        sem.release()
