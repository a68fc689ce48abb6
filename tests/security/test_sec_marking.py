"""The protective marking travels with every exported file, and GIS tools and pandas still read them."""

from __future__ import annotations

import io
import json
import urllib.request

import pandas as pd
import pyogrio
import pytest

from render.geojson import mark_geojson_text
from render.safe import MARKING_COLUMN, mark_csv_text, marked_filename
from tests.security.conftest import MONTH, callback_body, csrf_header

MARKING = "OFFICIAL-SENSITIVE"
SEL = {"from": "2017-02-01", "to": "2017-02-28"}


def test_mark_csv_text_adds_a_last_column_and_keeps_every_cell():
    text = 'street,n\r\n"On or near A, B",1\r\n"two\r\nlines",-2\r\n'
    frame = pd.read_csv(io.StringIO(mark_csv_text(text, MARKING)))
    assert list(frame.columns) == ["street", "n", MARKING_COLUMN]
    assert frame["street"].tolist() == ["On or near A, B", "two\r\nlines"]
    assert frame["n"].tolist() == [1, -2]
    assert frame[MARKING_COLUMN].tolist() == [MARKING, MARKING]
    assert mark_csv_text(mark_csv_text(text, MARKING), MARKING) == mark_csv_text(text, MARKING)  # once only
    assert mark_csv_text("", MARKING) == ""


def test_marked_filename():
    assert marked_filename("hotspots-kde.csv", MARKING) == "hotspots-kde-OFFICIAL-SENSITIVE.csv"
    assert marked_filename("risk-zones.geojson", "OFFICIAL") == "risk-zones-OFFICIAL.geojson"
    assert marked_filename("plan-OFFICIAL-SENSITIVE.csv", MARKING) == "plan-OFFICIAL-SENSITIVE.csv"
    assert marked_filename("a.csv", "<x>/..") == "a-x.csv"  # no path or markup from the config


def test_mark_geojson_text_member_and_property():
    text = json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None, "properties": None}]}
    )
    marked = json.loads(mark_geojson_text(text, MARKING))
    assert marked["marking"] == MARKING
    assert marked["features"][0]["properties"] == {"marking": MARKING}
    assert mark_geojson_text("not json", MARKING) == "not json"


@pytest.mark.parametrize("route", [f"/api/incidents?{MONTH}", f"/api/hotspots?{MONTH}", f"/api/plan?{MONTH}"])
def test_api_geojson_carries_the_marking_and_gdal_reads_it(live_url, tokens, route):
    url = f"{live_url}{route}&token={tokens['officer']}"
    with urllib.request.urlopen(url) as resp:
        body = json.load(resp)
        disposition = resp.headers["Content-Disposition"]
    assert body["marking"] == MARKING
    assert {f["properties"]["marking"] for f in body["features"]} == {MARKING}
    assert MARKING in disposition and disposition.endswith('.geojson"')
    frame = pyogrio.read_dataframe(url)  # GDAL, as QGIS opens the URL
    assert len(frame) == len(body["features"]) > 0
    assert set(frame["marking"]) == {MARKING}


def _download(client, app, output: str, trigger: str, values: dict) -> dict:
    body = callback_body(app, output, values)
    body["changedPropIds"] = [trigger]
    resp = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert resp.status_code == 200, resp.text[:300]
    return resp.get_json()["response"][output.split(".")[0]]["data"]


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_map_downloads_carry_the_marking(secure_app, logged_in, tmp_path, fmt):
    client = logged_in("partnership")
    values = {"selection.data": SEL, "map-method.value": "dbscan", f"map-dl-{fmt}.n_clicks": 1}
    data = _download(client, secure_app, "map-download.data", f"map-dl-{fmt}.n_clicks", values)
    assert data["filename"] == f"hotspots-dbscan-{MARKING}.{fmt}"
    path = tmp_path / data["filename"]
    path.write_text(data["content"], encoding="utf-8")
    frame = pyogrio.read_dataframe(path)  # GDAL's CSV and GeoJSON drivers, as QGIS opens the file
    assert len(frame) > 0
    column = MARKING_COLUMN if fmt == "csv" else "marking"
    assert set(frame[column]) == {MARKING}
    if fmt == "csv":
        table = pd.read_csv(path)
        assert list(table.columns[:2]) == ["rank", "count"] and table.columns[-1] == MARKING_COLUMN
        assert len(table) == len(frame)


def test_deployment_csv_download_carries_the_marking(secure_app, logged_in):
    client = logged_in("officer")
    values = {
        "selection.data": SEL,
        "dep-csv.n_clicks": 1,
        "dep-mode.value": "van",
        "dep-k.value": 3,
        "dep-radius.value": 100,
    }
    data = _download(client, secure_app, "dep-download.data", "dep-csv.n_clicks", values)
    assert data["filename"].endswith(f"-{MARKING}.csv")
    table = pd.read_csv(io.StringIO(data["content"]))
    assert len(table) > 0 and set(table[MARKING_COLUMN]) == {MARKING}
    assert {"rank", "easting", "northing", "longitude", "latitude"} <= set(table.columns)
