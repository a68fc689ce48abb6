"""The /api endpoints: GeoJSON QGIS can load, the CLI's selection parameters, JSON 4xx errors."""

from __future__ import annotations

import pytest

from geo.params import selection_from_mapping
from geo.selection import filter_frame


def _features(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/geo+json"
    gj = resp.get_json(force=True)
    assert gj["type"] == "FeatureCollection"
    return gj["features"]


def test_incidents_geojson_shape_and_counts(client, demo_incidents):
    resp = client.get("/api/incidents?crime=Burglary&sector=Winchester Town&from=01/04/2006&to=31/03/2007")
    feats = _features(resp)
    expected = filter_frame(
        demo_incidents,
        selection_from_mapping(
            {"crime": "Burglary", "sector": "Winchester Town", "from": "01/04/2006", "to": "31/03/2007"}
        ),
    ).incidents
    assert len(feats) == len(expected) > 0
    assert int(resp.headers["X-Selected-Count"]) == len(expected)
    f = feats[0]
    assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
    lon, lat = f["geometry"]["coordinates"]
    # WGS84 longitude/latitude around Winchester, not BNG metres
    assert -1.7 < lon < -0.9 and 50.8 < lat < 51.3
    props = f["properties"]
    assert props["crime_type"] == "Burglary" and props["sector"] == "Winchester Town"
    assert props["occurred_from"].startswith("200") and props["occurred_from"][-6] in "+-"
    assert isinstance(props["synthetic"], bool)


def test_repeated_and_comma_parameters_match(client):
    a = _features(client.get("/api/incidents?crime=Robbery&crime=Drugs&days=fri,sat&hours=20-04"))
    b = _features(client.get("/api/incidents?crime=Robbery&crime=Drugs&days=fri&days=sat&hours=20-04"))
    assert len(a) == len(b) > 0
    assert {f["properties"]["crime_type"] for f in a} == {"Robbery", "Drugs"}


def test_zone_and_limit(client, demo_incidents):
    feats = _features(client.get("/api/incidents?zone=2005&limit=25"))
    assert len(feats) == 25
    assert all(f["properties"]["in_zone_2005"] for f in feats)
    outside = _features(client.get("/api/incidents?zone=out:2005&crime=Drugs"))
    assert outside and not any(f["properties"]["in_zone_2005"] for f in outside)


def test_empty_selection_is_an_empty_collection(client):
    feats = _features(client.get("/api/incidents?crime=Robbery&from=01/01/2010&to=02/01/2010"))
    assert feats == []


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("from=32/01/2005", "from"),
        ("crime=Jaywalking", "unknown crime type"),
        ("hours=25-3", "hour"),
        ("days=funday", "day"),
        ("from=01/02/2007&to=01/01/2007", "reversed"),
        ("zone=1999", "zone"),
        ("form=01/01/2007", "unknown parameter"),
        ("limit=-3", "limit"),
        ("night_cutoff=late", "cut-off"),
    ],
)
def test_bad_parameters_are_json_400(client, query, needle):
    resp = client.get(f"/api/incidents?{query}")
    assert resp.status_code == 400
    body = resp.get_json()
    assert set(body) == {"error"}
    assert needle.lower() in body["error"].lower()
    assert "Traceback" not in body["error"]


def test_hotspots_geojson(client):
    resp = client.get("/api/hotspots?crime=Violence and sexual offences&zone=2007&method=kde")
    feats = _features(resp)
    gj = resp.get_json(force=True)
    assert feats and gj["properties"]["method"] == "kde" and gj["properties"]["n_incidents"] > 0
    ranks = [f["properties"]["rank"] for f in feats]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert feats[0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert client.get("/api/hotspots?method=voodoo").status_code == 400


@pytest.mark.parametrize("path", ["/api/plan", "/api/nte", "/api/targets"])
def test_analysis_endpoints_answer_json_with_defaults(client, path):
    resp = client.get(path)
    assert resp.status_code == 200
    assert resp.is_json


def test_unknown_endpoint_is_json_404(client):
    resp = client.get("/api/nothing-here")
    assert resp.status_code == 404 and "error" in resp.get_json()


def test_missing_store_is_a_json_503(tmp_path, demo_store):
    from dashboard.app import create_app

    app = create_app(tmp_path / "missing.duckdb", demo_store.district.folder)
    resp = app.server.test_client().get("/api/incidents")
    assert resp.status_code == 503
    assert "no store" in resp.get_json()["error"]
    page = app.server.test_client().get("/")
    assert page.status_code == 200
