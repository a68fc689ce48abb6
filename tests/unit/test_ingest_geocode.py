"""Rows with a postcode and no coordinates: placed at the bundled postcode centroid, marked so."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.geocode import normalise, point_precise, postcode_table, resolve
from geo.store import Store
from hotspots_cli.main import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
POSTCODES = ROOT / "data" / "winchester" / "postcodes.csv"
MARCH = ROOT / "data" / "winchester" / "police-uk" / "2017-03-hampshire-street-winchester.csv"


@pytest.fixture
def store(tmp_path, district) -> Store:
    return Store.open(tmp_path / "s.duckdb", district=district, read_only=False)


def _centroid(code: str) -> tuple[float, float]:
    table = pd.read_csv(POSTCODES).set_index("Postcode")
    row = table.loc[code]
    return float(row["Eastings"]), float(row["Northings"])


def test_normalise_and_common_slips(district):
    table = postcode_table(district)
    assert normalise(" so23 9ls ") == "SO239LS"
    assert "SO239LS" in table
    assert resolve("so23 9ls", table) == "SO239LS"
    assert resolve("S023 9LS", table) == "SO239LS"  # zero for O in the area letters
    assert resolve("SO23 9L5", table) is None  # 5 for S is not a slip we correct
    assert resolve("ZZ99 9ZZ", table) is None


def test_postcode_only_rows_are_geocoded_marked_and_unknown_ones_rejected(store, tmp_path):
    e, n = _centroid("SO239LS")
    csv = tmp_path / "asb_log.csv"
    csv.write_text(
        "Ref,Type,Date,Postcode,X,Y\n"
        "L1,Anti-social behaviour,01/03/2017 22:30,so23 9ls,,\n"
        "L2,Anti-social behaviour,02/03/2017 23:10,S023 9LS,,\n"  # zero for O
        "L3,Anti-social behaviour,03/03/2017 21:00,ZZ99 9ZZ,,\n"  # not a postcode of the district
        "L4,Anti-social behaviour,04/03/2017 21:00,,,\n"  # neither
        "L5,Anti-social behaviour,05/03/2017 21:00,SO23 9LS,448310,129410\n",  # has a point: kept
        encoding="utf-8",
    )
    report = store.ingest(
        [csv],
        fmt="force_csv",
        mapping={
            "id": "Ref",
            "crime_type": "Type",
            "datetime": "Date",
            "postcode": "Postcode",
            "easting": "X",
            "northing": "Y",
        },
    )
    assert report.read == 5 and report.stored == 3 and report.rejected == 2 and report.geocoded == 2
    assert any(n.startswith("2 row(s) had a postcode and no coordinates") for n in report.notes)
    rejects = pd.read_csv(report.rejects_path).set_index("row")
    assert rejects.loc[4, "reason"] == "unknown postcode 'ZZ99 9ZZ' (not in the district's postcode list)"
    assert rejects.loc[5, "reason"] == "missing coordinates and postcode"
    df = store.all().set_index("incident_id")
    assert list(df.loc[["L1", "L2", "L5"], "location_precision"]) == ["postcode", "postcode", "point"]
    assert (df.loc["L1", "easting"], df.loc["L1", "northing"]) == (e, n)
    assert (df.loc["L2", "easting"], df.loc["L2", "northing"]) == (e, n)
    assert df.loc["L1", "ward_code"] == pd.read_csv(POSTCODES).set_index("Postcode").loc["SO239LS", "Admin_ward_code"]
    assert list(point_precise(df.loc[["L1", "L5"]])) == [False, True]


def test_existing_sources_are_point_precise(store):
    store.ingest([MARCH])
    df = store.all()
    assert (df["location_precision"] == "point").all() and point_precise(df).all()


def test_cli_map_accepts_postcode(tmp_path):
    csv = tmp_path / "council.csv"
    csv.write_text("Ref,Type,Date,PC\nC1,Anti-social behaviour,01/03/2017 22:30,SO23 9LS\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    args = ["ingest", str(csv), "--format", "force_csv", "--store", str(store), "--no-progress"]
    args += ["--map", "id=Ref", "--map", "crime_type=Type", "--map", "datetime=Date", "--map", "postcode=PC"]
    assert cli_main(args) == 0
    df = Store.open(store).all()
    assert list(df["location_precision"]) == ["postcode"]
