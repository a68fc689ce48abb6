"""Sections of the NTE page built from :mod:`service.nte` results: notes, why nothing matched, comparison, premises."""

from __future__ import annotations

from dash import html

from dashboard import state
from dashboard.components.tables import fmt_int, fmt_pct, html_table
from geo.selection import Selection
from service.nte import Comparison, NteOptions, NteResult, describe_change
from service.nte_types import window_text

WINDOW_TXT = window_text(NteOptions().window, "–")
SYNTHETIC_NOTE = (
    "synthetic demo data: in the demo store only the synthetic force extract (2003–2008) has times of day; "
    "the real data.police.uk records are month-only and cannot be placed in an hour"
)


def empty_text(sel: Selection, analysis: NteResult | None) -> html.Div:
    """Why nothing matched: no incidents, no time of day, or none in the window."""
    reasons = []
    if analysis is not None:
        if analysis.n_selected == 0:
            reasons.append("the filters select no incidents at all")
        else:
            v = analysis.view
            excl = sum(m.excluded_month + m.excluded_day for m in v.matrices.values())
            if excl:
                reasons.append(
                    f"{excl:,} matching records have no time of day (data.police.uk gives the month only), so "
                    "they cannot be placed in an hour"
                )
            reasons.append(f"none of the rest falls in the night-time window {WINDOW_TXT}")
    return html.Div(
        [
            html.Strong("No incidents match. "),
            html.Span("Why: " + "; ".join(reasons) + ". " if reasons else ""),
            html.Span(
                f"Selection: {sel.describe()}. Widen the dates (only records with a time of day can be placed in "
                "an hour), tick more crime types, or clear the day and hour filters."
            ),
        ]
    )


def _verdict(row: dict) -> str:
    p = float(row["p_value"])
    p_txt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    return f"{'Yes' if row['beyond_chance'] else 'No'} ({p_txt})"


def compare_section(a: NteResult, cmp: Comparison) -> list:
    """The year-on-year comparison per zone band, with the test and its verdict."""
    if cmp.comparison is None:
        return [html.P(f"No comparison: {cmp.note}.", className="small text-muted")]
    c = cmp.comparison
    order = {b: i for i, b in enumerate([*a.view.bands, "Total"])}
    t = c.table.sort_values("band", key=lambda s: s.map(order).fillna(len(order)), kind="stable")
    total = t[t["band"] == "Total"].iloc[0].to_dict()
    head = (
        f"{state.fmt_date(c.current[0])} to {state.fmt_date(c.current[1])} against "
        f"{state.fmt_date(c.previous[0])} to {state.fmt_date(c.previous[1])} ({cmp.note})."
    )
    rows = [
        [
            r["band"],
            fmt_int(r["previous"]),
            fmt_int(r["current"]),
            f"{int(r['change']):+,}",
            _verdict(r),
        ]
        for r in t.to_dict("records")
    ]
    return [
        html.P(head, className="small mb-1"),
        html.P(
            ["All bands: ", html.Strong(describe_change(total)), "."],
            className="mb-2",
            id="nte-compare-verdict",
        ),
        html.Div(
            html_table(
                rows,
                ["Band", "Previous", "Current", "Change", "Beyond chance?"],
                table_id="nte-compare-table",
                numeric=(1, 2, 3),
                row_class=lambda i: "fw-semibold" if i == len(rows) - 1 else None,
            ),
            className="table-responsive",
        ),
        html.Div(f"Test: {c.method}.", className="notes"),
        *[html.Div("Note: " + n, className="notes") for n in c.notes],
    ]


def premises_section(a: NteResult, top: int = 15) -> list:
    """The licensed premises ranked by linked night-time incidents (top ``top``)."""
    if a.premises is None:
        return [html.P("No timed night-time incidents to link to premises.", className="small text-muted")]
    p = a.premises
    t = p.table
    if t.empty:
        return [html.P(f"No incident within {p.radius_m:g} m of a licensed premises.", className="small")] + [
            html.Div(n, className="notes") for n in p.notes
        ]
    rows = []
    for r in t.head(top).to_dict("records"):
        marks = []
        if r["shared"]:
            marks.append(f"{int(r['shared'])} shared")
        if r["tied"]:
            marks.append(f"{int(r['tied'])} tied")
        rows.append(
            [
                str(r["rank"]),
                html.Span([r["name"], html.Br(), html.Span(r.get("postcode") or "", className="text-muted")]),
                fmt_int(r["incidents"]),
                fmt_pct(r["share_of_linked"]),
                r["peak_night"] or "–",
                r["peak_hour"] or "–",
                r["zone"] or "–",
                ", ".join(marks) or "–",
            ]
        )
    return [
        html.P(
            f"{p.n_linked:,} of {p.n_incidents:,} located night-time incidents ({WINDOW_TXT}) were within "
            f"{p.radius_m:g} m of a licensed premises; the top {min(top, len(t))} of {len(t):,} premises:",
            className="small mb-1",
        ),
        html.Div(
            html_table(
                rows,
                ["Rank", "Premises", "Incidents", "Share", "Peak night", "Peak hour", "Zone band", "Shared / tied"],
                table_id="nte-premises-table",
                numeric=(0, 2, 3),
                row_header=False,
            ),
            className="table-responsive nte-scroll",
            style={"maxHeight": "360px", "overflowY": "auto"},
        ),
        html.Div(
            "Share = of all linked incidents. Shared = incidents with another licensed premises within the radius "
            "too (a busy street: the premises is not the only candidate). Tied = incidents exactly as near to "
            "another premises; those go to the lowest premises id. Rule: " + p.rule + ".",
            className="notes mt-1",
        ),
        *[html.Div("Note: " + n, className="notes") for n in p.notes],
    ]


def analysis_notes(a: NteResult) -> list:
    """The notes under the heat map: types, conventions, what was left out."""
    v = a.view
    notes = [
        html.Div([html.Strong("Crime types: "), ", ".join(a.crime_types) + "."]),
        html.Div([html.Strong("Convention: "), v.convention]),
        html.Div([html.Strong("Bands: "), v.band_rule + "."]),
    ]
    excl_m = sum(m.excluded_month for m in v.matrices.values())
    excl_d = sum(m.excluded_day for m in v.matrices.values())
    mid = sum(m.midnight_flagged for m in v.matrices.values())
    notes.append(
        html.Div(
            [
                html.Strong("Left out: "),
                f"{excl_m:,} month-only records (no time of day), {excl_d:,} date-only, and {mid:,} "
                "stamped exactly 00:00 with no window (probably 'time unknown'; kept out rather than piled "
                "up at 00:00).",
            ],
            id="nte-excluded",
        )
    )
    if a.options.aoristic:
        windows = (
            f"{a.n_windowed:,} of the {a.n_timed:,} timed incidents of these types have a from/to window; the rest "
            "have an exact time, where counts and aoristic values agree."
        )
        notes.append(
            html.Div(
                "Aoristic values are incident-equivalents: an incident known only to lie between 21:40 and 23:10 "
                "adds a third to each of 21:00, 22:00 and 23:00. " + windows,
                id="nte-aoristic-note",
            )
        )
    notes.append(html.Div("Colour: viridis, the same scale across the panels; hover a cell for its value."))
    notes += [html.Div("Note: " + n) for n in a.selection_notes]
    if a.synthetic_share > 0:
        notes.append(html.Div(f"Heat map: {SYNTHETIC_NOTE}.", className="fst-italic"))
    return notes
