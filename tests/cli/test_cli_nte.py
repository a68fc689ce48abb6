"""The nte, premises, trends and targets verbs against the demo store."""

from __future__ import annotations

import pandas as pd
import pytest

from hotspots_cli.main import main


@pytest.fixture(scope="module")
def store_args(demo_store):
    return ["--store", str(demo_store.path)]


def test_nte_by_zone_writes_csv(store_args, tmp_path, capsys):
    out = tmp_path / "nte.csv"
    assert main(["nte", *store_args, "--from", "01/04/2007", "--to", "31/03/2008", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "previous evening" in text and "Zone 2005" in text and "Elsewhere" in text
    df = pd.read_csv(out)
    assert set(df.columns) == {"band", "night", "hour", "value", "protective_marking"} and df["value"].sum() > 0


def test_nte_matrix_calendar_days_and_compare(store_args, capsys):
    assert main(["nte", *store_args, "--matrix", "--night-cutoff", "off", "--aoristic"]) == 0
    assert "calendar days" in capsys.readouterr().out
    assert main(["nte", *store_args, "--compare-year", "--from", "01/04/2007", "--to", "31/03/2008"]) == 0
    text = capsys.readouterr().out
    assert "binomial" in text and "Total" in text and "01/04/2006" in text


def test_premises(store_args, tmp_path, capsys):
    out = tmp_path / "premises.csv"
    assert main(["premises", *store_args, "--radius", "50", "--top", "3", "--out", str(out)]) == 0
    assert "lowest premises_id" in capsys.readouterr().out
    df = pd.read_csv(out)
    assert df["rank"].iloc[0] == 1 and df["incidents"].is_monotonic_decreasing


def test_trends(store_args, tmp_path, capsys):
    out = tmp_path / "trends.csv"
    args = ["trends", *store_args, "--from", "01/04/2003", "--to", "31/03/2008", "--by", "crime_type,sector"]
    assert main([*args, "--out", str(out)]) == 0
    assert "Poisson" in capsys.readouterr().out
    assert {"crime_type", "sector", "flag", "expected_high"} <= set(pd.read_csv(out).columns)
    assert main(["trends", *store_args, "--freq", "weekend", "--from", "01/04/2003", "--to", "31/03/2008"]) == 0


def test_targets_report(store_args, tmp_path, capsys):
    report = tmp_path / "report.html"
    assert main(["targets", *store_args, "--quarter", "2007/08 Q3", "--report", str(report)]) == 0
    text = capsys.readouterr().out
    assert "Contains synthetic demo data" in text and "4,195" in text
    assert "Contains synthetic demo data" in report.read_text(encoding="utf-8")


def test_bad_quarter_is_one_line_error(store_args, capsys):
    assert main(["targets", *store_args, "--quarter", "2007Q9"]) == 2
    assert "not understood" in capsys.readouterr().err
