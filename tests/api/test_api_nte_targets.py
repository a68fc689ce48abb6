"""/api/nte and /api/targets: JSON with the analysis' numbers and conventions; bad parameters are 4xx JSON."""

from __future__ import annotations

import pytest

from geo.params import selection_from_mapping
from geo.selection import filter_frame
from geo.targets import PUBLISHED_TOTAL, TOTAL_CATEGORIES
from geo.timing import nte_by_zone


def _json(resp, status=200):
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/json"
    return resp.get_json()


def test_nte_json_matches_the_analysis(client, demo_incidents, district):
    body = _json(client.get("/api/nte?from=01/04/2006&to=31/03/2008"))
    for key in ("convention", "band_rule", "bands", "by_band", "by_night", "by_hour", "hours", "nights", "premises"):
        assert key in body
    assert body["bands"] == ["Zone 2005", "Zone 2007 outside 2005", "Elsewhere"]
    assert body["hours"][0] == "18:00" and body["hours"][-1] == "05:00" and len(body["hours"]) == 12
    assert body["nights"][0] == "Monday"
    assert body["crime_types"] == ["Violence and sexual offences"]
    assert "02:00 on Saturday is Friday night" in body["convention"]
    sel = selection_from_mapping({"from": "01/04/2006", "to": "31/03/2008"})
    view = nte_by_zone(filter_frame(demo_incidents, sel).incidents, district)
    assert body["by_night"]["Total"]["Friday"] == int(view.by_night.loc["Friday", "Total"]) > 0
    m = body["by_band"]["Zone 2005"]["matrix"]
    assert len(m) == 7 and len(m[0]) == 12
    assert sum(map(sum, m)) == int(view.by_night["Zone 2005"].sum())
    prem = body["premises"]
    assert prem["radius_m"] == 50 and prem["table"][0]["rank"] == 1
    assert {"name", "incidents", "share_of_linked", "shared", "tied", "peak_night", "peak_hour", "zone"} <= set(
        prem["table"][0]
    )
    cmp = body["comparison"]
    assert cmp["current"] == ["2006-04-01", "2008-03-31"] and cmp["previous"][0] == "2005-04-01"
    assert cmp["table"][-1]["band"] == "Total" and isinstance(cmp["table"][-1]["beyond_chance"], bool)


def test_nte_options_change_the_answer(client):
    base = _json(client.get("/api/nte"))
    types = ["Violence and sexual offences", "Public order", "Anti-social behaviour"]
    query = "&".join(f"crime={t}" for t in types)
    more = _json(client.get(f"/api/nte?{query}&aoristic=true&radius=25"))
    assert more["crime_types"] == types
    assert more["measure"] == "aoristic" and base["measure"] == "count"
    assert more["in_window"] > base["in_window"]
    assert more["premises"]["radius_m"] == 25
    # a crime filter replaces the NTE types, as in `hotspots nte`
    robbery = _json(client.get("/api/nte?crime=Robbery"))
    assert robbery["crime_types"] == ["Robbery"]


def test_nte_empty_selection_says_so(client):
    body = _json(client.get("/api/nte?crime=Robbery&from=01/01/2010&to=02/01/2010"))
    assert body["in_window"] == 0 and body["premises"] is None
    assert "no timed night-time incidents" in body["message"]


def test_targets_json(client):
    body = _json(client.get("/api/targets"))
    for key in ("table", "years", "evaluated_year", "as_of", "status_rule", "rounding_rule", "totals_agree", "notes"):
        assert key in body
    cats = [r["category"] for r in body["table"]]
    assert cats[-2:] == [TOTAL_CATEGORIES, PUBLISHED_TOTAL]
    assert "Woundings (serious and other)" in cats
    assert body["evaluated_year"] == "2007/08" and body["as_of"] == "2008-03-31"
    assert body["baseline_sum"] == 3557 and body["published_total"] == 4195 and body["totals_agree"] is False
    assert body["synthetic"] is True
    wound = next(r for r in body["table"] if r["category"].startswith("Woundings"))
    assert wound["baseline"] == 412 and wound["max at 12.5%"] == 360 and wound["status"]
    q = _json(client.get("/api/targets?quarter=2006/07 Q2"))
    assert q["as_of"] == "2006-09-30" and q["evaluated_year"] == "2006/07" and q["months_elapsed"] == 6


@pytest.mark.parametrize(
    "url",
    [
        "/api/nte?radius=abc",
        "/api/nte?radius=0",
        "/api/nte?aoristic=maybe",
        "/api/nte?include=asb",  # one name for the types: the crime filter
        "/api/nte?crime=foo",
        "/api/nte?bogus=1",
        "/api/nte?from=31/02/2007",
        "/api/targets?quarter=Q9",
        "/api/targets?as_of=notadate",
        "/api/targets?quarter=2006-07-Q2&as_of=2007-01-01",
        "/api/targets?radius=50",
    ],
)
def test_bad_parameters_are_4xx_json(client, url):
    resp = client.get(url)
    assert 400 <= resp.status_code < 500
    assert resp.get_json()["error"]
