"""`hotspots plan van|patrol --centroids`: rows placed at a postcode centroid are sited on only when asked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hotspots_cli.main import main
from tests.planted_centroids import N_CENTROID, N_POINT, POINT, build_store, centroid


@pytest.fixture(scope="module")
def store(tmp_path_factory, district) -> list[str]:
    return ["--store", str(build_store(tmp_path_factory.mktemp("cli-centroids"), district))]


def _near(table: pd.DataFrame, x: float, y: float, metres: float) -> bool:
    return bool(((table["easting"] - x).abs().lt(metres) & (table["northing"] - y).abs().lt(metres)).any())


def test_plan_van_leaves_centroid_rows_out_and_says_so(store, tmp_path, capsys):
    out = tmp_path / "van.csv"
    argv = ["plan", "van", *store, "--k", "2", "--radius", "100", "--no-fixed-cctv", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert f"note: {N_CENTROID} of {N_CENTROID + N_POINT} selected incidents are placed at a postcode centroid" in text
    sites = pd.read_csv(out)
    assert len(sites) == 1 and _near(sites, *POINT, 100) and not _near(sites, *centroid(), 100)


def test_plan_van_centroids_flag_sites_on_the_centroid(store, tmp_path, capsys):
    out = tmp_path / "van.csv"
    argv = ["plan", "van", *store, "--k", "2", "--radius", "100", "--no-fixed-cctv", "--centroids", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "precision: postcode centroid" in text and "left out of siting" not in text
    sites = pd.read_csv(out)
    assert _near(sites, *centroid(), 100) and int(sites["incidents_covered"].sum()) == N_CENTROID + N_POINT


def test_plan_patrol_centroids_flag_counts_the_centroid_rows(store, tmp_path, capsys):
    without, with_ = tmp_path / "p0.csv", tmp_path / "p1.csv"
    assert main(["plan", "patrol", *store, "--cell", "150", "--n", "5", "--out", str(without)]) == 0
    assert main(["plan", "patrol", *store, "--cell", "150", "--n", "5", "--centroids", "--out", str(with_)]) == 0
    assert int(pd.read_csv(without)["count"].sum()) == N_POINT
    assert int(pd.read_csv(with_)["count"].sum()) == N_CENTROID + N_POINT


def _covers_centroid(path: Path) -> bool:
    import geopandas as gpd
    import shapely

    polys = gpd.read_file(path).to_crs(27700)
    return bool(polys.geometry.buffer(25).contains(shapely.Point(*centroid())).any())


def test_hotspots_dbscan_leaves_centroid_rows_out_unless_asked(store, tmp_path, capsys):
    out = tmp_path / "hot.geojson"
    assert main(["hotspots", *store, "--method", "dbscan", "--min-count", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    total = N_CENTROID + N_POINT
    assert f"{N_CENTROID} of {total} incidents are placed at a postcode centroid" in text
    assert f"from {N_POINT} incidents (dbscan)" in text
    assert not _covers_centroid(out)
    both = tmp_path / "both.geojson"
    argv = ["hotspots", *store, "--method", "dbscan", "--min-count", "1", "--centroids", "--out", str(both)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "postcode centroid" not in text and f"from {total} incidents (dbscan)" in text
    assert _covers_centroid(both)


def test_centroids_is_refused_for_a_method_that_does_not_cluster_points(store, capsys):
    assert main(["hotspots", *store, "--method", "kde", "--centroids"]) == 2
    assert "centroids does not apply to method 'kde'" in capsys.readouterr().err
