"""The map's hotspot details panel: one hotspot's figures, crime types, peak times and backtest."""

from __future__ import annotations

from dash import html

from geo.selection import Selection
from service.hotspots import HotspotDetails


def short_method(method: str | None) -> str:
    """Short name of a hotspot method for counts and titles (``"Gi*"`` for ``"gistar"``)."""
    names = {"kde": "KDE", "gistar": "Gi*", "dbscan": "DBSCAN", "hdbscan": "HDBSCAN", "emerging": "emerging Gi*"}
    return names.get(method or "", method or "")


def details_aside() -> html.Aside:
    """The (hidden) panel beside the map; ``map-details-body`` receives :func:`details_panel`."""
    return html.Aside(
        [
            html.Button(
                "×",
                id="map-details-close",
                n_clicks=0,
                type="button",
                className="hs-details-close",
                title="Close",
                **{"aria-label": "Close hotspot details"},
            ),
            html.Div(id="map-details-body"),
        ],
        id="map-details",
        className="hs-details",
        style={"display": "none"},
        role="region",
        **{"aria-label": "Hotspot details", "aria-live": "polite"},
    )


def pai_short(bt: dict | None) -> str:
    """The backtest as the stat bar shows it beside the hotspot count (``"· PAI 3.2"``)."""
    if not bt:
        return ""
    if bt.get("pai") is None:
        return "· no backtest"
    return f"· PAI {bt['pai']:.1f}"


def _pai_line(bt: dict | None, method: str | None) -> html.Div:
    if not bt or bt.get("method") != method:
        return html.Div("Backtest of the method: running…", className="text-muted", id="map-details-pai")
    if bt.get("pai") is None:
        reason = bt.get("text", "").removeprefix("no backtest: ")
        return html.Div(
            f"Backtest of the method: the selection is too small or spans too few months to backtest ({reason}).",
            id="map-details-pai",
        )
    folds = f"the latest {bt['folds']} monthly backtest{'s' if bt['folds'] != 1 else ''}"
    extra = f" ({folds}, {bt['test_incidents']:,} test incidents)"
    return html.Div(
        [html.Strong(f"Backtest of {short_method(method)}: "), bt["text"], html.Span(extra, className="text-muted")],
        id="map-details-pai",
    )


def details_panel(d: HotspotDetails, method: str | None, bt: dict | None, sel: Selection) -> list:
    """Children of ``map-details-body`` for ``d`` (:func:`service.hotspots.hotspot_details`)."""
    total = sum(n for _, n in d.crime_types) or 1
    types = [html.Li(f"{t}: {n:,} ({n / total:.0%})") for t, n in d.crime_types[:5]]
    if len(d.crime_types) > 5:
        types.append(html.Li(f"{len(d.crime_types) - 5} other types", className="text-muted"))
    p = d.profile
    if p.timed:
        day_rule = (
            "calendar days"
            if sel.night_cutoff is None
            else f"night-of days: times before {sel.night_cutoff:02d}:00 count to the night before"
        )
        times = [
            html.Div(
                [
                    html.Strong("Peak hours: "),
                    f"{p.peak_hours} ({p.window_share or 0:.0%} of {p.timed:,} incidents with a time)",
                ]
            ),
            html.Div(
                [
                    html.Strong("Peak days: "),
                    ", ".join(f"{name} {n:,}" for name, n in p.days[:3]),
                    html.Span(f" ({day_rule})", className="text-muted"),
                ]
            ),
        ]
    else:
        times = [html.Div([html.Strong("Peak hours and days: "), "no times (month-precision data)"])]
    return [
        html.Div(html.Strong(f"Hotspot {d.rank} of {d.n_hotspots:,}"), id="map-details-title", className="pe-4"),
        html.Div(
            f"{d.count:,} incidents ({d.share:.1%} of the selection) · {d.area_m2 / 1e4:,.2f} ha · "
            f"{d.density_per_km2:,.0f} per km²"
        ),
        html.Div(["Nearest street: ", d.street], className="text-muted") if d.street else None,
        html.Div(html.Strong("Crime types"), className="mt-1"),
        html.Ul(types, className="mb-1 ps-3", id="map-details-types"),
        *times,
        html.Div(_pai_line(bt, method), className="mt-1"),
    ]
