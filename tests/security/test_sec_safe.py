"""render.safe: HTML escaping and CSV formula neutralisation, and the server's CSV rewrite."""

from __future__ import annotations

import csv
import io

import dash
import pandas as pd
from flask import Response

from dashboard.security import SecurityConfig, install_security
from render.safe import csv_cell, escape_html, neutralise_csv, neutralise_csv_text

ATTACKS = [
    '=HYPERLINK("http://x.invalid","click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "+44 1962 000000",
    "\tTab",
    "\rCR",
]


def test_escape_html():
    assert escape_html('<script>alert("x")</script>') == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    assert escape_html("O'Neill & Sons") == "O&#x27;Neill &amp; Sons"
    assert escape_html(None) == ""
    assert escape_html(float("nan")) == ""
    assert escape_html(42) == "42"


def test_csv_cell_prefixes_only_dangerous_strings():
    for text in ATTACKS:
        assert csv_cell(text) == "'" + text
    assert csv_cell("High Street") == "High Street"
    assert csv_cell(-2.5) == -2.5
    assert csv_cell(-3) == -3
    assert csv_cell(None) is None


def test_neutralise_csv_keeps_numbers_as_numbers():
    df = pd.DataFrame({"location": ATTACKS, "change": [-1.5, -2.0, 3.0, -4.0, 5.0, -6.0], "n": range(6)})
    safe = neutralise_csv(df)
    assert all(v.startswith("'") for v in safe["location"])
    assert safe["change"].tolist() == df["change"].tolist()
    assert safe["n"].dtype == df["n"].dtype
    assert df["location"].tolist() == ATTACKS  # the input is not changed
    text = safe.to_csv(index=False)
    assert ",-1.5," in text


def test_neutralise_csv_text_cells():
    buf = io.StringIO()
    csv.writer(buf).writerows([["street", "change"], *[[a, "-1"] for a in ATTACKS], ["ok", "2"]])
    safe = list(csv.reader(io.StringIO(neutralise_csv_text(buf.getvalue()), newline="")))
    assert [r[0] for r in safe[1:-1]] == ["'" + a for a in ATTACKS]
    assert [r[1] for r in safe[1:]] == ["-1"] * len(ATTACKS) + ["2"]
    plain = "a,b\n1,-2\n"
    assert neutralise_csv_text(plain) == plain


def test_every_csv_answer_is_neutralised_on_the_server(tmp_path):
    app = dash.Dash("csvcheck")
    app.layout = dash.html.Div()

    @app.server.get("/api/export.csv")
    def export():
        # A bare carriage return is a line end to pandas' unquoted writer as to a spreadsheet: left out here.
        frame = pd.DataFrame({"street": ATTACKS[:5], "change": [-1, -2, -3, -4, -5]})
        return Response(frame.to_csv(index=False), mimetype="text/csv")

    install_security(app, SecurityConfig(disabled_for_tests=True), store_path=tmp_path / "unused.duckdb")
    resp = app.server.test_client().get("/api/export.csv")
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True), newline="")))
    assert rows[0] == ["street", "change", "protective_marking"]  # the marking column is added last
    assert [r[2] for r in rows[1:]] == ["OFFICIAL-SENSITIVE"] * 5
    assert [r[0] for r in rows[1:]] == ["'" + a for a in ATTACKS[:5]]
    assert [r[1] for r in rows[1:]] == ["-1", "-2", "-3", "-4", "-5"]
    assert resp.headers["X-Protective-Marking"] == "OFFICIAL-SENSITIVE"
