"""Stores made before ``location_precision`` existed still open and read, every row a point."""

from __future__ import annotations

import duckdb
from store_helpers import POLICE_UK, canonical_frames, load

from geo.selection import Selection
from geo.store import Store

MARCH = POLICE_UK / "2017-03-hampshire-street-winchester.csv"


def _old_schema_store(new_store, district) -> tuple[Store, int]:
    """A store with March's rows and the incidents table as it was before geocoding added the column."""
    store = new_store()
    load(store, canonical_frames([MARCH], district))
    with store._connect(write=True) as con:
        con.execute("ALTER TABLE incidents DROP COLUMN location_precision")
    return store, store.count()


def _columns(path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'incidents'")
        return {r[0] for r in rows.fetchall()}
    finally:
        con.close()


def _reads_every_row_as_a_point(store: Store, n: int) -> None:
    df = store.all()
    assert len(df) == n > 0
    assert (df["location_precision"] == "point").all()
    assert store.counts_by(None, "location_precision").to_dict() == {"point": n}
    burglary = store.query(Selection(crime_types=("Burglary",))).incidents
    assert len(burglary) > 0 and burglary["location_precision"].eq("point").all()
    assert store.summary()["total"] == n


def test_old_duckdb_store_opens_read_only_and_is_left_unchanged(tmp_path, district):
    store, n = _old_schema_store(
        lambda: Store.open(tmp_path / "old.duckdb", district=district, read_only=False), district
    )
    assert "location_precision" not in _columns(store.path)
    old = Store.open(store.path, district=district, read_only=True)
    _reads_every_row_as_a_point(old, n)
    assert "location_precision" not in _columns(store.path)  # reading does not write


def test_old_duckdb_store_read_only_sees_the_column_once_a_writer_adds_it(tmp_path, district):
    store, n = _old_schema_store(
        lambda: Store.open(tmp_path / "old.duckdb", district=district, read_only=False), district
    )
    reader = Store.open(store.path, district=district, read_only=True)
    _reads_every_row_as_a_point(reader, n)
    Store.open(store.path, district=district, read_only=False)  # a writable open brings the schema up to date
    assert "location_precision" in _columns(store.path)
    _reads_every_row_as_a_point(reader, n)
    assert reader._missing_columns == []


def test_writable_open_adds_the_column_with_every_stored_row_a_point(backend, new_store, district):
    store, n = _old_schema_store(new_store, district)
    location = store.path if backend == "duckdb" else store.url
    Store.open(location, district=district, read_only=False)
    _reads_every_row_as_a_point(Store.open(location, district=district, read_only=True), n)
