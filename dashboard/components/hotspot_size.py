"""The map's "Hotspot size" control and its postcode-centroid box: how the hotspots are drawn.

The budget is a share of the *selection's* area (its sectors and zone, else the district) or a
number of hotspots, passed to :class:`service.hotspots.HotspotsOptions` as ``top_share`` or
``max_hotspots``; the value travels in the URL as ``size`` (omitted for the default, 1%).
The box, shown for the cluster methods only, clusters incidents placed at a postcode centroid too
(``centroids=true`` in the URL); by default they are left out and the hotspot line says how many.
Both reach the callbacks as one store, :data:`CHOICES_ID` (``{"size": ..., "centroids": ...}``).
The note beside them says which method ``auto`` chose and how many hotspots were left out and why.
"""

from __future__ import annotations

from dataclasses import replace

import dash
from dash import Input, Output, State, dcc, html

from dashboard import data_access, state
from dashboard.components.filters import URL
from dashboard.components.map_views import hotspot_options
from dashboard.errors import explain
from geo.hotspots import POINT_METHODS
from service.hotspots import HotspotsOptions, HotspotsResult, run_hotspots

#: Component ids (the dropdown and the note under the stat bar).
SIZE_ID = "map-hotspot-size"
SIZE_NOTE_ID = "map-hotspot-size-note"
#: The postcode-centroid box, its wrapper (hidden unless a cluster method is chosen) and the store
#: holding both controls' values, which every hotspot callback reads.
CENTROIDS_ID = "map-centroids-opt"
CENTROIDS_BOX_ID = "map-centroids-box"
CHOICES_ID = "map-hotspot-choices"
#: URL parameters of the controls.
SIZE_PARAM = "size"
CENTROIDS_PARAM = "centroids"
#: value -> (label, top_share, max_hotspots); None leaves the engine's default (1% of the area).
SIZE_CHOICES: dict[str, tuple[str, float | None, int | None]] = {
    "1": ("1% of the selection's area", None, None),
    "2": ("2% of the selection's area", 0.02, None),
    "5": ("5% of the selection's area", 0.05, None),
    "top3": ("Top 3 hotspots", None, 3),
    "top5": ("Top 5 hotspots", None, 5),
    "top10": ("Top 10 hotspots", None, 10),
}
DEFAULT_SIZE = "1"


def parse_size(value: object) -> str:
    """The control's value for a URL or callback value (unknown ones give the default)."""
    text = str(value) if value is not None else ""
    return text if text in SIZE_CHOICES else DEFAULT_SIZE


def url_value(value: object) -> str | None:
    """What the URL's ``size`` holds for ``value`` (None for the default: left out of the URL)."""
    size = parse_size(value)
    return None if size == DEFAULT_SIZE else size


def with_size(options: HotspotsOptions, value: object) -> HotspotsOptions:
    """``options`` with the budget of the control's ``value`` (emerging classes take none)."""
    if options.method == "emerging":
        return options
    _, share, count = SIZE_CHOICES[parse_size(value)]
    return replace(options, top_share=share, max_hotspots=count)


def with_choices(options: HotspotsOptions, choices: dict | None) -> HotspotsOptions:
    """``options`` with the size and (cluster methods only) the centroid choice of :data:`CHOICES_ID`."""
    choices = choices or {}
    options = with_size(options, choices.get("size"))
    if options.method in POINT_METHODS and choices.get("centroids"):
        options = replace(options, centroids=True)
    return options


def choices_data(size: object, centroids: object) -> dict:
    """What :data:`CHOICES_ID` holds for the URL's ``size`` and ``centroids`` parameters."""
    return {"size": parse_size(size), "centroids": str(centroids).lower() == "true"}


def size_note(found: HotspotsResult) -> str:
    """One line: the method ``auto`` chose and why, and how many hotspots were left out and why."""
    parts = []
    reason = found.result.params.get("choice_reason")
    if reason:
        parts.append(str(reason))
    if found.result.dropped_note:
        parts.append(found.result.dropped_note)
    return ". ".join(p.rstrip(".") for p in parts) + ("." if parts else "")


def hotspot_size_control(value: object = DEFAULT_SIZE) -> html.Div:
    """The labelled "Hotspot size" dropdown (keyboard-operable: Tab to it, arrows and Enter)."""
    return html.Div(
        [
            html.Label("Hotspot size", htmlFor=SIZE_ID, className="small fw-semibold ms-3 me-2 mb-0"),
            dcc.Dropdown(
                id=SIZE_ID,
                options=[{"label": label, "value": key} for key, (label, _, _) in SIZE_CHOICES.items()],
                value=parse_size(value),
                clearable=False,
                searchable=False,
                style={"minWidth": "210px"},
            ),
        ],
        className="d-flex align-items-center",
    )


def size_note_line() -> html.Div:
    """Where :func:`size_note` appears (read out when it changes)."""
    return html.Div(id=SIZE_NOTE_ID, className="notes small w-100", **{"aria-live": "polite"})


def centroids_box(checked: bool, method: str) -> html.Div:
    """The "Include incidents at postcode centroids" box (shown for the cluster methods only)."""
    return html.Div(
        dcc.Checklist(
            id=CENTROIDS_ID,
            options=[{"label": " Include incidents at postcode centroids", "value": "true"}],
            value=["true"] if checked else [],
            inputClassName="me-1",
            className="small",
        ),
        id=CENTROIDS_BOX_ID,
        className="ms-3",
        style=None if method in POINT_METHODS else {"display": "none"},
    )


def controls(query: dict, method: str) -> list:
    """The controls, their store and the note, as the map's stat bar places them (from the URL's query)."""
    data = choices_data(query.get(SIZE_PARAM), query.get(CENTROIDS_PARAM))
    return [
        dcc.Store(id=CHOICES_ID, data=data),
        hotspot_size_control(data["size"]),
        centroids_box(data["centroids"], method),
        size_note_line(),
    ]


def register_callbacks(app: dash.Dash) -> None:
    """The controls into their store and the URL, the box's visibility, and the note."""
    # In the browser: no server round trip before the hotspot callbacks see the new values.
    app.clientside_callback(
        "function(size, box) { return {size: size, centroids: (box || []).indexOf('true') >= 0}; }",
        Output(CHOICES_ID, "data"),
        Input(SIZE_ID, "value"),
        Input(CENTROIDS_ID, "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        f"function(method) {{ return {list(POINT_METHODS)!r}.indexOf(method) >= 0 ? {{}} : {{display: 'none'}}; }}",
        Output(CENTROIDS_BOX_ID, "style"),
        Input("map-method", "value"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input(CHOICES_ID, "data"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def choices_to_url(choices: dict | None, search: str | None) -> str:
        choices = choices or {}
        new = state.with_page_param(search, SIZE_PARAM, url_value(choices.get("size")))
        new = state.with_page_param(new, CENTROIDS_PARAM, "true" if choices.get("centroids") else None)
        return new if new != (search or "") else dash.no_update

    @app.callback(
        Output(SIZE_NOTE_ID, "children"),
        Input("map-hotspot-count", "children"),
        State("map-incidents-done", "data"),
        State("map-method", "value"),
        State(CHOICES_ID, "data"),
    )
    def update_size_note(_count: object, selection: dict | None, method: str | None, choices: dict | None) -> str:
        try:
            found = run_hotspots(data_access.source(), with_choices(hotspot_options(selection, method), choices))
        except Exception as exc:  # the hotspot line already says why there are none
            explain(exc, "Hotspot note unavailable")  # logs anything but a user error, with its traceback
            return ""
        return size_note(found)
