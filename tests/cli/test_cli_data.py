"""The data verbs: ingest, info, demo, schema (in-process through the entry point; one real console run)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from hotspots_cli.main import main

ROOT = Path(__file__).resolve().parents[2]
POLICE_UK = ROOT / "data" / "winchester" / "police-uk"
BROKEN = ROOT / "tests" / "data" / "broken"
HOTSPOTS = Path(sys.executable).with_name("hotspots")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture()
def run(capsys):
    """``hotspots ARGS`` through :func:`hotspots_cli.main.main` in this process (no interpreter start-up)."""

    def _run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return _run


def test_ingest_prints_counts_that_add_up_and_info_describes_store(tmp_path, run):
    store = str(tmp_path / "s.duckdb")
    res = run("ingest", str(POLICE_UK), str(BROKEN / "bad_values.csv"), "--store", store)
    assert res.returncode == 0, res.stderr
    counts = {line.split()[0]: int(line.split()[-1].replace(",", "")) for line in res.stdout.splitlines()[1:5]}
    # bad_values.csv repeats real March rows: its 8 good rows are duplicates of stored incidents.
    assert counts == {"read": 6852, "stored": 6840, "duplicates": 8, "rejected": 4}
    assert "rejects written to" in res.stdout
    info = run("info", "--store", store)
    assert info.returncode == 0, info.stderr
    assert "6,840 incidents" in info.stdout
    assert "01/02/2017 to 28/02/2022" in info.stdout
    assert "Winchester Town" in info.stdout and "Anti-social behaviour" in info.stdout


def test_malformed_file_one_clear_line_no_traceback_store_unchanged(tmp_path, run):
    store = str(tmp_path / "s.duckdb")
    assert run("ingest", str(POLICE_UK / "2017-02-hampshire-street-winchester.csv"), "--store", store).returncode == 0
    before = run("info", "--store", store).stdout
    for name in ("binary_junk.csv", "empty.csv", "wrong_header.csv"):
        res = run("ingest", str(BROKEN / name), "--store", store)
        assert res.returncode == 2
        assert "Traceback" not in res.stderr
        assert res.stderr.startswith(f"hotspots ingest: error: {name}")
        assert len(res.stderr.strip().splitlines()) == 1
    assert run("info", "--store", store).stdout == before


def test_missing_paths_and_stores_are_clear_errors(tmp_path, run):
    res = run("ingest", str(tmp_path / "nope.csv"), "--store", str(tmp_path / "s.duckdb"))
    assert res.returncode == 2 and "no such file or folder" in res.stderr
    res = run("info", "--store", str(tmp_path / "missing.duckdb"))
    assert res.returncode == 2 and "hotspots demo" in res.stderr and "Traceback" not in res.stderr


def test_force_mapping_on_command_line(tmp_path, run):
    csv = tmp_path / "extract.csv"
    csv.write_text("Ref,Code,Date,Time,Lat,Lon\nZ1,ROB-PER,01/06/2007,23:15,51.0625,-1.3150\n", encoding="utf-8")
    store = str(tmp_path / "s.duckdb")
    args = ["--map", "id=Ref", "--map", "crime_code=Code", "--map", "date=Date", "--map", "time=Time"]
    args += ["--map", "latitude=Lat", "--map", "longitude=Lon", "--map", "date_format=%d/%m/%Y"]
    res = run("ingest", str(csv), "--format", "force_csv", *args, "--store", store)
    assert res.returncode == 0, res.stderr
    assert "stored           1" in res.stdout
    res = run("ingest", str(csv), "--format", "force_csv", "--map", "oops", "--store", store)
    assert res.returncode == 2 and "FIELD=COLUMN" in res.stderr


def test_schema_lists_canonical_columns():
    # The one run through the installed console script: the entry point itself is wired.
    res = subprocess.run([str(HOTSPOTS), "schema"], capture_output=True, text=True)
    assert res.returncode == 0
    for col in ("incident_id", "occurred_from", "time_precision", "easting", "in_zone_<key>"):
        assert col in res.stdout
