"""Hour × night heat maps, binned on the server (plotly Heatmap of a 7 × hours matrix).

Never a Histogram2d of raw points: the matrix comes from :mod:`geo.timing` and only its cells
travel to the browser.  Colour: viridis (colour-blind safe, light = more); panels share one
colour scale so their cells compare directly.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

#: Sequential, colour-blind-safe scale for counts.
COLOURSCALE = "Viridis"
_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", "size": 12}


def _hover(aoristic: bool) -> str:
    value = "%{z:.1f} incident-equivalents" if aoristic else "%{z:,} incidents"
    return "%{y} night, %{x}<br>" + value + "<extra>%{fullData.name}</extra>"


def _style(fig: go.Figure, title: str | None, height: int, zmax: float, aoristic: bool) -> None:
    """Title, margins and the one colour scale shared by every panel."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 14}},
        height=height,
        margin={"l": 80, "r": 10, "t": 58 if title else 30, "b": 60},
        font=_FONT,
        coloraxis={
            "colorscale": COLOURSCALE,
            "cmin": 0,
            "cmax": zmax,
            "colorbar": {
                "title": {"text": "Incident-<br>equivalents" if aoristic else "Incidents", "side": "top"},
                "thickness": 12,
                "len": 0.9,
            },
        },
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
    )


def hour_night_figure(
    panels: dict[str, pd.DataFrame],
    hours: list[int],
    *,
    aoristic: bool = False,
    title: str = "",
    show_values: bool | None = None,
    height: int = 330,
) -> go.Figure:
    """One heat map per panel, side by side, rows = nights (Monday first), columns = ``hours``.

    Parameters
    ----------
    panels : dict of str to DataFrame
        Panel title -> matrix (index night names, columns clock hours 0-23).
    hours : list of int
        Clock hours to show, in reading order (e.g. 18 ... 23, 0 ... 5).
    aoristic : bool, default False
        Values are aoristic weights (shown with one decimal).
    title : str
    show_values : bool, optional
        Print each cell's value (default: only for a single panel).
    height : int, default 330

    Returns
    -------
    plotly.graph_objects.Figure
    """
    labels = [f"{h:02d}:00" for h in hours]
    n = max(len(panels), 1)
    if show_values is None:
        show_values = n == 1
    zmax = max([float(m[hours].to_numpy().max()) for m in panels.values()] + [1.0])
    fig = make_subplots(
        rows=1,
        cols=n,
        shared_yaxes=True,
        horizontal_spacing=0.025 if n > 1 else 0.0,
        subplot_titles=list(panels) if n > 1 else None,
    )
    for i, (name, matrix) in enumerate(panels.items(), start=1):
        z = matrix[hours]
        trace = go.Heatmap(
            z=z.to_numpy(),
            x=labels,
            y=list(z.index),
            name=name,
            coloraxis="coloraxis",
            hovertemplate=_hover(aoristic),
            xgap=1,
            ygap=1,
        )
        if show_values:
            trace.update(texttemplate="%{z:.1f}" if aoristic else "%{z:,}", textfont={"size": 11})
        fig.add_trace(trace, row=1, col=i)
        fig.update_xaxes(
            tickangle=-90 if n > 1 else 0,
            tickfont={"size": 10 if n > 1 else 11},
            title_text="Hour (24-hour clock)" if i == (n + 1) // 2 else None,
            title_standoff=4,
            row=1,
            col=i,
            type="category",
        )
    fig.update_yaxes(autorange="reversed", type="category", ticks="")
    fig.update_yaxes(title_text="Night of", row=1, col=1)
    _style(fig, title, height, zmax, aoristic)
    for ann in fig.layout.annotations:  # subplot titles
        ann.update(font={"size": 12})
    return fig


def empty_figure(message: str, height: int = 330) -> go.Figure:
    """A blank figure carrying a centred message (keeps the layout steady when nothing matches)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14})
    fig.update_layout(
        height=height,
        xaxis={"visible": False},
        yaxis={"visible": False},
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font=_FONT,
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
    )
    return fig
