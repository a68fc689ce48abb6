"""Every GeoJSON route opens as a layer from its URL in GDAL (what QGIS does), with a token in the URL."""

from __future__ import annotations

import json
import urllib.request

import pyogrio
import pytest

from tests.security.conftest import MONTH

GEOJSON_ROUTES = {
    "incidents": f"/api/incidents?{MONTH}",
    "hotspots": f"/api/hotspots?{MONTH}",
    "van sites": f"/api/plan?{MONTH}",
    "patrols": f"/api/plan?{MONTH}&mode=patrol",
}


@pytest.mark.parametrize("name", list(GEOJSON_ROUTES))
def test_gdal_reads_the_route(live_url, tokens, name):
    url = f"{live_url}{GEOJSON_ROUTES[name]}&token={tokens['officer']}"
    with urllib.request.urlopen(url) as resp:
        expected = json.load(resp)["features"]
    frame = pyogrio.read_dataframe(url)
    assert len(frame) == len(expected) > 0
    assert frame.crs.to_epsg() == 4326


def test_gdal_without_a_token_gets_nothing(live_url):
    with pytest.raises(pyogrio.errors.DataSourceError):
        pyogrio.read_dataframe(f"{live_url}/api/incidents?{MONTH}")
