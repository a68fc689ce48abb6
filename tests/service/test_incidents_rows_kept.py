"""A worker keeps the selected rows of its few most recent selections only, not of every selection since it started."""

from __future__ import annotations

from geo.selection import Selection
from geo.store import Store
from service import cache
from service.source import ROWS_KEPT, Source


def test_only_the_most_recent_selections_rows_stay(demo_store, monkeypatch):
    reads: list[Selection] = []
    real = Store.query

    def counting(self, sel=None, columns=None):
        reads.append(sel)
        return real(self, sel, columns)

    monkeypatch.setattr(Store, "query", counting)
    source = Source.build(demo_store.path, demo_store.district.folder)
    cache.clear()
    selections = [Selection(days=(day,)) for day in range(ROWS_KEPT + 2)]
    for sel in selections:
        source.query(sel)
    assert reads == selections
    for sel in selections[-ROWS_KEPT:]:  # still kept: no new read
        source.query(sel)
    assert reads == selections
    source.query(selections[0])  # the oldest was let go: read again
    assert reads == [*selections, selections[0]]
    cache.clear()
