"""URL state, quick picks and the point geobuf encoder behind the dashboard."""

from __future__ import annotations

import base64
from datetime import date

import geobuf
import numpy as np
import pytest

from dashboard import state
from dashboard.components.filters import expand_groups
from geo.schema import CRIME_GROUPS
from render.geobuf import encode_points, points_to_geobuf_b64


def test_url_round_trip_keeps_page_parameters():
    search = "?crime=Burglary&crime=Robbery&zone=out:2005&days=fri,sat&hours=20-04&method=gistar"
    sel, err = state.selection_from_search(search)
    assert err is None
    assert sel.crime_types == ("Burglary", "Robbery") and sel.zone == "2005" and not sel.zone_inside
    assert sel.days == (4, 5) and sel.hours == (20, 4)
    again = state.with_selection(search, sel)
    assert state.selection_from_search(again)[0] == sel
    assert state.page_param(again, "method") == "gistar"


def test_bad_url_falls_back_with_a_message():
    sel, err = state.selection_from_search("?hours=99-3")
    assert sel == state.Selection() and "hour" in err


def test_controls_round_trip():
    sel, _ = state.selection_from_search("?from=2007-04-01&to=2008-03-31&sector=Winchester Town&night_cutoff=off")
    assert state.selection_from_controls(state.controls_from_selection(sel)) == sel
    with pytest.raises(state.SelectionError):
        state.selection_from_controls({"hour_from": "20", "hour_to": ""})


def test_quick_picks_count_back_from_latest_date():
    latest = date(2008, 3, 31)  # a Monday
    assert state.quick_pick("weekend", latest) == (date(2008, 3, 28), date(2008, 3, 30))
    assert state.quick_pick("weekend", date(2008, 3, 30)) == (date(2008, 3, 28), date(2008, 3, 30))
    assert state.quick_pick("28d", latest) == (date(2008, 3, 4), latest)
    assert state.quick_pick("fy", latest) == (date(2007, 4, 1), latest)
    assert state.quick_pick("fy", date(2008, 4, 2)) == (date(2008, 4, 1), date(2008, 4, 2))
    assert state.quick_pick("prev_year", latest, (date(2007, 4, 1), latest)) == (date(2006, 4, 1), date(2007, 3, 31))
    assert state.quick_pick("all", latest) == (None, None)
    # Weekend and 28 days count back from the latest incident with a day when it is earlier.
    assert state.quick_pick("weekend", date(2022, 2, 28), latest_dated=latest) == (date(2008, 3, 28), date(2008, 3, 30))
    assert state.quick_pick("28d", date(2022, 2, 28), latest_dated=latest) == (date(2008, 3, 4), latest)
    assert state.quick_pick("fy", date(2022, 2, 28), latest_dated=latest) == (date(2021, 4, 1), date(2022, 2, 28))


def test_group_entries_expand_to_their_types():
    assert expand_groups(["group:Other", "Drugs", "Burglary"]) == ["Drugs", "Other crime", "Burglary"]
    assert set(expand_groups(["group:Acquisitive crime"])) == set(CRIME_GROUPS["Acquisitive crime"])


def test_geobuf_points_decode_to_the_same_points():
    rng = np.random.default_rng(1)
    lon = -1.3 + rng.normal(0, 0.05, 500)
    lat = 51.0 + rng.normal(0, 0.05, 500)
    decoded = geobuf.decode(encode_points(lon, lat))
    coords = np.array([f["geometry"]["coordinates"] for f in decoded["features"]])
    assert coords.shape == (500, 2)
    assert np.abs(coords[:, 0] - lon).max() < 1e-6 and np.abs(coords[:, 1] - lat).max() < 1e-6
    assert geobuf.decode(base64.b64decode(points_to_geobuf_b64([], [])))["features"] == []


def test_geobuf_points_carry_the_postcode_flag_where_set():
    lon, lat = np.array([-1.31, -1.32, -1.33]), np.array([51.06, 51.07, 51.08])
    decoded = geobuf.decode(encode_points(lon, lat, flags=np.array([False, True, False])))
    assert [f.get("properties") or {} for f in decoded["features"]] == [{}, {"postcode": True}, {}]
    coords = np.array([f["geometry"]["coordinates"] for f in decoded["features"]])
    assert np.abs(coords[:, 0] - lon).max() < 1e-6 and np.abs(coords[:, 1] - lat).max() < 1e-6
    with pytest.raises(ValueError, match="one value per point"):
        encode_points(lon, lat, flags=np.array([True]))
