"""The same store on both backends: schema, one-transaction ingest, query results, summary, records."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
from store_helpers import POLICE_UK, canonical_frames, load

from geo import records
from geo.schema import COLUMNS
from geo.selection import Selection
from geo.store import IngestReport, Store

MARCH = POLICE_UK / "2017-03-hampshire-street-winchester.csv"
APRIL = POLICE_UK / "2017-04-hampshire-street-winchester.csv"


def _columns(store: Store) -> list[str]:
    return list(store.query(Selection(sectors=("nowhere",))).incidents.columns)


def test_same_schema_on_both(new_store, district):
    store = new_store()
    assert _columns(store) == [*COLUMNS, *(z.column for z in district.zones)]
    assert store.version == 0 and store.summary()["total"] == 0


def test_writer_keeps_first_of_each_id_and_skips_stored(new_store, district):
    store = new_store()
    (march,) = canonical_frames([MARCH], district)
    first = load(store, [march.iloc[:100], march.iloc[50:150]])
    assert (first.stored, first.duplicates) == (150, 50)
    again = load(store, [march])
    assert (again.stored, again.duplicates) == (len(march) - 150, 150)
    assert store.count() == len(march) and store.version == 2


def test_failing_batch_leaves_store_as_it_was(new_store, district):
    store = new_store()
    (march,) = canonical_frames([MARCH], district)
    load(store, [march])
    before = (store.version, sorted(store.all()["incident_id"]))
    (april,) = canonical_frames([APRIL], district)
    broken = april.copy()
    broken["easting"] = broken["easting"].astype(object)
    broken.loc[broken.index[3], "easting"] = "not a number"
    with pytest.raises(Exception, match="not a number|Could not convert|invalid input"):
        if hasattr(store, "writer"):
            with store.writer() as w:
                w.stage(april)
                w.stage(broken)
                w.finish(IngestReport(files=["april"], read=2 * len(april)))
        else:
            store._commit(pd.concat([april, broken], ignore_index=True), IngestReport(files=["april"]), 0)
    assert (store.version, sorted(store.all()["incident_id"])) == before


def test_file_ingest_same_counts_on_both(new_store):
    store = new_store()
    report = store.ingest([POLICE_UK])
    assert report.read == report.stored + report.duplicates + report.rejected
    assert report.stored == store.count() > 5_000
    assert store.ingest([MARCH]).stored == 0


@pytest.fixture(scope="module")
def both_loaded(tmp_path_factory, district, request):
    """The real data.police.uk files in a DuckDB store and in a PostgreSQL store."""
    frames = canonical_frames([POLICE_UK], district)
    duck = Store.open(tmp_path_factory.mktemp("duck") / "s.duckdb", district=district, read_only=False)
    pg = Store.open(request.getfixturevalue("pg_schemas")(), district=district, read_only=False)
    for store in (duck, pg):
        load(store, frames)
    return duck, pg


SELECTIONS = [
    Selection(),
    Selection(crime_types=("Burglary", "Anti-social behaviour")),
    Selection(sectors=("Winchester Town",), zone="2005"),
    Selection(zone="2007", zone_inside=False, date_from=pd.Timestamp("2017-03-15").date()),
    Selection(date_from=pd.Timestamp("2017-03-01").date(), date_to=pd.Timestamp("2017-05-31").date()),
    Selection(days=(4, 5), hours=(20, 4)),
]


@pytest.mark.parametrize("sel", SELECTIONS, ids=lambda s: s.describe())
def test_same_query_results(both_loaded, sel):
    duck, pg = (s.query(sel) for s in both_loaded)
    pd.testing.assert_frame_equal(duck.incidents, pg.incidents, check_dtype=False)
    assert (duck.excluded_imprecise, duck.excluded_partial_month) == (pg.excluded_imprecise, pg.excluded_partial_month)
    assert duck.notes == pg.notes


def test_same_summary(both_loaded):
    duck, pg = (s.summary() for s in both_loaded)
    for key in ("total", "date_from", "date_to", "dated_to", "synthetic"):
        assert duck[key] == pg[key], key
    for key in ("by_crime_type", "by_sector", "by_precision"):
        pd.testing.assert_series_equal(duck[key], pg[key], check_dtype=False)
    pd.testing.assert_frame_equal(duck["sources"], pg["sources"], check_dtype=False)
    assert duck["total"] > 5_000


def test_records_round_trip(new_store):
    store = new_store()
    assert records.select(store, "notes") == []
    records.ensure_table(store, "notes", {"id": "int", "who": "text", "at": "timestamp", "ok": "bool"}, "id")
    t1 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    t2 = datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
    records.insert(store, "notes", {"id": 1, "who": "ann", "at": t1, "ok": True})
    records.insert(store, "notes", {"id": 2, "who": "bob", "at": t2, "ok": False})
    with pytest.raises(records.RecordConflict):
        records.insert(store, "notes", {"id": 2, "who": "eve"})
    rows = records.select(store, "notes", order_by=["id"])
    assert [(r["who"], r["at"]) for r in rows] == [
        ("ann", datetime(2026, 3, 29, 0, 30)),
        ("bob", datetime(2026, 3, 29, 2, 30)),
    ]
    assert [r["id"] for r in records.select(store, "notes", since=("at", t2))] == [2]
    assert [r["id"] for r in records.select(store, "notes", until=("at", t2))] == [1]
    assert records.update(store, "notes", {"who": "bob"}, {"ok": True}) == 1
    assert all(r["ok"] for r in records.select(store, "notes"))
    assert records.delete(store, "notes", {"id": 1}) == 1
    records.ensure_table(store, "notes", {"id": "int", "who": "text", "n": "float"})
    assert records.select(store, "notes") == [
        {"id": 2, "who": "bob", "at": datetime(2026, 3, 29, 2, 30), "ok": True, "n": None}
    ]


NARROW = ("easting", "northing", "crime_type", "occurred_from", "time_precision")


@pytest.mark.parametrize("sel", SELECTIONS[:4], ids=lambda s: s.describe())
def test_a_query_of_some_columns_reads_those_of_the_same_rows(both_loaded, sel):
    for store in both_loaded:
        full, narrow = store.query(sel), store.query(sel, NARROW)
        assert tuple(narrow.incidents.columns) == NARROW
        pd.testing.assert_frame_equal(narrow.incidents, full.incidents[list(NARROW)])
        assert narrow.notes == full.notes and narrow.excluded_imprecise == full.excluded_imprecise
    with pytest.raises(ValueError, match="not stored columns: nowhere"):
        both_loaded[0].query(sel, ("easting", "nowhere"))


def _as_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("sel", SELECTIONS, ids=lambda s: s.describe())
def test_an_unordered_query_holds_the_same_rows_on_both(both_loaded, sel):
    cols = ("incident_id", *NARROW)
    ordered = both_loaded[0].query(sel, cols).incidents
    for store in both_loaded:
        loose = store.query(sel, cols, ordered=False)
        pd.testing.assert_frame_equal(_as_rows(loose.incidents), _as_rows(ordered), check_dtype=False)
        assert loose.notes == store.query(sel, cols).notes


@pytest.mark.parametrize("sel", SELECTIONS[:4], ids=lambda s: s.describe())
def test_a_categorical_query_holds_the_same_texts_as_categories_on_both(both_loaded, sel):
    cols = ("easting", "crime_type", "location", "time_precision", "incident_id")
    duck, pg = (s.query(sel, cols, categorical=True).incidents for s in both_loaded)
    pd.testing.assert_frame_equal(duck, pg)  # same categories, in the same (sorted) order
    for c in ("crime_type", "location", "time_precision"):
        assert isinstance(duck[c].dtype, pd.CategoricalDtype)
        assert list(duck[c].cat.categories) == sorted(duck[c].dropna().unique())
    assert duck["incident_id"].dtype == "string"  # unique per row: stays text
    full = both_loaded[0].query(sel, cols).incidents
    pd.testing.assert_frame_equal(
        duck.astype({c: "string" for c in ("crime_type", "location", "time_precision")}), full
    )


@pytest.mark.parametrize("sel", SELECTIONS[:4], ids=lambda s: s.describe())
def test_locations_are_the_distinct_located_points_of_the_source_families(both_loaded, sel):
    df = both_loaded[0].query(sel).incidents
    expected = df[["easting", "northing"]].dropna().drop_duplicates().sort_values(["easting", "northing"])
    expected = expected.reset_index(drop=True)
    for store in both_loaded:
        pd.testing.assert_frame_equal(store.locations(sel), expected)
        pd.testing.assert_frame_equal(store.locations(sel, ("police_uk",)), expected)
        assert store.locations(sel, ("force_csv",)).empty and store.locations(sel, ()).empty


def test_points_with_precision_and_postcode_places_run_on_both(both_loaded):
    sel = SELECTIONS[1]
    duck, pg = (s.points(sel, with_precision=True) for s in both_loaded)
    pd.testing.assert_frame_equal(duck, pg)
    assert list(duck.columns) == ["easting", "northing", "longitude", "latitude", "at_postcode"]
    assert len(duck) == len(both_loaded[0].points(sel)) and not duck["at_postcode"].any()  # all snap points
    for store in both_loaded:
        places = store.postcode_places(sel)
        assert places.empty and list(places.columns) == ["longitude", "latitude", "crime_type", "n", "first"]


def test_postcode_centroid_rows_are_found_in_sql_on_both(new_store, tmp_path):
    rows = ["Ref,Type,Date,Postcode,X,Y"]
    rows += [f"C{i},Burglary,0{1 + i % 9}/03/2017 22:30,SO23 9LS,," for i in range(6)]
    rows += [f"D{i},Drugs,0{1 + i % 9}/03/2017 22:30,SO23 9LS,," for i in range(2)]
    rows += [f"P{i},Burglary,0{1 + i % 9}/03/2017 23:00,,{447000 + i},129900" for i in range(5)]
    csv = tmp_path / "precision.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    store = new_store()
    mapping = {"id": "Ref", "crime_type": "Type", "datetime": "Date", "postcode": "Postcode"}
    assert store.ingest([csv], fmt="force_csv", mapping={**mapping, "easting": "X", "northing": "Y"}).geocoded == 8
    points = store.points(Selection(), with_precision=True)
    assert int(points["at_postcode"].sum()) == 8 and len(points) == 13
    places = store.postcode_places(Selection()).sort_values("crime_type", ignore_index=True)
    assert list(places["crime_type"]) == ["Burglary", "Drugs"] and list(places["n"]) == [6, 2]
    assert places["longitude"].nunique() == 1 and places["first"].notna().all()
