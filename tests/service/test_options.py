"""The options objects own their parameter names, validate once, and errors map the same way on every face."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from geo.selection import Selection
from service import cache, incidents
from service.backtest import BacktestOptions
from service.errors import HotspotsError, OptionsError
from service.hotspots import HotspotsOptions
from service.incidents import IncidentsOptions, run_incidents
from service.nte import NteOptions
from service.plan import PlanOptions
from service.premises import PremisesOptions
from service.source import Source
from service.targets import TargetsOptions
from service.trends import TrendsOptions

SEL = Selection(crime_types=("Burglary",), sectors=("Winchester Town",), date_from=date(2007, 4, 1))
EXAMPLES = [
    IncidentsOptions(SEL, limit=10),
    HotspotsOptions(SEL, "dbscan", eps=120.0, min_samples=8, seed=3),
    HotspotsOptions(SEL, "emerging", cell_size=200.0, period="Q"),
    BacktestOptions(HotspotsOptions(SEL, "kde", top_share=0.02), area_share=0.02, folds=None, by_crime_type=True),
    PlanOptions(SEL, mode="patrol", cell=200.0, n=4),
    NteOptions(SEL, aoristic=True, radius=25.0, window=(20, 4)),
    PremisesOptions(SEL, radius=100.0),
    TrendsOptions(SEL, freq="week", by=("sector",), baseline=8),
    TargetsOptions(SEL, quarter="2007/08 Q3"),
]


@pytest.mark.parametrize("options", EXAMPLES, ids=lambda o: type(o).__name__)
def test_parameters_round_trip(options):
    assert type(options).from_params(options.to_params()) == options


def test_defaults_write_no_parameters():
    assert HotspotsOptions().to_params() == {} and PlanOptions().to_params() == {} and NteOptions().to_params() == {}


@pytest.mark.parametrize(
    "cls,params,words",
    [
        (HotspotsOptions, {"method": "magic"}, "unknown method"),
        (HotspotsOptions, {"method": "gistar", "bandwidth": "100"}, "does not apply"),
        (HotspotsOptions, {"colour": "red"}, "unknown parameter"),
        (PlanOptions, {"k": "21"}, "between 1 and 20"),
        (PlanOptions, {"k": ["3", "4"]}, "more than once"),
        (NteOptions, {"radius": "0"}, "('radius') must be between 5 and 500"),
        (NteOptions, {"include": "asb"}, "unknown parameter"),
        (BacktestOptions, {"method": "emerging"}, "not a forecast"),
        (TargetsOptions, {"quarter": "2007Q9"}, "not understood"),
        (TrendsOptions, {"freq": "hourly"}, "unknown freq"),
    ],
)
def test_bad_options_are_options_errors(cls, params, words):
    with pytest.raises(OptionsError, match=words.replace("(", r"\(").replace(")", r"\)")):
        cls.from_params(params)


def test_quarter_has_one_spelling():
    assert TargetsOptions(quarter="2007-08-Q3").quarter == "2007/08 Q3"


def test_every_geo_error_is_a_hotspots_error():
    from geo.config import ConfigError
    from geo.deploy import PlanError
    from geo.evaluate import EvaluationError
    from geo.hotspots import HotspotError
    from geo.readers._common import FileFormatError
    from geo.records import RecordError
    from geo.selection import SelectionError
    from geo.store import StoreError

    for cls in (ConfigError, PlanError, EvaluationError, HotspotError, FileFormatError, RecordError, SelectionError):
        assert issubclass(cls, HotspotsError) and issubclass(cls, ValueError) and cls.status == 400
    assert issubclass(StoreError, HotspotsError) and StoreError.status == 503


def test_a_large_selection_gives_grid_counts(demo_store, monkeypatch):
    source = Source.build(demo_store.path, demo_store.district.folder)
    cache.clear()
    small = run_incidents(source, IncidentsOptions(SEL))
    assert not small.capped and len(small.longitude) == small.count - small.without_location
    monkeypatch.setattr(incidents, "MAP_POINT_LIMIT", 10)
    cache.clear()
    big = run_incidents(source, IncidentsOptions(SEL))
    assert big.capped and len(big.longitude) == 0 and "counts per 250 m square" in big.message
    assert big.grid is not None and big.grid.total == small.count - small.without_location
    assert (big.grid.easting % 250 == 0).all() and (big.grid.counts > 0).all()
    cache.clear()


def test_a_bug_is_a_logged_500_and_exit_1(demo_store, monkeypatch, caplog, capsys):
    from dashboard import api
    from dashboard.app import create_app
    from hotspots_cli import cmd_hotspots
    from hotspots_cli.main import main

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    broken.__wrapped__ = broken  # the CLI calls the uncached function
    monkeypatch.setattr(api, "run_hotspots", broken)
    monkeypatch.setattr(cmd_hotspots, "run_hotspots", broken)
    from dashboard.security import SecurityConfig

    app = create_app(demo_store.path, demo_store.district.folder, security=SecurityConfig(disabled_for_tests=True))
    client = app.server.test_client()
    with caplog.at_level(logging.ERROR):
        resp = client.get("/api/hotspots")
    assert resp.status_code == 500 and "ZeroDivisionError" in resp.get_json()["error"]
    assert "Traceback" not in resp.get_data(as_text=True)
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)
    assert main(["hotspots", "--store", str(demo_store.path)]) == 1
    assert "internal error (ZeroDivisionError)" in capsys.readouterr().err
    # ... while a user's error stays a 4xx / exit 2
    assert client.get("/api/hotspots?method=magic").status_code == 400
    assert main(["hotspots", "--store", str(demo_store.path), "--top-share", "7"]) == 2


def test_hotspot_centroids_option_round_trips_and_applies_to_cluster_methods_only():
    opts = HotspotsOptions.from_params({"method": "dbscan", "centroids": "true"})
    assert opts.centroids is True and opts.method_params() == {"centroids": True}
    assert opts.to_params() == {"method": "dbscan", "centroids": "true"}
    assert HotspotsOptions.from_params(opts.to_params()) == opts
    # false is the default: not carried in the parameters
    assert HotspotsOptions.from_params({"method": "hdbscan", "centroids": "false"}).to_params() == {"method": "hdbscan"}
    with pytest.raises(OptionsError, match="centroids does not apply to method 'kde'"):
        HotspotsOptions.from_params({"method": "kde", "centroids": "1"})
    with pytest.raises(OptionsError, match="'centroids' must be true or false"):
        HotspotsOptions.from_params({"method": "dbscan", "centroids": "maybe"})
