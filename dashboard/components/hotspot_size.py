"""The map's "Hotspot size" control: how much of the selection the hotspots may cover.

The budget is a share of the *selection's* area (its sectors and zone, else the district) or a
number of hotspots, passed to :class:`service.hotspots.HotspotsOptions` as ``top_share`` or
``max_hotspots``; the value travels in the URL as ``size`` (omitted for the default, 1%).
The note beside it says which method ``auto`` chose and how many hotspots were left out and why.
"""

from __future__ import annotations

from dataclasses import replace

import dash
from dash import Input, Output, State, dcc, html

from dashboard import data_access, state
from dashboard.components.filters import URL
from dashboard.components.map_views import hotspot_options
from dashboard.errors import explain
from service.hotspots import HotspotsOptions, HotspotsResult, run_hotspots

#: Component ids (the dropdown and the note under the stat bar).
SIZE_ID = "map-hotspot-size"
SIZE_NOTE_ID = "map-hotspot-size-note"
#: URL parameter of the control.
SIZE_PARAM = "size"
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


def controls(value: object = DEFAULT_SIZE) -> list[html.Div]:
    """The control and its note, as the map's stat bar places them."""
    return [hotspot_size_control(value), size_note_line()]


def register_callbacks(app: dash.Dash) -> None:
    """The control's value into the URL, and the note (once the hotspot layer has been drawn)."""

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
        Input(SIZE_ID, "value"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def size_to_url(size: str | None, search: str | None) -> str:
        new = state.with_page_param(search, SIZE_PARAM, url_value(size))
        return new if new != (search or "") else dash.no_update

    @app.callback(
        Output(SIZE_NOTE_ID, "children"),
        Input("map-hotspot-count", "children"),
        State("map-incidents-done", "data"),
        State("map-method", "value"),
        State(SIZE_ID, "value"),
    )
    def update_size_note(_count: object, selection: dict | None, method: str | None, size: str | None) -> str:
        try:
            found = run_hotspots(data_access.source(), with_size(hotspot_options(selection, method), size))
        except Exception as exc:  # the hotspot line already says why there are none
            explain(exc, "Hotspot note unavailable")  # logs anything but a user error, with its traceback
            return ""
        return size_note(found)
