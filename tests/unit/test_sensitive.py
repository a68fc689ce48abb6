"""The district's sensitivity rule: parsed once, applied at ingest to every row, carried by each reader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.security.config import load_privacy
from geo.config import ConfigError, Sensitivity, load_district
from geo.readers import iter_batches
from geo.sensitivity import parse_flag
from geo.store import Store
from geo.validate import validate_batch
from render.geojson import incidents_geojson
from tests.store.store_helpers import SENSITIVE_ROWS, write_sensitive_extract

ROOT = Path(__file__).resolve().parents[2]
WINCHESTER = ROOT / "data" / "winchester"
MARCH = WINCHESTER / "police-uk" / "2017-03-hampshire-street-winchester.csv"
EXPECTED = {urn: sensitive for urn, _, _, sensitive in SENSITIVE_ROWS if sensitive is not None}


def _district_copy(tmp_path: Path, privacy: str) -> Path:
    """The bundled district with its ``[privacy]`` table replaced by ``privacy``."""
    folder = tmp_path / "district"
    shutil.copytree(WINCHESTER, folder, ignore=shutil.ignore_patterns("police-uk", "demo"))
    toml = (folder / "district.toml").read_text(encoding="utf-8")
    toml = toml[: toml.index("[privacy]")] + "[privacy]\n" + privacy
    (folder / "district.toml").write_text(toml, encoding="utf-8")
    return folder


def test_bundled_district_names_the_sensitive_code_category_and_flag(district):
    assert district.sensitivity == Sensitivity(("VIO-SEX",), ("Sexual offences",), ("domestic",))
    # the code is what marks the demo's sexual offences: its code table gives VIO-SEX no category
    codes = district.crime_codes.set_index("code")
    assert pd.isna(codes.loc["VIO-SEX", "ho_category"])


def test_a_district_naming_nothing_keeps_the_safe_defaults_and_the_dashboard_reads_the_same_rule(tmp_path):
    folder = _district_copy(tmp_path, 'marking = "OFFICIAL"\n')
    rule = load_district(folder).sensitivity
    assert rule == Sensitivity((), ("Sexual offences",), ("domestic",))
    privacy = load_privacy(folder)
    assert privacy.sensitivity == rule and privacy.marking == "OFFICIAL"
    bundled = load_privacy(WINCHESTER)
    assert bundled.sensitivity == load_district(WINCHESTER).sensitivity and bundled.public is False


def test_a_wrong_sensitive_list_is_one_clear_config_error(tmp_path):
    folder = _district_copy(tmp_path, 'sensitive_codes = "VIO-SEX"\n')
    with pytest.raises(ConfigError, match=r"district\.toml \[privacy\]: sensitive_codes must be a list of names"):
        load_district(folder)


def test_flag_values():
    text = pd.Series(["1", "true", "YES", " y ", "T", "", "0", "False", "no", "N", "f", "maybe", "2", "oui", None])
    true, invalid = parse_flag(text)
    assert true.tolist() == [True] * 5 + [False] * 10
    assert invalid.tolist() == [False] * 11 + [True] * 3 + [False]


def test_force_extract_rows_get_the_flag_and_a_bad_value_is_rejected_naming_row_and_field(tmp_path, district):
    path = write_sensitive_extract(tmp_path / "planted.csv")
    ((batch, _),) = list(iter_batches([path], "auto", district.force_csv, flag_columns=("DOMESTIC",)))
    assert batch.flags == ("Domestic",)  # matched whatever its case
    accepted, rejects, _ = validate_batch(batch, district)
    assert dict(zip(accepted["incident_id"], accepted["sensitive"], strict=True)) == EXPECTED
    assert rejects[["file", "row", "field"]].values.tolist() == [["planted.csv", 7, "Domestic"]]
    assert rejects["reason"].iloc[0].startswith("Domestic 'maybe' is not a yes/no value")
    assert "S06,CDA-DMG" in rejects["raw"].iloc[0]


def test_without_the_flag_column_only_the_code_marks_a_row(tmp_path, district):
    path = write_sensitive_extract(tmp_path / "planted.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns="Domestic")
    table.to_csv(path, index=False)
    store = Store.open(tmp_path / "s.duckdb", district=district, read_only=False)
    report = store.ingest([path])
    assert report.stored == len(SENSITIVE_ROWS) and report.rejected == 0
    df = store.all()
    vio_sex = {urn for urn, code, _, _ in SENSITIVE_ROWS if code == "VIO-SEX"}
    assert set(df.loc[df["sensitive"], "incident_id"]) == vio_sex


def test_police_uk_rows_are_sensitive_only_by_category_and_keep_their_ids(tmp_path, district):
    plain = Store.open(tmp_path / "plain.duckdb", district=district, read_only=False)
    plain.ingest([MARCH])
    rows = plain.all()
    assert (rows["crime_type"] == "Violence and sexual offences").sum() > 100  # not marked sensitive by type
    assert not rows["sensitive"].any()
    # a district that makes bicycle theft's Home Office category sensitive: exactly those rows, same ids
    folder = _district_copy(tmp_path, 'sensitive_ho_categories = ["Theft or unauthorised taking of a cycle"]\n')
    other = Store.open(tmp_path / "other.duckdb", district=load_district(folder), read_only=False)
    other.ingest([MARCH])
    again = other.all()
    assert set(again["incident_id"]) == set(rows["incident_id"])
    cycles = (again["crime_type"] == "Bicycle theft").to_numpy(dtype=bool)
    assert cycles.sum() > 0 and (again["sensitive"].to_numpy() == cycles).all()


def test_our_geojson_export_carries_the_flag_back_through_the_vector_reader(tmp_path, district):
    first = Store.open(tmp_path / "first.duckdb", district=district, read_only=False)
    first.ingest([write_sensitive_extract(tmp_path / "planted.csv")])
    exported = json.loads(incidents_geojson(first.all()))
    assert {f["properties"]["incident_id"]: f["properties"]["sensitive"] for f in exported["features"]} == EXPECTED
    (tmp_path / "export.geojson").write_text(json.dumps(exported), encoding="utf-8")
    second = Store.open(tmp_path / "second.duckdb", district=district, read_only=False)
    report = second.ingest([tmp_path / "export.geojson"])
    assert report.stored == len(EXPECTED)
    df = second.all()
    assert dict(zip(df["incident_id"], df["sensitive"], strict=True)) == EXPECTED


@pytest.mark.filterwarnings("ignore:Could not parse column 'DOMESTIC'")  # GDAL, of the mixed types: read as text
def test_vector_layer_flag_attribute_of_any_case_and_type(tmp_path, district):
    features = []
    values = [True, False, 1, 0, None, "yes", "perhaps"]
    for i, value in enumerate(values):
        props = {"incident_id": f"V{i}", "crime_type": "Public order", "occurred_from": "2008-03-07T23:30:00"}
        features.append(
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.3095 + i * 1e-4, 51.0617]},
             "properties": {**props, "DOMESTIC": value}}
        )  # fmt: skip
    path = tmp_path / "layer.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    store = Store.open(tmp_path / "v.duckdb", district=district, read_only=False)
    report = store.ingest([path])
    assert (report.stored, report.rejected) == (len(values) - 1, 1)
    assert report.rejects[["row", "field"]].values.tolist() == [[7, "DOMESTIC"]]
    df = store.all().set_index("incident_id")
    assert df["sensitive"].to_dict() == {"V0": True, "V1": False, "V2": True, "V3": False, "V4": False, "V5": True}


def test_sensitive_column_does_not_change_content_ids(district):
    ((batch, _),) = list(iter_batches([MARCH], "police_uk"))
    accepted, _, _ = validate_batch(batch, district)
    from geo.validate_ids import content_ids

    no_id = accepted[accepted["incident_id"].str.startswith("poli-")]
    assert len(no_id) > 0
    flipped = no_id.assign(sensitive=~no_id["sensitive"].to_numpy(dtype=bool))
    assert (content_ids(flipped, "poli") == content_ids(no_id, "poli")).all()
    assert np.array_equal(content_ids(no_id, "poli").to_numpy(), no_id["incident_id"].to_numpy())
