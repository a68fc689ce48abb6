"""The map's postcode-centroid box: what the hotspot callbacks ask the service for, on a planted store."""

from __future__ import annotations

import pytest

from dashboard.components import hotspot_size as hs
from geo.selection import Selection
from service.hotspots import HotspotsOptions, run_hotspots
from service.source import Source
from tests.planted_centroids import N_CENTROID, N_POINT, POINT, build_store, centroid


@pytest.fixture(scope="module")
def source(tmp_path_factory, district) -> Source:
    return Source.build(build_store(tmp_path_factory.mktemp("map-centroids"), district), district.folder)


def _dbscan(choices: dict | None) -> HotspotsOptions:
    return hs.with_choices(HotspotsOptions(Selection(), "dbscan", eps=50, min_samples=5), choices)


def test_unticked_the_clusters_leave_the_centroid_rows_out_and_say_how_many(source):
    found = run_hotspots(source, _dbscan({"size": "1", "centroids": False}))
    assert found.options.centroids is None
    assert list(found.polygons["count"]) == [N_POINT]
    centre = found.polygons.iloc[0]
    assert abs(centre["centre_easting"] - POINT[0]) < 20 and abs(centre["centre_northing"] - POINT[1]) < 20
    said = [w for w in found.result.warnings if "postcode centroid" in w]
    assert said and said[0].startswith(f"{N_CENTROID} of {N_CENTROID + N_POINT} incidents")


def test_ticked_the_centroid_rows_make_the_first_hotspot(source):
    found = run_hotspots(source, _dbscan({"size": "1", "centroids": True}))
    assert found.options.centroids is True
    assert list(found.polygons["count"]) == [N_CENTROID, N_POINT]
    e, n = centroid()
    top = found.polygons.iloc[0]
    assert abs(top["centre_easting"] - e) < 1 and abs(top["centre_northing"] - n) < 1
    assert not [w for w in found.result.warnings if "postcode centroid" in w]


def test_the_box_means_nothing_to_methods_that_draw_cells():
    options = hs.with_choices(HotspotsOptions(Selection(), "auto"), {"size": "top3", "centroids": True})
    assert options.centroids is None and options.max_hotspots == 3


def test_the_url_parameters_give_the_store_values():
    assert hs.choices_data("top5", "true") == {"size": "top5", "centroids": True}
    assert hs.choices_data(None, None) == {"size": hs.DEFAULT_SIZE, "centroids": False}
    assert hs.choices_data("nonsense", "yes") == {"size": hs.DEFAULT_SIZE, "centroids": False}
