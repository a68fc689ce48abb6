"""Public access: anonymous aggregates only, suppressed below the threshold, sensitive incidents removed.

The planted store (tests/security/conftest.py) adds, through the real ingest, in March 2008: 40
public-order rows, 9 sexual offences (force code VIO-SEX) and 3 thefts flagged domestic abuse in St
Bartholomew, 6 sexual offences and 8 public-order rows flagged domestic abuse in Sparsholt, and rows
in St Michael.  The demo extract's own VIO-SEX rows are sensitive too: the expected counts leave them
out by their URNs, read from the extract itself.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geo.params import selection_from_mapping
from tests.security.conftest import HOSTILE, PLANTED, PLANTED_MONTH, SECRET, WINCHESTER, callback_body

MONTH_PARAMS = "from=2008-03-01&to=2008-03-31&night_cutoff=off"  # the calendar month, as the page counts


def _demo_ward_counts(demo_store) -> dict[str, int]:
    """Incidents per ward in the planted month in the demo data alone, without its sexual offences.

    Those are the extract's rows with the force code VIO-SEX, found from the file (not the store's flag).
    """
    extract = pd.read_csv(WINCHESTER / "demo" / "force_extract_synthetic.csv", dtype=str)
    sexual = set(extract.loc[extract["HO_CODE"] == "VIO-SEX", "URN"])
    sel = selection_from_mapping({"from": "2008-03-01", "to": "2008-03-31", "night_cutoff": "off"})
    rows = demo_store.query(sel).incidents
    return rows.loc[~rows["incident_id"].isin(sexual), "ward_name"].value_counts().to_dict()


@pytest.fixture()
def visitor(public_app):
    """An anonymous client that has opened the Public view (it holds the CSRF cookie)."""
    client = public_app.server.test_client()
    page = client.get("/public")
    assert page.status_code == 200
    return client


def _post_callback(client, app, first_output: str, values: dict):
    headers = {"X-CSRFToken": client.get_cookie("hotspots_csrf").value}
    return client.post("/_dash-update-component", json=callback_body(app, first_output, values), headers=headers)


def test_public_counts_api_known_answers(visitor, demo_store):
    demo = _demo_ward_counts(demo_store)
    assert demo["Upper Meon Valley"] == 4  # the data this test relies on
    body = visitor.get(f"/api/public/counts?by=ward&{MONTH_PARAMS}").get_json()
    counts = {r["area"]: r["count"] for r in body["counts"]}
    assert counts["St Bartholomew"] == demo["St Bartholomew"] + 40  # 9 sexual offences, 3 domestic removed
    assert counts["Sparsholt"] == demo["Sparsholt"]  # its 6 sexual offences and 8 domestic-abuse rows removed
    assert counts["Upper Meon Valley"] is None  # 4 < 5: withheld
    for ward, n in demo.items():
        if ward not in ("St Bartholomew", "St Michael"):
            assert counts[ward] == (n if n >= 5 else None), ward
    assert "below 5" in body["notice"] and "Sexual offences" in body["notice"]
    assert "VIO-SEX" in body["notice"] and "incidents flagged domestic abuse" in body["notice"]
    assert "coordinates" not in json.dumps(body) and SECRET not in json.dumps(body)


def _planted_public(ward: str) -> int:
    """Planted rows of ``ward`` a public count keeps: neither the code VIO-SEX nor a true Domestic flag."""
    groups = PLANTED.get(ward, [])
    return sum(n for n, code, _, domestic in groups if code != "VIO-SEX" and domestic not in ("yes", "1"))


def test_public_counts_of_every_ward_leave_out_exactly_the_sensitive_rows(visitor, demo_store):
    demo = _demo_ward_counts(demo_store)
    body = visitor.get(f"/api/public/counts?by=ward&{MONTH_PARAMS}").get_json()
    counts = {r["area"]: r["count"] for r in body["counts"]}
    expected = {ward: demo.get(ward, 0) + _planted_public(ward) for ward in set(demo) | set(PLANTED)}
    assert _planted_public("St Michael") == 45 and _planted_public("Sparsholt") == 0
    assert counts == {ward: (n if n >= 5 else None) for ward, n in expected.items() if n > 0}


def test_public_page_callback_shows_suppressed_counts_only(visitor, public_app, demo_store):
    demo = _demo_ward_counts(demo_store)
    resp = _post_callback(
        visitor, public_app, "pub-summary.children", {"pub-by.value": "ward", "pub-month.value": PLANTED_MONTH}
    )
    assert resp.status_code == 200, resp.text[:300]
    text = resp.get_data(as_text=True)
    table = json.dumps(resp.get_json()["response"]["pub-table"])
    assert '"Upper Meon Valley"' in table and '"fewer than 5"' in table
    assert f'"{demo["St Bartholomew"] + 40}"' in table
    for leak in (SECRET, HOSTILE, "coordinates", "easting", "latitude", "incident_id"):
        assert leak not in text, leak


def test_public_page_layout_has_the_notice(visitor, public_app):
    values = {"_pages_location.pathname": "/public", "_pages_location.search": "", "_pages_location.hash": ""}
    resp = _post_callback(visitor, public_app, "_pages_content.children", values)
    assert resp.status_code == 200, resp.text[:300]
    text = resp.get_data(as_text=True)
    assert '"pub-notice"' in text and "fewer than 5" in text and "Sexual offences" in text and "are removed" in text


@pytest.mark.parametrize(
    "path", [f"/api/incidents?{MONTH_PARAMS}", f"/api/hotspots?{MONTH_PARAMS}", "/api/plan", "/api/nte", "/api/targets"]
)
def test_anonymous_is_refused_the_api(visitor, path):
    resp = visitor.get(path)
    assert resp.status_code == 401
    assert set(resp.get_json()) == {"error"}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/deployment",
        "/sectors",
        "/nte",
        "/repeats",
        "/data",
        "/assess",
        "/briefing",
        "/report.pdf",
        "/admin/audit",
        "/account",
    ],
)
def test_anonymous_is_sent_to_log_in_for_every_other_page(visitor, path):
    resp = visitor.get(path)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "output", ["map-table.rowData", "map-hotspots.data", "dep-map.children", "sec-table.children", "nte-heatmap.figure",
               "rp-gini.children", "as-result.children", "tg-body.children", "data-report.children"]
)  # fmt: skip
def test_anonymous_is_refused_other_callbacks(visitor, output):
    cid, prop = output.split(".")
    body = {"output": output, "outputs": {"id": cid, "property": prop}, "inputs": [], "changedPropIds": []}
    headers = {"X-CSRFToken": visitor.get_cookie("hotspots_csrf").value}
    resp = visitor.post("/_dash-update-component", json=body, headers=headers)
    assert resp.status_code == 403, resp.text[:200]
    assert set(resp.get_json()) == {"error"}


def test_pages_router_refuses_other_pages_to_anonymous(visitor, public_app):
    values = {"_pages_location.pathname": "/", "_pages_location.search": "", "_pages_location.hash": ""}
    resp = _post_callback(visitor, public_app, "_pages_content.children", values)
    text = resp.get_data(as_text=True)
    assert "needs a login" in text
    assert "map-incidents" not in text and "hotspot" not in text.lower()


def test_public_off_refuses_the_page_and_its_data(anon, secure_app):
    assert anon.get("/public").status_code == 302
    assert anon.get("/public").headers["Location"].startswith("/login?next=")
    assert anon.get("/api/public/counts?by=sector").status_code == 401
    resp = anon.post("/_dash-update-component", json=callback_body(secure_app, "pub-summary.children", {}))
    assert resp.status_code in (400, 401)  # no session: the CSRF check or the login check refuses it
    assert "fewer than" not in resp.get_data(as_text=True)


def test_public_off_preview_for_logged_in_users(logged_in):
    client = logged_in("partnership")
    assert client.get("/public").status_code == 200
