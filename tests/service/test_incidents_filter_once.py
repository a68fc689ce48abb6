"""A filter change on the map filters once, and leaves the backtest and the street lookup until asked for.

The map page's callbacks call the plain functions of :mod:`dashboard.components.map_views`; here a
change of selection runs them in the order the page does (incidents, hotspots, table, then the
debounced backtest) while counting what reaches the store and the slow steps.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from dashboard import state
from dashboard.components.map_views import backtest_view, hotspot_options, hotspots_view, incidents_view, table_view
from geo.selection import Selection
from geo.store import Store
from service import backtest, cache, hotspots

#: Two selections in turn, as a user narrowing the map would make them.
CHANGES = [
    Selection(sectors=("Winchester Town",), date_from=date(2006, 1, 1), date_to=date(2007, 12, 31)),
    Selection(sectors=("Winchester Town",), date_from=date(2006, 1, 1), date_to=date(2007, 12, 31), days=(4, 5)),
]


@pytest.fixture(scope="module")
def app(demo_store):
    from dashboard.app import create_app
    from dashboard.security import SecurityConfig

    return create_app(demo_store.path, demo_store.district.folder, security=SecurityConfig(disabled_for_tests=True))


@pytest.fixture
def counted(monkeypatch) -> Counter:
    """Counts of row queries per selection, aggregate queries, street lookups and backtests."""
    seen: Counter = Counter()

    def wrap(owner, name: str, key) -> None:  # noqa: ANN001 - a module or a class
        real = getattr(owner, name)

        def counting(*args, **kwargs):
            seen[key(*args, **kwargs)] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, counting)

    wrap(Store, "query", lambda _self, sel=None, columns=None, categorical=False, ordered=True: ("rows", sel))
    for name in ("count", "counts_by", "map_layer", "points", "grid_counts"):
        wrap(Store, name, lambda *_a, _n=name, **_k: ("aggregate", _n))
    wrap(hotspots, "streets_for_groups", lambda *_a, **_k: "street lookup")
    wrap(backtest, "evaluate_hotspots", lambda *_a, **_k: "backtest")
    wrap(backtest, "backtest", lambda *_a, **_k: "backtest")
    return seen


def test_a_filter_change_filters_once_and_defers_the_slow_steps(app, counted):
    cache.clear()
    with app.server.app_context():
        for sel in CHANGES:
            counted.clear()
            store_data = state.selection_to_mapping(sel)
            incidents_view(sel, None)
            # The incident layer reads no row: the grid counts (their sum is the count), the map's
            # points when they are few enough, and the per-precision counts behind the notes (which
            # skip the day filter).
            assert not [k for k in counted if k[0] == "rows"]
            assert counted[("aggregate", "count")] == 0 and counted[("aggregate", "grid_counts")] == 1
            assert counted[("aggregate", "points")] <= 1
            assert counted[("aggregate", "counts_by")] <= 2 and counted[("aggregate", "map_layer")] == 0
            options = hotspot_options(store_data, "kde")
            assert options.selection == sel
            hotspots_view(options, None)
            assert counted[("rows", sel)] == 1 and counted["street lookup"] == 0 and counted["backtest"] == 0
            table_view(options, None)
            # The table asks for the streets; the rows are the ones already read, not selected again.
            assert counted["street lookup"] == 1 and counted["backtest"] == 0
            assert [k for k in counted if k[0] == "rows"] == [("rows", sel)] and counted[("rows", sel)] == 1
            backtest_view(options)
            assert counted["backtest"] >= 1
    cache.clear()
