"""The sectors page's trends: a line per group with unusual counts flagged, the headline and the flags table.

Every number comes from :func:`service.trends.run_trend_flags` (itself over :mod:`geo.trends`);
flags are drawn as black triangles with a written "high" / "low", not colour alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import html

from dashboard.components.tables import fmt_int, fmt_num, html_table
from render.palette import SECTOR_COLOURS
from service.trends import FLAG_PERIODS, TrendFlags

MAX_LINES = 8
SYNTHETIC = "synthetic demo data"
_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", "size": 12}


def _display_period(label: str) -> str:
    if label[:4].isdigit():
        return pd.Timestamp(label + "-01").strftime("%b %Y")
    return label[:1].upper() + label[1:]


def _gaps(dates: pd.Series, covered: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(last covered, next covered) around each run of 3+ uncovered periods."""
    out, last, run = [], None, 0
    for d, ok in zip(dates, covered, strict=True):
        if ok:
            if last is not None and run >= 3:
                out.append((last, d))
            last, run = d, 0
        else:
            run += 1
    return out


_DAY_MS = 86_400_000


def time_ticks(dates: pd.Series, target: int = 10) -> dict:
    """X-axis tick settings that label each tick once: weeks (dd/mm/yyyy) for a short span, else months or years.

    Plotly's automatic spacing can put several ticks inside one month, and a month format then repeats
    the same label ("01/2008 01/2008 ..."); a fixed ``dtick`` of whole weeks or months avoids that.
    """
    if len(dates) == 0:
        return {"tickformat": "%m/%Y"}
    first, last = pd.Timestamp(dates.min()), pd.Timestamp(dates.max())
    span_days = max((last - first).days, 1)
    if span_days <= 7 * 16:
        weeks = max(1, -(-span_days // (7 * target)))
        return {"tickformat": "%d/%m/%Y", "dtick": weeks * 7 * _DAY_MS, "tick0": first.strftime("%Y-%m-%d")}
    months = span_days / 30.44
    step = next((m for m in (1, 2, 3, 6, 12, 24, 60) if months / m <= target), 120)
    return {"tickformat": "%m/%Y" if step < 12 else "%Y", "dtick": f"M{step}", "tick0": "2000-01-01"}


def trend_figure(t: TrendFlags, colours: dict[str, str]) -> tuple[go.Figure, list[str]]:
    """Lines per group (the largest ``MAX_LINES``), flag markers, and notes on what was left out."""
    series = t.report.series
    dates = t.dates
    notes = []
    cols = list(series.columns)
    if len(cols) > MAX_LINES:
        keep = series.sum().sort_values(ascending=False).index[:MAX_LINES]
        notes.append(
            f"The chart shows the {MAX_LINES} largest of {len(cols)} groups; the flags table lists every group."
        )
        cols = [c for c in cols if c in set(keep)]
    palette = list(SECTOR_COLOURS)
    fig = go.Figure()
    x = dates.to_numpy()
    for i, c in enumerate(cols):
        name = str(c) if t.group_col else "All selected incidents"
        fig.add_trace(
            go.Scatter(
                x=x,
                y=series[c],
                name=name,
                mode="lines",
                line={"width": 1.8, "color": colours.get(str(c), palette[i % len(palette)])},
                connectgaps=False,
                hovertemplate="%{x|%d/%m/%Y}: %{y:,.0f}<extra>" + name + "</extra>",
            )
        )
    flags = t.flags
    for kind, symbol, word in (("high", "triangle-up", "high"), ("low", "triangle-down", "low")):
        f = flags[flags["flag"] == kind]
        if f.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=f["x"],
                y=f["count"],
                mode="markers+text",
                name=f"Unusually {kind}",
                marker={"symbol": symbol, "size": 13, "color": "#000000", "line": {"color": "#ffffff", "width": 1}},
                text=[word] * len(f),
                textposition="top center" if kind == "high" else "bottom center",
                textfont={"size": 9, "color": "#000000"},
                customdata=np.column_stack([f["group"], f["expected_low"], f["expected_high"]]),
                hovertemplate="%{customdata[0]}: %{y:,} (expected %{customdata[1]:,.0f}–%{customdata[2]:,.0f})"
                + f"<extra>unusually {kind}</extra>",
            )
        )
    covered = series.notna().any(axis=1)
    breaks = []
    for a, b in _gaps(dates, covered):
        breaks.append({"bounds": [a + pd.Timedelta(days=1), b - pd.Timedelta(days=1)]})
        fig.add_vline(x=b, line={"dash": "dot", "color": "#777777", "width": 1})
        notes.append(
            f"No data between {a:%m/%Y} and {b:%m/%Y}: that stretch is cut out of the time axis (dotted line)."
        )
    fig.update_layout(
        height=340,
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        font=_FONT,
        legend={"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 11}},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        hovermode="closest",
    )
    fig.update_xaxes(type="date", rangebreaks=breaks, showgrid=True, gridcolor="#eeeeee", **time_ticks(dates))
    fig.update_yaxes(title_text=f"Incidents per {t.report.freq}", rangemode="tozero", gridcolor="#eeeeee")
    return fig, notes


def flags_section(t: TrendFlags, notes: list[str], group_name: str) -> list:
    """The flags table (newest first), the rule, notes and the synthetic-data label."""
    rep = t.report
    flags = t.flags.sort_values(["x", "flag"], ascending=[False, True])
    children = []
    if flags.empty:
        children.append(
            html.P(f"No unusual counts in the last {FLAG_PERIODS} {rep.freq}s with data.", className="small")
        )
    else:
        rows = [
            [
                _display_period(r["period"]),
                r["group"],
                fmt_int(r["count"]),
                f"{fmt_int(r['expected_low'])}–{fmt_int(r['expected_high'])}",
                fmt_num(r["baseline_mean"], 1),
                ("▲ high" if r["flag"] == "high" else "▼ low"),
            ]
            for r in flags.to_dict("records")
        ]
        children.append(
            html.Div(
                html_table(
                    rows,
                    ["Period", group_name, "Count", "Expected range", "Baseline mean", "Flag"],
                    table_id="sec-flags-table",
                    caption=f"Unusual counts in the last {FLAG_PERIODS} {rep.freq}s with data",
                    numeric=(2, 3, 4),
                ),
                className="table-responsive",
                style={"maxHeight": "260px", "overflowY": "auto"},
            )
        )
    children.append(html.Div(f"Rule: {rep.method}. A flag means 'look at this', not proof.", className="notes"))
    children += [html.Div("Note: " + n, className="notes") for n in [*notes, *rep.notes]]
    if t.synthetic:
        children.append(
            html.Div(
                f"Counts include {SYNTHETIC} (the 2003–2008 force extract).",
                className="notes fst-italic",
            )
        )
    return children


def headline(t: TrendFlags) -> html.Div:
    """One line on the latest period: how many groups are unusual, the first four named."""
    rep = t.report
    f = rep.flagged
    period = _display_period(rep.period)
    if f.empty:
        return html.Div(
            [html.Strong(f"{period}: "), f"no group is outside its expected range ({len(rep.table)} checked)."]
        )
    parts = []
    for r in f.head(4).to_dict("records"):
        name = r[t.group_col] if t.group_col else "All"
        parts.append(
            f"{name} {int(r['count']):,} (expected {fmt_int(r['expected_low'])}–{fmt_int(r['expected_high'])})"
        )
    more = f" and {len(f) - 4} more" if len(f) > 4 else ""
    return html.Div(
        [
            html.Strong(f"{period}: {len(f)} of {len(rep.table)} unusual: "),
            "; ".join(parts) + more + ".",
        ]
    )
