"""Repeats page: repeat locations (concentration, Lorenz curve, Ginis, table) and near repeats (Knox test).

Page controls live in the URL beside the shared filters: ``permutations`` (99 or 999) and ``unit``
(``auto``/``days``/``months``).  Every number comes from :mod:`service.repeats` and
:mod:`service.nearrepeat`; display strings from :mod:`render.repeats`.
"""

from __future__ import annotations

import json
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from dashboard import data_access, state
from dashboard.components.filters import SELECTION_STORE, URL
from dashboard.components.repeats_sections import (
    EMPTY_GEOJSON,
    PERMUTATION_CHOICES,
    UNIT_LABELS,
    blank_figure,
    knox_section,
    knox_table,
    repeat_markers,
    repeats_section,
    zone_map,
)
from dashboard.components.tables import html_table
from geo.nearrepeat import SAME_LOCATION_RADIUS_M
from render.repeats import (
    gini_text,
    grid_rows,
    lorenz_figure,
    shares_rows,
    zone_rows,
    zones_geojson,
)
from service.errors import HotspotsError
from service.nearrepeat import NearRepeatOptions, run_nearrepeat
from service.repeats import RepeatsOptions, run_repeats
from service.source import Source

dash.register_page(__name__, path="/repeats", name="Repeats", title="Repeat locations and near repeats", order=4)

#: The page runs 99 permutations unless asked for more: seconds rather than half a minute.
PAGE_PERMUTATIONS = 99


def _source() -> Source:
    cfg = data_access.settings()
    return Source.build(cfg.store_path, cfg.district_folder)


def layout(permutations: str | None = None, unit: str | None = None, **_q: str) -> html.Div:
    """The Repeats page for the URL's ``permutations`` and ``unit``."""
    cfg = data_access.settings()
    try:
        perms = int(permutations) if int(permutations) in PERMUTATION_CHOICES else PAGE_PERMUTATIONS
    except (TypeError, ValueError):
        perms = PAGE_PERMUTATIONS
    unit = unit if unit in UNIT_LABELS else "auto"
    return html.Div([repeats_section(), knox_section(perms, unit, zone_map(cfg, data_access.district(cfg)))])


def register_callbacks(app: dash.Dash) -> None:
    """The repeat-locations, Knox and export callbacks of this page."""
    _register_repeats(app)
    _register_knox(app)
    _register_export(app)


def _register_repeats(app: dash.Dash) -> None:
    @app.callback(
        Output("rp-summary", "children"),
        Output("rp-empty", "children"),
        Output("rp-empty", "className"),
        Output("rp-shares", "children"),
        Output("rp-lorenz", "figure"),
        Output("rp-gini", "children"),
        Output("rp-grid", "rowData"),
        Output("rp-notes", "children"),
        Output("rp-synthetic-badge", "style"),
        Output("rp-map-layer", "children"),
        Input(SELECTION_STORE, "data"),
    )
    def update_repeats(selection: dict | None) -> tuple:
        sel = state.selection_from_store(selection)
        try:
            r = run_repeats(_source(), RepeatsOptions(selection=sel))
        except Exception as exc:  # a user error or a store problem must not break the page
            msg = str(exc) if isinstance(exc, HotspotsError) else f"The analysis could not run: {exc}"
            shown = "alert alert-info py-2 my-2"
            hide = {"display": "none"}
            return "No repeat locations", msg, shown, None, blank_figure("No incidents"), None, [], None, hide, []
        rep = r.report
        shares = shares_rows(rep)
        summary = (
            f"{rep.n_repeat_locations:,} repeat locations hold {rep.incidents_at_repeats:,} of "
            f"{rep.n_incidents:,} incidents ({sel.describe()})"
        )
        table = html_table(shares.values.tolist(), list(shares.columns), table_id="rp-shares-table", numeric=(1, 2))
        notes = [html.Div("Locations: " + rep.rule + ".")] + [html.Div("Note: " + n) for n in r.notes]
        return (
            summary,
            None,
            "alert alert-info py-2 my-2 d-none",
            table,
            lorenz_figure(rep),
            gini_text(rep) + ".",
            grid_rows(rep),
            notes,
            {} if r.synthetic else {"display": "none"},
            repeat_markers(r),
        )


def _register_knox(app: dash.Dash) -> None:
    @app.callback(
        Output("nr-summary", "children"),
        Output("nr-notice", "children"),
        Output("nr-notice", "className"),
        Output("nr-table", "children"),
        Output("nr-notes", "children"),
        Output("nr-zones-summary", "children"),
        Output("nr-zones-table", "children"),
        Output("nr-zones-layer", "data"),
        Output("nr-map", "bounds"),
        Input(SELECTION_STORE, "data"),
        Input("nr-permutations", "value"),
        Input("nr-unit", "value"),
    )
    def update_knox(selection: dict | None, permutations: int | None, unit: str | None) -> tuple:
        sel = state.selection_from_store(selection)
        hidden, shown = "alert alert-warning py-2 my-2 d-none", "alert alert-warning py-2 my-2"
        try:
            opts = NearRepeatOptions(
                selection=sel, permutations=int(permutations or PAGE_PERMUTATIONS), unit=unit or "auto"
            )
            r = run_nearrepeat(_source(), opts)
        except Exception as exc:
            msg = str(exc) if isinstance(exc, HotspotsError) else f"The analysis could not run: {exc}"
            return "No near-repeat test", msg, shown, None, None, None, None, EMPTY_GEOJSON, dash.no_update
        k = r.knox
        month_notes = [n for n in k.notes if "month" in n]
        types = ", ".join(r.selection.crime_types or r.selection.ho_categories)
        summary = f"{types}: {k.n_incidents:,} incidents, time in {k.unit}"
        notes = [html.Div("Test: " + k.method + ".")] + [
            html.Div("Note: " + n) for n in r.notes if n not in month_notes
        ]
        ext = k.extent()
        if ext is None:
            zones_text, zones_table, data = (
                "No risk zones: no near band is significant in the first time band.",
                None,
                EMPTY_GEOJSON,
            )
        else:
            row, col, _ = ext
            zones_text = (
                f"Risk raised within {k.observed.index[row]} and {k.observed.columns[col]} of an incident: "
                f"{len(r.zones):,} zones around the incidents of the last {opts.last_days} days"
                + (f" (the same location, drawn as {SAME_LOCATION_RADIUS_M:g} m circles)." if row == 0 else ".")
            )
            rows = zone_rows(r.zones).head(12)
            zones_table = html_table(
                rows.values.tolist(), list(rows.columns), table_id="nr-zones-rows", row_header=False
            )
            data = json.loads(zones_geojson(r.zones))
        notice = " ".join(month_notes) if month_notes else None
        bounds = dash.no_update
        if len(r.zones):
            w, s, e, n = r.zones.to_crs(4326).total_bounds
            bounds = [[float(s), float(w)], [float(n), float(e)]]
        cls = shown if notice else hidden
        return summary, notice, cls, knox_table(k), notes, zones_text, zones_table, data, bounds


def _register_export(app: dash.Dash) -> None:
    @app.callback(
        Output("nr-zones-download", "data"),
        Input("nr-zones-download-btn", "n_clicks"),
        State(SELECTION_STORE, "data"),
        State("nr-permutations", "value"),
        State("nr-unit", "value"),
        prevent_initial_call=True,
    )
    def download(
        n_clicks: int | None, selection: dict | None, permutations: int | None, unit: str | None
    ) -> dict[str, Any] | dash.NoUpdate:
        if not n_clicks:
            return dash.no_update
        sel = state.selection_from_store(selection)
        opts = NearRepeatOptions(
            selection=sel, permutations=int(permutations or PAGE_PERMUTATIONS), unit=unit or "auto"
        )
        try:
            zones = run_nearrepeat(_source(), opts).zones
        except HotspotsError:
            return dash.no_update
        return dcc.send_string(zones_geojson(zones), filename="risk-zones.geojson", type="application/geo+json")

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input("nr-permutations", "value"),
        Input("nr-unit", "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def to_url(permutations: int | None, unit: str | None, search: str | None) -> str | dash.NoUpdate:
        new = state.with_page_param(
            search, "permutations", None if permutations == PAGE_PERMUTATIONS else str(permutations)
        )
        new = state.with_page_param(new, "unit", None if unit == "auto" else unit)
        return new if new != (search or "") else dash.no_update
