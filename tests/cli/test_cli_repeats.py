"""The repeats and nearrepeat verbs against the demo store, in-process."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from hotspots_cli.main import main


@pytest.fixture(scope="module")
def store_args(demo_store):
    return ["--store", str(demo_store.path)]


def test_repeats_prints_shares_both_ginis_and_the_table(store_args, tmp_path, capsys):
    out = tmp_path / "repeats.csv"
    args = ["repeats", *store_args, "--crime", "Burglary", "--from", "01/01/2017", "--to", "31/12/2017"]
    assert main([*args, "--top", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Top 1%" in text and "Top 20%" in text
    assert "(naive)" in text and "corrected for small counts" in text and "Bernasco & Steenbeek 2017" in text
    assert "snap point" in text
    df = pd.read_csv(out)
    assert list(df.columns)[:5] == ["Location", "Incidents", "Crime types", "First", "Last"]
    # data.police.uk dates are months: shown as mm/yyyy, gaps in months
    assert df["First"].str.fullmatch(r"\d\d/2017").all()
    assert df["Median gap"].str.contains("month").all()
    assert (df["Incidents"].astype(int) >= 2).all() and df["Incidents"].astype(int).is_monotonic_decreasing


def test_nearrepeat_on_month_data_says_so_and_exports_zones(store_args, tmp_path, capsys):
    zones, cells = tmp_path / "zones.geojson", tmp_path / "knox.csv"
    args = ["nearrepeat", *store_args, "--from", "01/01/2017", "--to", "30/09/2017", "--permutations", "99"]
    assert main([*args, "--zones-out", str(zones), "--out", str(cells)]) == 0
    text = capsys.readouterr().out
    assert "cannot support day bands" in text and "same month" in text
    assert "tested burglary and vehicle crime" in text
    assert "same location" in text and "1–100 m" in text and "more than 500 m" in text
    assert "99 permutations" in text and "seed 0" in text
    knox = pd.read_csv(cells)
    n = int(text.split("Knox test over ")[1].split(" pairs")[0].replace(",", ""))
    assert knox["observed"].sum() == n
    assert knox["expected"].sum() == pytest.approx(n)
    back = gpd.read_file(zones)
    assert back.crs.to_epsg() == 4326
    assert {"zone_from", "zone_to", "distance_band", "time_band"} <= set(back.columns)


def test_nearrepeat_day_bands_as_given(store_args, capsys):
    args = ["nearrepeat", *store_args, "--from", "01/04/2007", "--to", "31/03/2008", "--crime", "Burglary"]
    assert main([*args, "--distance-bands", "0,100,200", "--time-bands", "0,7,14", "--permutations", "99"]) == 0
    text = capsys.readouterr().out
    assert "time unit: days" in text
    for label in ("0 days", "1–7 days", "8–14 days", "more than 14 days", "101–200 m", "more than 200 m"):
        assert label in text
    assert "tested burglary and vehicle crime" not in text


def test_bad_options_are_one_line_errors(store_args, capsys):
    assert main(["nearrepeat", *store_args, "--time-bands", "7,3"]) == 2
    assert "time bands must increase" in capsys.readouterr().err
    assert main(["nearrepeat", *store_args, "--permutations", "5"]) == 2
    assert "between 99 and 9999" in capsys.readouterr().err
    assert main(["repeats", *store_args, "--out", "x.txt"]) == 2
    assert "--out x.txt" in capsys.readouterr().err
    assert main(["repeats", *store_args, "--from", "01/01/1990", "--to", "02/01/1990"]) == 2
    assert "no incidents match" in capsys.readouterr().err
