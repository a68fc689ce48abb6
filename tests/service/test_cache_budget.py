"""A worker keeps selected rows and results within a byte budget each, not a count of entries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from geo.selection import Selection
from geo.store import Store
from service import cache
from service.source import Source


@dataclass(frozen=True)
class Planted:
    """What the cache keys on: a store identity and its version."""

    key: tuple[str, str] = ("planted", "district")

    def version(self) -> str:
        """A store that never changes."""
        return "1"


calls: list[tuple[str, int]] = []


@cache.cached_rows
def planted_rows(source: Planted, name: str, n_bytes: int) -> pd.DataFrame:
    """A frame of ``n_bytes`` of float64 values (and a RangeIndex), counted when built."""
    calls.append((name, n_bytes))
    return pd.DataFrame({"x": np.zeros(n_bytes // 8)})


@cache.cached
def planted_result(source: Planted, name: str) -> np.ndarray:
    """A small result in the other pool."""
    calls.append((name, 0))
    return np.arange(10)


@pytest.fixture
def budget(monkeypatch) -> int:
    cache.clear()
    calls.clear()
    monkeypatch.setattr(cache, "ROWS_BUDGET_BYTES", 1_000_000)
    yield 1_000_000
    cache.clear()


def _built() -> list[str]:
    return [name for name, _ in calls]


def test_the_size_estimate_counts_the_bytes_held():
    numbers = pd.DataFrame({"x": np.zeros(1000), "y": np.arange(1000)})
    assert cache.size_of(numbers) == numbers.memory_usage(deep=False).sum() == 16_000 + numbers.index.nbytes
    texts = pd.DataFrame({"t": [f"On or near Street {i % 50}" for i in range(5000)]})
    for frame in (texts, texts.astype(object), texts.astype("category")):
        deep = frame.memory_usage(deep=True).sum()
        assert abs(cache.size_of(frame) - deep) <= 0.05 * deep
    assert cache.size_of(texts.astype("category")) < cache.size_of(texts) / 5
    assert cache.size_of(np.zeros(1000)) == 8000
    # an object reached twice is counted once
    pair = (numbers, numbers)
    assert cache.size_of(pair) == cache.size_of((numbers,)) + 8


def test_rows_stay_within_the_budget_least_recently_used_let_go_first(budget):
    src = Planted()
    for name in ("a", "b"):
        planted_rows(src, name, 400_000)
    assert 800_000 <= cache.held_bytes()["rows"] <= 801_000
    planted_rows(src, "a", 400_000)  # a hit: a becomes the most recent, b the oldest
    planted_rows(src, "c", 400_000)  # over the budget: b is let go, a stays
    assert _built() == ["a", "b", "c"]
    assert cache.held_bytes()["rows"] <= budget
    planted_rows(src, "a", 400_000)
    planted_rows(src, "c", 400_000)
    assert _built() == ["a", "b", "c"]
    planted_rows(src, "b", 400_000)  # b was let go: built again
    assert _built() == ["a", "b", "c", "b"]


def test_an_entry_larger_than_the_budget_is_used_but_not_kept(budget):
    src = Planted()
    planted_rows(src, "small", 200_000)
    held = cache.held_bytes()["rows"]
    big = planted_rows(src, "big", 2_000_000)
    assert len(big) == 250_000  # the caller gets it
    assert cache.held_bytes()["rows"] == held  # nothing kept, nothing let go for it
    planted_rows(src, "big", 2_000_000)
    planted_rows(src, "small", 200_000)
    assert _built() == ["small", "big", "big"]


def test_rows_never_push_out_results(budget):
    src = Planted()
    planted_result(src, "result")
    for name in "abcdef":
        planted_rows(src, name, 400_000)
    planted_result(src, "result")
    assert _built().count("result") == 1
    assert 0 < cache.held_bytes()["results"] < 1000


def test_a_sources_row_sets_stay_within_the_budget(demo_store, monkeypatch):
    reads: list[Selection] = []
    real = Store.query

    def counting(self, sel=None, columns=None, categorical=False, ordered=True):
        reads.append(sel)
        return real(self, sel, columns, categorical, ordered)

    monkeypatch.setattr(Store, "query", counting)
    source = Source.build(demo_store.path, demo_store.district.folder)
    cache.clear()
    selections = [Selection(days=(day,)) for day in range(6)]
    sizes = [cache.size_of(source.open_store().query(sel)) for sel in selections]
    reads.clear()
    monkeypatch.setattr(cache, "ROWS_BUDGET_BYTES", sum(sizes[-3:]))  # the last three fit
    for sel in selections:
        source.query(sel)
    assert reads == selections
    assert cache.held_bytes()["rows"] <= sum(sizes[-3:])
    for sel in selections[-3:]:  # still kept: no new read
        source.query(sel)
    assert reads == selections
    source.query(selections[0])  # the oldest was let go: read again
    assert reads == [*selections, selections[0]]
    cache.clear()
