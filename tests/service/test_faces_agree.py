"""The CLI, the API and the dashboard's callback functions give the same numbers for the same selection.

Each face parses its own input (CLI flags, query parameters, the selection store) into the service's
options; so the counts, the hotspot ranks and counts, the van sites and the night-time totals must be
identical, not merely close.
"""

from __future__ import annotations

import urllib.parse

import geopandas as gpd
import pandas as pd
import pytest

from dashboard import state
from dashboard.components.map_views import hotspot_options, hotspots_view, incidents_view, table_view
from geo.hotspots import DEFAULT_METHOD
from hotspots_cli.main import main
from service import cache
from service.nte import run_nte
from service.plan import run_plan

VIOLENCE = "Violence and sexual offences"


def _weekend(demo_store) -> dict[str, str]:
    s = demo_store.summary()
    lo, hi = state.quick_pick("weekend", s["date_to"].date(), latest_dated=s["dated_to"].date())
    return {"sector": "Winchester Town", "from": lo.isoformat(), "to": hi.isoformat()}


SELECTIONS = {
    "all data": lambda store: {},
    "one sector's last weekend": _weekend,
    "violence Fri/Sat 20-04 in the 2005 zone": lambda store: {
        "crime": VIOLENCE,
        "days": "fri,sat",
        "hours": "20-04",
        "zone": "2005",
    },
    "a month-only data.police.uk month": lambda store: {"from": "2017-03-01", "to": "2017-03-31"},
    "empty": lambda store: {"from": "2030-01-01", "to": "2030-01-31"},
}
FLAGS = {"from": "--from", "to": "--to", "crime": "--crime", "days": "--days", "hours": "--hours"}
FLAGS |= {"zone": "--zone", "sector": "--sector"}


@pytest.fixture(scope="module")
def app(demo_store):
    from dashboard.app import create_app
    from dashboard.security import SecurityConfig

    return create_app(demo_store.path, demo_store.district.folder, security=SecurityConfig(disabled_for_tests=True))


def _argv(params: dict[str, str]) -> list[str]:
    return [x for k, v in params.items() for x in (FLAGS[k], v)]


def _api(client, path: str, params: dict[str, str]):
    resp = client.get(f"{path}?{urllib.parse.urlencode(params)}")
    assert resp.status_code == 200, resp.get_json()
    return resp


def _store_data(params: dict[str, str]) -> dict:
    """What the shell's selection store holds for these parameters (as the filters callback writes it)."""
    return state.selection_to_mapping(state.selection_from_search(state.build_search(params))[0])


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_counts_and_hotspots_agree(name, demo_store, app, tmp_path, capsys):
    params = SELECTIONS[name](demo_store)
    cache.clear()
    client = app.server.test_client()
    api_count = int(_api(client, "/api/incidents", {**params, "limit": 1}).headers["X-Selected-Count"])
    api_hot = _api(client, "/api/hotspots", params).get_json()
    with app.server.app_context():
        sel = state.selection_from_store(_store_data(params))
        page_count = incidents_view(sel, None)["count"]
        options = hotspot_options(_store_data(params), DEFAULT_METHOD)  # what the API and CLI draw
        page_ranks = hotspots_view(options, None)["ranks"]
        page_rows = table_view(options, None)["rows"]
    assert page_count == api_count == api_hot["properties"]["n_incidents"]
    api_ranks = [f["properties"]["rank"] for f in api_hot["features"]]
    assert page_ranks == api_ranks
    assert [r["count"] for r in page_rows] == [f["properties"]["count"] for f in api_hot["features"]]

    out = tmp_path / "hot.geojson"
    code = main(["hotspots", "--store", str(demo_store.path), *_argv(params), "--out", str(out)])
    if api_count == 0:
        assert code == 2 and "no incidents match" in capsys.readouterr().err
        assert api_ranks == [] and page_rows == []
        return
    assert code == 0
    assert f"from {api_count:,} incidents" in capsys.readouterr().out
    cli = gpd.read_file(out) if api_ranks else pd.DataFrame({"rank": [], "count": []})
    assert list(cli["rank"]) == api_ranks
    assert list(cli["count"]) == [r["count"] for r in page_rows]


@pytest.mark.parametrize("name", ["all data", "violence Fri/Sat 20-04 in the 2005 zone"])
def test_van_sites_and_night_time_totals_agree(name, demo_store, app, tmp_path, capsys):
    params = SELECTIONS[name](demo_store)
    client = app.server.test_client()
    api_plan = _api(client, "/api/plan", {**params, "k": 3}).get_json()
    api_nte = _api(client, "/api/nte", params).get_json()
    # Pages register themselves with Dash when the app is built, so import them after it.
    from dashboard import data_access
    from dashboard.pages.deployment import plan_options
    from dashboard.pages.nte import nte_options

    with app.server.app_context():
        src = data_access.source()
        page_plan = run_plan(src, plan_options(_store_data(params), "van", 3, 100, 150, 8)).result.table
        page_nte = run_nte(src, nte_options(_store_data(params), "count", 50))
    out = tmp_path / "van.csv"
    assert main(["plan", "van", "--store", str(demo_store.path), *_argv(params), "--k", "3", "--out", str(out)]) == 0
    cli_plan = pd.read_csv(out)
    covered = [f["properties"]["incidents_covered"] for f in api_plan["features"]]
    assert list(cli_plan["incidents_covered"]) == covered == list(page_plan["incidents_covered"])
    assert list(cli_plan["street"]) == [f["properties"]["street"] for f in api_plan["features"]]

    nte_csv = tmp_path / "nte.csv"
    assert main(["nte", "--store", str(demo_store.path), *_argv(params), "--out", str(nte_csv)]) == 0
    cli_total = pd.read_csv(nte_csv)["value"].sum()
    api_total = sum(sum(sum(v or 0 for v in row) for row in b["matrix"]) for b in api_nte["by_band"].values())
    page_total = sum(float(m.matrix[page_nte.hours].to_numpy().sum()) for m in page_nte.view.matrices.values())
    assert cli_total == api_total == page_total
    assert api_nte["crime_types"] == list(page_nte.crime_types) == [VIOLENCE]
