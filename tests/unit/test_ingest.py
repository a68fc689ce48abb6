"""Ingest: every row stored, duplicate or rejected with its reason; failures leave the store as it was."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from geo.readers import FileFormatError
from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "winchester"
POLICE_UK = DATA / "police-uk"
BROKEN = ROOT / "tests" / "data" / "broken"
MARCH = POLICE_UK / "2017-03-hampshire-street-winchester.csv"


@pytest.fixture
def store(tmp_path, district) -> Store:
    return Store.open(tmp_path / "s.duckdb", district=district, read_only=False)


def _fingerprint(store: Store) -> tuple:
    df = store.all()
    return store.version, len(df), tuple(sorted(df["incident_id"]))


def _adds_up(report) -> None:
    assert report.read == report.stored + report.duplicates + report.rejected
    if report.rejected:
        rejects = pd.read_csv(report.rejects_path)
        assert len(rejects) == report.rejected
        assert list(rejects.columns) == ["file", "row", "field", "reason", "raw"]
        assert rejects["reason"].notna().all() and rejects["row"].notna().all()


def test_real_files_all_stored_and_reingest_adds_nothing(store):
    first = store.ingest([POLICE_UK])
    _adds_up(first)
    assert first.read == 6840 == first.stored
    assert first.rejected == 0
    again = store.ingest([POLICE_UK])
    assert again.stored == 0 and again.duplicates == 6840
    df = store.all()
    assert len(df) == 6840 and df["incident_id"].is_unique
    # ASB rows have no Crime ID: they get stable content ids, repeats at one snap point kept apart.
    asb = df[df["crime_type"] == "Anti-social behaviour"]
    assert len(asb) == 1579 and asb["incident_id"].str.startswith("poli-").all()
    assert store.summary()["dated_to"] is None  # month precision only: no incident has a day


def test_content_ids_are_the_documented_hash(store, tmp_path):
    """Rows without a Crime ID get ids that stores already hold: the definition must never drift."""
    head = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
    head += "Last outcome category,Context"
    row = ",2017-03,Hampshire,Hampshire,{lon},51.150490,{loc},E01023288,Winchester 001C,Anti-social behaviour,,"
    lines = [head, row.format(lon="-1.266821", loc="On or near Dever Close")] * 2
    lines.append(row.format(lon="-1.266800", loc="On or near Stratton Close"))
    path = tmp_path / "asb.csv"
    path.write_text("\n".join(lines) + "\n")
    assert store.ingest([path]).stored == 3

    # Computed by hand: month start and end in London time as epoch nanoseconds (BST from 26/03/2017).
    start = pd.Timestamp("2017-03-01 00:00", tz="Europe/London").value
    end = pd.Timestamp("2017-03-31 23:59:59", tz="Europe/London").value

    def expected(lon: str, loc: str, repeat: int) -> str:
        key = f"Anti-social behaviour|{start}|{end}|{lon}|51.15049|{loc}|E01023288#{repeat}"
        return "poli-" + hashlib.blake2b(key.encode(), digest_size=12).hexdigest()

    want = {
        expected("-1.266821", "On or near Dever Close", 0),
        expected("-1.266821", "On or near Dever Close", 1),
        expected("-1.2668", "On or near Stratton Close", 0),
    }
    assert set(store.all()["incident_id"]) == want


def test_canonical_columns_and_derived_areas(store, district):
    store.ingest([MARCH])
    df = store.all()
    assert len(df) == 710
    assert (df["time_precision"] == "month").all()
    assert str(df["occurred_from"].dt.tz) == "Europe/London"
    assert (df["occurred_from"].dt.strftime("%Y-%m-%d %H:%M") == "2017-03-01 00:00").all()
    assert (df["occurred_to"].dt.strftime("%Y-%m-%d") == "2017-03-31").all()
    assert set(df["sector"]) == set(district.sectors["sector"])
    assert df["ward_code"].notna().all()
    # The 2005 zone lies inside the 2007 zone (the town wards).
    assert df["in_zone_2005"].sum() > 0
    assert not (df["in_zone_2005"] & ~df["in_zone_2007"]).any()
    # Easting/northing agree with longitude/latitude (spot check: Winchester city centre ~ 448k, 129k).
    centre = df[df["in_zone_2005"]]
    assert centre["easting"].between(447_000, 449_500).all() and centre["northing"].between(128_500, 130_500).all()
    # Home Office categories only where the data.police.uk category maps without ambiguity.
    assert set(df["ho_category"].dropna()) <= set(district.police_uk_ho.values())
    assert df.loc[df["crime_type"] == "Burglary", "ho_category"].isna().all()


@pytest.mark.parametrize(
    ("name", "stored", "reasons"),
    [
        ("truncated.csv", 20, {22: "fewer than the header"}),
        ("text_in_coordinates.csv", 10, {3: "unparseable longitude 'n/a'", 6: "unparseable latitude '51.0x'"}),
        ("eastings_in_longitude.csv", 10, {2: "eastings/northings in the longitude/latitude", 5: "eastings"}),
        ("swapped_lat_lon.csv", 11, {4: "swapped"}),
        ("mixed_encoding.csv", 12, {}),
        ("extra_field.csv", 11, {8: "13 fields, more than the header"}),
        (
            "bad_values.csv",
            8,
            {
                2: "unparseable month '2017-13'",
                3: "unparseable month 'March'",
                4: "unknown crime type 'Fraud'",
                5: "outside",
            },
        ),
    ],
)
def test_broken_rows_rejected_with_file_row_and_reason(store, name, stored, reasons):
    report = store.ingest([BROKEN / name])
    _adds_up(report)
    assert report.stored == stored
    assert report.rejected == len(reasons)
    if reasons:
        rejects = pd.read_csv(report.rejects_path).set_index("row")
        assert (rejects["file"] == name).all()
        for row, text in reasons.items():
            assert text in rejects.loc[row, "reason"], (row, rejects.loc[row, "reason"])


def test_mixed_encoding_is_read_and_noted(store):
    report = store.ingest([BROKEN / "mixed_encoding.csv"])
    assert any("Windows-1252" in n for n in report.notes)
    assert "On or near Café Rouge" in set(store.all()["location"])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("wrong_header.csv", "format not recognised"),
        ("binary_junk.csv", "not a text CSV"),
        ("empty.csv", "empty"),
    ],
)
def test_malformed_file_leaves_store_unchanged(store, name, message):
    store.ingest([MARCH])
    before = _fingerprint(store)
    with pytest.raises(FileFormatError, match=message):
        # A good file first: the whole ingest is one transaction, so it is not stored either.
        store.ingest([POLICE_UK / "2017-04-hampshire-street-winchester.csv", BROKEN / name])
    assert _fingerprint(store) == before
    assert not list(store.path.parent.glob("*-rejects-*.csv"))


def test_forced_format_on_wrong_header_names_missing_columns(store):
    with pytest.raises(FileFormatError, match="missing column.*Longitude"):
        store.ingest([BROKEN / "wrong_header.csv"], fmt="police_uk")


def test_zip_as_downloaded_and_folder(store, tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(POLICE_UK.glob("2017-0[23]*.csv")):
            zf.write(f, f"{f.name[:7]}/{f.name}")
        zf.writestr("2017-02/2017-02-hampshire-outcomes.csv", "Crime ID,Month,Outcome type\n")
    report = store.ingest([archive])
    assert report.read == 654 + 710 == report.stored
    assert len(report.files) == 2 and all("download.zip!" in f and "-street" in f for f in report.files)
    folder = Store.open(tmp_path / "folder.duckdb", district=store.district, read_only=False)
    assert folder.ingest([POLICE_UK]).stored == 6840


def test_force_extract_with_windows_and_bng(store):
    report = store.ingest([DATA / "demo" / "force_extract_synthetic.csv"])
    _adds_up(report)
    assert report.rejected == 0
    df = store.all()
    assert df["synthetic"].all()
    assert set(df["time_precision"]) == {"time"}
    windows = df[df["occurred_to"] > df["occurred_from"]]
    assert 0.05 < len(windows) / len(df) < 0.5
    assert (df["occurred_to"] >= df["occurred_from"]).all()
    assert df["ho_category"].notna().any()
    assert store.summary()["dated_to"] == df["occurred_to"].max()


def test_force_csv_mapping_from_cli_style_and_row_rules(store, tmp_path):
    csv = tmp_path / "extract.csv"
    csv.write_text(
        "Ref,Offence,When,Until,X,Y,Street\n"
        "A1,CDA-DMG,24/03/2007 22:30,25/03/2007 07:00,448300,129400,High Street\n"
        "A2,VIO-WND,25/03/2007 01:30,,448310,129410,High Street\n"  # clocks go forward at 01:00
        "A3,VIO-WND,28/10/2007 01:30,,448310,129410,High Street\n"  # 01:30 happens twice
        "A4,CDA-DMG,24/03/2007 22:30,24/03/2007 21:00,448300,129400,High Street\n"  # to before from
        "A5,XXX-YYY,24/03/2007 22:30,,448300,129400,High Street\n"  # unknown code
        "A6,VIO-CMA,31/02/2007 22:30,,448300,129400,High Street\n"  # no such date
        "A7,VIO-CMA,24/03/2007,,448300,129400,High Street\n"  # date only
        "A8,VIO-CMA,24/03/2007 22:30,,-1.31,51.06,High Street\n",  # lon/lat in BNG columns
        encoding="utf-8",
    )
    mapping = {
        "id": "Ref",
        "crime_code": "Offence",
        "datetime": "When",
        "datetime_to": "Until",
        "easting": "X",
        "northing": "Y",
        "location": "Street",
    }
    report = store.ingest([csv], fmt="force_csv", mapping=mapping)
    _adds_up(report)
    assert report.stored == 4 and report.rejected == 4
    rej = pd.read_csv(report.rejects_path).set_index("row")
    assert "before occurred_from" in rej.loc[5, "reason"]
    assert "unknown force crime code 'XXX-YYY'" in rej.loc[6, "reason"]
    assert "unparseable date" in rej.loc[7, "reason"]
    assert "longitude/latitude in the easting/northing" in rej.loc[9, "reason"]
    df = store.all().set_index("incident_id")
    assert str(df.loc["A2", "occurred_from"]) == "2007-03-25 02:30:00+01:00"  # moved out of the gap
    assert str(df.loc["A3", "occurred_from"]) == "2007-10-28 01:30:00+01:00"  # the summer-time one
    assert df.loc["A1", "occurred_to"] - df.loc["A1", "occurred_from"] == pd.Timedelta(hours=7.5)
    assert df.loc["A7", "time_precision"] == "day"
    assert df.loc["A1", "ho_category"] == "Criminal damage"


def test_vector_layers_round_trip(store, tmp_path):
    import geopandas as gpd

    store.ingest([MARCH])
    df = store.all().head(50)
    gdf = gpd.GeoDataFrame(
        df[["incident_id", "crime_type", "location"]].assign(
            occurred_from=df["occurred_from"].astype(str), occurred_to=df["occurred_to"].astype(str)
        ),
        geometry=gpd.points_from_xy(df["easting"], df["northing"]),
        crs=27700,
    )
    for suffix in (".gpkg", ".geojson", ".shp"):  # Shapefile cuts names to 10 characters
        path = tmp_path / f"points{suffix}"
        gdf.to_file(path)
        other = Store.open(tmp_path / f"v{suffix}.duckdb", district=store.district, read_only=False)
        report = other.ingest([path])
        _adds_up(report)
        assert report.stored == 50
        back = other.all().set_index("incident_id").loc[df["incident_id"]]
        assert (back["easting"] - df.set_index("incident_id")["easting"]).abs().max() < 2
        assert (back["crime_type"].to_numpy() == df["crime_type"].to_numpy()).all()
