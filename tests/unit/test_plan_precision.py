"""Rows placed at a postcode centroid are left out of van siting and patrol cells unless asked for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from service.briefing import run_briefing
from service.plan import PlanOptions, centroid_places, run_plan
from service.source import Source
from tests.planted_centroids import N_CENTROID, N_POINT, POINT, build_store, centroid


@pytest.fixture(scope="module")
def source(tmp_path_factory, district) -> Source:
    folder = tmp_path_factory.mktemp("precision")
    return Source.build(build_store(folder, district), district.folder)


def test_van_sites_leave_out_centroid_rows_and_say_how_many(source):
    run = run_plan(source, PlanOptions(k=2, radius=100, fixed_cctv=False))
    assert run.centroid_rows == N_CENTROID and run.n_selected == N_POINT
    assert run.notes[0].startswith(
        f"{N_CENTROID} of {N_CENTROID + N_POINT} selected incidents are placed at a postcode"
    )
    table = run.result.table
    assert len(table) == 1  # nothing left to cover once the point street has its site
    assert abs(table["easting"].iloc[0] - POINT[0]) < 100 and abs(table["northing"].iloc[0] - POINT[1]) < 100


def test_opting_in_sites_a_van_on_the_centroid_and_labels_its_precision(source):
    run = run_plan(source, PlanOptions(k=2, radius=100, fixed_cctv=False, centroids=True))
    assert run.centroid_rows == 0 and run.n_selected == N_CENTROID + N_POINT
    e, n = centroid()
    top = run.result.table.iloc[0]
    assert abs(top["easting"] - e) < 100 and abs(top["northing"] - n) < 100
    assert any("precision: postcode centroid" in note for note in run.notes)


def test_patrol_cells_leave_them_out_too(source):
    run = run_plan(source, PlanOptions(mode="patrol", cell=150, n=3))
    assert run.centroid_rows == N_CENTROID
    e, n = centroid()
    for cell in run.result.table.geometry:
        assert not cell.buffer(1).contains(shapely.Point(e, n))


def test_the_option_round_trips_and_the_briefing_says_how_many(source):
    options = PlanOptions.from_params({"centroids": "true", "k": "2"})
    assert options.centroids and PlanOptions.from_params(options.to_params()) == options
    page = run_briefing(source, PlanOptions(k=2, fixed_cctv=False))
    assert f"{N_CENTROID} of {N_CENTROID + N_POINT} selected incidents are placed at a postcode centroid" in page.html
    opted = run_briefing(source, PlanOptions(k=2, fixed_cctv=False, centroids=True))
    assert "precision: postcode centroid" in opted.html


def test_the_map_gets_one_place_per_centroid_with_its_count(source):
    from geo.selection import Selection

    places = centroid_places(source.query(Selection()).incidents)
    assert list(places.columns) == ["longitude", "latitude", "incidents", "types"]
    assert len(places) == 1 and int(places["incidents"].iloc[0]) == N_CENTROID
    assert places["types"].iloc[0] == "Anti-social behaviour"
    assert -1.4 < places["longitude"].iloc[0] < -1.2 and 51.0 < places["latitude"].iloc[0] < 51.1


def test_the_maps_points_mark_those_at_a_postcode_centroid(source):
    from pyproj import Transformer

    from geo.selection import Selection
    from service.incidents import IncidentsOptions, run_incidents

    layer = run_incidents(source, IncidentsOptions(Selection()))
    assert len(layer.at_postcode) == len(layer.longitude) == N_CENTROID + N_POINT
    assert int(layer.at_postcode.sum()) == N_CENTROID
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(*centroid())
    marked = np.c_[layer.longitude[layer.at_postcode], layer.latitude[layer.at_postcode]]
    assert np.abs(marked - [lon, lat]).max() < 1e-5


def test_the_maps_centroid_places_are_counted_in_the_database_as_from_the_rows(source):
    from geo.selection import Selection
    from service.plan import run_centroid_places

    for sel in (Selection(), Selection(days=(4, 5)), Selection(crime_types=("Burglary",))):
        expected = centroid_places(source.open_store().query(sel).incidents)
        got = run_centroid_places(source, sel)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_index_type=False)
