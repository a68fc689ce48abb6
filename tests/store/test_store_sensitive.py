"""The ``sensitive`` column on both backends: set at ingest, stored, read back; older stores get it false."""

from __future__ import annotations

import pandas as pd
import pytest
from store_helpers import SENSITIVE_ROWS, write_sensitive_extract

from dashboard.security.config import Privacy
from dashboard.security.public import drop_sensitive
from geo.config import load_district
from geo.selection import Selection
from geo.store import Store

EXPECTED = {urn: sensitive for urn, _, _, sensitive in SENSITIVE_ROWS if sensitive is not None}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """A PostgreSQL store keeps its rejects file under var/ of the working folder: make that the test's."""
    monkeypatch.chdir(tmp_path)


def test_ingest_stores_the_flag_of_every_row(new_store, tmp_path):
    store = new_store()
    report = store.ingest([write_sensitive_extract(tmp_path / "planted_extract.csv")])
    assert (report.read, report.stored, report.rejected) == (len(SENSITIVE_ROWS), len(EXPECTED), 1)
    reject = report.rejects.iloc[0]
    assert (reject["file"], reject["row"], reject["field"]) == ("planted_extract.csv", 7, "Domestic")
    assert "'maybe' is not a yes/no value" in reject["reason"]
    df = store.all()
    assert df["sensitive"].dtype == bool
    assert dict(zip(df["incident_id"], df["sensitive"], strict=True)) == EXPECTED
    assert store.count(Selection()) == len(EXPECTED)
    assert store.counts_by(None, "sensitive").to_dict() == {False: 5, True: 7}


def _table_columns(store: Store) -> set[str]:
    sql = "SELECT column_name FROM information_schema.columns WHERE table_name = 'incidents'"
    if store.backend == "postgres":
        sql += " AND table_schema = current_schema()"
    return set(store._frame(sql)["column_name"])


def _without_the_column(store: Store) -> None:
    with store._connect(write=True) as con:
        con.execute("ALTER TABLE incidents DROP COLUMN sensitive")


def test_old_store_opens_with_every_row_not_sensitive_and_ingests_again(backend, new_store, tmp_path, district):
    store = new_store()
    store.ingest([write_sensitive_extract(tmp_path / "planted_extract.csv")])
    _without_the_column(store)
    location = store.path if backend == "duckdb" else store.url
    old = Store.open(location, district=district, read_only=True)  # a view supplies it; the table is unchanged
    assert not old.all()["sensitive"].any() and len(old.all()) == len(EXPECTED)
    assert old.counts_by(None, "sensitive").to_dict() == {False: len(EXPECTED)}
    assert "sensitive" not in _table_columns(store)
    writable = Store.open(location, district=district, read_only=False)  # adds the column, false
    df = writable.all()
    assert len(df) == len(EXPECTED) and df["sensitive"].dtype == bool and not df["sensitive"].any()
    extra = tmp_path / "later_extract.csv"
    extra.write_text(
        "URN,HO_CODE,DATE_FROM,TIME_FROM,DATE_TO,TIME_TO,EASTING,NORTHING,STREET,DOMESTIC\n"
        "L1,VIO-SEX,08/03/2008,22:00,,,448400,130336,On or near Planted Road,\n"
        "L2,PUB-ORD,08/03/2008,22:05,,,448405,130336,On or near Planted Road,yes\n"
        "L3,PUB-ORD,08/03/2008,22:10,,,448410,130336,On or near Planted Road,no\n",
        encoding="utf-8",
    )
    assert "sensitive" in _table_columns(store)
    assert not old.all()["sensitive"].any()  # the reader opened before sees the real column now
    report = writable.ingest([extra])
    assert report.stored == 3
    flags = writable.all().set_index("incident_id")["sensitive"]
    assert flags[["L1", "L2", "L3"]].tolist() == [True, True, False]
    assert not flags.drop(["L1", "L2", "L3"]).any()


def test_old_store_rows_of_a_sensitive_category_still_leave_the_public_view(backend, tmp_path, request):
    """An old store has no flag; the Home Office category is the second line of the public rule."""
    from tests.store.conftest import ROOT

    folder = _district_with_sexual_offences_category(tmp_path, ROOT / "data" / "winchester")
    district = load_district(folder)
    if backend == "duckdb":
        store = Store.open(tmp_path / "old.duckdb", district=district, read_only=False)
    else:
        store = Store.open(request.getfixturevalue("pg_schemas")(), district=district, read_only=False)
    store.ingest([write_sensitive_extract(tmp_path / "planted_extract.csv")])
    _without_the_column(store)
    reopened = Store.open(store.path if backend == "duckdb" else store.url, district=district, read_only=True)
    df = reopened.all()
    assert not df["sensitive"].any()
    public = drop_sensitive(df, Privacy())
    sexual = {urn for urn, code, _, sensitive in SENSITIVE_ROWS if code == "VIO-SEX"}
    assert set(df["incident_id"]) - set(public["incident_id"]) == sexual  # by category; flags are lost


def _district_with_sexual_offences_category(tmp_path, source):
    """A copy of the bundled district whose code table gives VIO-SEX the category "Sexual offences"."""
    import shutil

    folder = tmp_path / "district"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("police-uk", "demo"))
    codes = pd.read_csv(folder / "crime_codes.csv", dtype=str, keep_default_na=False)
    codes.loc[codes["code"] == "VIO-SEX", "ho_category"] = "Sexual offences"
    codes.to_csv(folder / "crime_codes.csv", index=False)
    return folder
