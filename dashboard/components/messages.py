"""Messages several pages show the same way."""

from __future__ import annotations

from dash import html

from dashboard import data_access, state
from dashboard.errors import explain
from geo.selection import Selection


def no_incidents(sel: Selection, headline: str = "No incidents match these filters.") -> html.Div:
    """Why a selection is empty, with the data's date range and what to widen."""
    try:
        lo, hi = data_access.date_bounds()
        span = f" The data covers {state.fmt_date(lo)} to {state.fmt_date(hi)}." if lo is not None else ""
    except Exception as exc:  # a store that cannot be read must not break the message about it
        explain(exc, "data date range")
        span = ""
    return html.Div(
        [
            html.Strong(headline),
            html.Div(
                f"Selection: {sel.describe()}.{span} Widen the dates, remove a crime type or sector, or clear "
                "the day and hour filters (records without a time of day drop out of those).",
                className="small mt-1",
            ),
        ]
    )
