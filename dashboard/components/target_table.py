"""The Home Office target tracker: the counts-against-targets table and its status chips.

Status is always written out; the chip colour (from :data:`render.report.STATUS_COLOURS`) only
repeats it.
"""

from __future__ import annotations

import pandas as pd
from dash import html

from dashboard import state
from dashboard.components.tables import fmt_int, fmt_pct, html_table
from dashboard.components.trend_chart import SYNTHETIC
from geo.targets import PUBLISHED_TOTAL, TOTAL_CATEGORIES, TargetReport
from render.palette import STATUS_COLOURS


def _status_chip(status: str) -> html.Span:
    colour = STATUS_COLOURS.get(status)
    if not colour:
        return status
    style = {"background": colour, "color": "#000000", "padding": "0 6px", "borderRadius": "3px"}
    return html.Span(status, className="status-chip", style=style)


def _row(row: dict, reds: list[str], years: list[str], projected: bool) -> list:
    """One category's cells: baseline, maxima, years, projection, change and status."""
    change = "–" if pd.isna(row["change"]) else f"{row['change']:+,.0f} ({fmt_pct(row['change_pct'], 1, True)})"
    return [
        row["category"],
        fmt_int(row["baseline"]),
        *[fmt_int(row[c]) for c in reds],
        *[fmt_int(row[y]) for y in years],
        *([fmt_int(row["projected"])] if projected else []),
        change,
        _status_chip(str(row["status"])),
    ]


def targets_body(r: TargetReport) -> list:
    """The tracker for a :class:`geo.targets.TargetReport`: table, rules, notes."""
    t = r.table
    reds = [c for c in t.columns if c.startswith("max at ")]
    years = [y for y in r.years if y <= r.evaluated_year]
    later = [y for y in r.years if y > r.evaluated_year]
    projected = r.months_elapsed < 12
    cols = ["Category", "Baseline", *[c.replace("max at ", "Max ") for c in reds], *years]
    cols += [*(["Projected"] if projected else []), "Change vs baseline", "Status"]
    rows = [_row(row, reds, years, projected) for row in t.to_dict("records")]
    n_num = 2 + len(reds) + len(years) + int(projected)
    cats = list(t["category"])

    def row_class(i: int) -> str | None:
        if cats[i] == TOTAL_CATEGORIES:
            return "fw-semibold table-light"
        if cats[i] == PUBLISHED_TOTAL:
            return "fst-italic"
        return None

    out = [
        html.P(
            [
                html.Strong(f"{r.evaluated_year} counted to {state.fmt_date(r.as_of)}"),
                f" ({r.months_elapsed} of 12 months"
                + (", projected pro rata to a full year)." if r.months_elapsed < 12 else ")."),
            ],
            className="mb-1",
        ),
        html.Div(
            html_table(
                rows,
                cols,
                table_id="tg-table",
                numeric=tuple(range(1, n_num + 1)),
                row_class=row_class,
            ),
            className="table-responsive",
        ),
    ]
    if not r.totals_agree:
        diff = int(r.published_total) - int(r.baseline_sum)
        out.append(
            html.Div(
                [
                    html.Strong("The totals do not agree. "),
                    f"The eight categories' baselines add up to {r.baseline_sum:,}, but the published total is "
                    f"{r.published_total:,}: {abs(diff):,} offences {'more' if diff > 0 else 'fewer'} than the "
                    "categories. The published total includes offences not itemised in the categories, so it cannot be "
                    "counted from the store; both rows are shown and neither is dropped.",
                ],
                className="alert alert-warning py-2 my-2 small",
                id="tg-discrepancy",
                role="note",
            )
        )
    out.append(html.Div([html.Strong("Status rule: "), r.status_rule + "."], className="notes", id="tg-status-rule"))
    out.append(html.Div([html.Strong("Rounding: "), r.rounding_rule + "."], className="notes"))
    legend = [html.Span([_status_chip(s)], className="me-2") for s in STATUS_COLOURS]
    out.append(html.Div([html.Strong("Status colours (always written too): "), *legend], className="notes mt-1"))
    if later:
        out.append(
            html.Div(
                f"Later years in the store ({', '.join(later)}) are after the target period and not shown.",
                className="notes",
            )
        )
    out += [html.Div("Note: " + n, className="notes") for n in r.notes if "published total" not in n]
    if r.synthetic:
        out.append(
            html.Div(
                f"These counts are {SYNTHETIC} (the synthetic 2003–2008 force extract).", className="notes fst-italic"
            )
        )
    return out
