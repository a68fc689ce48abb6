"""Small, accessible HTML tables (Bootstrap classes) and the number formats they use."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from dash import html


def fmt_int(v: object) -> str:
    """1,234; an en dash for missing."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "–"
    return f"{int(round(float(v))):,}"


def fmt_num(v: object, decimals: int = 1) -> str:
    """A number with ``decimals`` places and thousands separators; an en dash for missing."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "–"
    return f"{float(v):,.{decimals}f}"


def fmt_pct(v: object, decimals: int = 1, signed: bool = False) -> str:
    """A share (0.123 -> 12.3%); ``signed`` for a change already in percent (+4.0%)."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "–"
    if signed:
        return f"{float(v):+.{decimals}f}%"
    return f"{100 * float(v):.{decimals}f}%"


def html_table(
    rows: Sequence[Sequence],
    columns: Sequence[str],
    *,
    table_id: str,
    caption: str | None = None,
    numeric: Sequence[int] = (),
    row_class: Callable[[int], str | None] | None = None,
    row_header: bool = True,
) -> html.Table:
    """A table with a header row; ``numeric`` column indices are right-aligned.

    Cells may be strings or Dash components.  The first cell of each row is a row header
    (``<th scope="row">``) when ``row_header``, so screen readers announce it.
    """
    numeric = set(numeric)

    def cls(i: int) -> str | None:
        return "text-end text-nowrap" if i in numeric else None

    head = html.Thead(
        html.Tr([html.Th(c, scope="col", className=cls(i)) for i, c in enumerate(columns)]), className="table-light"
    )
    body = []
    for r, row in enumerate(rows):
        cells = []
        for i, v in enumerate(row):
            if i == 0 and row_header:
                cells.append(html.Th(v, scope="row", className="fw-normal"))
            else:
                cells.append(html.Td(v, className=cls(i)))
        body.append(html.Tr(cells, className=row_class(r) if row_class else None))
    children = [html.Caption(caption, className="caption-top small")] if caption else []
    return html.Table(
        [*children, head, html.Tbody(body)],
        className="table table-sm table-hover small mb-1 align-middle",
        id=table_id,
    )
