"""The deployment log: places, validation, the store round trip and recording from a plan."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from pyproj import Transformer

from geo import deployments as dep
from geo.deployments import DeploymentError
from geo.errors import NotFoundError
from service.deployments import (
    DeploymentInput,
    add_deployment,
    get_deployment,
    list_deployments,
    record_from_plan,
    remove_deployment,
)
from service.errors import OptionsError
from service.source import Source

CENTRE = (448_200.0, 129_400.0)  # Winchester city centre (BNG)
LONDON = (530_000.0, 180_000.0)


@pytest.fixture()
def source(demo_store, tmp_path):
    """A writable copy of the demo store."""
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_store.path, path)
    return Source.build(path, demo_store.district.folder)


def _make(district, **kw):
    args = dict(
        kind="van",
        geometry=dep.site_area(*CENTRE, 100),
        place="site",
        date_from=date(2007, 11, 2),
        date_to=date(2007, 11, 24),
        who="PC Smith",
        district=district,
        days=(4, 5),
        hours=(20, 4),
    )
    return dep.make_deployment(**(args | kw))


def test_places_are_built_in_british_national_grid(district):
    site = dep.site_area(*CENTRE, 100)
    assert site.area == pytest.approx(3.14159 * 100**2, rel=0.01)
    assert site.centroid.distance(__import__("shapely").Point(CENTRE)) < 0.01
    cell = dep.cell_area(*CENTRE, 150)
    assert cell.bounds == (CENTRE[0] - 75, CENTRE[1] - 75, CENTRE[0] + 75, CENTRE[1] + 75)
    # A drawn area arrives in WGS84 and is stored in BNG: its centre maps back to where it was drawn.
    lon, lat = -1.3134, 51.0606
    ring = [[lon - 0.001, lat - 0.001], [lon + 0.001, lat - 0.001], [lon + 0.001, lat + 0.001], [lon - 0.001, lat]]
    gj = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]}}
    area = dep.area_from_geojson(json.dumps(gj))
    back = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(*area.centroid.coords[0])
    assert abs(back[0] - lon) < 0.001 and abs(back[1] - lat) < 0.001
    assert 400_000 < area.centroid.x < 500_000 and 100_000 < area.centroid.y < 160_000
    assert dep.check_place(area, district) is area


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date_from": date(2007, 12, 1)}, "dates reversed"),
        ({"date_to": date(2009, 1, 1)}, "at most 366 days"),
        ({"hours": (20, 25)}, "hours must be two different hours in 0-24"),
        ({"hours": (4, 4)}, "hours must be two different hours"),
        ({"days": (7,)}, "nights must be 0 (Monday) to 6"),
        ({"kind": "drone"}, "kind must be one of van, patrol"),
        ({"who": "  "}, "who is required"),
        ({"who": "x" * 81}, "who is 81 characters long; the limit is 80"),
        ({"notes": "n" * 2001}, "notes is 2001 characters long"),
        ({"notes": "bell\x07"}, "notes contains control characters"),
        ({"geometry": dep.site_area(*LONDON, 100)}, "not inside the Winchester district"),
    ],
)
def test_every_field_is_validated(district, change, message):
    with pytest.raises(DeploymentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _make(district, **change)


def test_bad_geometry_is_refused(district):
    with pytest.raises(DeploymentError, match="radius"):
        dep.site_area(*CENTRE, 5)
    with pytest.raises(DeploymentError, match="Polygon or MultiPolygon"):
        dep.area_from_geojson({"type": "Point", "coordinates": [-1.31, 51.06]})
    with pytest.raises(DeploymentError, match="not valid GeoJSON"):
        dep.area_from_geojson("{not json")
    with pytest.raises(DeploymentError, match="2 features"):
        poly = {"type": "Polygon", "coordinates": [[[-1.31, 51.06], [-1.30, 51.06], [-1.30, 51.07], [-1.31, 51.06]]]}
        dep.area_from_geojson({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": poly}] * 2})
    with pytest.raises(DeploymentError, match="longitude, latitude"):
        dep.area_from_geojson(
            {
                "type": "Polygon",
                "coordinates": [[[448000, 129000], [448100, 129000], [448100, 129100], [448000, 129000]]],
            }
        )
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[-1.32, 51.06], [-1.30, 51.07], [-1.30, 51.06], [-1.32, 51.07], [-1.32, 51.06]]],
    }
    with pytest.raises(DeploymentError, match="not a valid polygon"):
        dep.check_place(dep.area_from_geojson(bowtie), district)


def test_the_log_round_trips_through_the_store(source):
    inp = DeploymentInput.from_params(
        {
            "kind": "patrol",
            "cell": f"{CENTRE[0]:.0f},{CENTRE[1]:.0f},150",
            "from": "02/11/2007",
            "to": "24/11/2007",
            "days": "fri,sat",
            "hours": "20-04",
            "who": "Sgt Jones",
            "notes": "after the licensing meeting",
        }
    )
    first = add_deployment(source, inp)
    second = add_deployment(
        source, DeploymentInput(site=CENTRE, date_from=date(2007, 12, 1), date_to=date(2007, 12, 1), who="A N Other")
    )
    assert (first.id, second.id) == (1, 2)
    assert [d.id for d in list_deployments(source)] == [1, 2]
    back = get_deployment(source, "1")
    assert back == first and back.days == (4, 5) and back.hours == (20, 4) and back.place == "cell"
    assert back.when_text() == "02/11/2007 to 24/11/2007, Fri and Sat nights, 20:00-04:00"
    assert back.created_at is not None and back.notes == "after the licensing meeting"
    assert remove_deployment(source, 1).id == 1
    assert [d.id for d in list_deployments(source)] == [2]
    with pytest.raises(NotFoundError, match="no deployment 1"):
        get_deployment(source, 1)
    with pytest.raises(OptionsError, match="whole number"):
        get_deployment(source, "one")
    assert add_deployment(source, inp).id == 3  # ids are never reused while a later one exists


def test_input_needs_exactly_one_place_and_both_dates():
    with pytest.raises(OptionsError, match="exactly one place"):
        DeploymentInput.from_params(
            {"site": "448200,129400", "cell": "448200,129400,150", "from": "01/11/2007", "to": "02/11/2007"}
        )
    with pytest.raises(OptionsError, match="both dates"):
        DeploymentInput.from_params({"site": "448200,129400"})
    with pytest.raises(OptionsError, match="E,N"):
        DeploymentInput.from_params({"site": "448200", "from": "01/11/2007", "to": "02/11/2007"})
    with pytest.raises(OptionsError, match="camera radius"):
        DeploymentInput.from_params(
            {"site": "448200,129400", "radius": "5000", "from": "01/11/2007", "to": "02/11/2007"}
        )
    with pytest.raises(OptionsError, match="not a date"):
        DeploymentInput.from_params({"site": "448200,129400", "from": "31/02/2007", "to": "02/11/2007"})
    inp = DeploymentInput.from_params(
        {"site": "448200,129400", "from": "01/11/2007", "to": "02/11/2007", "hours": "20-04", "who": "x"}
    )
    assert DeploymentInput.from_params(inp.to_params()) == inp


def test_record_from_plan_keeps_the_plans_sites_and_nights(source):
    params = {
        "from": "01/01/2007",
        "to": "31/03/2007",
        "days": "fri,sat",
        "hours": "20-04",
        "mode": "van",
        "k": "3",
        "radius": "100",
    }
    d = record_from_plan(
        source, params, "CCTV manager", "first run", date_from=date(2007, 4, 6), date_to=date(2007, 4, 28)
    )
    assert d.kind == "van" and d.place == "area" and d.label == "3 van sites of 100 m from the plan"
    assert d.days == (4, 5) and d.hours == (20, 4)
    assert json.loads(d.plan)["k"] == "3"
    assert 3.14 * 100**2 < d.geometry.area <= 3 * 3.1416 * 100**2
    assert get_deployment(source, d.id) == d


def test_a_plan_is_recorded_for_its_own_week_with_the_sites_the_plan_shows(source):
    """Without dates the deployment is the week after the plan's data, where the assessment has data."""
    import shapely

    from service.assess import AssessOptions, run_assess
    from service.plan import PlanOptions, run_plan

    params = {"from": "2007-06-01", "to": "2007-08-31", "days": "fri,sat", "hours": "20-04", "k": "3"}
    d = record_from_plan(source, params, "CCTV manager")
    assert (d.date_from, d.date_to) == (date(2007, 9, 1), date(2007, 9, 7))
    run = run_plan(source, PlanOptions.from_params(params))
    assert run.start == date(2007, 9, 1)
    assert run.nights() == [date(2007, 9, 1), date(2007, 9, 7)]  # Sat 01/09 and Fri 07/09, as the briefing says
    centres = {(round(r.easting), round(r.northing)) for r in run.result.table.itertuples()}
    for e, n in centres:  # every site the page shows is inside the recorded area
        assert d.geometry.contains(shapely.Point(e, n))
    result = run_assess(source, AssessOptions(deployment_id=d.id))
    spans = result.assessment.spans
    assert spans["during"] == (date(2007, 9, 1), date(2007, 9, 7))
    counts = result.assessment.counts.set_index("area")
    assert counts.loc["target", "before"] > 0
