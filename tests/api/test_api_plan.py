"""/api/plan (GeoJSON van sites and patrol cells) and the printable /briefing route."""

from __future__ import annotations

import pytest

from geo.deploy import plan_patrols, plan_van_sites
from geo.params import selection_from_mapping
from geo.selection import filter_frame

WEEKENDS = "from=2007-06-01&to=2007-08-31&days=fri,sat&hours=20-04"


def _collection(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/geo+json"
    gj = resp.get_json(force=True)
    assert gj["type"] == "FeatureCollection"
    return gj


def test_van_sites_match_the_library(client, demo_incidents, district):
    gj = _collection(client.get(f"/api/plan?{WEEKENDS}&k=3&radius=120"))
    sel = selection_from_mapping({"from": "2007-06-01", "to": "2007-08-31", "days": "fri,sat", "hours": "20-04"})
    expected = plan_van_sites(filter_frame(demo_incidents, sel), 3, 120.0, district=district)
    feats = gj["features"]
    assert [f["properties"]["rank"] for f in feats] == [1, 2, 3]
    assert [f["properties"]["incidents_covered"] for f in feats] == expected.table["incidents_covered"].tolist()
    f = feats[0]
    assert f["geometry"]["type"] == "Point"
    lon, lat = f["geometry"]["coordinates"]
    assert -1.7 < lon < -0.9 and 50.8 < lat < 51.3  # WGS84, not BNG metres
    assert f["properties"]["longitude"] == pytest.approx(lon, abs=1e-5)
    assert f["properties"]["radius_m"] == 120
    props = gj["properties"]
    assert props["mode"] == "van" and props["options"]["k"] == 3
    assert props["params"]["covered_total"] == expected.params["covered_total"]
    assert props["n_incidents"] == expected.n_incidents
    assert "Fri/Sat" in props["selection"] and "3 van sites of 120 m" in props["summary"]
    assert any("synthetic" in n for n in props["notes"])


def test_patrol_cells(client, demo_incidents):
    gj = _collection(client.get(f"/api/plan?{WEEKENDS}&mode=patrol&n=4&cell=200"))
    feats = gj["features"]
    assert len(feats) == 4 and feats[0]["geometry"]["type"] == "Polygon"
    sel = selection_from_mapping({"from": "2007-06-01", "to": "2007-08-31", "days": "fri,sat", "hours": "20-04"})
    expected = plan_patrols(filter_frame(demo_incidents, sel), 200.0, 4)
    assert [f["properties"]["count"] for f in feats] == expected.table["count"].tolist()
    assert feats[0]["properties"]["best_window"] and "15 min" in feats[0]["properties"]["suggested_visit"]


def test_month_only_records_warn_about_peak_hours(client):
    gj = _collection(client.get("/api/plan?from=2017-06-01&to=2017-06-30&k=2"))
    assert len(gj["features"]) == 2
    assert any("time of day" in w for w in gj["properties"]["warnings"])
    assert gj["features"][0]["properties"]["peak_hours"] == ""


def test_empty_selection_is_an_empty_collection(client):
    gj = _collection(client.get("/api/plan?crime=Robbery&from=2010-01-01&to=2010-01-02"))
    assert gj["features"] == [] and gj["properties"]["n_incidents"] == 0
    assert gj["properties"]["warnings"] == ["no incidents match the selection"]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("radius=-5", "camera radius"),
        ("k=50", "between 1 and 20"),
        ("k=2.5", "whole number"),
        ("k=abc", "must be a number"),
        ("mode=boat", "mode"),
        ("sites=3", "unknown parameter"),
    ],
)
def test_bad_parameters_are_json_400(client, query, words):
    resp = client.get(f"/api/plan?{query}")
    assert resp.status_code == 400 and resp.is_json
    assert words in resp.get_json()["error"]


def test_more_sites_than_places_is_a_shorter_plan_with_a_note(client, demo_incidents, district):
    """K=20 over a month of robbery: the planner never invents a site, it says how many it found."""
    gj = _collection(client.get("/api/plan?crime=Robbery&from=2007-06-01&to=2007-06-30&k=20"))
    sel = selection_from_mapping({"crime": "Robbery", "from": "2007-06-01", "to": "2007-06-30"})
    expected = plan_van_sites(filter_frame(demo_incidents, sel), 20, 100.0, district=district)
    found = len(expected.table)
    assert 0 < found < 20
    assert len(gj["features"]) == found
    assert f"{found} van sites suggested, not 20" in " ".join(gj["properties"]["notes"])
    assert [f["properties"]["too_few"] for f in gj["features"]] == expected.table["too_few"].tolist()


def test_briefing_route(client):
    resp = client.get(f"/briefing?{WEEKENDS}&k=3")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert "<svg" in page and page.count('<g class="site"') >= 3
    assert 'id="plan-table"' in page and "01/06/2007 to 31/08/2007" in page
    assert "synthetic demo data" in page
    bad = client.get("/briefing?k=0")
    assert bad.status_code == 400 and "between 1 and 20" in bad.get_data(as_text=True)
