"""``hotspots deployments add/list/remove``, ``hotspots assess`` and ``hotspots report`` on a copy of the demo store."""

from __future__ import annotations

import json
import shutil

import pytest

from hotspots_cli.main import main


@pytest.fixture()
def store_args(demo_store, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_store.path, path)
    return ["--store", str(path)]


def _add(store_args, *extra):
    return main(
        ["deployments", "add", *store_args, "--from", "02/11/2007", "--to", "29/12/2007", "--who", "PC Smith", *extra]
    )


def test_add_list_assess_remove(store_args, tmp_path, capsys):
    assert (
        _add(
            store_args,
            "--kind",
            "van",
            "--site",
            "448200,129400",
            "--radius",
            "150",
            "--days",
            "fri,sat",
            "--hours",
            "20-04",
            "--notes",
            "first van run",
        )
        == 0
    )
    assert "recorded deployment 1: van, site 448200 E, 129400 N, radius 150 m" in capsys.readouterr().out
    area = tmp_path / "area.geojson"
    ring = [[-1.318, 51.061], [-1.312, 51.061], [-1.312, 51.065], [-1.318, 51.065], [-1.318, 51.061]]
    area.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    assert _add(store_args, "--kind", "patrol", "--area", str(area)) == 0
    assert "recorded deployment 2: patrol, drawn area of" in capsys.readouterr().out
    assert main(["deployments", "list", *store_args]) == 0
    out = capsys.readouterr().out
    assert "02/11/2007 to 29/12/2007, Fri and Sat nights, 20:00-04:00" in out and "notes: first van run" in out
    assert main(["assess", "1", *store_args]) == 0
    out = capsys.readouterr().out
    assert "Target area" in out and "Buffer ring (200 m)" in out and "Control: " in out
    assert "before: 05/09/2007 to 01/11/2007" in out and "Fisher's exact test" in out and "WDQ:" in out
    assert "in the target area during the deployment" in out
    assert main(["assess", "2", "--buffer", "300", "--compare", "after", *store_args]) == 0
    assert "Buffer ring (300 m)" in capsys.readouterr().out
    assert main(["deployments", "remove", "1", *store_args]) == 0
    assert "removed deployment 1" in capsys.readouterr().out
    assert main(["deployments", "list", *store_args]) == 0
    assert "   1  van" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "van", "--site", "530000,180000"], "not inside the Winchester district"),
        (["--kind", "van", "--site", "448200"], "'site' must be E,N"),
        (["--kind", "van", "--cell", "448200,129400,10"], "cell size (m) must be between 25 and 2000"),
        (["--kind", "van", "--site", "448200,129400", "--hours", "20-26"], "hours must be two different hours"),
        (["--kind", "van", "--area", "missing.geojson"], "no such GeoJSON file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(store_args, capsys, args, message):
    assert _add(store_args, *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_deployment_and_bad_quarter(store_args, capsys):
    assert main(["assess", "9", *store_args]) == 2
    assert "no deployment 9 is recorded" in capsys.readouterr().err
    assert main(["deployments", "remove", "x", *store_args]) == 2
    assert "whole number" in capsys.readouterr().err
    assert main(["report", "--quarter", "2007/08 Q5", "--html", "x.html", *store_args]) == 2
    assert "not understood" in capsys.readouterr().err


def test_report_writes_html(store_args, tmp_path, capsys):
    out = tmp_path / "q3.html"
    assert main(["report", "--quarter", "2007/08 Q3", "--html", str(out), *store_args]) == 0
    assert "0 deployment assessment(s); marking OFFICIAL" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert "2007/08 Q3" in html and "No deployment was recorded for this quarter." in html
