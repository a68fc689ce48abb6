"""The hotspot verbs on the real bundled data.police.uk files, including bad-input exit codes."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from hotspots_cli.main import main

YEAR = ["--from", "01/02/2017", "--to", "30/09/2017"]


@pytest.fixture(scope="module")
def store(police_uk_store):
    return ["--store", str(police_uk_store.path)]


def test_hotspots_default_writes_geojson_and_says_what_auto_chose(store, tmp_path, capsys):
    out = tmp_path / "hot.geojson"
    assert main(["hotspots", *store, *YEAR, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "hotspot(s) from 6,127 incidents (auto)" in text and "cell_size_m=" in text
    # which method was drawn, and why (on the selection's own past)
    assert "warning: Auto chose the previous-counts baseline" in text and "chosen=" in text
    gdf = gpd.read_file(out)
    assert gdf.crs.to_epsg() == 4326 and gdf["rank"].iloc[0] == 1
    assert {"count", "share", "area_m2", "density_per_km2", "top_crime_types"} <= set(gdf.columns)


@pytest.mark.parametrize("method", ["kde", "counts", "gistar", "dbscan", "hdbscan", "emerging"])
def test_other_methods_and_gpkg(store, tmp_path, method, capsys):
    out = tmp_path / f"{method}.gpkg"
    assert main(["hotspots", *store, *YEAR, "--method", method, "--out", str(out)]) == 0
    assert len(gpd.read_file(out)) > 0


def test_plan_van_and_patrol(store, tmp_path, capsys):
    van = tmp_path / "van.csv"
    assert main(["plan", "van", *store, *YEAR, "--k", "5", "--radius", "100", "--out", str(van)]) == 0
    table = pd.read_csv(van)
    assert len(table) == 5
    # bare street names ("Jewry Street"), never the data.police.uk prefix nor a generic place
    assert not table["street"].str.contains("On or near|Parking Area", regex=True).any()
    assert (table["street"].str.len() > 0).all()
    text = capsys.readouterr().out
    header = next(line for line in text.splitlines() if "incidents_covered" in line)
    assert "already_covered_by_cctv=" in text and "reliability" in header
    patrol = tmp_path / "patrol.geojson"
    assert main(["plan", "patrol", *store, *YEAR, "--cell", "150", "--n", "8", "--out", str(patrol)]) == 0
    assert len(gpd.read_file(patrol)) == 8


def test_evaluate_prints_the_maps_figure(store, police_uk_store, tmp_path, capsys):
    """One configuration, one figure: `hotspots evaluate` prints exactly what the map shows."""
    from datetime import date

    from geo.selection import Selection
    from service.backtest import map_backtest
    from service.hotspots import HotspotsOptions
    from service.source import Source

    out = tmp_path / "bt.csv"
    assert main(["evaluate", *store, *YEAR, "--all-types", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    sel = Selection(date_from=date(2017, 2, 1), date_to=date(2017, 9, 30))
    shown = map_backtest(Source.build(police_uk_store.path, police_uk_store.district), HotspotsOptions(selection=sel))
    assert shown.pai is not None and shown.headline in text and shown.sentence in text
    table = pd.read_csv(out)
    # the method and its fair baselines: previous counts at its cell (50 m) and 100 m, and a fitted KDE
    assert table["model"].iloc[0] == "auto" and len(table) == 4
    assert "auto drew previous counts, 50 m cells (the baseline) in" in shown.headline
    assert table["model"].iloc[1:].str.startswith("baseline: ").all()
    assert table["pei_star"].between(0, 1).all()


@pytest.mark.parametrize(
    "argv,message",
    [
        (["plan", "van", "--radius", "-5"], "radius"),
        (["plan", "van", "--k", "100000"], "between 1 and 20"),  # one limits table for every face
        (["plan", "patrol", "--cell", "0"], "cell"),
        (["hotspots", "--from", "01/01/2030", "--to", "31/01/2030"], "no incidents match"),
        (["hotspots", "--hours", "20-04"], "no incidents match"),  # data.police.uk has no times
        (["hotspots", "--method", "dbscan", "--eps", "-3"], "eps"),
        (["hotspots", "--method", "gistar", "--bandwidth", "100"], "does not apply"),
        (["evaluate", "--from", "01/02/2017", "--to", "31/03/2017"], "needs at least"),
        (["hotspots", "--out", "x.shp"], "unknown output format"),
    ],
)
def test_bad_input_exits_2_with_one_line(store, argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    verb = argv[:2] if argv[0] == "plan" else argv[:1]
    assert main([*verb, *store, *argv[len(verb) :]]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
