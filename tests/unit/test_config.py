"""District configuration: the bundled Winchester folder, and a new district with no code change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo.config import ConfigError, load_district
from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]
WINCHESTER = ROOT / "data" / "winchester"


def test_winchester_layers(district):
    assert district.name == "Winchester"
    assert sorted(district.sectors["sector"]) == [
        "Alresford and Winchester North",
        "Bishops Waltham",
        "Denmead and Meon Valley",
        "Wickham and Whiteley",
        "Winchester Town",
    ]
    assert district.sectors.crs.to_epsg() == 27700
    assert len(district.wards) == 26 and len(district.lsoa) == 70
    assert len(district.premises) == 101  # 105 in the source, 4 without a location dropped
    assert 12 <= len(district.cctv) <= 20 and (district.cctv["radius_m"] > 0).all()
    assert [z.key for z in district.zones] == ["2005", "2007"]
    z05, z07 = (district.zone_layer(k).geometry.iloc[0] for k in ("2005", "2007"))
    assert z05.area < z07.area and z05.difference(z07).area < 0.01 * z05.area
    # The five sectors tile the district: their union is the wards' union.
    assert abs(district.sectors.union_all().area - district.wards.union_all().area) < 1.0
    assert district.targets.baseline["Criminal damage"] == 1597
    assert sum(district.targets.baseline.values()) == 3557 and district.targets.published_total == 4195
    assert {"sectors", "cctv", "zone 2005", "zone 2007"} <= set(district.illustrative_layers)


def test_new_district_folder_needs_no_code_change(tmp_path, district):
    folder = tmp_path / "other"
    shutil.copytree(WINCHESTER, folder, ignore=shutil.ignore_patterns("police-uk", "demo"))
    toml = (folder / "district.toml").read_text(encoding="utf-8")
    # One zone with another key, another name, a smaller tolerance.
    start = toml.index("[[zones]]")
    end = toml.index("# Bundled incident data")
    one_zone = '[[zones]]\nkey = "core"\nlabel = "Core zone"\npath = "zone_2005_illustrative.geojson"\n\n'
    toml = toml[:start] + one_zone + toml[end:]
    toml = toml.replace('name = "Winchester"', 'name = "Testshire"').replace(
        "outside_tolerance_m = 1000", "outside_tolerance_m = 200"
    )
    (folder / "district.toml").write_text(toml, encoding="utf-8")
    other = load_district(folder)
    assert other.name == "Testshire" and [z.column for z in other.zones] == ["in_zone_core"]
    store = Store.open(tmp_path / "o.duckdb", district=other, read_only=False)
    report = store.ingest([WINCHESTER / "police-uk" / "2017-03-hampshire-street-winchester.csv"])
    assert report.stored + report.rejected == 710
    df = store.all()
    assert "in_zone_core" in df and "in_zone_2005" not in df and df["in_zone_core"].sum() > 0
    from geo.params import selection_from_mapping

    assert store.query(selection_from_mapping({"zone": "core"})).incidents["in_zone_core"].all()


def test_config_errors_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="no district.toml"):
        load_district(tmp_path)
    (tmp_path / "district.toml").write_text("[district]\nname = 'X'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="missing 'layers'"):
        load_district(tmp_path)
    (tmp_path / "district.toml").write_text("[district\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="district.toml"):
        load_district(tmp_path)


def test_boundary_and_zones_are_valid_polygons_at_load(district):
    import geopandas as gpd

    raw = gpd.read_file(WINCHESTER / "boundary.geojson").to_crs(27700)
    assert not raw.geometry.is_valid.all()  # the bundled TopoJSON-derived outline self-intersects
    boundary = district.boundary
    assert boundary.geometry.is_valid.all()
    assert set(boundary.geom_type) <= {"Polygon", "MultiPolygon"}
    # made valid, not shrunk: the area is the raw outline's to within 0.1%
    assert abs(boundary.area.sum() - raw.geometry.make_valid().area.sum()) < 1e-3 * boundary.area.sum()
    for layer in (district.wards, district.sectors, district.lsoa):
        assert layer.geometry.is_valid.all()
    for z in district.zones:
        assert district.zone_layer(z.key).geometry.is_valid.all()


def test_a_self_intersecting_zone_is_repaired(tmp_path):
    import json

    folder = tmp_path / "bow"
    shutil.copytree(WINCHESTER, folder, ignore=shutil.ignore_patterns("police-uk", "demo"))
    # a bow-tie (figure of eight) around Winchester's centre, in WGS84
    ring = [[-1.32, 51.06], [-1.30, 51.07], [-1.30, 51.06], [-1.32, 51.07], [-1.32, 51.06]]
    gj = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
          "geometry": {"type": "Polygon", "coordinates": [ring]}}]}  # fmt: skip
    (folder / "zone_2005_illustrative.geojson").write_text(json.dumps(gj), encoding="utf-8")
    zone = load_district(folder).zone_layer("2005").geometry.iloc[0]
    assert zone.is_valid and zone.geom_type == "MultiPolygon" and len(zone.geoms) == 2  # both lobes kept
