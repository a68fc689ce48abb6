"""The hotspot layer reads only the columns it needs, and finds exactly what the engines find on every column."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from geo.evaluate import evaluate_hotspots
from geo.hotspots import find_hotspots
from geo.repeats import repeat_locations
from geo.selection import Selection
from geo.store import Store
from geo.streets import streets_for_groups
from service import cache
from service.backtest import BacktestOptions, run_backtest
from service.hotspots import (
    CONTEXT_COLUMNS,
    HOTSPOT_COLUMNS,
    HotspotsOptions,
    all_crime_context,
    hotspot_details,
    hotspot_rows,
    run_hotspot_table,
    run_hotspots,
    run_members,
)
from service.repeats import RepeatsOptions, run_repeats
from service.source import Source

#: Planted streets: (easting, northing, name, incidents per month); more at the first.
STREETS = [
    (448150.0, 129550.0, "High Street", 14),
    (447600.0, 129900.0, "Stockbridge Road", 9),
    (448900.0, 128900.0, "Chesil Street", 6),
]
TYPES = ("Violence and sexual offences", "Anti-social behaviour", "Burglary")
MONTHS = range(1, 7)  # January to June 2017


@pytest.fixture(scope="module")
def source(tmp_path_factory, district) -> Source:
    rng = np.random.default_rng(7)
    folder = tmp_path_factory.mktemp("hotspot-rows")
    rows = ["Ref,Type,Date,X,Y,Location"]
    for month in MONTHS:
        for s, (x, y, name, n) in enumerate(STREETS):
            for i in range(n):
                kind = TYPES[(i + s) % len(TYPES)]
                day, hour = 1 + int(rng.integers(0, 28)), int(rng.integers(0, 24))
                dx, dy = rng.normal(0, 15, 2).round()
                rows.append(
                    f"R{month}-{s}-{i},{kind},{day:02d}/{month:02d}/2017 {hour:02d}:10,{x + dx},{y + dy},{name}"
                )
        for i in range(25):  # scattered over the town
            x, y = 446500 + rng.uniform(0, 3000), 128500 + rng.uniform(0, 2500)
            rows.append(
                f"B{month}-{i},{TYPES[i % 3]},{1 + i:02d}/{month:02d}/2017 12:00,{x:.0f},{y:.0f},Elsewhere Lane"
            )
    csv = folder / "planted.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    store = Store.open(folder / "s.duckdb", district=district, read_only=False)
    mapping = {"id": "Ref", "crime_type": "Type", "datetime": "Date", "easting": "X", "northing": "Y"}
    assert store.ingest([csv], fmt="force_csv", mapping={**mapping, "location": "Location"}).stored == len(rows) - 1
    cache.clear()
    return Source.build(folder / "s.duckdb", district.folder)


SELECTIONS = [Selection(), Selection(crime_types=(TYPES[0],)), Selection(days=(4, 5, 6))]
METHODS = ["auto", "kde", "gistar", "dbscan", "hdbscan", "emerging"]


def _full(source: Source, sel: Selection):
    """Every column of the selection, read straight from the store (not through the service's cache)."""
    return source.open_store().query(sel)


def test_the_hotspot_rows_hold_only_the_columns_the_engines_need(source):
    rows = hotspot_rows(source, Selection()).incidents
    assert tuple(rows.columns) == HOTSPOT_COLUMNS
    assert not {"incident_id", "source", "outcome", "lsoa_code", "ward_name", "longitude"} & set(rows.columns)
    full = _full(source, Selection()).incidents
    # the same values; the repeated texts held once each (categoricals), not once a row
    texts = ["crime_type", "time_precision", "location", "location_precision"]
    assert all(isinstance(rows[c].dtype, pd.CategoricalDtype) for c in texts)
    pd.testing.assert_frame_equal(rows.astype({c: "string" for c in texts}), full[list(HOTSPOT_COLUMNS)])
    assert cache.size_of(rows) < 0.5 * cache.size_of(full[list(HOTSPOT_COLUMNS)])


def test_the_all_crime_context_holds_where_and_when_only(source):
    sel = Selection(crime_types=(TYPES[0],))
    context = all_crime_context(source, sel)
    full = _full(source, Selection()).incidents[list(CONTEXT_COLUMNS)]
    # the same rows, in no particular order (it is only counted)
    by_all = list(CONTEXT_COLUMNS)
    pd.testing.assert_frame_equal(
        context.sort_values(by_all).reset_index(drop=True), full.sort_values(by_all).reset_index(drop=True)
    )
    assert all_crime_context(source, Selection()) is None  # no crime filter: its own context


@pytest.mark.parametrize("method", ["auto", "counts"])
def test_the_order_of_the_context_changes_nothing(source, method):
    sel = Selection(crime_types=(TYPES[0],))
    rows = _full(source, sel).incidents
    context = _full(source, Selection()).incidents
    shuffled = context.sample(frac=1.0, random_state=3).reset_index(drop=True)
    district = source.district()
    a = find_hotspots(rows, method, district=district, seed=0, context=context)
    b = find_hotspots(rows, method, district=district, seed=0, context=shuffled)
    assert not a.polygons.empty
    pd.testing.assert_frame_equal(pd.DataFrame(a.polygons), pd.DataFrame(b.polygons))
    assert a.params == b.params and a.message == b.message


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("sel", SELECTIONS, ids=lambda s: s.describe())
def test_hotspots_are_the_engines_result_on_every_column(source, sel, method):
    found = run_hotspots(source, HotspotsOptions(sel, method)).result
    context = None
    if method == "auto" and sel.crime_types:
        context = _full(source, replace(sel, crime_types=())).incidents
    extra = {"context": context} if method != "emerging" else {}
    expected = find_hotspots(_full(source, sel), method, district=source.district(), seed=0, **extra)
    assert not expected.polygons.empty or method == "emerging"
    pd.testing.assert_frame_equal(pd.DataFrame(found.polygons), pd.DataFrame(expected.polygons))
    assert found.params == expected.params and found.warnings == expected.warnings
    assert found.notes == expected.notes and found.n_incidents == expected.n_incidents


@pytest.mark.parametrize("sel", SELECTIONS[:2], ids=lambda s: s.describe())
def test_the_table_streets_and_details_are_those_of_the_full_rows(source, sel):
    options = HotspotsOptions(sel, "kde")
    table = run_hotspot_table(source, options)
    full = _full(source, sel).incidents
    members = run_members(source, options)
    centres = table[["centre_easting", "centre_northing"]].to_numpy(float)
    assert list(table["street"]) == streets_for_groups(full, members.polygon, members.incident, centres)
    assert table["street"].iloc[0] == "High Street"
    details = hotspot_details(source, options, 1)
    inside = full.iloc[members.of(0)]
    assert details.inside == len(inside) == int(table["count"].iloc[0])
    assert dict(details.crime_types) == inside["crime_type"].value_counts().to_dict()


def test_the_backtest_scores_the_full_rows(source):
    sel = Selection()
    options = BacktestOptions(HotspotsOptions(sel, "auto"), by_crime_type=False)
    bt = run_backtest(source, options)
    windows = {"train_months": options.train_months, "test_months": options.test_months, "max_folds": options.folds}
    res = evaluate_hotspots(_full(source, sel), "auto", district=source.district(), min_count=5, **windows)
    assert res.score is not None
    assert bt.pai == res.score.pai and bt.hit_rate == res.score.hit_rate and bt.headline == res.text


def test_repeats_count_the_same_candidate_locations(source):
    sel = Selection(crime_types=(TYPES[2],))
    result = run_repeats(source, RepeatsOptions(sel))
    everything = _full(source, Selection()).incidents
    expected = repeat_locations(_full(source, sel).incidents, everything[["easting", "northing"]].dropna())
    assert result.report.n_locations == expected.n_locations and result.report.gini == expected.gini
    pd.testing.assert_frame_equal(result.report.table, expected.table)
