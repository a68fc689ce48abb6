"""Hostile text stored through the real ingest is inert in every output that shows it.

The planted store (tests/security/conftest.py) holds, in March 2008, 40 rows whose location is an
``<img onerror>`` script at one St Bartholomew spot, 15 more at St Michael whose Home Office
category is markup, 30 whose location is a spreadsheet formula, and a licensed premises whose name is
a script; the rows were ingested from a file whose name is a script.  Each test asks the real app for
an output (a page callback, a route, a download) as an analyst and checks two things: the hostile text
reached the output (so the test is not vacuous), and wherever it sits in HTML (Leaflet tooltips, the
briefing, the report, the plain pages) it is escaped.  Dash components and AG Grid cells render
strings as text, so there a raw string is safe; everywhere else it must not appear raw.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess

import geobuf
import pandas as pd
import pytest

from render.safe import FORMULA_STARTS, escape_html
from service.assess import quarterly_report
from service.source import Source
from tests.security.conftest import (
    FORMULA,
    HOSTILE,
    HOSTILE_FILE,
    HOSTILE_HO,
    HOSTILE_PREMISES,
    callback_body,
    log_in,
    password_of,
    planted_csv,
)

#: Markup from the planted rows that would run (or inject) if placed in HTML unescaped.
MARKUP = ("<img", "<script", "<b onmouseover")
#: Seen in a hostile text, raw or escaped: proves the text reached the output.
TRACE = "img src=x onerror"
SEL = {"from": "2008-03-01", "to": "2008-03-31"}
QUERY = "from=2008-03-01&to=2008-03-31"
#: Where a browser parses a string of a Dash answer as HTML.
HTML_PROPS = {"tooltip", "popup", "html", "srcDoc", "dangerouslySetInnerHTML"}


def _decode_geobuf(text: str) -> dict | None:
    try:
        return geobuf.decode(base64.b64decode(text, validate=True))
    except Exception:
        return None


def raw_markup_places(obj, path=()):
    """Paths of strings holding raw markup where the browser parses HTML (geobuf layers decoded).

    Those are a Leaflet layer's ``tooltip``/``popup`` feature properties (dash-leaflet binds them as
    HTML), ``html``/``srcDoc`` props and a Markdown component that allows HTML; every other string of
    a Dash answer is rendered by React as text.
    """
    if isinstance(obj, str):
        keys = [p for p in path if isinstance(p, str)]
        if any(m in obj for m in MARKUP) and keys and keys[-1] in HTML_PROPS:
            yield path
        elif path and path[-1] == "data" and len(obj) > 16:
            decoded = _decode_geobuf(obj)
            if decoded:
                yield from raw_markup_places(decoded, (*path, "geobuf"))
    elif isinstance(obj, dict):
        props = obj.get("props") if obj.get("type") == "Markdown" else None
        if isinstance(props, dict) and props.get("dangerously_allow_html"):
            if any(m in _all_text(props.get("children")) for m in MARKUP):
                yield (*path, "Markdown")
        for k, v in obj.items():
            yield from raw_markup_places(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from raw_markup_places(v, (*path, i))


def _all_text(obj) -> str:
    """Every string of an answer, geobuf layers decoded."""
    out = []

    def walk(o, key=None):
        if isinstance(o, str):
            out.append(o)
            if key == "data" and len(o) > 16 and (d := _decode_geobuf(o)):
                walk(d)
        elif isinstance(o, dict):
            for k, v in o.items():
                walk(v, k)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(obj)
    return "\n".join(out)


def assert_html_escaped(html: str) -> None:
    """A whole HTML document: the hostile text is there, escaped, and no planted markup is raw."""
    assert TRACE in html
    for m in MARKUP:
        assert m not in html, m


@pytest.fixture(scope="module")
def analyst(public_app):
    client = public_app.server.test_client()
    assert log_in(client, "analyst1", password_of("analyst")).status_code == 302
    client.get("/sectors")
    client.headers = {"X-CSRFToken": client.get_cookie("hotspots_csrf").value}
    return client


def run(client, app, output: str, values: dict, trigger: str | None = None) -> dict:
    """The answer of the callback that writes ``output`` ("id.prop"), as the browser would ask for it."""
    key = next(k for k in app.callback_map if output in k.strip(".").split("..."))
    first = key.strip(".").split("...")[0].split("@")[0]
    body = callback_body(app, first, values)
    if trigger:
        body["changedPropIds"] = [trigger]
    resp = client.post("/_dash-update-component", json=body, headers=client.headers)
    assert resp.status_code == 200, resp.text[:300]
    return resp.get_json()["response"]


def test_map_hotspot_layer_table_and_details(analyst, public_app):
    done = {"map-incidents-done.data": SEL, "map-method.value": "dbscan", "map-top.value": "all"}
    layer = run(analyst, public_app, "map-hotspots.data", done)
    table = run(analyst, public_app, "map-table.rowData", {"map-hotspot-count.children": "x", **done})
    rows = table["map-table"]["rowData"]
    ranks = [r["rank"] for r in rows if r.get("street") == HOSTILE]
    assert ranks, "the planted cluster is a hotspot named by its location"
    values = {"map-selected.data": {"rank": ranks[0]}, "selection.data": SEL, "map-method.value": "dbscan"}
    details = run(analyst, public_app, "map-details-body.children", values)
    assert TRACE in _all_text(details)
    for answer in (layer, table, details):
        assert list(raw_markup_places(answer)) == []


def test_map_page_premises_tooltips(analyst, public_app):
    values = {"_pages_location.pathname": "/", "_pages_location.search": f"?{QUERY}", "_pages_location.hash": ""}
    page = run(analyst, public_app, "_pages_content.children", values)
    text = _all_text(page)
    assert escape_html(HOSTILE_PREMISES) in text  # the premises layer's tooltip, escaped
    places = list(raw_markup_places(page))
    assert places == [], [(p, _at(page, p)) for p in places]


def test_repeat_tables_and_markers(analyst, public_app):
    answer = run(analyst, public_app, "rp-grid.rowData", {"selection.data": SEL})
    assert HOSTILE in [r.get("location") for r in answer["rp-grid"]["rowData"]]
    assert TRACE in _all_text(answer.get("rp-map-layer", {}))
    assert list(raw_markup_places(answer)) == []


@pytest.mark.parametrize("mode", ["van", "patrol"])
def test_van_site_and_patrol_tooltips(analyst, public_app, mode):
    values = {"selection.data": SEL, "dep-mode.value": mode, "dep-k.value": 5, "dep-radius.value": 100}
    values |= {"dep-cell.value": 100, "dep-n.value": 5}
    answer = run(analyst, public_app, "dep-areas.data", values)
    tips = " ".join(f["properties"]["tooltip"] for f in answer["dep-areas"]["data"]["features"])
    assert escape_html(HOSTILE) in tips or escape_html(FORMULA) in tips
    assert list(raw_markup_places(answer)) == []


def test_briefing(analyst):
    resp = analyst.get(f"/briefing?{QUERY}&k=5")
    assert resp.status_code == 200
    assert_html_escaped(resp.get_data(as_text=True))


def test_data_page_file_names_and_audit_page(analyst, public_app):
    content = base64.b64encode(planted_csv_bytes(public_app)).decode()
    values = {"data-upload.contents": f"data:text/csv;base64,{content}", "data-upload.filename": HOSTILE_FILE}
    answer = run(analyst, public_app, "data-report.children", values)
    assert "onerror=alert(4)" in _all_text(answer)  # the file name is shown (as text)
    assert list(raw_markup_places(answer)) == []
    audit = analyst.get("/admin/audit").get_data(as_text=True)
    assert escape_html(HOSTILE_FILE) in audit and "<img src=x onerror=alert(4)>" not in audit


def planted_csv_bytes(app) -> bytes:
    """The planted file again (its rows are duplicates now: the store does not change)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        return planted_csv(Path(tmp) / "again.csv").read_bytes()


def test_assess_page_and_quarterly_report(analyst, public_app, planted_district):
    recorded = run(
        analyst,
        public_app,
        "dep-record-msg.children",
        {"url.search": f"?{QUERY}&k=3", "dep-record-who.value": HOSTILE, "dep-record.n_clicks": 1},
        trigger="dep-record.n_clicks",
    )
    assert "Recorded deployment" in json.dumps(recorded)
    values = {"_pages_location.pathname": "/assess", "_pages_location.search": "", "_pages_location.hash": ""}
    page = run(analyst, public_app, "_pages_content.children", values)
    assert TRACE in _all_text(page)  # the deployment log names who recorded it
    assert list(raw_markup_places(page)) == []
    store = public_app.server.config["HOTSPOTS"].store_path
    report = quarterly_report(Source(store, str(planted_district.folder)), "2007/08 Q4")
    assert escape_html(HOSTILE_HO) in report.html and HOSTILE_HO not in report.html
    text = subprocess.run(["pdftotext", "-", "-"], input=report.pdf, capture_output=True, check=True).stdout
    # escaped markup prints as its literal text; unescaped it would have vanished into a tag
    assert b"<b onmouseover=alert(3)>Hostile" in text


def test_hotspot_csv_and_geojson_exports(analyst, public_app):
    for fmt in ("csv", "geojson"):
        values = {"selection.data": SEL, "map-method.value": "dbscan", f"map-dl-{fmt}.n_clicks": 1}
        data = run(analyst, public_app, "map-download.data", values, trigger=f"map-dl-{fmt}.n_clicks")["map-download"]
        if fmt == "csv":
            frame = pd.read_csv(io.StringIO(data["data"]["content"]), dtype=str, keep_default_na=False)
            assert "'" + FORMULA in frame["street"].tolist()
            cells = frame.to_numpy().ravel().tolist()
            assert not [c for c in cells if c.startswith(FORMULA_STARTS) and not _number(c)]
        else:
            streets = {f["properties"].get("street") for f in json.loads(data["data"]["content"])["features"]}
            assert HOSTILE in streets  # data kept as data in JSON (served as GeoJSON, never as HTML)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_api_incidents_keeps_text_as_json_data(analyst):
    resp = analyst.get(f"/api/incidents?{QUERY}")
    assert resp.mimetype == "application/geo+json" and resp.headers["X-Content-Type-Options"] == "nosniff"
    locations = {f["properties"]["location"] for f in resp.get_json()["features"]}
    assert {HOSTILE, FORMULA} <= locations
    assert HOSTILE_HO in {f["properties"]["ho_category"] for f in resp.get_json()["features"]}


def test_crime_types_are_a_closed_list(planted_district, tmp_path):
    """A crime type outside the data.police.uk categories is refused by the config, so none is markup."""
    from geo.config import ConfigError, load_district

    folder = tmp_path / "district"
    shutil.copytree(planted_district.folder, folder)
    with (folder / "crime_codes.csv").open("a", encoding="utf-8") as fh:
        fh.write('XSS-1,x,"<script>alert(1)</script>",\n')
    with pytest.raises(ConfigError, match="crime_type not a data.police.uk category"):
        _ = load_district(folder).crime_codes


def _at(obj, path):
    for p in path:
        obj = obj[p] if p != "geobuf" else _decode_geobuf(obj)
    return str(obj)[:200], path[-6:]
