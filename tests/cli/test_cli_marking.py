"""Files the CLI writes carry the district's protective marking, as the dashboard's downloads do."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.config import DEFAULT_DISTRICT
from hotspots_cli.main import main
from render.report_pdf import protective_marking


def test_csv_and_geojson_outputs_are_marked(demo_store, tmp_path, capsys):
    marking = protective_marking(DEFAULT_DISTRICT)
    assert marking == "OFFICIAL-SENSITIVE"  # the bundled district's [privacy] marking
    table = tmp_path / "nte.csv"
    assert main(["nte", "--store", str(demo_store.path), "--out", str(table)]) == 0
    df = pd.read_csv(table)
    assert len(df) > 0 and set(df["protective_marking"]) == {marking}
    polygons = tmp_path / "hotspots.geojson"
    assert main(["hotspots", "--store", str(demo_store.path), "--out", str(polygons)]) == 0
    gdf = gpd.read_file(polygons)
    assert len(gdf) > 0 and set(gdf["marking"]) == {marking}
