"""One rule engine: the selection run as SQL (DuckDB and PostgreSQL) agrees with filter_frame.

Planted incidents cover the edges: the two DST nights of 2024 (31/03 and 27/10), month-precision
records at the ends of a range, hour windows across midnight, zones with unknown membership and
sector combinations.  Times are written in UTC so the repeated autumn hour is unambiguous.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from store_helpers import load

from geo.schema import COLUMNS
from geo.selection import Selection, filter_frame
from geo.store import Store

# (id, from UTC, to UTC, precision, sector, crime type, ho category, in zone 2005, easting, northing)
ROWS = [
    # spring forward, Saturday 30/03 -> Sunday 31/03/2024 (01:00 GMT becomes 02:00 BST)
    ("spr-sat-2330", "2024-03-30 23:30", None, "time", "Winchester Town", "Violence and sexual offences", None, True),
    ("spr-0030gmt", "2024-03-31 00:30", None, "time", "Winchester Town", "Public order", None, True),
    ("spr-0330bst", "2024-03-31 02:30", None, "time", "Winchester Town", "Violence and sexual offences", None, False),
    ("spr-0559bst", "2024-03-31 04:59", None, "time", "Winchester Rural", "Violence and sexual offences", None, None),
    ("spr-0600bst", "2024-03-31 05:00", None, "time", "Winchester Rural", "Burglary", "Burglary", True),
    ("spr-window", "2024-03-31 00:30", "2024-03-31 02:30", "time", "Winchester Town", "Drugs", None, True),
    # fall back, Saturday 26/10 -> Sunday 27/10/2024 (02:00 BST becomes 01:00 GMT)
    ("aut-0130bst", "2024-10-27 00:30", None, "time", "Winchester Town", "Violence and sexual offences", None, True),
    ("aut-0130gmt", "2024-10-27 01:30", None, "time", "Winchester Town", "Violence and sexual offences", None, True),
    ("aut-0530gmt", "2024-10-27 05:30", None, "time", None, "Anti-social behaviour", None, False),
    ("aut-0630gmt", "2024-10-27 06:30", None, "time", "Winchester Rural", "Anti-social behaviour", None, True),
    ("aut-2359", "2024-10-27 23:59", None, "time", "Winchester Town", "Shoplifting", "Shoplifting", True),
    ("aut-day", "2024-10-26 23:00", "2024-10-27 23:59:59", "day", "Winchester Town", "Burglary", "Burglary", True),
    # month-precision records: February (GMT) and March 2024 (across the spring change)
    ("feb", "2024-02-01 00:00", "2024-02-29 23:59:59", "month", "Winchester Town", "Burglary", "Burglary", True),
    ("mar", "2024-03-01 00:00", "2024-03-31 22:59:59", "month", "Winchester Rural", "Drugs", None, False),
    ("oct", "2024-09-30 23:00", "2024-10-31 23:59:59", "month", "Winchester Town", "Other theft", None, True),
    # range edges for precise records
    ("feb-first", "2024-02-01 00:00", None, "time", "Winchester Town", "Robbery", None, True),
    ("feb-last", "2024-02-29 23:59", None, "time", "Winchester Town", "Robbery", None, True),
    ("mar-first-bst", "2024-03-31 23:30", None, "time", "Winchester Town", "Robbery", None, True),
    ("midnight-cross", "2024-06-14 22:00", "2024-06-15 04:00", "time", "Winchester Town", "Public order", None, True),
    ("fri-2100", "2024-06-14 20:00", None, "time", "Winchester Rural", "Public order", None, None),
    ("sat-0000", "2024-06-14 23:00", None, "time", "Winchester Town", "Public order", None, True),
]


def planted(district) -> pd.DataFrame:
    """Canonical incidents (local times) with zone columns, as a writer receives them."""
    df = pd.DataFrame(
        ROWS, columns=["incident_id", "f", "t", "time_precision", "sector", "crime_type", "ho_category", "in_zone_2005"]
    )
    utc_from = pd.to_datetime(df["f"], format="ISO8601").dt.tz_localize("UTC")
    utc_to = pd.to_datetime(df["t"].fillna(df["f"]), format="ISO8601").dt.tz_localize("UTC")
    out = pd.DataFrame({c: pd.Series([None] * len(df), dtype="string") for c in COLUMNS})
    for col in ("incident_id", "time_precision", "sector", "crime_type", "ho_category"):
        out[col] = df[col].astype("string")
    out["source"] = "planted"
    out["synthetic"] = False
    out["occurred_from"] = utc_from.dt.tz_convert("Europe/London")
    out["occurred_to"] = utc_to.dt.tz_convert("Europe/London")
    i = np.arange(len(df), dtype=float)
    out["easting"] = 448_000 + 37.0 * i
    out["northing"] = 129_000 + 53.0 * (i % 7)
    out["longitude"] = -1.32 + 0.0005 * i
    out["latitude"] = 51.06 + 0.0005 * (i % 7)
    out["ward_name"] = np.where(i % 3 == 0, "St Michael", "St Paul")
    out["in_zone_2005"] = df["in_zone_2005"].astype("boolean")
    out["in_zone_2007"] = True
    assert [z.column for z in district.zones] == ["in_zone_2005", "in_zone_2007"]
    return out


@pytest.fixture(scope="module")
def stores(tmp_path_factory, district, request):
    frame = planted(district)
    duck = Store.open(tmp_path_factory.mktemp("sel") / "s.duckdb", district=district, read_only=False)
    pg = Store.open(request.getfixturevalue("pg_schemas")(), district=district, read_only=False)
    for store in (duck, pg):
        load(store, [frame])
    return frame, {"duckdb": duck, "postgres": pg}


D = date.fromisoformat
SELECTIONS = {
    "sat night (spring DST)": Selection(days=(5,)),
    "sat night, calendar days": Selection(days=(5,), night_cutoff=None),
    "fri night (June)": Selection(days=(4,)),
    "sun (spring DST) cut-off 3": Selection(days=(6,), night_cutoff=3),
    "hours 20-04": Selection(hours=(20, 4)),
    "hours 22-06 fri/sat": Selection(hours=(22, 6), days=(4, 5)),
    "hours 23-01": Selection(hours=(23, 1)),
    "hours 00-24": Selection(hours=(0, 24)),
    "hours 01-02 (repeated autumn hour)": Selection(hours=(1, 2)),
    "hours 02-03 (skipped spring hour)": Selection(hours=(2, 3)),
    "whole February": Selection(date_from=D("2024-02-01"), date_to=D("2024-02-29")),
    "February from the 2nd": Selection(date_from=D("2024-02-02"), date_to=D("2024-02-29")),
    "February to the 28th": Selection(date_from=D("2024-02-01"), date_to=D("2024-02-28")),
    "open end from 01/02": Selection(date_from=D("2024-02-01")),
    "open start to 28/02": Selection(date_to=D("2024-02-28")),
    "whole March (DST inside)": Selection(date_from=D("2024-03-01"), date_to=D("2024-03-31")),
    "one day 31/03": Selection(date_from=D("2024-03-31"), date_to=D("2024-03-31")),
    "October + Saturday nights": Selection(date_from=D("2024-10-01"), date_to=D("2024-10-31"), days=(5,)),
    "autumn Sunday + hours": Selection(date_from=D("2024-10-27"), date_to=D("2024-10-27"), hours=(0, 6)),
    "zone 2005 inside": Selection(zone="2005"),
    "zone 2005 outside": Selection(zone="2005", zone_inside=False),
    "outside zone, two sectors": Selection(
        zone="2005", zone_inside=False, sectors=("Winchester Town", "Winchester Rural")
    ),
    "one sector + type": Selection(sectors=("Winchester Town",), crime_types=("Violence and sexual offences",)),
    "HO burglary": Selection(ho_categories=("Burglary",)),
    "everything": Selection(),
}


@pytest.mark.parametrize("name", list(SELECTIONS))
@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_sql_agrees_with_filter_frame(stores, name, backend):
    frame, by_backend = stores
    sel = SELECTIONS[name]
    want = filter_frame(frame, sel)
    got = by_backend[backend].query(sel)
    assert sorted(got.incidents["incident_id"]) == sorted(want.incidents["incident_id"])
    assert (got.excluded_imprecise, got.excluded_partial_month) == (
        want.excluded_imprecise,
        want.excluded_partial_month,
    )
    assert got.notes == want.notes
    assert by_backend[backend].count(sel) == len(want)


# Known answers, so that agreement cannot hide a rule both sides got wrong.
KNOWN = {
    "sat night (spring DST)": {
        "spr-sat-2330",
        "spr-0030gmt",
        "spr-0330bst",
        "spr-0559bst",
        "spr-window",
        "aut-0130bst",
        "aut-0130gmt",
        "aut-0530gmt",
    },
    # 14/06/2024 is a Friday: 00:00 and the 22:00-04:00 UTC window's 02:00 midpoint belong to its night
    "fri night (June)": {"midnight-cross", "fri-2100", "sat-0000"},
    "hours 01-02 (repeated autumn hour)": {"aut-0130bst", "aut-0130gmt"},
    "hours 02-03 (skipped spring hour)": {"spr-window", "midnight-cross"},  # 02:00 BST midpoints
    "February from the 2nd": {"feb-last"},
    "zone 2005 outside": {"spr-0330bst", "spr-0559bst", "aut-0530gmt", "mar", "fri-2100"},
}


@pytest.mark.parametrize("name", list(KNOWN))
def test_known_answers(stores, name):
    _, by_backend = stores
    for store in by_backend.values():
        assert set(store.query(SELECTIONS[name]).incidents["incident_id"]) == KNOWN[name]


def test_counts_left_out_known(stores):
    _, by_backend = stores
    for store in by_backend.values():
        partial = store.query(SELECTIONS["February from the 2nd"])
        assert (partial.excluded_partial_month, partial.excluded_imprecise) == (1, 0)
        hours = store.query(Selection(hours=(20, 4)))
        assert hours.excluded_imprecise == 4  # three months and one day-precision record


@pytest.mark.parametrize("column", ["sector", "crime_type", "ward_name", "ho_category", "month"])
@pytest.mark.parametrize("sel_name", ["everything", "zone 2005 outside", "hours 20-04", "whole March (DST inside)"])
def test_counts_by_agrees_with_pandas(stores, column, sel_name):
    frame, by_backend = stores
    rows = filter_frame(frame, SELECTIONS[sel_name]).incidents
    if column == "month":
        keys = (rows["occurred_from"] + (rows["occurred_to"] - rows["occurred_from"]) / 2).dt.strftime("%Y-%m")
    else:
        keys = rows[column].astype(object)
    want = keys.where(keys.notna(), None).value_counts(dropna=False).to_dict()
    for store in by_backend.values():
        got = store.counts_by(SELECTIONS[sel_name], column)
        assert got.to_dict() == want
        assert list(got.index[: len(got) - int(got.index.isna().any())]) == sorted(k for k in want if k is not None)


@pytest.mark.parametrize("cell", [50.0, 250.0, 1000.0])
def test_grid_counts_agree_with_pandas(stores, cell):
    frame, by_backend = stores
    rows = filter_frame(frame, Selection(hours=(20, 4))).incidents
    want = (
        pd.DataFrame({"x": np.floor(rows["easting"] / cell) * cell, "y": np.floor(rows["northing"] / cell) * cell})
        .value_counts()
        .rename("n")
        .reset_index()
        .sort_values(["x", "y"], ignore_index=True)
    )
    for store in by_backend.values():
        got = store.grid_counts(Selection(hours=(20, 4)), cell)
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
        assert got["n"].sum() == len(rows)


def test_grid_counts_with_the_unlocated_row_sum_to_the_count(tmp_path, district, request):
    frame = planted(district)
    frame.loc[[2, 5], ["easting", "northing", "longitude", "latitude"]] = np.nan  # no place at all
    frame.loc[[8], ["northing", "latitude"]] = np.nan  # half a place is no place either
    duck = Store.open(tmp_path / "u.duckdb", district=district, read_only=False)
    pg = Store.open(request.getfixturevalue("pg_schemas")(), district=district, read_only=False)
    sel = Selection(hours=(0, 6))
    selected = filter_frame(frame, sel).incidents
    unlocated = int((selected["easting"].isna() | selected["northing"].isna()).sum())
    assert unlocated == 3  # rows 2 (03:30 BST), 5 (a window from 00:30 GMT) and 8 (05:30 GMT) are in 00-06
    for store in (duck, pg):
        load(store, [frame])
        located = store.grid_counts(sel, 250.0)
        got = store.grid_counts(sel, 250.0, unlocated=True)
        pd.testing.assert_frame_equal(got.iloc[:-1], located)  # the same cells first ...
        assert np.isnan(got["x"].iloc[-1]) and np.isnan(got["y"].iloc[-1])  # ... then the unlocated row
        assert got["n"].iloc[-1] == unlocated and got["n"].sum() == store.count(sel) == len(selected)
        everywhere = store.grid_counts(Selection(crime_types=("Robbery",)), 250.0, unlocated=True)
        assert everywhere["x"].notna().all()  # no unlocated robbery: no such row
        with pytest.raises(ValueError, match="bounding box"):
            store.grid_counts(sel, 250.0, bounds=(0.0, 0.0, 1.0, 1.0), unlocated=True)


def test_points_bounds_and_limit(stores):
    frame, by_backend = stores
    box = (448_100.0, 129_053.0, 448_500.0, 129_212.0)
    inside = frame[frame["easting"].between(box[0], box[2]) & frame["northing"].between(box[1], box[3])]
    want = inside.sort_values(["occurred_from", "incident_id"])[["easting", "northing", "longitude", "latitude"]]
    for store in by_backend.values():
        got = store.points(None, bounds=box)
        assert list(got.columns) == ["easting", "northing", "longitude", "latitude"]
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy())
        assert len(store.points(Selection(), limit=5)) == 5
        with pytest.raises(ValueError, match="bounds"):
            store.points(None, bounds=(1, 1, 0, 0))


def test_map_layer_points_until_the_limit_then_grid(stores):
    frame, by_backend = stores
    sel = Selection(hours=(20, 4))
    n = len(filter_frame(frame, sel))
    for store in by_backend.values():
        few = store.map_layer(sel, max_points=n)
        assert few["kind"] == "points" and few["total"] == n == len(few["points"])
        many = store.map_layer(sel, max_points=n - 1, cell_m=100)
        assert many["kind"] == "grid" and many["cell_m"] == 100.0
        assert many["cells"]["n"].sum() == n and len(many["cells"]) <= n


def test_grid_cell_grows_with_the_window():
    from geo.backends.reads import grid_cell_for

    assert grid_cell_for((0, 0, 4_000, 1_000)) == 25.0
    assert grid_cell_for((0, 0, 40_000, 1_000)) == 250.0
    assert grid_cell_for((0, 0, 10_000_000, 1)) == 25_000.0


def test_parse_bbox_lonlat_to_bng_envelope():
    from geo.params import parse_bbox
    from geo.selection import SelectionError

    e0, n0, e1, n1 = parse_bbox("-1.32,51.05,-1.30,51.07")
    # Winchester city centre: about 1.4 km by 2.2 km, around SU 48 29
    assert 447_000 < e0 < e1 < 450_000 and 128_000 < n0 < n1 < 131_000
    assert 1_300 < e1 - e0 < 1_500 and 2_200 < n1 - n0 < 2_300
    assert parse_bbox("1,2,3,4", lonlat=False) == (1.0, 2.0, 3.0, 4.0)
    assert parse_bbox("") is None
    for bad in ("1,2,3", "a,b,c,d", "3,2,1,4"):
        with pytest.raises(SelectionError, match="bbox"):
            parse_bbox(bad)


def _drop_local_columns(store: Store) -> None:
    """Make ``store`` look like one written before the wall-clock columns existed."""
    from geo.sql_selection import LOCAL_COLUMNS

    with store._connect(write=True) as con:
        for col in LOCAL_COLUMNS:
            con.execute(f"ALTER TABLE incidents DROP COLUMN {col}")


def _agrees_on_every_selection(store: Store, frame: pd.DataFrame) -> None:
    for name, sel in SELECTIONS.items():
        want = filter_frame(frame, sel)
        got = store.query(sel)
        assert sorted(got.incidents["incident_id"]) == sorted(want.incidents["incident_id"]), name
        assert (got.excluded_imprecise, got.excluded_partial_month) == (
            want.excluded_imprecise,
            want.excluded_partial_month,
        ), name


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_a_store_without_the_wall_clock_columns_reads_and_is_brought_up_to_date(tmp_path, district, request, backend):
    from geo.sql_selection import LOCAL_COLUMNS

    frame = planted(district)
    if backend == "duckdb":
        location = tmp_path / "old.duckdb"
    else:
        location = request.getfixturevalue("pg_schemas")()
    store = Store.open(location, district=district, read_only=False)
    load(store, [frame])
    _drop_local_columns(store)
    reader = Store.open(location, district=district, read_only=True)
    _agrees_on_every_selection(reader, frame)  # the columns computed in a view; the table unchanged
    assert set(reader._missing_columns) == set(LOCAL_COLUMNS)
    Store.open(location, district=district, read_only=False)  # a writable open adds and fills them
    _agrees_on_every_selection(Store.open(location, district=district, read_only=True), frame)
    with store._connect() as con:
        nulls = con.execute("SELECT count(*) FROM incidents WHERE local_ref IS NULL OR local_to IS NULL").fetchall()
    assert nulls[0][0] == 0
