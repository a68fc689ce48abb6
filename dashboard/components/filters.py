"""The shared filters panel and the one callback that keeps it, the URL and the selection in step.

Data flow::

    URL query string  <-->  filter controls  -->  dcc.Store "selection"  -->  page callbacks

* On load (and on back/forward) the URL is parsed into a Selection and the controls are set.
* When a control changes, the Selection is rebuilt, written to the URL (page parameters such
  as ``method`` are kept) and to the ``selection`` store.
* Pages read ``Input(SELECTION_STORE, "data")`` and turn it into a Selection with
  :func:`dashboard.state.selection_from_store`.
"""

from __future__ import annotations

from datetime import date

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.development.base_component import Component

from dashboard import data_access, state
from geo.config import District
from geo.schema import CRIME_GROUPS
from geo.selection import DAY_ABBR, DEFAULT_NIGHT_CUTOFF, SelectionError

URL = "url"
SELECTION_STORE = "selection"
_GROUP_PREFIX = "group:"

_CONTROLS = {
    # key in state.controls_from_selection -> (component id, property)
    "date_from": ("f-dates", "start_date"),
    "date_to": ("f-dates", "end_date"),
    "crime": ("f-crime", "value"),
    "ho": ("f-ho", "value"),
    "sector": ("f-sector", "value"),
    "zone": ("f-zone", "value"),
    "days": ("f-days", "value"),
    "hour_from": ("f-hour-from", "value"),
    "hour_to": ("f-hour-to", "value"),
    "night_cutoff": ("f-cutoff", "value"),
}


def crime_options() -> list[dict]:
    """Crime types grouped as analysts think of them; a group entry selects the whole group."""
    options = []
    for group, types in CRIME_GROUPS.items():
        options.append({"label": f"▸ All {group.lower()}", "value": f"{_GROUP_PREFIX}{group}"})
        options += [{"label": f"    {t}", "value": t} for t in sorted(types)]
    return options


def expand_groups(values: list[str] | None) -> list[str]:
    """Replace group entries by their crime types, keeping order and dropping repeats."""
    out: list[str] = []
    for v in values or []:
        members = CRIME_GROUPS.get(v[len(_GROUP_PREFIX) :], ()) if v.startswith(_GROUP_PREFIX) else (v,)
        out += [m for m in members if m not in out]
    return out


def _ho_options(district: District) -> list[dict]:
    cats = set(district.crime_codes["ho_category"].dropna()) | set(district.police_uk_ho.values())
    cats |= set(district.targets.baseline)
    return [{"label": c, "value": c} for c in sorted(cats)]


def _zone_options(district: District) -> list[dict]:
    opts = [{"label": "Anywhere", "value": ""}]
    for z in district.zones:
        opts += [
            {"label": f"Inside {z.label}", "value": z.key},
            {"label": f"Outside {z.label}", "value": f"out:{z.key}"},
        ]
    return opts


def _field(label: str, control: Component, html_for: str, help_text: str | None = None) -> html.Div:
    children = [html.Label(label, htmlFor=html_for, className="form-label small fw-semibold mb-1"), control]
    if help_text:
        children.append(html.Div(help_text, className="form-text mt-0"))
    return html.Div(children, className="mb-2")


def _date_fields(latest: date | None, earliest: date | None, latest_dated: date | None) -> list:
    """The date range picker and the quick picks."""
    latest_txt = state.fmt_date(latest) if latest else "unknown"
    quick_note = (
        f"Quick picks count back from the data, not from today: the financial year from its latest date "
        f"({latest_txt})"
        + (
            f", the weekend and 28 days from its latest incident with a day ({state.fmt_date(latest_dated)})"
            if latest_dated and latest_dated != latest
            else ""
        )
        + ". A weekend is Friday to Sunday; a financial year starts on 1 April."
    )
    quick = html.Div(
        [
            html.Button(
                label,
                id={"type": "f-quick", "key": key},
                n_clicks=0,
                className="btn btn-outline-secondary btn-sm me-1 mb-1",
                type="button",
            )
            for key, label in state.QUICK_PICKS.items()
        ],
        className="mb-1",
        role="group",
        **{"aria-label": "Quick date ranges"},
    )
    return [
        _field(
            "Dates (dd/mm/yyyy, inclusive)",
            dcc.DatePickerRange(
                id="f-dates",
                start_date_id="f-date-from",
                end_date_id="f-date-to",
                display_format="DD/MM/YYYY",
                first_day_of_week=1,
                clearable=True,
                min_date_allowed=earliest.isoformat() if earliest else None,
                max_date_allowed=latest.isoformat() if latest else None,
                initial_visible_month=latest.isoformat() if latest else None,
                start_date_placeholder_text="First",
                end_date_placeholder_text="Last",
                number_of_months_shown=1,
                persistence=False,
            ),
            "f-date-from",
        ),
        quick,
        html.Div(
            quick_note,
            className="form-text mt-0 mb-2",
        ),
    ]


def _what_fields(district: District) -> list:
    """Crime types, Home Office categories, sectors and the zone."""
    return [
        _field(
            "Crime types",
            dcc.Dropdown(
                id="f-crime",
                options=crime_options(),
                multi=True,
                placeholder="All crime types",
                persistence=False,
            ),
            "f-crime",
            "Pick a group entry to add all its types.",
        ),
        _field(
            "Home Office target categories",
            dcc.Dropdown(
                id="f-ho",
                options=_ho_options(district),
                multi=True,
                placeholder="Any category",
                persistence=False,
            ),
            "f-ho",
        ),
        _field(
            "Police sectors (illustrative)",
            dcc.Dropdown(
                id="f-sector",
                options=[{"label": s, "value": s} for s in district.sectors["sector"]],
                multi=True,
                placeholder="All sectors",
                persistence=False,
            ),
            "f-sector",
        ),
        _field(
            "Alcohol control zone",
            dcc.Dropdown(
                id="f-zone",
                options=_zone_options(district),
                value="",
                clearable=False,
                searchable=False,
                persistence=False,
            ),
            "f-zone",
        ),
    ]


def _time_fields() -> list:
    """Days of week, the hour window and the night cut-off."""
    hour_from = [{"label": "Any time", "value": ""}] + [{"label": f"{h:02d}:00", "value": str(h)} for h in range(24)]
    hour_to = [{"label": "Any time", "value": ""}] + [
        {"label": f"{h % 24:02d}:00" + (" (midnight)" if h == 24 else ""), "value": str(h)} for h in range(1, 25)
    ]
    cutoffs = [{"label": "Off: calendar days", "value": "off"}] + [
        {"label": f"{h:02d}:00" + (" (default)" if h == DEFAULT_NIGHT_CUTOFF else ""), "value": str(h)}
        for h in range(0, 13)
    ]
    return [
        html.Fieldset(
            [
                html.Legend(
                    "Days (nights) of week",
                    className="form-label small fw-semibold mb-1",
                    style={"fontSize": "0.8rem", "float": "none"},
                ),
                dcc.Checklist(
                    id="f-days",
                    options=[{"label": f" {a}", "value": i} for i, a in enumerate(DAY_ABBR)],
                    value=[],
                    inline=True,
                    inputClassName="form-check-input me-1",
                    labelClassName="form-check-label me-2 small",
                    persistence=False,
                ),
            ],
            className="mb-2",
        ),
        html.Div(
            [
                html.Div(
                    _field(
                        "From hour",
                        dcc.Dropdown(id="f-hour-from", options=hour_from, value="", clearable=False, persistence=False),
                        "f-hour-from",
                    ),
                    className="col-6",
                ),
                html.Div(
                    _field(
                        "To hour",
                        dcc.Dropdown(id="f-hour-to", options=hour_to, value="", clearable=False, persistence=False),
                        "f-hour-to",
                    ),
                    className="col-6",
                ),
            ],
            className="row g-2",
        ),
        html.Div(id="f-hours-note", className="form-text mt-0 mb-2", **{"aria-live": "polite"}),
        _field(
            "Night cut-off",
            dcc.Dropdown(
                id="f-cutoff",
                options=cutoffs,
                value=str(DEFAULT_NIGHT_CUTOFF),
                clearable=False,
                persistence=False,
            ),
            "f-cutoff",
            "Times before the cut-off count to the previous night: with 06:00, 02:00 on "
            "Saturday is Friday night. Day-of-week filters use nights.",
        ),
    ]


def panel(district: District, latest: date | None, earliest: date | None, latest_dated: date | None = None) -> html.Div:
    """The filters panel (rendered once in the app shell)."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Filters", className="h6 mb-0"),
                    html.Button("Reset", id="f-reset", n_clicks=0, type="button", className="btn btn-link btn-sm p-0"),
                ],
                className="d-flex justify-content-between align-items-center mb-2",
            ),
            html.Div(id="f-error", role="alert", className="small text-danger mb-2"),
            *_date_fields(latest, earliest, latest_dated),
            *_what_fields(district),
            *_time_fields(),
        ],
        className="filters-panel",
    )


def _hours_note(hf: str | None, ht: str | None) -> str:
    if hf in (None, "") or ht in (None, ""):
        return "Times in 24-hour clock; the end hour is excluded."
    a, b = int(hf), int(ht)
    if b < a and b != 0:
        return f"{a:02d}:00 to {b % 24:02d}:00 crosses midnight: the early hours count to the night before."
    return f"{a:02d}:00 to {b % 24:02d}:00 (end hour excluded)."


def register(app: dash.Dash) -> None:
    """Register the panel's callbacks on ``app``."""
    outputs = [Output(cid, prop) for cid, prop in _CONTROLS.values()]

    @app.callback(
        *outputs,
        Output(URL, "search"),
        Output(SELECTION_STORE, "data"),
        Output("f-error", "children"),
        Input(URL, "search"),
        *[Input(cid, prop) for cid, prop in _CONTROLS.values()],
        Input({"type": "f-quick", "key": ALL}, "n_clicks"),
        Input("f-reset", "n_clicks"),
        State(SELECTION_STORE, "data"),
    )
    def sync(search: str | None, *args: object) -> tuple:
        values = dict(zip(_CONTROLS, args[: len(_CONTROLS)], strict=True))
        current = args[-1]
        trig = ctx.triggered_id
        no_controls = [dash.no_update] * len(_CONTROLS)
        if trig is None or trig == URL:
            sel, error = state.selection_from_search(search)
            new = state.selection_to_mapping(sel)
            shown = state.controls_from_selection(sel)
            controls = [shown[k] if shown[k] != values[k] else dash.no_update for k in _CONTROLS]
            return *controls, dash.no_update, (new if new != current else dash.no_update), error
        if trig == "f-reset":
            sel = state.Selection()
            shown = state.controls_from_selection(sel)
            return *[shown[k] for k in _CONTROLS], state.with_selection(search, sel), {}, None
        expanded = expand_groups(values["crime"])
        crime_out = expanded if expanded != (values["crime"] or []) else dash.no_update
        values["crime"] = expanded
        date_out = [dash.no_update, dash.no_update]
        if isinstance(trig, dict) and trig.get("type") == "f-quick":
            _, latest = data_access.date_bounds()
            if latest is None:
                return *no_controls, dash.no_update, dash.no_update, "The store holds no incidents yet."
            cur = (
                date.fromisoformat(values["date_from"][:10]) if values["date_from"] else None,
                date.fromisoformat(values["date_to"][:10]) if values["date_to"] else None,
            )
            dated = data_access.latest_dated()
            lo, hi = state.quick_pick(trig["key"], latest.date(), cur, dated.date() if dated is not None else None)
            values["date_from"] = lo.isoformat() if lo else None
            values["date_to"] = hi.isoformat() if hi else None
            date_out = [values["date_from"], values["date_to"]]
        try:
            sel = state.selection_from_controls(values)
        except SelectionError as exc:
            controls = [*date_out, crime_out] + [dash.no_update] * (len(_CONTROLS) - 3)
            return *controls, dash.no_update, dash.no_update, str(exc)
        new = state.selection_to_mapping(sel)
        controls = [*date_out, crime_out] + [dash.no_update] * (len(_CONTROLS) - 3)
        search_out = state.with_selection(search, sel)
        return (
            *controls,
            search_out if search_out != (search or "") else dash.no_update,
            new if new != current else dash.no_update,
            None,
        )

    @app.callback(Output("f-hours-note", "children"), Input("f-hour-from", "value"), Input("f-hour-to", "value"))
    def hours_note(hf: str | None, ht: str | None) -> str:
        return _hours_note(hf, ht)
