"""Data page: what the store holds, adding a file (with its validation report), and attribution."""

from __future__ import annotations

import base64
import binascii
import re
import tempfile
from pathlib import Path

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard import data_access, state
from dashboard.components.header import data_line
from dashboard.errors import explain
from geo.config import DATA_DIR
from geo.store import IngestReport
from render.safe import neutralise_csv_text
from service.errors import HotspotsError

dash.register_page(__name__, path="/data", name="Data", title="Data", order=9)

#: Largest upload accepted (bytes, decoded); bigger files go through `hotspots ingest`.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

#: Attribution shown when data/SOURCES.md is missing.
FALLBACK_ATTRIBUTION = """
* **Crime and ASB:** data.police.uk street-level crime, Hampshire Constabulary. Contains public sector
  information licensed under the [Open Government Licence v3.0](https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).
* **Boundaries (district, wards, LSOAs):** Office for National Statistics / Ordnance Survey,
  Open Geography Portal, CC BY 4.0 / OGL v3. Contains OS data © Crown copyright and database right.
* **Licensed premises:** FSA Food Hygiene Rating data via Open Pubs (OGL v3).
* **Police sectors, alcohol control zones and fixed CCTV cameras:** illustrative outlines drawn for this
  demo, not official boundaries or camera positions.
* **Force extract 2003-2008:** synthetic demo data generated for this project; labelled synthetic wherever shown.
* **Map tiles:** © OpenStreetMap contributors (ODbL) when online.
"""


def _table(df: pd.DataFrame, caption: str, table_id: str) -> html.Table:
    return html.Table(
        [
            html.Caption(caption, className="caption-top small fw-semibold"),
            html.Thead(html.Tr([html.Th(c, scope="col") for c in df.columns])),
            html.Tbody([html.Tr([html.Td(v) for v in row]) for row in df.itertuples(index=False)]),
        ],
        className="table table-sm table-striped small mb-2",
        id=table_id,
    )


def _counts(series: pd.Series | None, label: str) -> pd.DataFrame:
    if series is None or len(series) == 0:
        return pd.DataFrame({label: [], "Incidents": []})
    s = series.copy()
    s.index = [("(none)" if pd.isna(i) else str(i)) for i in s.index]
    return pd.DataFrame({label: s.index, "Incidents": [f"{int(v):,}" for v in s.to_numpy()]})


def holdings(summary: dict | None, error: str | None = None) -> html.Div:
    """The 'what the store holds' section from ``store.summary()``."""
    if summary is None:
        return html.Div(error or "The store cannot be read.", className="alert alert-warning")
    total = summary.get("total", 0)
    if not total:
        return html.Div("The store holds no incidents yet: add a file below.", className="alert alert-info")
    sources = summary["sources"].copy()
    src = pd.DataFrame(
        {
            "Source": sources["source"].astype(str),
            "Synthetic": ["Yes (demo)" if bool(v) else "No" for v in sources["synthetic"]],
            "Incidents": [f"{int(n):,}" for n in sources["incidents"]],
            "First": [state.fmt_date(v) for v in sources["first"]],
            "Last": [state.fmt_date(v) for v in sources["last"]],
        }
    )
    prec = summary.get("by_precision")
    prec_text = ""
    if prec is not None and len(prec):
        names = {"month": "month only", "day": "date only", "time": "exact time or window"}
        prec_text = "; ".join(f"{int(n):,} {names.get(k, k)}" for k, n in prec.items())
    facts = [
        html.Li(f"{total:,} incidents from {len(sources)} source file(s)"),
        html.Li(f"Dates {state.fmt_date(summary.get('date_from'))} to {state.fmt_date(summary.get('date_to'))}"),
        html.Li(f"{summary.get('synthetic', 0):,} synthetic (generated demo) incidents, labelled as such"),
    ]
    if prec_text:
        facts.append(html.Li(f"Time precision: {prec_text}"))
    return html.Div(
        [
            html.Ul(facts, className="mb-2"),
            html.Div(_table(src, "Sources", "data-sources"), className="table-responsive"),
            html.Div(
                [
                    html.Div(
                        _table(_counts(summary.get("by_crime_type"), "Crime type"), "By crime type", "data-types"),
                        className="col-md-6",
                    ),
                    html.Div(
                        _table(_counts(summary.get("by_sector"), "Police sector"), "By police sector", "data-sectors"),
                        className="col-md-6",
                    ),
                ],
                className="row",
            ),
        ]
    )


def _attribution() -> dcc.Markdown:
    path = DATA_DIR / "SOURCES.md"
    text = path.read_text(encoding="utf-8") if path.exists() else FALLBACK_ATTRIBUTION
    return dcc.Markdown(text, link_target="_blank", className="small attribution")


def layout(**_query: str) -> html.Div:
    """The Data page: what the store holds, upload, sources."""
    try:
        summary, error = data_access.summary(), None
    except Exception as exc:
        summary, error = None, explain(exc, "The store cannot be read")
    return html.Div(
        [
            html.Section(
                [
                    html.H2("What the store holds", className="h5"),
                    html.Div(holdings(summary, error), id="data-holdings"),
                ],
                className="page-card",
            ),
            html.Section(
                [
                    html.H2("Add a file", className="h5"),
                    html.P(
                        "A data.police.uk street CSV or zip, a force extract CSV (columns as in the district "
                        "config), or GeoJSON/GeoPackage points. Rows are validated: duplicates are skipped, and "
                        "rejected rows are listed with the reason and can be downloaded.",
                        className="small",
                    ),
                    dcc.Upload(
                        html.Div(
                            ["Drag a file here, or ", html.Span("choose a file", className="text-decoration-underline")]
                        ),
                        id="data-upload",
                        multiple=False,
                        max_size=MAX_UPLOAD_BYTES,
                        className="upload-box",
                        className_active="upload-box active",
                    ),
                    dcc.Loading(html.Div(id="data-report", role="status", **{"aria-live": "polite"}), type="circle"),
                    dcc.Store(id="data-rejects-path"),
                    dcc.Download(id="data-rejects-download"),
                ],
                className="page-card",
            ),
            html.Section(
                [html.H2("Sources and licences", className="h5"), _attribution()],
                className="page-card",
                id="data-attribution",
            ),
        ]
    )


def _report(report: IngestReport) -> html.Div:
    counts = html.Ul(
        [
            html.Li(f"Read: {report.read:,} rows"),
            html.Li(f"Stored: {report.stored:,} new incidents"),
            html.Li(f"Duplicates (already stored, skipped): {report.duplicates:,}"),
            html.Li(f"Rejected: {report.rejected:,}"),
        ],
        className="mb-2",
        id="data-report-counts",
    )
    children = [html.H3("Validation report", className="h6"), counts]
    if report.reasons:
        reasons = pd.DataFrame({"Reason": list(report.reasons), "Rows": [f"{n:,}" for n in report.reasons.values()]})
        children.append(_table(reasons, "Why rows were rejected", "data-reject-reasons"))
    if report.rejected:
        sample = report.rejects.head(20).astype(str)
        keep = [c for c in ("row", "field", "reason", "raw") if c in sample] or list(sample.columns[:4])
        children.append(
            html.Div(
                _table(sample[keep], f"First {len(sample)} rejected rows", "data-rejects-sample"),
                className="table-responsive",
            )
        )
        children.append(
            html.Button(
                "Download all rejected rows (CSV)",
                id="data-rejects-button",
                n_clicks=0,
                type="button",
                className="btn btn-outline-primary btn-sm",
            )
        )
    if report.notes:
        children.append(html.Ul([html.Li(n) for n in report.notes[:10]], className="small text-muted mt-2"))
    kind = "alert-success" if not report.rejected else "alert-warning"
    return html.Div(children, className=f"alert {kind} mt-2")


def _save_upload(contents: str, filename: str, folder: Path) -> Path:
    try:
        _, b64 = contents.split(",", 1)
        raw = base64.b64decode(b64, validate=False)
    except (ValueError, binascii.Error):
        raise ValueError("the upload could not be decoded") from None
    name = _SAFE_NAME.sub("_", Path(filename or "upload.csv").name) or "upload.csv"
    path = folder / name
    path.write_bytes(raw)
    return path


def register_callbacks(app: dash.Dash) -> None:
    """The Data page's callbacks: upload and the rejects download."""

    @app.callback(
        Output("data-report", "children"),
        Output("data-rejects-path", "data"),
        Output("data-holdings", "children"),
        Output("hdr-data", "children", allow_duplicate=True),
        Input("data-upload", "contents"),
        State("data-upload", "filename"),
        prevent_initial_call=True,
    )
    def upload(contents: str | None, filename: str | None) -> tuple:
        if not contents:
            return dash.no_update, dash.no_update, dash.no_update, dash.no_update
        try:
            with tempfile.TemporaryDirectory(prefix="hotspots-upload-") as tmp:
                path = _save_upload(contents, filename, Path(tmp))
                report = data_access.ingest([path])
        except Exception as exc:
            why = str(exc) if isinstance(exc, HotspotsError | FileNotFoundError) else explain(exc, "upload failed")
            msg = html.Div([html.Strong(f"{filename}: not added. "), why], className="alert alert-danger mt-2")
            return msg, None, dash.no_update, dash.no_update
        try:
            summary = data_access.summary()
            section, line = holdings(summary), data_line(summary)
        except Exception as exc:  # the report still stands; the summary refreshes on the next load
            explain(exc, "store summary after an upload")
            section, line = dash.no_update, dash.no_update
        rejects = str(report.rejects_path) if report.rejects_path else None
        return _report(report), rejects, section, line

    @app.callback(
        Output("data-rejects-download", "data"),
        Input("data-rejects-button", "n_clicks"),
        State("data-rejects-path", "data"),
        prevent_initial_call=True,
    )
    def download(n_clicks: int | None, path: str | None) -> dict:
        if not n_clicks or not path:
            return dash.no_update
        store_dir = Path(data_access.settings().store_path).parent
        p = Path(path).resolve()
        # Only hand out reject files the store wrote beside itself.
        if p.parent != store_dir or "-rejects-" not in p.name or not p.exists():
            return dash.no_update
        # The cells are the upload's own (hostile until proven otherwise): formulas are neutralised.
        text = neutralise_csv_text(p.read_text(encoding="utf-8", errors="replace"))
        return dcc.send_string(text, filename=p.name, type="text/csv")
